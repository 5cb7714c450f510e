"""Users: the caller (whoami, current-user) and the user list (Label Studio's user shape)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field
from sqlmodel import Session, select

from labelcore.api.deps import current_user, db, db_write, require_admin
from labelcore.api.pagination import paginate
from labelcore.models import User
from labelcore.security import hash_password
from labelcore.services.users import create_user

router = APIRouter(tags=["users"], dependencies=[Depends(current_user)])


def user_json(user: User) -> dict:
    initials = ((user.first_name[:1] + user.last_name[:1]) or user.email[:2]).upper()
    return {
        "id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "username": user.username,
        "email": user.email,
        "last_activity": user.last_activity,
        "avatar": None,
        "initials": initials,
        "phone": "",
        "active_organization": 1,
        "allow_newsletters": False,
        "date_joined": user.date_joined,
        "is_superuser": user.is_superuser,
    }


class UserCreate(BaseModel):
    email: str
    username: str | None = None
    first_name: str = Field(default="", max_length=150)
    last_name: str = Field(default="", max_length=150)
    password: str | None = None
    is_superuser: bool = False


class UserUpdate(BaseModel):
    username: str | None = None
    first_name: str | None = Field(default=None, max_length=150)
    last_name: str | None = Field(default=None, max_length=150)
    email: str | None = None
    password: str | None = None
    phone: str | None = None
    allow_newsletters: bool | None = None


def _apply(user: User, body: UserUpdate) -> None:
    for field in ("username", "first_name", "last_name", "email"):
        value = getattr(body, field)
        if value is not None:
            setattr(user, field, value)
    if body.password:
        user.password_hash = hash_password(body.password)


@router.get("/api/current-user/whoami")
def whoami(user: User = Depends(current_user)) -> dict:
    return user_json(user)


@router.get("/api/current-user")
def get_current_user(user: User = Depends(current_user)) -> dict:
    return user_json(user)


@router.patch("/api/current-user")
def update_current_user(body: UserUpdate, user: User = Depends(current_user),
                        session: Session = Depends(db_write, scope="function")) -> dict:
    user = session.get(User, user.id)
    _apply(user, body)
    session.add(user)
    return user_json(user)


@router.get("/api/users")
def list_users(request: Request, session: Session = Depends(db), page: int | None = None,
               page_size: int | None = None):
    query = select(User).order_by(User.id)
    if page is None and page_size is None:
        return [user_json(user) for user in session.exec(query)]
    return paginate(request, session, query, page or 1, page_size or 100, user_json)


@router.post("/api/users", status_code=201)
def add_user(body: UserCreate, session: Session = Depends(db_write, scope="function"), admin: User = Depends(require_admin)) -> dict:
    user = create_user(session, body.email, body.password, admin=body.is_superuser, username=body.username,
                       first_name=body.first_name, last_name=body.last_name)
    return user_json(user)


def _user_or_404(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise HTTPException(status_code=404, detail="Not found.")
    return user


@router.get("/api/users/{user_id}")
def get_user(user_id: int, session: Session = Depends(db)) -> dict:
    return user_json(_user_or_404(session, user_id))


@router.patch("/api/users/{user_id}")
def update_user(user_id: int, body: UserUpdate, session: Session = Depends(db_write, scope="function"),
                caller: User = Depends(current_user)) -> dict:
    if caller.id != user_id and not caller.is_superuser:
        raise HTTPException(status_code=403, detail="You do not have permission to perform this action.")
    user = _user_or_404(session, user_id)
    _apply(user, body)
    session.add(user)
    return user_json(user)


@router.delete("/api/users/{user_id}", status_code=204)
def delete_user(user_id: int, session: Session = Depends(db_write, scope="function"), admin: User = Depends(require_admin)) -> Response:
    user = _user_or_404(session, user_id)
    if user.id == admin.id:
        raise HTTPException(status_code=400, detail="You cannot delete yourself.")
    user.is_active = False
    session.add(user)
    return Response(status_code=204)
