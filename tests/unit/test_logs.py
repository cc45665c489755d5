"""Log lines never carry a secret, whichever logger wrote them and wherever the secret sits in the record."""

from __future__ import annotations

import io
import json
import logging

import pytest

from inspector2backlog.logs import JsonFormatter, setup_logging
from inspector2backlog.redaction import install_log_redaction

SECRET = "sEcReT-api-key-0123456789"


@pytest.fixture
def json_logger():
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.addFilter(install_log_redaction(SECRET))
    handler.setFormatter(JsonFormatter())
    # a grandchild no logger-level filter was ever put on: only the handler's filter can catch it
    logger = logging.getLogger("inspector2backlog.some.new.module")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    yield logger, buf
    logger.removeHandler(handler)
    logger.propagate = True


def test_message_extra_and_traceback_are_redacted(json_logger):
    logger, buf = json_logger
    try:
        raise RuntimeError(f"GET https://x.backlog.jp/api/v2/issues?apiKey={SECRET}&count=1 failed")
    except RuntimeError:
        logger.exception(
            "delivery failed for %s",
            f"key {SECRET}",
            extra={
                "error": f"token={SECRET}",
                "url": f"/api/v2/space?apiKey={SECRET}",
                "finding_arn": "arn:aws:inspector2:ap-northeast-1:111122223333:finding/abc",
            },
        )
    line = buf.getvalue().strip()
    assert SECRET not in line
    doc = json.loads(line)
    assert doc["finding_arn"].endswith("finding/abc")  # ordinary fields survive
    assert doc["logger"] == "inspector2backlog.some.new.module"
    assert "RuntimeError" in doc["exception"] and "***" in doc["exception"]
    assert doc["url"] == "/api/v2/space?apiKey=***"
    assert "***" in doc["message"] and "***" in doc["error"]


def test_non_string_extra_is_redacted_too(json_logger):
    logger, buf = json_logger
    logger.warning("retrying", extra={"request": {"params": {"apiKey": SECRET}}})
    line = buf.getvalue().strip()
    assert SECRET not in line and json.loads(line)["level"] == "WARNING"


def test_cli_logging_redacts_child_loggers_on_stderr(capsys):
    install_log_redaction(SECRET)
    handler = setup_logging(json_lines=False)
    try:
        logging.getLogger("inspector2backlog.pipeline.child").warning("could not reach %s", f"?apiKey={SECRET}")
        err = capsys.readouterr().err
        assert "could not reach ?apiKey=***" in err and SECRET not in err
    finally:
        logging.getLogger().removeHandler(handler)
