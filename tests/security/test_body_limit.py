"""Bodies over `max_body_bytes` are refused with 413, whether announced or streamed chunked."""

from __future__ import annotations

import base64
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.conftest import Tenant
from tests.faults.server import create_tenant, live_server
from tests.security.conftest import client_of, openapi_document

if TYPE_CHECKING:
    from tests.conftest import TestDatabase

pytestmark = pytest.mark.anyio

LIMIT = 4096


def body_operations() -> list[tuple[str, str]]:
    """(path with ids filled in, its first media type) of every POST that reads a body."""
    document = openapi_document()
    found = []
    for path, ops in document["paths"].items():
        content = ops.get("post", {}).get("requestBody", {}).get("content")
        if content:
            found.append((path.replace("{", "").replace("}", ""), next(iter(content))))
    return found


BOUNDARY = "smscast-test-boundary"
PREFIX = {
    "application/json": b'{"to":"+14155550100","body":"',
    "application/x-www-form-urlencoded": b"grant_type=client_credentials&client_id=",
    "text/csv": b"phone\n",
    "multipart/form-data": (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
        'filename="a.csv"\r\nContent-Type: text/csv\r\n\r\nphone\n'
    ).encode(),
}


def content_type(media: str) -> str:
    return f"{media}; boundary={BOUNDARY}" if media == "multipart/form-data" else media


async def chunks(
    total: int, media: str = "application/json", pulled: list[int] | None = None
) -> AsyncIterator[bytes]:
    """A body of `total` bytes and more, in pieces, shaped for its media type; `pulled`
    counts the bytes the app asked for."""
    pulled = pulled if pulled is not None else [0]
    yield PREFIX.get(media, b"")
    while pulled[0] < total:
        pulled[0] += 1000
        yield b"x" * 1000
    if media == "application/json":
        yield b'"}'


def problem_413(r: httpx.Response) -> None:
    assert r.status_code == 413, (r.request.url, r.status_code, r.text[:200])
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"].endswith("/payload-too-large")


async def test_a_chunked_body_without_length_is_cut_off_on_every_route(app_with, tenant: Tenant):
    app = app_with(max_body_bytes=LIMIT)
    operations = body_operations()
    assert {"/v1/messages", "/v1/oauth/token"} <= {path for path, _ in operations}
    async with client_of(app) as client:
        for path, media in operations:
            pulled = [0]
            r = await client.post(
                path,
                content=chunks(4 * LIMIT, media, pulled),
                headers=tenant.basic | {"content-type": content_type(media)},
            )
            assert "content-length" not in r.request.headers
            if r.status_code != 413:
                # Refused before reading (an unknown token in the path): never past the limit.
                assert 400 <= r.status_code < 500 and pulled[0] <= LIMIT, (path, r.status_code)
                continue
            problem_413(r)


async def test_an_announced_length_over_the_limit_is_refused_before_reading(
    app_with, tenant: Tenant
):
    app = app_with(max_body_bytes=LIMIT)
    async with client_of(app) as client:
        r = await client.post(
            "/v1/messages",
            content=b"x" * (LIMIT + 1),
            headers=tenant.basic | {"content-type": "application/json"},
        )
        problem_413(r)
        r = await client.post(
            "/v1/messages",
            content=b"{}",
            headers=tenant.basic | {"content-type": "application/json", "content-length": "-1"},
        )
        assert r.status_code in (400, 413)


async def test_a_chunked_body_under_the_limit_goes_through(app_with, tenant: Tenant):
    app = app_with(max_body_bytes=LIMIT)
    async with client_of(app) as client:
        r = await client.post(
            "/v1/messages",
            content=chunks(1000),
            headers=tenant.basic | {"content-type": "application/json"},
        )
    assert r.status_code == 201, r.text


def raw_post(port: int, head: bytes, pieces: list[bytes]) -> bytes:
    """Send a request piece by piece over a socket; return what the server answered."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(head)
        try:
            for piece in pieces:
                s.sendall(piece)
        except OSError:  # the server answered and closed before the body ended
            pass
        answer = b""
        while b"\r\n\r\n" not in answer:
            data = s.recv(65536)
            if not data:
                break
            answer += data
        return answer


async def test_a_real_server_cuts_off_a_chunked_upload(test_db: TestDatabase, tmp_path: Path):
    url = test_db.fresh(tmp_path)
    tenant = create_tenant(url, tmp_path)
    auth = base64.b64encode(f"{tenant.api_key}:{tenant.api_secret}".encode())
    head = (
        b"POST /v1/messages HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        b"Authorization: Basic " + auth + b"\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    piece = b"x" * 1000
    body = [b"%x\r\n%s\r\n" % (len(piece), piece)] * 200 + [b"0\r\n\r\n"]
    with live_server(url, tmp_path, SMSCAST_MAX_BODY_BYTES=str(LIMIT)) as server:
        answer = raw_post(server.port, head, body)
        assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
        # And the server still serves.
        async with httpx.AsyncClient(base_url=server.url) as client:
            r = await client.post(
                "/v1/messages", json={"to": "+14155550100", "body": "hi"}, headers=tenant.basic
            )
            assert r.status_code == 201
