"""Outbound URL checks: what labelcore refuses to call, before any connection is made."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler

import httpx
import pytest

from labelcore.services.outbound import OutboundError, check_url, client, read_limited
from labelcore.testing import local_http_server


@pytest.mark.parametrize("url, why", [
    ("ftp://127.0.0.1/x", "only http and https"),
    ("file:///etc/passwd", "only http and https"),
    ("http:///nohost", "has no host"),
    ("http://user:secret@127.0.0.1:9090", "credentials"),
    ("http://169.254.169.254/latest/meta-data/", "never calls"),
    ("http://[fe80::1]:9090/", "never calls"),
    ("http://0.0.0.0:9090/", "never calls"),
    ("http://224.0.0.1/", "never calls"),
    ("http://127.0.0.1:notaport/", "not a valid URL"),
])
def test_refused_urls_say_why(url, why):
    with pytest.raises(OutboundError, match=why):
        check_url(url)


def test_loopback_and_private_allowed_unless_ssrf_protection(monkeypatch):
    assert check_url("http://127.0.0.1:9090/predict")
    assert check_url("http://10.1.2.3/")
    monkeypatch.setenv("LABELCORE_SSRF_PROTECTION", "1")
    with pytest.raises(OutboundError, match="private address"):
        check_url("http://127.0.0.1:9090/predict")
    with pytest.raises(OutboundError, match="private address"):
        check_url("http://[::ffff:10.0.0.1]/")


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.end_headers()
            return
        body = b"x" * 1000
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server():
    with local_http_server(_Handler) as url:
        yield url


def test_redirects_are_checked_too(local_server):
    with client(timeout=5) as http, pytest.raises(OutboundError, match="never calls"):
        http.get(f"{local_server}/redirect")


def test_read_limited_caps_the_body(local_server):
    with client(timeout=5) as http:
        with http.stream("GET", f"{local_server}/body") as response:
            assert read_limited(response, 1000) == b"x" * 1000
        with http.stream("GET", f"{local_server}/body") as response, pytest.raises(OutboundError, match="more than"):
            read_limited(response, 999)
