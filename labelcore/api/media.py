"""Serving uploaded files and local-storage files to signed-in users (browser <img> loads)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse

from labelcore.api.deps import current_user, get_settings
from labelcore.errors import NotFoundError
from labelcore.services.media import media_path
from labelcore.settings import Settings

router = APIRouter(tags=["media"], dependencies=[Depends(current_user)])


def _serve(url: str, settings: Settings) -> FileResponse:
    path = media_path(url, settings)
    if path is None:
        raise NotFoundError(f"no file at {url}")
    # user files are shown, never run: an uploaded SVG/HTML gets no scripts and no same-origin access
    return FileResponse(path, headers={"Cache-Control": "private, max-age=3600",
                                       "X-Content-Type-Options": "nosniff",
                                       "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                                                                  "img-src 'self' data:; sandbox"})


@router.get("/data/upload/{path:path}")
def uploaded_file(path: str, settings: Settings = Depends(get_settings)) -> FileResponse:
    return _serve(f"/data/upload/{path}", settings)


@router.get("/data/local-files")
def local_file(request: Request, settings: Settings = Depends(get_settings)) -> FileResponse:
    return _serve(f"/data/local-files/?{request.url.query}", settings)
