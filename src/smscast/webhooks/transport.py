"""The HTTP transport of the sender: an httpx transport over httpcore's HTTP/1.1 connections.

1. The network backend resolves the host itself, checks every address against the SSRF
   policy, and connects to an address it checked. Nothing resolves the name again, so a DNS
   answer that changes after the check (rebinding) cannot reach an internal address. TLS
   still verifies the certificate against the host name (SNI is the name, not the IP).
2. The streams are plain asyncio streams, and a request's head and body (which httpcore
   writes separately) leave in one write: half the system calls, and no Nagle stall.
3. The pool is ours, a list of idle HTTP/1.1 connections per origin. httpcore's pool rescans
   every connection for every connection on each request and each close (quadratic: 7 ms
   of CPU per request at 64 open connections), and its locks and events cost as much as
   the exchange itself: with a local receiver and 32 connections, 410 us of CPU per request
   through httpx's own transport, 250 us through this one.

The sender calls the transport directly rather than through an `httpx.AsyncClient`: no
cookie jar (tenants sharing a receiver host would share its cookies), no redirects (a
redirect to an internal address would skip the checks), no auth or hooks to run. The
transport also serves an `httpx.AsyncClient(transport=...)` if one is wanted.
"""

# ruff: noqa: ASYNC109 (the `timeout` parameters are httpcore's network-backend interface)

from __future__ import annotations

import asyncio
import importlib.util
import ssl
import sys
import typing
from collections.abc import Iterable
from dataclasses import dataclass

import httpcore
import httpx

from smscast.webhooks.ssrf import Blocked, Resolver, UrlPolicy, resolve

__all__ = ["BlockedConnect", "GuardedBackend", "GuardedTransport"]

if importlib.util.find_spec("sniffio") is None:
    # httpcore imports sniffio for every lock it makes (several per request); when it is not
    # installed each failed import searches sys.path again: a quarter of a request's CPU. A
    # None entry makes that failure immediate, with the same outcome. (Installing sniffio
    # does the same.)
    sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]


class BlockedConnect(httpcore.ConnectError):
    """The host resolved to an address the SSRF policy refuses (retrying will not help)."""


class _Stream(httpcore.AsyncNetworkStream):
    """An asyncio stream; writes wait in a buffer until the next read (or 64 KiB)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self._reader = reader
        self._writer = writer
        self._pending: list[bytes] = []
        self._size = 0

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        if self._pending:
            await self._flush(timeout)
        try:
            if timeout is None:  # the caller bounds the whole exchange (the sender does)
                return await self._reader.read(max_bytes)
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)
        except TimeoutError:
            raise httpcore.ReadTimeout("timed out waiting for the answer") from None
        except OSError as exc:
            raise httpcore.ReadError(str(exc) or type(exc).__name__) from exc

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if buffer:
            self._pending.append(buffer)
            self._size += len(buffer)
            if self._size >= 65536:
                await self._flush(timeout)

    async def _flush(self, timeout: float | None) -> None:
        data = b"".join(self._pending)
        self._pending.clear()
        self._size = 0
        try:
            self._writer.write(data)
            if timeout is None:
                await self._writer.drain()
            else:
                async with asyncio.timeout(timeout):
                    await self._writer.drain()
        except TimeoutError:
            raise httpcore.WriteTimeout("timed out sending the request") from None
        except OSError as exc:
            raise httpcore.WriteError(str(exc) or type(exc).__name__) from exc

    async def aclose(self) -> None:
        self.close_now()

    def close_now(self) -> None:
        self._pending.clear()
        self._writer.close()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> _Stream:
        try:
            await self._writer.start_tls(
                ssl_context, server_hostname=server_hostname, ssl_handshake_timeout=timeout
            )
        except TimeoutError:
            raise httpcore.ConnectTimeout("timed out in the TLS handshake") from None
        except (OSError, ssl.SSLError) as exc:
            raise httpcore.ConnectError(f"TLS: {exc}") from exc
        return self

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "is_readable":
            # Idle and readable means the server closed it; asyncio has already read the EOF.
            return self._reader.at_eof() or self._writer.transport.is_closing()
        key = {"client_addr": "sockname", "server_addr": "peername"}.get(info, info)
        return self._writer.get_extra_info(key)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Connect only to addresses the policy allows, resolved and checked here."""

    def __init__(self, policy: UrlPolicy, resolver: Resolver | None = None):
        self.policy = policy
        self.resolver = resolver or resolve

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> _Stream:
        try:
            async with asyncio.timeout(timeout):
                addresses = await self._addresses(host, port)
                error: OSError | None = None
                for address in addresses:
                    try:
                        reader, writer = await asyncio.open_connection(address, port)
                    except OSError as exc:
                        error = exc
                        continue
                    return _Stream(reader, writer)
        except TimeoutError:
            raise httpcore.ConnectTimeout(f"timed out connecting to {host}:{port}") from None
        raise httpcore.ConnectError(f"cannot connect to {host}:{port}: {error}")

    async def _addresses(self, host: str, port: int) -> list[str]:
        host = host.strip("[]")
        try:
            literal = _literal(host)
            if self.policy.allows_host(host):
                return literal or await self.resolver(host, port)
            return self.policy.check_addresses(host, literal or await self.resolver(host, port))
        except Blocked as exc:
            if exc.code == "blocked_address":
                raise BlockedConnect(exc.reason) from None
            raise httpcore.ConnectError(exc.reason) from None

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("webhooks do not use unix sockets")

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def _literal(host: str) -> list[str] | None:
    from ipaddress import ip_address

    try:
        return [str(ip_address(host))]
    except ValueError:
        return None


