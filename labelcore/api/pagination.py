"""The one pagination helper: Django REST framework's page-number shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import HTTPException, Request
from sqlalchemy import func, select
from sqlmodel import Session

MAX_PAGE_SIZE = 10_000


def paginate(request: Request, session: Session, query: Any, page: int, page_size: int,
             render: Callable[[Any], Any], total: int | None = None) -> dict:
    """``{count, next, previous, results}`` for one page of ``query`` (ordered by the caller)."""
    if page < 1 or page_size < 1:
        raise HTTPException(status_code=404, detail="Invalid page.")
    page_size = min(page_size, MAX_PAGE_SIZE)
    if total is None:
        total = session.exec(select(func.count()).select_from(query.order_by(None).subquery())).one()[0]
    rows = session.exec(query.offset((page - 1) * page_size).limit(page_size)).all()
    if page > 1 and not rows:
        raise HTTPException(status_code=404, detail="Invalid page.")
    return {
        "count": total,
        "next": str(request.url.include_query_params(page=page + 1)) if page * page_size < total else None,
        "previous": str(request.url.include_query_params(page=page - 1)) if page > 1 else None,
        "results": [render(row) for row in rows],
    }
