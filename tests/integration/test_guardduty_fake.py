"""The loopback GuardDuty server through real boto3: detectors, criteria, paging, ≤ 50 ids, archive; the boto3
(PascalCase) findings parse into the same details as the camelCase samples they were seeded from."""

from __future__ import annotations

import copy
import json

import boto3
import pytest
from botocore.exceptions import ClientError

from inspector2backlog.sources.guardduty import ja
from inspector2backlog.sources.guardduty.parse import lifecycle_status, parse_document, parse_finding
from tests.conftest import shared_samples
from tests.fakes.guardduty_server import GuardDutyServer

DETECTOR = "d4b040365221be2b54a6264dcexample"


def sample_findings() -> list[dict]:
    out = []
    for path in sorted(shared_samples("guardduty").glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        out += [doc["detail"]] if "detail" in doc else doc.get("Findings") or [doc]
    return out


@pytest.fixture
def server():
    with GuardDutyServer() as srv:
        yield srv


def client(srv):
    return boto3.client(
        "guardduty",
        endpoint_url=srv.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def fetch_all(gd, detector: str, criterion: dict | None = None) -> list[dict]:
    ids: list[str] = []
    kwargs = {"DetectorId": detector, "MaxResults": 50}
    if criterion:
        kwargs["FindingCriteria"] = {"Criterion": criterion}
    for page in gd.get_paginator("list_findings").paginate(**kwargs):
        ids += page["FindingIds"]
    found: list[dict] = []
    for i in range(0, len(ids), 50):
        found += gd.get_findings(DetectorId=detector, FindingIds=ids[i : i + 50])["Findings"]
    return found


def test_boto3_pascal_case_equals_the_camel_case_samples(server):
    samples = sample_findings()
    server.add_findings(DETECTOR, samples)
    gd = client(server)
    assert gd.list_detectors()["DetectorIds"] == [DETECTOR]
    got = fetch_all(gd, DETECTOR)
    assert len(got) == len(samples)
    assert all("Id" in f and "id" not in f for f in got)  # boto3's shape, not the wire's
    by_id = {d.finding_id: d for d in parse_document({"Findings": got}).findings}
    camel = [f for f in samples if "id" in f]
    assert len(camel) >= 4
    for raw in samples:
        original = parse_finding(raw)
        assert by_id[original.finding_id] == original, original.finding_type


def test_paging_criteria_archive_and_unarchive(server):
    base = next(f for f in sample_findings() if f.get("type") == "Recon:EC2/PortProbeUnprotectedPort")
    many = []
    for i in range(120):
        f = copy.deepcopy(base)
        f["id"] = f"finding-{i:03d}"
        f["severity"] = 8 if i % 3 == 0 else 2
        many.append(f)
    server.add_findings(DETECTOR, many)
    gd = client(server)
    first = gd.list_findings(DetectorId=DETECTOR, MaxResults=50)
    assert len(first["FindingIds"]) == 50 and first["NextToken"]
    assert len(fetch_all(gd, DETECTOR)) == 120
    high = fetch_all(gd, DETECTOR, {"severity": {"GreaterThanOrEqual": 7}})
    assert len(high) == 40 and all(f["Severity"] == 8 for f in high)

    gd.archive_findings(DetectorId=DETECTOR, FindingIds=[f"finding-{i:03d}" for i in range(30)])
    archived = fetch_all(gd, DETECTOR, {"service.archived": {"Equals": ["true"]}})
    assert len(archived) == 30
    assert {lifecycle_status(d) for d in parse_document({"Findings": archived}).findings} == {"archived"}
    assert len(fetch_all(gd, DETECTOR, {"service.archived": {"Eq": ["false"]}})) == 90
    gd.unarchive_findings(DetectorId=DETECTOR, FindingIds=["finding-000"])
    assert len(fetch_all(gd, DETECTOR, {"service.archived": {"Eq": ["true"]}})) == 29
    assert server.finding(DETECTOR, "finding-000")["service"]["archived"] is False


def test_limits_and_errors(server):
    server.add_detector(DETECTOR)
    gd = client(server)
    with pytest.raises(ClientError) as e:
        gd.get_findings(DetectorId=DETECTOR, FindingIds=[f"x{i}" for i in range(51)])
    assert e.value.response["Error"]["Code"] == "BadRequestException"
    with pytest.raises(ClientError) as e:
        gd.list_findings(DetectorId="not-a-detector")
    assert e.value.response["Error"]["Code"] == "BadRequestException"
    server.fail(1, "AccessDeniedException")
    with pytest.raises(ClientError) as e:
        gd.list_detectors()
    assert e.value.response["Error"]["Code"] == "AccessDeniedException"
    assert gd.list_detectors()["DetectorIds"] == [DETECTOR]
    assert server.requests[-1]["method"] == "GET" and server.requests[-1]["path"] == "/detector"


def _every_block() -> dict:
    """A composed finding (test data, not a real sample) with every resource and action block, in wire camelCase."""
    tags = [{"key": "env", "value": "prod"}]
    proc = {
        "name": "xmrig",
        "executablePath": "/tmp/xmrig",
        "executableSha256": "ab" * 32,
        "pid": 4242,
        "namespacePid": 7,
        "pwd": "/tmp",
        "user": "root",
        "userId": 0,
        "euid": 0,
        "startTime": "2024-05-01T00:00:00Z",
        "lineage": [{"executablePath": "/bin/bash", "pid": 1}],
    }
    container = {
        "containerRuntime": "containerd",
        "id": "c-1",
        "name": "web",
        "image": "nginx:1.25",
        "imagePrefix": "nginx",
        "securityContext": {"privileged": True, "allowPrivilegeEscalation": True},
        "volumeMounts": [{"name": "host", "mountPath": "/host"}],
    }
    return {
        "id": "every-block",
        "type": "AttackSequence:EKS/CompromisedCluster",
        "severity": 9.5,
        "arn": "arn:x",
        "accountId": "111122223333",
        "region": "ap-northeast-1",
        "createdAt": "2024-05-01T00:00:00.000Z",
        "updatedAt": "2024-05-01T00:10:00.000Z",
        "resource": {
            "resourceType": "EKSCluster",
            "eksClusterDetails": {
                "name": "prod",
                "arn": "arn:eks",
                "vpcId": "vpc-1",
                "status": "ACTIVE",
                "tags": tags,
                "createdAt": 1714521600,
            },
            "kubernetesDetails": {
                "kubernetesUserDetails": {
                    "username": "system:anonymous",
                    "uid": "u-1",
                    "groups": ["g1"],
                    "sessionName": ["s1"],
                    "impersonatedUser": {"username": "admin", "groups": ["system:masters"]},
                },
                "kubernetesWorkloadDetails": {
                    "name": "miner",
                    "type": "pods",
                    "uid": "w-1",
                    "namespace": "default",
                    "hostNetwork": True,
                    "hostIPC": True,
                    "hostPID": False,
                    "serviceAccountName": "sa",
                    "containers": [container],
                    "volumes": [{"name": "host", "hostPath": {"path": "/"}}],
                },
            },
            "ecsClusterDetails": {
                "name": "ecs",
                "arn": "arn:ecs",
                "status": "ACTIVE",
                "activeServicesCount": 2,
                "registeredContainerInstancesCount": 3,
                "runningTasksCount": 4,
                "tags": tags,
                "taskDetails": {
                    "arn": "arn:task",
                    "definitionArn": "arn:def",
                    "version": "3",
                    "createdAt": 1714521600,
                    "startedAt": 1714521660,
                    "startedBy": "me",
                    "group": "svc",
                    "launchType": "FARGATE",
                    "containers": [container],
                    "tags": tags,
                },
            },
            "containerDetails": container,
            "lambdaDetails": {
                "functionArn": "arn:fn",
                "functionName": "fn",
                "description": "d",
                "lastModifiedAt": 1714521600,
                "revisionId": "r",
                "functionVersion": "$LATEST",
                "role": "arn:role",
                "vpcConfig": {
                    "subnetIds": ["subnet-1"],
                    "vpcId": "vpc-1",
                    "securityGroups": [{"groupId": "sg-1", "groupName": "default"}],
                },
                "tags": tags,
            },
            "rdsDbInstanceDetails": {
                "dbInstanceIdentifier": "db1",
                "engine": "aurora-mysql",
                "engineVersion": "3.04",
                "dbClusterIdentifier": "c1",
                "dbInstanceArn": "arn:db",
                "dbiResourceId": "db-ABC",
                "tags": tags,
            },
            "rdsLimitlessDbDetails": {
                "dbShardGroupIdentifier": "sg",
                "dbShardGroupResourceId": "sgr",
                "dbShardGroupArn": "arn:sg",
                "engine": "aurora-postgresql",
                "engineVersion": "16.4",
                "dbClusterIdentifier": "lc",
                "tags": tags,
            },
            "rdsDbUserDetails": {
                "user": "admin",
                "application": "psql",
                "database": "app",
                "ssl": "yes",
                "authMethod": "PASSWORD",
            },
            "ebsVolumeDetails": {
                "scannedVolumeDetails": [
                    {
                        "volumeArn": "arn:vol",
                        "volumeType": "gp3",
                        "deviceName": "/dev/xvda",
                        "volumeSizeInGB": 8,
                        "encryptionType": "UNENCRYPTED",
                    }
                ],
                "skippedVolumeDetails": [{"volumeArn": "arn:vol2"}],
            },
            "s3BucketDetails": [
                {
                    "name": "b",
                    "arn": "arn:aws:s3:::b",
                    "type": "Destination",
                    "s3ObjectDetails": [
                        {"objectArn": "arn:obj", "key": "k", "eTag": "e", "versionId": "v", "hash": "h"}
                    ],
                }
            ],
        },
        "service": {
            "serviceName": "guardduty",
            "detectorId": DETECTOR,
            "archived": False,
            "count": 3,
            "eventFirstSeen": "2024-05-01T00:00:00.000Z",
            "eventLastSeen": "2024-05-01T00:05:00.000Z",
            "featureName": "Correlation",
            "resourceRole": "TARGET",
            "action": {
                "actionType": "KUBERNETES_API_CALL",
                "kubernetesApiCallAction": {
                    "requestUri": "/api/v1/pods",
                    "verb": "create",
                    "resource": "pods",
                    "namespace": "default",
                    "resourceName": "miner",
                    "sourceIPs": ["203.0.113.7"],
                    "userAgent": "kubectl",
                    "statusCode": 201,
                    "parameters": "{}",
                    "remoteIpDetails": {"ipAddressV4": "203.0.113.7", "country": {"countryName": "Japan"}},
                },
                "dnsRequestAction": {
                    "domain": "pool.example",
                    "protocol": "UDP",
                    "blocked": False,
                    "domainWithSuffix": "pool.example",
                },
                "portProbeAction": {
                    "blocked": False,
                    "portProbeDetails": [
                        {
                            "localPortDetails": {"port": 22, "portName": "SSH"},
                            "localIpDetails": {"ipAddressV4": "10.0.0.5"},
                            "remoteIpDetails": {
                                "ipAddressV4": "198.51.100.4",
                                "ipAddressV6": "2001:db8::4",
                                "organization": {"asn": "64500", "asnOrg": "EX", "isp": "ISP", "org": "ORG"},
                            },
                        }
                    ],
                },
                "rdsLoginAttemptAction": {
                    "remoteIpDetails": {"ipAddressV4": "192.0.2.9"},
                    "LoginAttributes": [
                        {"user": "admin", "application": "psql", "failedLoginAttempts": 5, "successfulLoginAttempts": 1}
                    ],
                },
            },
            "evidence": {
                "threatIntelligenceDetails": [
                    {"threatListName": "ProofPoint", "threatNames": ["miner"], "threatFileSha256": "cd" * 32}
                ]
            },
            "ebsVolumeScanDetails": {
                "scanId": "scan-1",
                "scanStartedAt": 1714521600,
                "scanCompletedAt": 1714521700,
                "triggerFindingId": "t-1",
                "scanType": "GUARDDUTY_INITIATED",
                "scanDetections": {
                    "scannedItemCount": {"totalGb": 8, "files": 1000, "volumes": 1},
                    "threatsDetectedItemCount": {"files": 1},
                    "highestSeverityThreatDetails": {"severity": "HIGH", "threatName": "EICAR", "count": 1},
                    "threatDetectedByName": {
                        "itemCount": 1,
                        "uniqueThreatNameCount": 1,
                        "threatNames": [
                            {
                                "name": "EICAR",
                                "severity": "HIGH",
                                "itemCount": 1,
                                "filePaths": [{"filePath": "/tmp/eicar", "fileName": "eicar", "hash": "ef"}],
                            }
                        ],
                    },
                },
            },
            "runtimeDetails": {
                "process": proc,
                "context": {
                    "scriptPath": "/tmp/run.sh",
                    "toolName": "xmrig",
                    "flags": ["a", "b"],
                    "modifyingProcess": proc,
                },
            },
            "detection": {
                "sequence": {
                    "uid": "seq-1",
                    "description": "sequence",
                    "actors": [{"id": "actor-1", "user": {"name": "john", "uid": "AIDA", "type": "IAMUser"}}],
                    "resources": [
                        {
                            "uid": "arn:eks",
                            "name": "prod",
                            "resourceType": "EKSCluster",
                            "accountId": "111122223333",
                            "region": "ap-northeast-1",
                        }
                    ],
                    "endpoints": [
                        {
                            "id": "ep-1",
                            "ip": "203.0.113.7",
                            "port": 443,
                            "location": {"city": "Tokyo", "country": "Japan", "lat": 35.6, "lon": 139.7},
                            "autonomousSystem": {"name": "EX", "number": 64500},
                        }
                    ],
                    "signals": [
                        {
                            "uid": "sig-1",
                            "type": "FINDING",
                            "name": "Discovery:Kubernetes/X",
                            "description": "d",
                            "createdAt": 1714521600,
                            "updatedAt": 1714521600,
                            "firstSeenAt": 1714521600,
                            "lastSeenAt": 1714521700,
                            "severity": 5.0,
                            "count": 2,
                            "resourceUids": ["arn:eks"],
                            "actorIds": ["actor-1"],
                            "endpointIds": ["ep-1"],
                            "signalIndicators": [
                                {"key": "ATTACK_TECHNIQUE", "values": ["T1610"], "title": "MITRE ATT&CK technique"}
                            ],
                        }
                    ],
                    "sequenceIndicators": [{"key": "ATTACK_TACTIC", "values": ["Execution"], "title": "Tactic"}],
                }
            },
        },
    }


def test_every_block_survives_boto3_with_the_wire_names(server):
    """Wrong member names would be dropped by botocore: the boto3 result must equal the wire parse, fully filled."""
    wire = _every_block()
    server.add_findings(DETECTOR, [wire])
    got = client(server).get_findings(DetectorId=DETECTOR, FindingIds=["every-block"])
    via_boto3 = parse_document(got).findings[0]
    direct = parse_finding(wire)
    assert via_boto3 == direct
    r, a = direct.resource, direct.action
    assert r.eks_cluster.created_at is not None and r.kubernetes_user.impersonated_username == "admin"
    assert r.kubernetes_workload.host_ipc is True and r.kubernetes_workload.volumes == (("host", "/"),)
    assert r.kubernetes_workload.containers[0].privileged is True
    assert r.ecs_cluster.task.created_at is not None and r.ecs_cluster.running_tasks == 4
    assert r.container.volume_mounts == (("host", "/host"),) and r.lambda_function.security_groups == (
        ("sg-1", "default"),
    )
    assert r.rds_instance.resource_id == "db-ABC" and r.rds_limitless.shard_group_arn == "arn:sg"
    assert r.rds_user.auth_method == "PASSWORD" and r.s3_buckets[0].objects[0].etag == "e"
    assert [v.skipped for v in r.ebs_volumes] == [False, True] and r.ebs_volumes[0].size_gb == 8
    assert a.kubernetes.source_ips == ("203.0.113.7",) and a.kubernetes.status_code == 201
    assert a.dns.domain == "pool.example" and a.port_probes[0].local_ip == "10.0.0.5"
    assert a.rds_logins[0].failed == 5 and {x.address for x in a.remote} == {"203.0.113.7", "198.51.100.4", "192.0.2.9"}
    assert direct.threat_intel[0].file_sha256 == "cd" * 32
    scan = direct.malware_scan
    assert scan.scanned_files == 1000 and scan.threats[0].file_paths == (("/tmp/eicar", "ef"),)
    assert scan.highest_threat == "EICAR" and scan.started_at is not None
    assert direct.runtime.process.lineage == ("/bin/bash",) and direct.runtime.modifying_process.pid == 4242
    assert ("toolName", "xmrig") in direct.runtime.context and ("flags", "a, b") in direct.runtime.context
    seq = direct.sequence
    assert seq.actors == (("actor-1", "john"),) and seq.endpoints[0].as_number == 64500
    assert seq.endpoints[0].country == "Japan" and seq.signals[0].indicators[0].values == ("T1610",)
    assert seq.signals[0].last_seen is not None and seq.indicators[0].key == "ATTACK_TACTIC"
    text = ja.explain(direct)
    for row in (
        ("EKS クラスター", "prod"),
        ("特権コンテナ", "はい"),
        ("プロセス", "xmrig"),
        ("DB シャードグループ", "sg"),
        ("問い合わせたドメイン", "pool.example"),
        ("探査されたポート", "22 (SSH)"),
        ("脅威リスト", "ProofPoint"),
        ("検出された脅威", "EICAR（/tmp/eicar）"),
        ("関連 IP アドレス", "203.0.113.7"),
        ("重要度", "緊急（Critical, 9.5）"),
    ):
        assert row in text.facts, row
    assert text.summary[1] == "1 件のシグナルが一連の攻撃として相関付けられています。"
