"""moto as a real HTTP server on loopback, shared by every AWS test (DynamoDB, SNS, SQS, SSM, Secrets Manager, …).

Use the fixture by importing it into the test module (fixtures cannot be shared through a non-root conftest)::

    from tests.fakes.moto_server import moto_endpoint  # noqa: F401

    def test_something(moto_endpoint):
        client = aws_client("dynamodb", moto_endpoint)

``moto_endpoint`` starts one server per test process on first use (stopped at exit), points the AWS environment at
dummy credentials and :data:`REGION` for the duration of the test, and resets all moto state before each test.
Outside pytest, :func:`start_moto_server` gives ``(server, endpoint_url)``; call ``server.stop()`` when done.
"""

from __future__ import annotations

import atexit
import logging
import os
import socket
import threading
import urllib.request
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # pragma: no cover
    from moto.server import ThreadedMotoServer

REGION = "ap-northeast-1"
DUMMY_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_CONFIG_FILE": os.devnull,  # never read the developer's real profiles
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
_UNSET_ENV = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL")

_lock = threading.Lock()
_shared: tuple[ThreadedMotoServer, str] | None = None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _atomic_dynamodb_writes() -> None:
    """Real DynamoDB applies a conditional write atomically; moto's threaded server checks the condition and writes
    in two steps, so two racing ``attribute_not_exists`` puts can both win under load. One lock around moto's write
    operations makes the fake behave like the service (our code is unchanged; only the stand-in is corrected)."""
    from moto.dynamodb.models import DynamoDBBackend

    if getattr(DynamoDBBackend, "_i2b_atomic", False):
        return
    write_lock = threading.RLock()
    for name in ("put_item", "update_item", "delete_item", "transact_write_items"):
        original = getattr(DynamoDBBackend, name)

        def locked(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with write_lock:
                return _original(self, *args, **kwargs)

        setattr(DynamoDBBackend, name, locked)
    DynamoDBBackend._i2b_atomic = True  # type: ignore[attr-defined]


def start_moto_server() -> tuple[ThreadedMotoServer, str]:
    """Start a fresh moto server on 127.0.0.1 and a free port; returns ``(server, endpoint_url)``."""
    from moto.server import ThreadedMotoServer

    _atomic_dynamodb_writes()

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access-log line per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


def shared_moto_endpoint() -> str:
    """The endpoint of this process's shared moto server, started on first call and stopped at interpreter exit."""
    global _shared
    with _lock:
        if _shared is None:
            _shared = start_moto_server()
            atexit.register(_shared[0].stop)
        return _shared[1]


def reset_moto(endpoint_url: str, timeout: float = 10.0) -> None:
    """Forget every resource moto holds (all services, all regions)."""
    req = urllib.request.Request(f"{endpoint_url}/moto-api/reset", data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - loopback only
        resp.read()


def seed_inspector_findings(endpoint_url: str, pages: list[list[dict]], region: str = REGION) -> None:
    """Queue ListFindings result pages in moto's inspector2 (its static-results API): each ``list_findings`` call
    with a new argument set returns the next page."""
    import json

    body = json.dumps({"results": pages, "region": region}).encode()
    req = urllib.request.Request(
        f"{endpoint_url}/moto-api/static/inspector2/findings-results",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - loopback
        assert resp.status == 201


def aws_client(service: str, endpoint_url: str, **kwargs: Any) -> Any:
    """A boto3 client for ``service`` talking to the moto server, with short timeouts."""
    import boto3
    from botocore.config import Config

    kwargs.setdefault("region_name", REGION)
    kwargs.setdefault("config", Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 2}))
    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        **kwargs,
    )


@pytest.fixture
def moto_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Endpoint URL of a clean moto server, with dummy AWS credentials and region in the environment."""
    for name in _UNSET_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in DUMMY_ENV.items():
        monkeypatch.setenv(name, value)
    endpoint = shared_moto_endpoint()
    reset_moto(endpoint)
    yield endpoint
