"""Outbound HTTP with an SSRF guard applied at connect time.

The host is resolved once, every address is checked (private, loopback,
link-local, metadata, CGNAT, multicast and reserved ranges are refused unless
private targets are allowed), and the socket connects to the checked address,
so a DNS answer cannot change between the check and the connection. TLS still
verifies the certificate against the host name. Webhooks follow no redirects.

Hand-written on urllib3 because no maintained library does connect-time
checking: the ones that exist wrap requests and are unmaintained.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NameResolutionError,
    NewConnectionError,
    ReadTimeoutError,
)
from urllib3.util import connection as u3connection

Resolver = Callable[[str, int], list[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Not covered by `is_global == False` in every Python version, or worth naming.
_ALWAYS_BLOCKED = (
    ipaddress.ip_network("0.0.0.0/8"),
    ipaddress.ip_network("100.64.0.0/10"),  # CGNAT
    ipaddress.ip_network("169.254.0.0/16"),  # link-local, cloud metadata
    ipaddress.ip_network("fd00:ec2::254/128"),  # AWS metadata over IPv6
    ipaddress.ip_network("64:ff9b:1::/48"),  # local-use NAT64 (RFC 8215)
)
# IPv6 ranges that carry an IPv4 address in their last 32 bits: checked as that IPv4.
_IPV4_IN_LAST_32_BITS = (
    ipaddress.ip_network("::/96"),  # IPv4-compatible (deprecated)
    ipaddress.ip_network("64:ff9b::/96"),  # the well-known NAT64 prefix (RFC 6052)
)
_NUMERIC_HOST = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}")


class OutboundError(Exception):
    """An outbound request failed; `kind` is a short class for records and metrics."""

    kind = "error"


class BlockedAddress(OutboundError):
    """The host resolved, and only to addresses the guard refuses: permanent."""

    kind = "blocked_address"


class DnsError(OutboundError):
    """The host could not be resolved (now): transient as far as anyone knows, so retried."""

    kind = "dns_error"


class InvalidUrl(OutboundError):
    kind = "invalid_url"


class OutboundTimeout(OutboundError):
    kind = "timeout"


class OutboundConnectionError(OutboundError):
    kind = "connection_error"


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]
    body: bytes
    elapsed: float


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address leads to: mapped, compatible, NAT64, 6to4, Teredo."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if any(ip in net for net in _IPV4_IN_LAST_32_BITS) and not (
        ip.is_loopback or ip.is_unspecified
    ):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_allowed(ip: IPAddress, allow_private: bool, allow_loopback: bool = False) -> bool:
    """Whether a connection to `ip` is permitted (`allow_loopback`: loopback only, for tests).
    An IPv6 address that embeds an IPv4 one is judged as that IPv4 address too."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = embedded_ipv4(ip)
        if inner is not None and not address_allowed(inner, allow_private, allow_loopback):
            return False
        if ip.ipv4_mapped is not None:
            return True  # judged as the IPv4 address it is
    if ip.is_multicast or ip.is_unspecified:
        return False
    if allow_private or (allow_loopback and ip.is_loopback):
        return True
    return _public(ip)


def _public(ip: IPAddress) -> bool:
    blocked = any(ip in net for net in _ALWAYS_BLOCKED if net.version == ip.version)
    return ip.is_global and not blocked


def _checked_addresses(
    host: str, port: int, resolver: Resolver, allow_private: bool, allow_loopback: bool = False
) -> list[str]:
    try:
        addresses = resolver(host, port)
    except socket.gaierror as exc:
        raise DnsError(f"cannot resolve host: {exc}") from exc
    except UnicodeError as exc:  # a host name IDNA cannot encode: no lookup can succeed
        raise InvalidUrl("host name cannot be encoded") from exc
    allowed = [
        a
        for a in addresses
        if address_allowed(ipaddress.ip_address(a), allow_private, allow_loopback)
    ]
    if not allowed:
        raise BlockedAddress("host resolves only to addresses that are not allowed")
    return allowed


