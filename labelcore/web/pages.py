"""The web UI's pages: server-rendered Jinja2 shells whose small ES modules talk to the REST API.

Every page but login and signup needs a signed-in user; others are sent to
``/user/login?next=<page>``. Pages embed what their script needs as JSON in a
``<script type="application/json">`` block (Jinja's ``|tojson`` escapes ``<``, ``>``, ``&`` and
``'``), never as HTML. Writes from the pages go to the API with the ``X-CSRFToken`` header; the
few HTML forms here (login, signup, logout, demo project) check the origin or a CSRF field.

Signup policy: anyone who can reach the server may sign up. The first account of an empty
database becomes an admin (``is_superuser``); every later one is a regular user (an annotator).
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import func
from sqlmodel import Session, select

from labelcore.api.deps import (CSRF_COOKIE, SESSION_COOKIE, Caller, authenticate, current_user,
                                start_browser_session)
from labelcore.db import read_session, write_session
from labelcore.errors import ConfigError, LabelcoreError, NotFoundError
from labelcore.jsonio import FastJSONResponse, dumps, loads
from labelcore.models import Project, Token, User
from labelcore.security import verify_password
from labelcore.services import demo
from labelcore.services import users as user_service
from labelcore.services.projects import parsed_config
from labelcore.templating import Templates
from labelcore.web import samples

router = APIRouter(tags=["pages"], include_in_schema=False)

PROJECTS_PER_PAGE = 30
PAGE_SIZES = (10, 30, 50, 100)
MIN_PASSWORD = 8
#: "Label selected" passes task ids in the URL; more than this and the user labels the whole stream.
MAX_SELECTED_IN_URL = 1000


# --------------------------------------------------------------------------- helpers


def templates(request: Request) -> Templates:
    """The app's page renderer, built on first use from its plugin manager."""
    state = request.app.state
    renderer = getattr(state, "templates", None)
    if renderer is None:
        renderer = state.templates = Templates(state.pm)
    return renderer


def render(request: Request, template: str, values: dict[str, Any] | None = None, status_code: int = 200) -> Response:
    user = getattr(request.state, "user", None)
    base = {"user": user, "csrf_token": request.cookies.get(CSRF_COOKIE, "")}
    return templates(request).render(request, template, {**base, **(values or {})}, status_code=status_code)


def error_page(request: Request, status_code: int, title: str, message: str) -> Response:
    return render(request, "error.html", {"status_code": status_code, "title": title, "message": message},
                  status_code=status_code)


def safe_next(value: str | None, default: str = "/projects") -> str:
    """A local path to go to after logging in; anything pointing elsewhere becomes ``default``."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    if any(ord(char) < 32 for char in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


def _login_url(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/user/login?" + urlencode({"next": target})


def page_user(request: Request) -> User:
    """The signed-in user of a page request; everyone else is redirected to the login page."""
    caller = authenticate(request)
    if caller is None or caller.via == "ml":  # a model's read-only token is for the API, not the pages
        raise HTTPException(status_code=303, detail="Log in to see this page.",
                            headers={"Location": _login_url(request)})
    request.state.user = caller.user
    return caller.user


def _same_origin(request: Request) -> bool:
    """A form post made by one of our pages: a browser sends Origin, and it names this host."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        referer = request.headers.get("referer")
        if referer is None:
            return origin is None  # not a browser form (scripts, tests): nothing to forge
        origin = referer
    return urlsplit(origin).netloc == request.headers.get("host", "")


def _check_form_csrf(request: Request, form: Any) -> None:
    expected = request.cookies.get(CSRF_COOKIE)
    if not expected or not secrets.compare_digest(str(form.get("csrf", "")), expected):
        raise HTTPException(status_code=403, detail="CSRF Failed: CSRF token missing or incorrect.")


def _sign_in(response: Response, request: Request, user: User, session: Session) -> None:
    start_browser_session(response, session, user, request.app.state.settings)


def _engine(request: Request):
    return request.app.state.engine


def _project_or_404(session: Session, project_id: int) -> Project | None:
    return session.get(Project, project_id)


