"""Builtin plugin: an unexpected error on a web page shows the error page, not JSON.

A ``trylast`` fallback of ``handle_exception``: API routes and clients that do not ask for HTML
keep the JSON 500; any plugin answering first wins.
"""

from __future__ import annotations

import logging

from labelcore.hookspecs import hookimpl

log = logging.getLogger(__name__)


@hookimpl(trylast=True)
def handle_exception(request, exc):
    if request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", ""):
        return None
    from labelcore.web.pages import error_page

    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_page(request, 500, "Something went wrong",
                      "The server could not show this page. The error was logged; try again, or go back to your projects.")
