"""Requests labelcore makes to URLs users gave it (ML backends, media URLs, later webhooks).

Every such request goes through :func:`client`, whose request hook checks each URL it is about to
call, redirects included, with :func:`check_url`:

- only ``http`` and ``https``, with a host and without ``user:password@`` (credentials belong in
  settings, where they are not logged with the URL);
- never link-local addresses (``169.254.0.0/16``, where clouds serve instance credentials, and
  ``fe80::/10``), multicast, unspecified (``0.0.0.0``) or reserved ones;
- loopback and private networks are allowed by default, because ML servers usually run beside
  labelcore; ``LABELCORE_SSRF_PROTECTION=1`` refuses them too (Label Studio's
  ``SSRF_PROTECTION_ENABLED``).

Bodies are read with a size cap (:func:`read_limited`), so a hostile server cannot fill memory.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx

from labelcore.errors import LabelcoreError

DEFAULT_MAX_BYTES = 64 * 1024 * 1024


class OutboundError(LabelcoreError):
    """A URL labelcore refuses to call, or a response it refuses to read."""


def ssrf_protection() -> bool:
    return os.environ.get("LABELCORE_SSRF_PROTECTION", "").lower() in ("1", "true", "yes")


def _addresses(host: str) -> Iterator[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        yield ipaddress.ip_address(host.strip("[]"))
        return
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise OutboundError(f"cannot resolve host {host!r}: {exc.strerror or exc}") from None
    for info in infos:
        yield ipaddress.ip_address(info[4][0].split("%", 1)[0])


def check_url(url: str) -> str:
    """Return ``url`` if labelcore may call it, else raise :class:`OutboundError` saying why."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise OutboundError(f"not a valid URL: {url!r} ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise OutboundError(f"only http and https URLs can be called, not {url!r}")
    if not parts.hostname:
        raise OutboundError(f"URL {url!r} has no host")
    if parts.username is not None or parts.password is not None:
        raise OutboundError("put credentials in the settings (basic auth), not in the URL")
    strict = ssrf_protection()
    for address in _addresses(parts.hostname):
        mapped = getattr(address, "ipv4_mapped", None) or address
        if mapped.is_link_local or mapped.is_multicast or mapped.is_unspecified or mapped.is_reserved:
            raise OutboundError(f"URL {url!r} points at {mapped}, an address labelcore never calls")
        if strict and (mapped.is_loopback or mapped.is_private):
            raise OutboundError(
                f"URL {url!r} points at the private address {mapped} (LABELCORE_SSRF_PROTECTION is on)")
    return url


def _check_request(request: httpx.Request) -> None:
    check_url(str(request.url))


def client(*, timeout: float = 30.0, auth: httpx.Auth | tuple[str, str] | None = None,
           headers: dict[str, str] | None = None, retries: int = 0) -> httpx.Client:
    """An httpx client whose every request (redirects too) passes :func:`check_url`.

    ``retries`` retries connection failures (not HTTP errors) that many times.
    """
    return httpx.Client(timeout=timeout, auth=auth, headers=headers, follow_redirects=True, max_redirects=5,
                        transport=httpx.HTTPTransport(retries=retries),
                        event_hooks={"request": [_check_request]})


def read_limited(response: httpx.Response, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The body of a streamed response, refusing more than ``max_bytes``."""
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise OutboundError(f"{response.url} sent {declared} bytes, more than the {max_bytes} allowed")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise OutboundError(f"{response.url} sent more than the {max_bytes} bytes allowed")
        chunks.append(chunk)
    return b"".join(chunks)
