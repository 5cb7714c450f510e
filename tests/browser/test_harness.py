"""The browser harness itself: Chromium starts, reaches the server, and nothing else."""

from __future__ import annotations


def test_chromium_reaches_the_server_and_only_the_server(signed_in, web_server):
    whoami = signed_in.request.get("/api/current-user/whoami")
    assert whoami.json()["email"] == web_server.email

    signed_in.goto("/api/version/")
    assert '"release"' in signed_in.content()

    assert signed_in.evaluate("""async () => {
        try { await fetch('http://example.invalid/'); return 'reached'; } catch (e) { return 'blocked'; }
    }""") == "blocked"
