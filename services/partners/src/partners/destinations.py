"""Server-side request forgery checks: a webhook may only call the public internet.

A URL is refused when its host is, or resolves to, a private, loopback, link-local, multicast,
reserved or unspecified address (169.254.169.254, the cloud metadata service, is link-local).
The check runs at registration and again before every POST, because a name may resolve elsewhere
later. Only dev and tests allow private destinations (WEBHOOK_ALLOW_PRIVATE_DESTINATIONS).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit


class UnsafeDestination(ValueError):
    """The URL must not be called; the message says why and what to do."""


def _refused_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def check_form(url: str) -> tuple[str, int]:
    """The URL's host and port, when it is an absolute http(s) URL without credentials."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UnsafeDestination("the URL must start with https:// (or http://)")
    if not parts.hostname:
        raise UnsafeDestination("the URL has no host")
    if parts.username or parts.password:
        raise UnsafeDestination("put no user name or password in the URL; the signature proves us")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise UnsafeDestination(f"the URL's port is not valid: {error}") from error
    return parts.hostname, port


async def check_destination(url: str, allow_private: bool) -> None:
    """Raise UnsafeDestination unless `url` may be called."""
    host, port = check_form(url)
    if allow_private:
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as error:
        raise UnsafeDestination(f"the host {host!r} cannot be resolved") from error
    for info in infos:
        address = str(info[4][0])
        if _refused_address(address):
            raise UnsafeDestination(
                f"{host!r} resolves to {address}, a private, loopback or link-local address; "
                "a webhook must be reachable on the public internet"
            )
