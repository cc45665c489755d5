"""``service.action``, threat intelligence and ``service.detection.sequence`` → typed details."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .._fields import flag, integer, number, obj, objs, raw, text, texts, when
from . import model as m


def remote_ip(d: Mapping[str, Any]) -> m.RemoteIp | None:
    if not d:
        return None
    geo, org = obj(d, "geoLocation"), obj(d, "organization")
    country = obj(d, "country")
    return m.RemoteIp(
        ipv4=text(d, "ipAddressV4"),
        ipv6=text(d, "ipAddressV6"),
        country_code=text(country, "countryCode"),
        country=text(country, "countryName"),
        city=text(obj(d, "city"), "cityName"),
        lat=number(geo, "lat"),
        lon=number(geo, "lon"),
        asn=text(org, "asn"),
        asn_org=text(org, "asnOrg"),
        isp=text(org, "isp"),
        org=text(org, "org"),
    )


def _port(d: Mapping[str, Any]) -> m.Port | None:
    return m.Port(port=integer(d, "port"), name=text(d, "portName")) if d else None


def _local_ip(d: Mapping[str, Any]) -> str | None:
    return text(d, "ipAddressV4") or text(d, "ipAddressV6")


def parse_action(a: Mapping[str, Any]) -> m.Action | None:
    if not a:
        return None
    remote: list[m.RemoteIp] = []

    def actor(d: Mapping[str, Any]) -> m.RemoteIp | None:
        ip = remote_ip(obj(d, "remoteIpDetails"))
        if ip is not None and ip not in remote:
            remote.append(ip)
        return ip

    api = obj(a, "awsApiCallAction")
    api_call = None
    if api:
        actor(api)
        acct = obj(api, "remoteAccountDetails")
        affected = raw(api, "affectedResources")
        api_call = m.ApiCall(
            api=text(api, "api"),
            service_name=text(api, "serviceName"),
            caller_type=text(api, "callerType"),
            error_code=text(api, "errorCode"),
            user_agent=text(api, "userAgent"),
            domain=text(obj(api, "domainDetails"), "domain"),
            remote_account_id=text(acct, "accountId"),
            remote_account_affiliated=flag(acct, "affiliated"),
            affected_resources=tuple((str(k), str(v)) for k, v in affected.items() if isinstance(v, (str, int, float)))
            if isinstance(affected, Mapping)
            else (),
        )
    net = obj(a, "networkConnectionAction")
    network = None
    if net:
        actor(net)
        network = m.NetworkConnection(
            direction=text(net, "connectionDirection"),
            protocol=text(net, "protocol"),
            blocked=flag(net, "blocked"),
            local_port=_port(obj(net, "localPortDetails")),
            remote_port=_port(obj(net, "remotePortDetails")),
            local_ip=_local_ip(obj(net, "localIpDetails")),
        )
    probe = obj(a, "portProbeAction")
    probes = tuple(
        m.PortProbe(
            local_port=_port(obj(p, "localPortDetails")),
            local_ip=_local_ip(obj(p, "localIpDetails")),
            remote=actor(p),
        )
        for p in objs(probe, "portProbeDetails")
    )
    dns_d = obj(a, "dnsRequestAction")
    dns = None
    if dns_d:
        dns = m.DnsRequest(
            domain=text(dns_d, "domain"),
            protocol=text(dns_d, "protocol"),
            blocked=flag(dns_d, "blocked"),
            domain_with_suffix=text(dns_d, "domainWithSuffix"),
        )
    k8s_d = obj(a, "kubernetesApiCallAction")
    k8s = None
    if k8s_d:
        actor(k8s_d)
        k8s = m.KubernetesApiCall(
            request_uri=text(k8s_d, "requestUri"),
            verb=text(k8s_d, "verb"),
            resource=text(k8s_d, "resource"),
            subresource=text(k8s_d, "subresource"),
            namespace=text(k8s_d, "namespace"),
            resource_name=text(k8s_d, "resourceName"),
            source_ips=texts(k8s_d, "sourceIPs", "SourceIps"),
            user_agent=text(k8s_d, "userAgent"),
            status_code=integer(k8s_d, "statusCode"),
            parameters=text(k8s_d, "parameters"),
        )
    rds = obj(a, "rdsLoginAttemptAction")
    logins: tuple[m.LoginAttempt, ...] = ()
    if rds:
        actor(rds)
        logins = tuple(
            m.LoginAttempt(
                user=text(x, "user"),
                application=text(x, "application"),
                failed=integer(x, "failedLoginAttempts"),
                successful=integer(x, "successfulLoginAttempts"),
            )
            for x in objs(rds, "loginAttributes", "LoginAttributes")
        )
    return m.Action(
        action_type=text(a, "actionType"),
        remote=tuple(remote),
        api_call=api_call,
        network=network,
        port_probes=probes,
        port_probe_blocked=flag(probe, "blocked"),
        dns=dns,
        kubernetes=k8s,
        rds_logins=logins,
    )


def threat_intel(evidence: Mapping[str, Any], additional: Mapping[str, Any]) -> tuple[m.ThreatIntel, ...]:
    out = [
        m.ThreatIntel(
            list_name=text(t, "threatListName"),
            names=texts(t, "threatNames"),
            file_sha256=text(t, "threatFileSha256"),
        )
        for t in objs(evidence, "threatIntelligenceDetails")
    ]
    listed = text(additional, "threatListName")
    if listed and all(t.list_name != listed for t in out):
        out.append(m.ThreatIntel(list_name=listed, names=texts(additional, "threatName")))
    return tuple(out)


def _indicators(d: Mapping[str, Any], name: str) -> tuple[m.Indicator, ...]:
    return tuple(
        m.Indicator(key=text(i, "key"), title=text(i, "title"), values=texts(i, "values")) for i in objs(d, name)
    )


def parse_sequence(seq: Mapping[str, Any]) -> m.AttackSequence | None:
    if not seq:
        return None
    actors = []
    for a in objs(seq, "actors"):
        user = obj(a, "user")
        actors.append((text(a, "id") or "", text(user, "name") or text(user, "uid") or ""))
    resources = tuple(
        m.SequenceResource(
            uid=text(r, "uid"),
            name=text(r, "name"),
            resource_type=text(r, "resourceType"),
            account_id=text(r, "accountId"),
            region=text(r, "region"),
        )
        for r in objs(seq, "resources")
    )
    endpoints = []
    for e in objs(seq, "endpoints"):
        loc, asys = obj(e, "location"), obj(e, "autonomousSystem")
        endpoints.append(
            m.SequenceEndpoint(
                endpoint_id=text(e, "id"),
                ip=text(e, "ip"),
                domain=text(e, "domain"),
                port=integer(e, "port"),
                country=text(loc, "country"),
                city=text(loc, "city"),
                as_name=text(asys, "name"),
                as_number=integer(asys, "number"),
            )
        )
    signals = tuple(
        m.Signal(
            uid=text(s, "uid"),
            signal_type=text(s, "type"),
            name=text(s, "name"),
            description=text(s, "description"),
            severity=number(s, "severity"),
            count=integer(s, "count"),
            first_seen=when(s, "firstSeenAt"),
            last_seen=when(s, "lastSeenAt"),
            resource_uids=texts(s, "resourceUids"),
            actor_ids=texts(s, "actorIds"),
            endpoint_ids=texts(s, "endpointIds"),
            indicators=_indicators(s, "signalIndicators"),
        )
        for s in objs(seq, "signals")
    )
    return m.AttackSequence(
        uid=text(seq, "uid"),
        description=text(seq, "description"),
        actors=tuple(actors),
        resources=resources,
        endpoints=tuple(endpoints),
        signals=signals,
        indicators=_indicators(seq, "sequenceIndicators"),
    )
