"""Authentication: API tokens, personal access tokens, and what an anonymous caller may see."""

from __future__ import annotations

import httpx


def test_version_and_health_need_no_credentials(server):
    assert httpx.get(f"{server.url}/api/version/").json()["release"]
    assert httpx.get(f"{server.url}/health/").json() == {"status": "UP"}


def test_every_other_route_answers_401_without_credentials(server):
    response = httpx.get(f"{server.url}/api/current-user/whoami")

    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_a_wrong_token_is_401(server):
    response = httpx.get(f"{server.url}/api/users/", headers={"Authorization": "Token " + "0" * 40})

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid token."}


def test_the_sdk_authenticates_with_the_legacy_token(sdk, server):
    assert sdk.users.whoami().email == server.email


def test_a_personal_access_token_is_exchanged_for_bearer_access_tokens(http, server):
    from label_studio_sdk import LabelStudio

    pat = http.post("/api/token/").json()["token"]
    access = httpx.post(f"{server.url}/api/token/refresh/", json={"refresh": pat}).json()["access"]

    whoami = httpx.get(f"{server.url}/api/current-user/whoami/", headers={"Authorization": f"Bearer {access}"})
    assert whoami.json()["email"] == server.email
    assert LabelStudio(base_url=server.url, api_key=pat).users.whoami().email == server.email


def test_a_blacklisted_personal_access_token_no_longer_refreshes(http, server):
    pat = http.post("/api/token/").json()["token"]
    assert http.post("/api/token/blacklist/", json={"refresh": pat}).status_code == 204

    response = httpx.post(f"{server.url}/api/token/refresh/", json={"refresh": pat})
    assert response.status_code == 401


def test_resetting_the_token_invalidates_the_old_one(server):
    from labelcore.testing import free_port  # noqa: F401  (server is shared: use a second user)

    with httpx.Client(base_url=server.url, headers=server.headers) as admin:
        created = admin.post("/api/users/", json={"email": "reset@example.com", "password": "s3cret-pass"})
        assert created.status_code == 201
    login = httpx.post(f"{server.url}/api/auth/login", json={"email": "reset@example.com", "password": "s3cret-pass"})
    assert login.status_code == 200
    cookies = login.cookies
    token = httpx.post(f"{server.url}/api/current-user/reset-token/", cookies=cookies,
                       headers={"X-CSRFToken": cookies["labelcore_csrf"]}).json()["token"]
    assert httpx.get(f"{server.url}/api/current-user/token", headers={"Authorization": f"Token {token}"}
                     ).json() == {"token": token}

    newer = httpx.post(f"{server.url}/api/current-user/reset-token/", headers={"Authorization": f"Token {token}"}
                       ).json()["token"]
    assert httpx.get(f"{server.url}/api/current-user/whoami", headers={"Authorization": f"Token {token}"}
                     ).status_code == 401
    assert httpx.get(f"{server.url}/api/current-user/whoami", headers={"Authorization": f"Token {newer}"}
                     ).json()["email"] == "reset@example.com"


def test_cookie_sessions_need_the_csrf_header_to_change_anything(server):
    login = httpx.post(f"{server.url}/api/auth/login", json={"email": server.email, "password": server.password})
    cookies = login.cookies

    assert httpx.get(f"{server.url}/api/current-user/whoami", cookies=cookies).json()["email"] == server.email
    refused = httpx.post(f"{server.url}/api/current-user/reset-token/", cookies=cookies)
    assert refused.status_code == 403


def test_a_wrong_password_is_refused(server):
    response = httpx.post(f"{server.url}/api/auth/login", json={"email": server.email, "password": "nope"})

    assert response.status_code == 401


def test_oversized_request_bodies_get_413_whether_declared_or_streamed(tmp_path):
    from labelcore.testing import LiveServer

    with LiveServer(tmp_path, env={"LABELCORE_MAX_REQUEST_BYTES": "1000"}) as small:
        declared = httpx.post(f"{small.url}/api/users/", headers=small.headers, content=b"x" * 2000)
        streamed = httpx.post(f"{small.url}/api/users/", headers=small.headers,
                              content=iter([b"x" * 600, b"x" * 600]))

    for response in (declared, streamed):
        assert response.status_code == 413
        assert response.json()["detail"] == ("Request body is larger than the limit of 1000 bytes "
                                             "(LABELCORE_MAX_REQUEST_BYTES).")


def _second_user(server, email: str) -> tuple[int, str]:
    """A new user and a fresh API token of theirs."""
    with httpx.Client(base_url=server.url, headers=server.headers) as admin:
        created = admin.post("/api/users/", json={"email": email, "password": "s3cret-pass"})
        assert created.status_code == 201
    login = httpx.post(f"{server.url}/api/auth/login", json={"email": email, "password": "s3cret-pass"})
    cookies = login.cookies
    token = httpx.post(f"{server.url}/api/current-user/reset-token/", cookies=cookies,
                       headers={"X-CSRFToken": cookies["labelcore_csrf"]}).json()["token"]
    return created.json()["id"], token


def test_a_deactivated_users_token_stops_working_at_once(server):
    user_id, token = _second_user(server, "leaver@example.com")
    headers = {"Authorization": f"Token {token}"}
    assert httpx.get(f"{server.url}/api/current-user/whoami", headers=headers).status_code == 200

    with httpx.Client(base_url=server.url, headers=server.headers) as admin:
        assert admin.delete(f"/api/users/{user_id}/").status_code == 204

    assert httpx.get(f"{server.url}/api/current-user/whoami", headers=headers).status_code == 401


def test_a_changed_email_shows_at_once(server):
    _, token = _second_user(server, "renamed@example.com")
    headers = {"Authorization": f"Token {token}"}
    assert httpx.get(f"{server.url}/api/current-user/whoami", headers=headers).json()["email"] == "renamed@example.com"

    changed = httpx.patch(f"{server.url}/api/current-user", headers=headers, json={"email": "renamed2@example.com"})
    assert changed.status_code == 200

    assert httpx.get(f"{server.url}/api/current-user/whoami", headers=headers).json()["email"] == "renamed2@example.com"


def test_a_logged_out_session_stops_working_at_once(server):
    login = httpx.post(f"{server.url}/api/auth/login", json={"email": server.email, "password": server.password})
    cookies = login.cookies
    assert httpx.get(f"{server.url}/api/current-user/whoami", cookies=cookies).status_code == 200

    out = httpx.post(f"{server.url}/api/auth/logout", cookies=cookies, headers={"X-CSRFToken": cookies["labelcore_csrf"]})
    assert out.status_code == 204

    assert httpx.get(f"{server.url}/api/current-user/whoami", cookies=cookies).status_code == 401
