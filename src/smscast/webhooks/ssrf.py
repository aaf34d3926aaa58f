"""What a webhook may call: public addresses only, unless the operator's allow-list says so.

A URL is checked when it is submitted (endpoint creation, a message's callback_url) and again
at every new connection: the sender resolves the host itself, checks every address, and
connects to the address it checked (`webhooks.transport`), so a DNS answer that changes
between the check and the connect (rebinding) cannot reach an internal address.

Refused by default: loopback, private (RFC 1918, fc00::/7), carrier-grade NAT, link-local,
multicast, unspecified, reserved and documentation ranges, IPv4 hidden in IPv6 (mapped, 6to4,
Teredo), and the cloud metadata addresses. `SMSCAST_WEBHOOK_ALLOW_HOSTS` (comma-separated
CIDRs or host names) opens exactly what it names.
"""

from __future__ import annotations

import asyncio
import functools
import socket
import time
from collections.abc import Awaitable, Callable, Iterable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from urllib.parse import urlsplit

from smscast.config import Settings
from smscast.errors import ValidationFailed

__all__ = [
    "Blocked",
    "Resolver",
    "UrlPolicy",
    "check_url",
    "check_url_async",
    "is_public",
    "policy_for",
    "resolve",
]

Address = IPv4Address | IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

# Cloud metadata services (AWS, ECS, GCP and Azure share 169.254.169.254; Alibaba; Oracle).
# Refused even inside a wider allowed range: only an allow-list entry naming the exact
# address opens one.
METADATA = frozenset(
    ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200", "192.0.0.192")
)


class Blocked(Exception):
    """A URL the policy refuses; `code` is the field error code the API shows."""

    def __init__(self, code: str, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


def is_public(ip: Address) -> bool:
    """A globally routable unicast address that is not a metadata service."""
    if isinstance(ip, IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if inner is not None:
            return is_public(inner)
    if ip in METADATA:
        return False
    return ip.is_global and not (
        ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_private
    )


class UrlPolicy:
    """The allow-list: networks (CIDRs, single addresses) and host names."""

    def __init__(self, allow: Iterable[str] = ()):
        self.networks: list[IPv4Network | IPv6Network] = []
        self.hosts: set[str] = set()
        for item in allow:
            item = item.strip().lower()
            if not item:
                continue
            try:
                self.networks.append(ip_network(item.strip("[]"), strict=False))
            except ValueError:
                self.hosts.add(item.rstrip("."))

    def allows_host(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.hosts

    def allows_address(self, ip: Address) -> bool:
        for net in self.networks:
            if ip.version == net.version and ip in net:
                return ip not in METADATA or net.num_addresses == 1
        return is_public(ip)

    def check_addresses(self, host: str, addresses: Iterable[str]) -> list[str]:
        """Return the addresses in order, or raise Blocked naming the first refused one."""
        out = list(addresses)
        if not out:
            raise Blocked("unresolvable_host", f"{host} has no address")
        for a in out:
            if not self.allows_address(ip_address(a.split("%", 1)[0])):
                raise Blocked(
                    "blocked_address", f"{host} resolves to {a}, which is not a public address"
                )
        return out


@functools.lru_cache(maxsize=8)
def _policy(allow: str) -> UrlPolicy:
    return UrlPolicy(allow.replace(",", " ").split())


def policy_for(settings: Settings) -> UrlPolicy:
    """The policy of SMSCAST_WEBHOOK_ALLOW_HOSTS."""
    return _policy(settings.webhook_allow_hosts)


def split_url(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL, or raise Blocked('invalid_url')."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise Blocked("invalid_url", f"not a valid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise Blocked("invalid_url", "must be an http:// or https:// URL")
    if not parts.hostname:
        raise Blocked("invalid_url", "the URL has no host")
    return scheme, parts.hostname, port or (443 if scheme == "https" else 80)


def _literal(host: str) -> list[str] | None:
    try:
        return [str(ip_address(host))]
    except ValueError:
        return None


async def resolve(host: str, port: int) -> list[str]:
    """Every address of `host`, in the resolver's order, without duplicates."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Blocked("unresolvable_host", f"{host} does not resolve ({exc})") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


# Submission checks resolve synchronously (check_url is called from sync code); a bulk request
# names the same callback host a thousand times, so answers are kept for a minute.
_CACHE: dict[tuple[str, int], tuple[float, list[str]]] = {}
_CACHE_TTL_S = 60.0


def _resolve_sync(host: str, port: int) -> list[str]:
    key = (host, port)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Blocked("unresolvable_host", f"{host} does not resolve ({exc})") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if len(_CACHE) > 1024:
        _CACHE.clear()
    _CACHE[key] = (time.monotonic() + _CACHE_TTL_S, addresses)
    return addresses


def _failed(field: str, exc: Blocked) -> ValidationFailed:
    return ValidationFailed(
        "The URL is not allowed.", [{"field": field, "code": exc.code, "message": exc.reason}]
    )


def check_url(url: str, settings: Settings, *, field: str = "url") -> None:
    """Raise ValidationFailed unless `url` is http(s) and every address of its host is allowed.

    Resolves the host (blocking, cached for a minute); async callers may prefer
    `check_url_async`.
    """
    policy = policy_for(settings)
    try:
        _, host, port = split_url(url)
        if not policy.allows_host(host):
            policy.check_addresses(host, _literal(host) or _resolve_sync(host, port))
    except Blocked as exc:
        raise _failed(field, exc) from None


async def check_url_async(
    url: str, settings: Settings, *, field: str = "url", resolver: Resolver | None = None
) -> None:
    """`check_url` without blocking the event loop."""
    policy = policy_for(settings)
    try:
        _, host, port = split_url(url)
        if not policy.allows_host(host):
            addresses = _literal(host) or await (resolver or resolve)(host, port)
            policy.check_addresses(host, addresses)
    except Blocked as exc:
        raise _failed(field, exc) from None
