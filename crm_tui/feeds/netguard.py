"""Where a feed request may connect: no server-side request forgery through a feed.

A feed is someone else's server, and its redirects are its own choice. Without a guard, a
public feed answering ``301 Location: http://169.254.169.254/...`` would make crm-tui fetch
the cloud metadata service, or a router's admin page inside the user's network. The rules:

- A link-local address (169.254.0.0/16, fe80::/10: the metadata service lives there) is
  never connected to, whoever asked.
- A redirect hop that follows a hop answered by a public address may only reach public
  addresses: never loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), shared,
  reserved, multicast or unspecified ones. So may a feed address found on a page that a
  public server sent (autodiscovery): the page chose it, not the user.
- A feed the user subscribed to at a private address (a home server, 127.0.0.1 in tests)
  stays allowed, and so do redirects among private addresses that started there.

The check is made where the socket is opened: the host name is resolved once, every address
it resolved to is checked, and the connection goes to a checked address (not to the name,
which a second lookup could answer differently: DNS rebinding). TLS still verifies the
certificate against the host name (httpcore passes it as the server name).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(httpcore.ConnectError):
    """The guard refused an address (httpx reports it as a ConnectError)."""


def classify(ip: str) -> str:
    """"link-local", "public" or "private" (loopback, private, reserved... anything not
    globally routable) for an IP address in text form."""
    address: Address = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:169.254.169.254 is 169.254.169.254
    if address.is_link_local:
        return "link-local"
    if address.is_global and not address.is_multicast:
        return "public"
    return "private"


def refusal(ip: str, public_only: bool) -> str | None:
    """Why ``ip`` may not be connected to, or None when it may."""
    kind = classify(ip)
    if kind == "link-local":
        return f"{ip} is a link-local address (never fetched: the cloud metadata service lives there)"
    if public_only and kind != "public":
        return f"{ip} is a private or reserved address, reached from a public server (refused)"
    return None


async def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (an IP literal is itself), in resolver order."""
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
        return [host]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
    seen: list[str] = []
    for info in infos:
        ip = str(info[4][0])
        if ip not in seen:
            seen.append(ip)
    return seen


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's own backend, but every TCP connection goes to a checked address."""

    def __init__(self, public_only: bool) -> None:
        self.public_only = public_only
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        async with asyncio.timeout(timeout):
            addresses = await resolve(host, port)
        for ip in addresses:
            # A name that resolves to both a public and a forbidden address is refused
            # whole: which one a connection would reach is the attacker's choice.
            reason = refusal(ip, self.public_only)
            if reason is not None:
                raise Refused(reason)
        if not addresses:
            raise httpcore.ConnectError(f"{host} resolved to no address")
        last: Exception | None = None
        for ip in addresses:
            try:
                return await self._inner.connect_tcp(
                    ip, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Any = None) -> Any:
        raise httpcore.ConnectError("unix sockets are not used for feeds")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """An httpx transport whose connections pass through :class:`GuardedBackend`."""

    def __init__(self, public_only: bool, verify: Any, limits: httpx.Limits, http2: bool) -> None:
        super().__init__(verify=verify, trust_env=False, limits=limits, http2=http2)
        ssl_context = self._pool._ssl_context  # the context httpx built from ``verify``
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            http1=True,
            http2=http2,
            network_backend=GuardedBackend(public_only),
        )


def peer_is_public(response: httpx.Response) -> bool:
    """Whether the server that answered ``response`` is at a public address."""
    stream = response.extensions.get("network_stream")
    if stream is None:
        return False
    peer = stream.get_extra_info("server_addr")
    if not peer:
        return False
    try:
        return classify(str(peer[0])) == "public"
    except ValueError:
        return False