# httpcore's exceptions as httpx's, most specific first (what httpx's own transport does).
_ERRORS: list[tuple[type[Exception], type[httpx.HTTPError]]] = [
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.ProtocolError, httpx.ProtocolError),
]

_Key = tuple[bytes, bytes, int]


@dataclass(slots=True)
class _Conn:
    http: httpcore.AsyncHTTP11Connection
    stream: _Stream


class GuardedTransport(httpx.AsyncBaseTransport):
    """An httpx transport: HTTP/1.1 connections (httpcore's) kept alive per origin.

    At most `max_connections` requests are in flight, and at most that many connections
    open: an idle connection to another origin is closed to make room. Answers are read
    here, up to `max_answer_bytes` (past that the connection is dropped, not reused).
    """

    def __init__(
        self,
        policy: UrlPolicy,
        *,
        max_connections: int,
        resolver: Resolver | None = None,
        keepalive_expiry: float = 30.0,
        max_answer_bytes: int = 64 * 1024,
        ssl_context: ssl.SSLContext | None = None,
    ):
        self.backend = GuardedBackend(policy, resolver)
        self.max_connections = max_connections
        self.keepalive_expiry = keepalive_expiry
        self.max_answer_bytes = max_answer_bytes
        self._ssl = ssl_context
        self._slots = asyncio.Semaphore(max_connections)
        self._idle: dict[_Key, list[_Conn]] = {}
        self._open = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        scheme = url.raw_scheme
        key = (scheme, url.raw_host, url.port or (443 if scheme == b"https" else 80))
        if scheme not in (b"http", b"https"):
            raise httpx.UnsupportedProtocol(f"not an http(s) URL: {url}")
        core = httpcore.Request(
            method=request.method,
            url=httpcore.URL(scheme=scheme, host=key[1], port=key[2], target=url.raw_path),
            headers=request.headers.raw,
            content=request.content,
            extensions=request.extensions,
        )
        timeout = request.extensions.get("timeout", {}).get("connect")
        async with self._slots:
            conn = self._reuse(key) or await self._connect(key, timeout)
            try:
                response = await conn.http.handle_async_request(core)
                body = b""
                async for chunk in response.aiter_stream():
                    body += chunk
                    if len(body) > self.max_answer_bytes:
                        break
                await response.aclose()
            except BaseException as exc:
                self._drop(conn)
                mapped = _mapped(exc)
                if mapped is exc:
                    raise
                raise mapped from exc
            if conn.http.is_idle():
                self._idle.setdefault(key, []).append(conn)
            else:
                self._drop(conn)
        return httpx.Response(
            response.status, headers=response.headers, content=body, request=request
        )

    def _reuse(self, key: _Key) -> _Conn | None:
        idle = self._idle.get(key)
        while idle:
            conn = idle.pop()
            if conn.http.is_idle() and not conn.http.has_expired():
                return conn
            self._drop(conn)
        return None

    async def _connect(self, key: _Key, timeout: float | None) -> _Conn:
        if self._open >= self.max_connections:
            # Every slot but ours is busy or idle: close an idle connection to make room.
            for idle in self._idle.values():
                if idle:
                    self._drop(idle.pop(0))
                    break
        scheme, host, port = key
        name = host.decode("ascii")
        self._open += 1  # counted before the await: others must see it taken
        stream = None
        try:
            stream = await self.backend.connect_tcp(name, port, timeout=timeout)
            if scheme == b"https":
                if self._ssl is None:
                    self._ssl = httpx.create_ssl_context()
                await stream.start_tls(self._ssl, server_hostname=name, timeout=timeout)
        except BaseException as exc:
            self._open -= 1
            if stream is not None:
                stream.close_now()
            mapped = _mapped(exc)
            if mapped is exc:
                raise
            raise mapped from exc
        origin = httpcore.Origin(scheme, host, port)
        http = httpcore.AsyncHTTP11Connection(
            origin, stream, keepalive_expiry=self.keepalive_expiry
        )
        return _Conn(http, stream)

    def _drop(self, conn: _Conn) -> None:
        """Forget a connection and close its socket (at once: this may run while cancelled)."""
        self._open -= 1
        conn.stream.close_now()

    async def aclose(self) -> None:
        for idle in self._idle.values():
            while idle:
                self._drop(idle.pop())


def _mapped(exc: BaseException) -> BaseException:
    """httpx's exception for an httpcore one (raised `from` it); anything else as it is."""
    for core, ours in _ERRORS:
        if isinstance(exc, core):
            return ours(str(exc) or type(exc).__name__)
    return exc
