"""Helpers for testing plugins: a fresh plugin manager and registry with chosen plugins.

Plugin test suites use these so they run in an environment holding only core and the plugin.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from labelcore.config import ParsedConfig, parse_config
from labelcore.plugins import PluginManager, create_plugin_manager
from labelcore.registry import Registry, build_registry


def plugin_manager(*plugins: Any) -> PluginManager:
    """Builtins plus the given plugin objects (modules or classes), no entry points."""
    pm = create_plugin_manager(load_entrypoints=False, strict=True)
    for plugin in plugins:
        pm.register(plugin, name=getattr(plugin, "__name__", None))
    pm.check_pending()
    return pm


def plugin_from_file(path, module_name: str | None = None) -> Any:
    """Import a one-file plugin that is not installed (e.g. ``tests/plugins/x.py``), once per name."""
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(path)
    module_name = module_name or f"labelcore_test_plugins_{path.stem}"
    if module_name not in sys.modules:
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return sys.modules[module_name]


class ConfigChecker:
    """Parse configs against one plugin manager; ``parse`` returns the ParsedConfig."""

    def __init__(self, pm: PluginManager):
        self.pm = pm
        self.registry: Registry = build_registry(pm)

    def parse(self, xml: str, data: dict[str, Any] | None = None) -> ParsedConfig:
        return parse_config(xml, self.registry, self.pm, data=data)


class LiveServer:
    """A real ``labelcore serve`` process on 127.0.0.1 with a first admin and its API token.

    ``database_url`` None means the embedded SQLite in ``data_dir``. Use as a context manager.
    """

    def __init__(self, data_dir, database_url: str | None = None, env: dict[str, str] | None = None,
                 port: int | None = None):
        import secrets

        self.data_dir = data_dir
        self.database_url = database_url
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.email = "admin@example.com"
        self.password = secrets.token_urlsafe(12)
        self.token = secrets.token_hex(20)
        self.extra_env = env or {}
        self.process = None

    def start(self, timeout: float = 30.0) -> LiveServer:
        import os
        import subprocess
        import sys
        import time
        import urllib.request

        env = dict(os.environ)
        env.update({
            "LABELCORE_USERNAME": self.email,
            "LABELCORE_PASSWORD": self.password,
            "LABELCORE_USER_TOKEN": self.token,
            "LABELCORE_DATA_DIR": str(self.data_dir),
            **self.extra_env,
        })
        if self.database_url:
            env["LABELCORE_DATABASE_URL"] = self.database_url
        else:
            env.pop("LABELCORE_DATABASE_URL", None)
        self.log = open(f"{self.data_dir}/server-{self.port}.log", "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "labelcore", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"labelcore serve exited with {self.process.returncode}; see {self.log.name}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"labelcore serve did not answer within {timeout} s; see {self.log.name}")

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.log.close()
        self.process = None

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.token}"}

    def client(self, timeout: float = 60) -> Any:
        """An httpx client authenticated with the admin's API token (close it, or use ``with``)."""
        import httpx

        return httpx.Client(base_url=self.url, headers=self.headers, timeout=timeout)

    def new_user(self, prefix: str = "annotator") -> tuple[int, str, str]:
        """A new user made as people do it: created by the admin, logged in, API token reset.
        Returns ``(user id, email, API token)``."""
        import uuid

        import httpx

        email, password = f"{prefix}-{uuid.uuid4().hex[:8]}@example.com", uuid.uuid4().hex
        with self.client() as admin:
            created = admin.post("/api/users/", json={"email": email, "password": password})
            assert created.status_code == 201, created.text
        login = httpx.post(f"{self.url}/api/auth/login", json={"email": email, "password": password})
        assert login.status_code == 200, login.text
        reset = httpx.post(f"{self.url}/api/current-user/reset-token/", cookies=login.cookies,
                           headers={"X-CSRFToken": login.cookies["labelcore_csrf"]})
        assert reset.status_code == 200, (reset.status_code, reset.text)
        return created.json()["id"], email, reset.json()["token"]

    def sdk(self) -> Any:
        """The official label-studio-sdk client, pointed at this server with the admin's token."""
        from label_studio_sdk import LabelStudio

        return LabelStudio(base_url=self.url, api_key=self.token)


def eventually(check: Any, what: str, seconds: float = 60.0, interval: float = 0.1) -> Any:
    """Poll ``check()`` until it returns something truthy (a background job's outcome) and return
    it; fail the test naming ``what`` after ``seconds``."""
    import time

    import pytest

    deadline = time.monotonic() + seconds
    while not (value := check()):
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what} after {seconds:g} s")
        time.sleep(interval)
    return value


def wait_healthy(url: str, process: Any, log: Any, what: str, seconds: float = 30.0) -> None:
    """Poll ``url``/health until it answers 200; RuntimeError naming ``what``, with the ``log`` file's
    text, if ``process`` (a Popen) exits first or ``seconds`` pass."""
    import time
    from pathlib import Path

    import httpx

    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}: {Path(log).read_text()[-4000:]}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not answer within {seconds:g} s: {Path(log).read_text()[-4000:]}")
        time.sleep(0.1)


def stop_process(process: Any, seconds: float = 10.0) -> None:
    """Terminate a Popen and wait for it; kill it if it is still there after ``seconds``."""
    import subprocess

    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def local_http_server(handler: Any) -> Iterator[str]:
    """A threaded ``http.server`` with ``handler`` (a ``BaseHTTPRequestHandler`` class) on a free
    port of 127.0.0.1, for the outside servers tests need (media hosts, model servers); yields its URL."""
    from http.server import ThreadingHTTPServer

    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