class _GuardMixin:
    """Overrides urllib3's socket creation: resolve, check, connect to the checked address."""

    guard_resolver: Resolver = staticmethod(system_resolver)
    guard_allow_private = False
    guard_allow_loopback = False
    _dns_host: str
    port: int
    timeout: Any
    source_address: Any
    socket_options: Any

    def _new_conn(self) -> socket.socket:
        addresses = _checked_addresses(
            self._dns_host,
            self.port,
            self.guard_resolver,
            self.guard_allow_private,
            self.guard_allow_loopback,
        )
        last: OSError | None = None
        for address in addresses:
            try:
                return u3connection.create_connection(
                    (address, self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except TimeoutError as exc:
                raise ConnectTimeoutError(self, f"connect timed out ({self.timeout})") from exc
            except OSError as exc:
                last = exc
        raise NewConnectionError(self, f"failed to connect: {last}")  # type: ignore[arg-type]


def _pool_classes(
    allow_private: bool, resolver: Resolver, allow_loopback: bool = False
) -> dict[str, type]:
    attrs = {
        "guard_allow_private": allow_private,
        "guard_allow_loopback": allow_loopback,
        "guard_resolver": staticmethod(resolver),
    }
    http_conn = type("GuardedHTTPConnection", (_GuardMixin, HTTPConnection), attrs)
    https_conn = type("GuardedHTTPSConnection", (_GuardMixin, HTTPSConnection), attrs)
    return {
        "http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
        "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}),
    }


def check_url(url: str, allow_private: bool) -> None:
    """Refuse what is not an absolute http(s) URL with a host (https only in production)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidUrl("URL must be absolute http(s) with a host")
    if parts.scheme == "http" and not allow_private:
        raise InvalidUrl("https is required unless private targets are allowed")
    if parts.username or parts.password:
        raise InvalidUrl("credentials in URLs are not allowed; use target headers")


def literal_address(host: str) -> IPAddress | None:
    """The address a host names by itself, in any notation a resolver accepts (`127.1`,
    `0x7f000001`, `2130706433`, `[::ffff:127.0.0.1]`); None for a name."""
    bare = host.strip("[]").rstrip(".").lower()
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        pass
    if not _NUMERIC_HOST.fullmatch(bare):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(bare))
    except OSError:
        return None


def check_target_url(url: str, allow_private: bool) -> None:
    """The save-time check of a webhook URL: `check_url`, then the same address policy as at
    send time for any address written in the URL, and no `localhost` name."""
    check_url(url, allow_private)
    host = urlsplit(url).hostname or ""
    bare = host.rstrip(".").lower()
    if not allow_private and (bare == "localhost" or bare.endswith(".localhost")):
        raise BlockedAddress("private targets are not allowed")
    address = literal_address(host)
    if address is not None and not address_allowed(address, allow_private):
        raise BlockedAddress("this address is not allowed")


class OutboundHttp:
    """A shared, thread-safe pool of guarded connections."""

    # `allow_loopback` (file-source tests only, R2_INSECURE_TEST_SOURCES) admits loopback
    # addresses and plain http while every other private range stays refused.

    def __init__(
        self,
        *,
        allow_private: bool,
        resolver: Resolver | None = None,
        pool_maxsize: int = 8,
        allow_loopback: bool = False,
    ) -> None:
        self.allow_private = allow_private
        self.allow_loopback = allow_loopback
        self._pool = urllib3.PoolManager(num_pools=64, maxsize=pool_maxsize, block=False)
        self._pool.pool_classes_by_scheme = _pool_classes(
            allow_private, resolver or system_resolver, allow_loopback
        )

    def post(
        self,
        url: str,
        body: bytes,
        headers: Mapping[str, str],
        *,
        connect_timeout: float,
        read_timeout: float,
        max_body: int = 65536,
    ) -> HttpResponse:
        """POST without following redirects; read at most `max_body` bytes of the answer."""
        started = time.monotonic()
        resp = self.open(
            "POST",
            url,
            headers=headers,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            body=body,
        )
        try:
            data = _read_limited(resp, max_body)
        except Exception as exc:
            raise _classify(exc) from exc
        return HttpResponse(
            resp.status,
            {k.lower(): v for k, v in resp.headers.items()},
            data,
            time.monotonic() - started,
        )

    def open(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        connect_timeout: float,
        read_timeout: float,
        body: bytes | None = None,
    ) -> urllib3.BaseHTTPResponse:
        """One request, no redirect followed, body left unread: the caller reads and closes."""
        check_url(url, self.allow_private or self.allow_loopback)
        try:
            return self._pool.request(
                method,
                url,
                body=body,
                headers=dict(headers),
                redirect=False,
                retries=False,
                preload_content=False,
                timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout),
            )
        except OutboundError:
            raise
        except Exception as exc:
            raise _classify(exc) from exc

    def close(self) -> None:
        self._pool.clear()


def read_chunk(resp: urllib3.BaseHTTPResponse, size: int) -> bytes:
    """Up to `size` bytes as soon as some arrive (b"" at the end), failures classified."""
    try:
        return resp.read1(size)
    except OutboundError:
        raise
    except Exception as exc:
        raise _classify(exc) from exc


def _read_limited(resp: urllib3.BaseHTTPResponse, max_body: int) -> bytes:
    try:
        data = resp.read(max_body)
        if resp.read(1):
            resp.close()  # more than we want: do not keep a half-read connection
        else:
            resp.release_conn()
    except BaseException:
        resp.close()
        raise
    return data


def _classify(exc: BaseException) -> OutboundError:
    """Map urllib3/socket failures to our short error classes (retries=False: no wrapping)."""
    reason = getattr(exc, "reason", None)
    if isinstance(reason, OutboundError):
        return reason
    # NewConnectionError subclasses ConnectTimeoutError in urllib3: test it first.
    if isinstance(exc, NameResolutionError | NewConnectionError):
        return OutboundConnectionError(type(exc).__name__)
    if isinstance(exc, ConnectTimeoutError | ReadTimeoutError | TimeoutError):
        return OutboundTimeout(type(exc).__name__)
    if isinstance(exc, HTTPError | OSError):
        return OutboundConnectionError(type(exc).__name__)
    return OutboundError(type(exc).__name__)