def _project_json(project: Project) -> dict[str, Any]:
    fields = ("id", "title", "description", "label_config", "expert_instruction", "show_instruction",
              "show_skip_button", "maximum_annotations", "sampling", "task_number", "finished_task_number",
              "total_annotations_number", "total_predictions_number", "skipped_annotations_number", "created_at",
              "model_version", "evaluate_predictions_automatically")
    return {field: getattr(project, field) for field in fields}


def _user_json(user: User) -> dict[str, Any]:
    return {"id": user.id, "email": user.email, "username": user.username, "first_name": user.first_name,
            "last_name": user.last_name, "is_superuser": user.is_superuser}


def display_name(user: User) -> str:
    full = " ".join(part for part in (user.first_name, user.last_name) if part)
    return full or user.email


def _config_of(request: Request, project: Project):
    """The project's parsed config, or None while it has none (or it no longer parses)."""
    if not project.parsed_label_config:
        return None
    try:
        return parsed_config(project.label_config, request.app.state.registry, request.app.state.pm)
    except LabelcoreError:
        return None


# --------------------------------------------------------------------------- sign in, sign up, sign out


@router.get("/")
def home(request: Request) -> Response:
    return RedirectResponse("/projects" if authenticate(request) else "/user/login", status_code=303)


@router.get("/user/login")
def login_page(request: Request, next: str | None = None) -> Response:
    if authenticate(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", {"next": safe_next(next), "email": "", "error": None})


@router.post("/user/login")
async def login_form(request: Request) -> Response:
    form = await request.form()
    email = str(form.get("email", "")).strip()
    target = safe_next(str(form.get("next", "")))
    if not _same_origin(request):
        return render(request, "login.html", {"next": target, "email": email,
                                              "error": "This form was sent from another site."}, status_code=403)
    with write_session(_engine(request)) as session:
        user = session.exec(select(User).where(User.email == email)).first()
        if user is None or not user.is_active or not user.password_hash or \
                not verify_password(str(form.get("password", "")), user.password_hash):
            return render(request, "login.html", {"next": target, "email": email,
                                                  "error": "Invalid email or password."}, status_code=400)
        response = RedirectResponse(target, status_code=303)
        _sign_in(response, request, user, session)
    return response


@router.get("/user/signup")
def signup_page(request: Request, next: str | None = None) -> Response:
    if authenticate(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    with read_session(_engine(request)) as session:
        first = session.exec(select(User.id)).first() is None
    return render(request, "signup.html", {"next": safe_next(next), "email": "", "error": None, "first": first})


@router.post("/user/signup")
async def signup_form(request: Request) -> Response:
    form = await request.form()
    email = str(form.get("email", "")).strip()
    password = str(form.get("password", ""))
    target = safe_next(str(form.get("next", "")))

    def refuse(message: str, status_code: int = 400) -> Response:
        return render(request, "signup.html", {"next": target, "email": email, "error": message, "first": False},
                      status_code=status_code)

    if not _same_origin(request):
        return refuse("This form was sent from another site.", 403)
    if len(password) < MIN_PASSWORD:
        return refuse(f"Choose a password of at least {MIN_PASSWORD} characters.")
    with write_session(_engine(request)) as session:
        first = session.exec(select(User.id)).first() is None
        try:
            user = user_service.create_user(session, email, password, admin=first)
        except LabelcoreError as exc:
            session.rollback()
            return refuse(exc.message[:1].upper() + exc.message[1:] + ".")
        response = RedirectResponse(target, status_code=303)
        _sign_in(response, request, user, session)
    return response


@router.post("/user/logout")
async def logout_form(request: Request) -> Response:
    form = await request.form()
    _check_form_csrf(request, form)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        with write_session(_engine(request)) as session:
            user_service.revoke_session(session, cookie)
    response = RedirectResponse("/user/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)
    return response


@router.get("/user/account")
def account_page(request: Request, user: User = Depends(page_user)) -> Response:
    with read_session(_engine(request)) as session:
        tokens = session.exec(select(func.count(Token.id)).where(
            Token.user_id == user.id, Token.kind == "legacy", Token.revoked == False)).one()  # noqa: E712
    return render(request, "account.html", {"has_token": bool(tokens), "page_data": {"user": _user_json(user)}})


# --------------------------------------------------------------------------- projects


@router.get("/projects")
def projects_page(request: Request, page: int = 1, user: User = Depends(page_user)) -> Response:
    page = max(page, 1)
    with read_session(_engine(request)) as session:
        total = session.exec(select(func.count(Project.id))).one()
        projects = session.exec(select(Project).order_by(Project.pinned_at.desc().nulls_last(),
                                                         Project.created_at.desc(), Project.id.desc())
                                .offset((page - 1) * PROJECTS_PER_PAGE).limit(PROJECTS_PER_PAGE)).all()
        creators = {row.id: row for row in session.exec(
            select(User).where(User.id.in_({p.created_by_id for p in projects if p.created_by_id})))}
    registry, pm = request.app.state.registry, request.app.state.pm
    gallery = getattr(request.app.state, "gallery", None)
    if gallery is None:
        gallery = request.app.state.gallery = samples.installed_gallery(registry, pm)
    pages = max(1, -(-total // PROJECTS_PER_PAGE))
    return render(request, "projects.html", {
        "projects": projects, "creators": {key: display_name(value) for key, value in creators.items()},
        "total": total, "page": page, "pages": pages,
        "page_data": {"gallery": gallery},
    })


@router.post("/projects/demo")
async def create_demo(request: Request, user: User = Depends(page_user)) -> Response:
    form = await request.form()
    _check_form_csrf(request, form)
    state = request.app.state
    try:
        project_id = demo.create_demo_project(state.engine, state.settings.uploads_dir, user.id, state.registry, state.pm)
    except LabelcoreError as exc:
        return error_page(request, 400, "The demo project could not be created", exc.message)
    return RedirectResponse(f"/projects/{project_id}", status_code=303)


def _dm_state(page: int, page_size: int, ordering: str | None, filters: str | None) -> dict[str, Any]:
    """The data manager's view from the URL: page, page size, ordering and filter items."""
    items: list[Any] = []
    if filters:
        try:
            parsed = loads(filters)
            items = parsed if isinstance(parsed, list) else []
        except ValueError:
            items = []
    return {"page": max(page, 1), "page_size": page_size if page_size in PAGE_SIZES else PAGE_SIZES[1],
            "ordering": ordering or "", "filters": [item for item in items if isinstance(item, dict)]}


def _first_page(request: Request, session: Session, user: User, project_id: int, view: dict[str, Any]) -> tuple[dict, str | None]:
    """The view's first page of tasks, exactly as ``GET /api/tasks`` returns it (so the script
    renders it without a round trip); with an error and page one unfiltered if the view is invalid."""
    from labelcore.api.tasks import list_tasks

    def fetch(page: int, ordering: str, filters: list) -> dict:
        query = {"filters": {"conjunction": "and", "items": filters}, "ordering": [ordering] if ordering else []}
        return list_tasks(request=request, session=session, user=user, project=project_id, page=page,
                          page_size=view["page_size"], fields=None, query=dumps(query).decode(), include=None,
                          only_annotated=False, selected_items=None)

    try:
        return fetch(view["page"], view["ordering"], view["filters"]), None
    except (LabelcoreError, HTTPException) as exc:
        message = exc.message if isinstance(exc, LabelcoreError) else str(exc.detail)
        view.update(page=1, ordering="", filters=[])
        return fetch(1, "", []), message


@router.get("/projects/{project_id}")
def data_manager_page(request: Request, project_id: int, page: int = 1, page_size: int = 30,
                      ordering: str | None = None, filters: str | None = None,
                      user: User = Depends(page_user)) -> Response:
    with read_session(_engine(request)) as session:
        project = _project_or_404(session, project_id)
        if project is None:
            return error_page(request, 404, "Project not found", f"There is no project {project_id}.")
        view = _dm_state(page, page_size, ordering, filters)
        first, view_error = _first_page(request, session, user, project.id, view)
        people = session.exec(select(User).order_by(User.id).limit(5000)).all()
    config = _config_of(request, project)
    return render(request, "data_manager.html", {
        "project": project,
        "page_data": {
            "project": _project_json(project),
            "columns": samples.data_columns(config, request.app.state.registry),
            "has_config": config is not None,
            "view": view, "view_error": view_error, "first_page": first,
            "users": {person.id: display_name(person) for person in people},
            "page_sizes": PAGE_SIZES, "max_selected_in_url": MAX_SELECTED_IN_URL,
        },
    })


@router.get("/projects/{project_id}/data")
def data_manager_alias(request: Request, project_id: int) -> Response:
    """Label Studio's data manager URL."""
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"/projects/{project_id}{query}", status_code=303)


@router.get("/projects/{project_id}/settings")
def settings_page(request: Request, project_id: int, user: User = Depends(page_user)) -> Response:
    with read_session(_engine(request)) as session:
        project = _project_or_404(session, project_id)
    if project is None:
        return error_page(request, 404, "Project not found", f"There is no project {project_id}.")
    samplers = [{"id": spec.id, "title": spec.title} for spec in request.app.state.registry.samplers.values()]
    return render(request, "settings.html", {
        "project": project, "samplers": samplers,
        "page_data": {"project": _project_json(project), "user": _user_json(user)},
    })


@router.get("/projects/{project_id}/label")
def label_page(request: Request, project_id: int, task: int | None = None, tasks: str | None = None,
               user: User = Depends(page_user)) -> Response:
    """The labeling page: the stream of ``/next`` tasks, or the given ``task``/``tasks`` in order."""
    from labelcore.api.deps import Caller
    from labelcore.api.tasks import get_task_detail

    ids: list[int] = []
    for part in ([str(task)] if task is not None else (tasks or "").split(",")):
        if part.strip().isdigit() and int(part) not in ids:
            ids.append(int(part))
    ids = ids[:MAX_SELECTED_IN_URL]
    with read_session(_engine(request)) as session:
        project = _project_or_404(session, project_id)
        if project is None:
            return error_page(request, 404, "Project not found", f"There is no project {project_id}.")
        first = None
        if ids:
            try:
                first = get_task_detail(request, ids[0], session, Caller(user, "session"))
            except NotFoundError:
                first = None
            if first is not None and first["project"] != project.id:
                return error_page(request, 404, "Task not found", f"Task {ids[0]} is not in this project.")
    config = _config_of(request, project)
    return render(request, "label.html", {
        "project": project,
        "page_data": {
            "project": _project_json(project),
            "config": config.to_json(request.app.state.registry) if config is not None else None,
            "user": _user_json(user),
            "queue": {"mode": "ids" if ids else "next", "ids": ids},
            "task": first,
        },
    })


# --------------------------------------------------------------------------- what the pages' scripts ask


@router.post("/ui/config-preview")
async def config_preview(request: Request, user: User = Depends(current_user)) -> Response:
    """Parse a config for the live preview: ``{config, task}`` for ``mountLabeling``, or a 400
    listing each problem with its line."""
    try:
        body = loads(await request.body())
    except ValueError:
        body = None
    xml = body.get("label_config") if isinstance(body, dict) else None
    if not isinstance(xml, str) or not xml.strip():
        return FastJSONResponse({"detail": "Label config is not set or is empty", "issues": []}, status_code=400)
    registry, pm = request.app.state.registry, request.app.state.pm
    try:
        config = parsed_config(xml, registry, pm)
    except ConfigError as exc:
        issues = [{"line": issue.line, "message": str(issue), "tag": issue.tag} for issue in exc.issues]
        return FastJSONResponse({"detail": exc.message, "issues": issues}, status_code=400)
    except LabelcoreError as exc:
        return FastJSONResponse({"detail": exc.message, "issues": []}, status_code=400)
    sample = body.get("sample_data") if isinstance(body.get("sample_data"), dict) else None
    task = samples.sample_task(config, registry, sample or samples.gallery_sample_data(registry, xml))
    return FastJSONResponse({"config": config.to_json(registry), "task": task,
                             "warnings": [str(issue) for issue in config.warnings]})


_SAMPLE_PNG: bytes | None = None


@router.get("/ui/sample-image.png")
def sample_image() -> Response:
    """The generated picture previews show for image data (nothing is fetched from the internet)."""
    global _SAMPLE_PNG
    if _SAMPLE_PNG is None:
        _SAMPLE_PNG = demo.sample_png()
    return Response(_SAMPLE_PNG, media_type="image/png", headers={"Cache-Control": "public, max-age=86400"})
