"""Log lines are JSON in production and readable otherwise, carry request ids, and never a
secret or a message body."""

from __future__ import annotations

import io
import json
import logging

import pytest

from smscast.config import Settings
from smscast.observability.logs import (
    ConsoleFormatter,
    JsonFormatter,
    request_id,
    setup_logging,
    wants_json,
)

SECRET = "sk_Zq8vTfW1c9NhY2pLxRk4"
PASSWORD = "pw7Kx9q"
BODY = "Your one-time code is 482913, do not share it"


def _logger(formatter: logging.Formatter) -> tuple[logging.Logger, io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter)
    logger = logging.getLogger(f"smscast.test.{id(formatter)}")
    logger.handlers = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger, out


def _say_everything_wrong(log: logging.Logger) -> None:
    import base64

    basic = base64.b64encode(f"ak_live_1:{SECRET}".encode()).decode()
    log.info("request headers %s", {"authorization": f"Basic {basic}", "accept": "*/*"})
    log.info("Authorization: Bearer %s", SECRET)
    log.info("connecting to postgresql://smscast:%s@db.internal:5432/smscast", PASSWORD)
    log.info("compat call with api_key=ak_live_1&api_secret=%s&to=+1415", SECRET)
    log.info('bind {"system_id": "acme", "password": "%s"}', PASSWORD)
    log.warning("key rotated", extra={"api_secret": SECRET, "x-api-key": SECRET})
    log.info("verifying %s for ak_live_1", SECRET)  # a bare secret, known by its prefix
    log.info("signing with %s", "whsec_" + "q" * 43)
    log.info("connector added", extra={"options": {"host": "smsc", "password": PASSWORD}})
    log.info("message accepted", extra={"message_id": "0192-abc", "body": BODY})
    try:
        raise RuntimeError(f"bind failed for password={PASSWORD}")
    except RuntimeError:
        log.exception("connector failed")


@pytest.mark.parametrize(
    "formatter", [JsonFormatter(), ConsoleFormatter()], ids=["json", "console"]
)
def test_no_secret_and_no_body_reaches_the_output(formatter: logging.Formatter) -> None:
    log, out = _logger(formatter)
    _say_everything_wrong(log)
    text = out.getvalue()
    assert SECRET not in text
    assert PASSWORD not in text
    assert "ak_live_1:" not in text  # the decoded Basic pair is gone with its base64
    assert BODY not in text
    assert "whsec_qqqq" not in text
    assert "<45 chars>" in text  # the body's length stays, for debugging
    assert "0192-abc" in text  # message ids are what lines are about: kept
    assert "db.internal" in text  # the URL minus its password


def test_bodies_are_logged_when_asked() -> None:
    log, out = _logger(JsonFormatter(log_bodies=True))
    log.info("message accepted", extra={"body": BODY, "password": PASSWORD})
    line = json.loads(out.getvalue())
    assert line["body"] == BODY
    assert line["password"] == "***"


def test_json_lines_carry_level_logger_and_request_id() -> None:
    log, out = _logger(JsonFormatter())
    token = request_id.set("req-123")
    try:
        log.warning("claim failed (%s); backing off", "timeout", extra={"message_id": "m-1"})
    finally:
        request_id.reset(token)
    line = json.loads(out.getvalue())
    assert line["level"] == "warning"
    assert line["logger"] == log.name
    assert line["msg"] == "claim failed (timeout); backing off"
    assert line["request_id"] == "req-123"
    assert line["message_id"] == "m-1"
    assert line["ts"].endswith("Z")


@pytest.mark.parametrize(
    ("env", "fmt", "json_expected"),
    [
        ("production", "auto", True),
        ("development", "auto", False),
        ("development", "json", True),
        ("production", "console", False),
    ],
)
def test_format_follows_env_unless_set(
    restore_root_logging: None, env: str, fmt: str, json_expected: bool
) -> None:
    settings = Settings(env=env, log_format=fmt, secret_key="x" * 40)  # type: ignore[arg-type]
    assert wants_json(settings) is json_expected
    out = io.StringIO()
    setup_logging(settings, stream=out)
    setup_logging(settings, stream=out)  # again: still one line per record
    logging.getLogger("smscast.test.format").info("hello")
    lines = out.getvalue().splitlines()
    assert len(lines) == 1
    if json_expected:
        assert json.loads(lines[0])["msg"] == "hello"
    else:
        assert lines[0].endswith("smscast.test.format: hello")
