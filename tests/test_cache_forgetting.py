"""The in-process caches of the hot routes (who a credential stands for, which models a project has)
are forgotten whenever a transaction that touched their rows commits, by any write path: ORM objects
or UPDATE/DELETE statements (``labelcore.db.when_changed``), and not when it rolls back."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from labelcore.db import write_session
from labelcore.models import MLBackend, Project, Token, User
from labelcore.services import credentials, ml_backends
from labelcore.services.users import create_user


@pytest.fixture
def user(engine):
    with write_session(engine) as session:
        return create_user(session, "cached@example.com", "s3cret-pass", token="t" * 40)


def test_an_update_statement_on_tokens_forgets_who_tokens_stand_for(engine, user):
    credentials.remember(("legacy", "h"), user)
    with write_session(engine) as session:
        session.exec(update(Token).where(Token.user_id == user.id).values(revoked=True))
        assert credentials.recall(("legacy", "h")) is user  # not before the commit
    assert credentials.recall(("legacy", "h")) is None


def test_a_changed_user_object_forgets_them_too(engine, user):
    credentials.remember(("user", user.id), user)
    with write_session(engine) as session:
        row = session.get(User, user.id)
        row.is_active = False
        session.add(row)
    assert credentials.recall(("user", user.id)) is None


def test_a_rolled_back_change_forgets_nothing(engine, user):
    credentials.remember(("user", user.id), user)
    with pytest.raises(RuntimeError), write_session(engine) as session:
        session.exec(update(User).where(User.id == user.id).values(is_active=False))
        raise RuntimeError("the write failed")
    assert credentials.recall(("user", user.id)) is user


def test_a_new_ml_backend_is_seen_by_the_next_request(engine, user):
    with write_session(engine) as session:
        project = Project(title="models")
        session.add(project)
        session.flush()
        project_id = project.id
    assert ml_backends.project_models(engine, project_id).prelabels is False  # now remembered

    with write_session(engine) as session:
        session.add(MLBackend(project_id=project_id, created_by_id=user.id, backend="remote"))

    assert ml_backends.project_models(engine, project_id).prelabels is True
