"""An ``on_event`` listener that always fails, to show a failing plugin never undoes a change."""

from __future__ import annotations

from typing import Any

from labelcore import hookimpl


class FailingListener:
    __name__ = "failing_listener"

    @hookimpl
    def on_event(self, event: str, payload: dict[str, Any]) -> None:
        raise ConnectionError("webhook endpoint unreachable")
