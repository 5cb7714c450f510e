"""Signing up, logging in and out, the login wall, and the account page's API token, in Chromium."""

from __future__ import annotations

import re
import uuid

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import shot as full_shot


def shot(page, name: str) -> None:
    """A full-page screenshot taken from the top (a sticky header otherwise lands mid-page)."""
    page.evaluate("() => window.scrollTo(0, 0)")
    full_shot(page, name)


def test_a_page_sends_a_visitor_to_the_login_page_and_back_after_logging_in(page, web_server):
    page.goto("/projects?page=1")

    expect(page).to_have_url(re.compile(r"/user/login\?next=%2Fprojects%3Fpage%3D1$"))
    shot(page, "login")
    page.get_by_label("Email").fill(web_server.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("alert")).to_have_text("Invalid email or password.")
    expect(page.get_by_label("Email")).to_have_value(web_server.email)
    shot(page, "login-refused")

    page.get_by_label("Password").fill(web_server.password)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(re.compile(r"/projects\?page=1$"))
    expect(page.get_by_role("heading", name="Projects", exact=True)).to_be_visible()
    assert page.js_errors == []


def test_sign_up_makes_an_annotator_who_can_log_out_and_back_in(page):
    email = f"annotator-{uuid.uuid4().hex[:8]}@example.com"
    page.goto("/user/login")
    page.get_by_role("link", name="Sign up").click()

    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()
    shot(page, "signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Create account").click()

    expect(page).to_have_url(re.compile(r"/projects$"))
    expect(page.get_by_role("link", name=re.compile(email))).to_be_visible()
    page.goto("/user/account")
    expect(page.get_by_text("Annotator", exact=True)).to_be_visible()

    page.get_by_role("button", name="Log out").click()

    expect(page).to_have_url(re.compile(r"/user/login$"))
    page.goto("/projects")
    expect(page).to_have_url(re.compile(r"/user/login\?next=%2Fprojects$"))

    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/projects$"))
    assert page.js_errors == []


def test_signing_up_twice_with_one_email_shows_why(page, web_server):
    page.goto("/user/signup")
    page.get_by_label("Email").fill(web_server.email)
    page.get_by_label("Password").fill("another password")
    page.get_by_role("button", name="Create account").click()

    expect(page.get_by_role("alert")).to_contain_text("already exists")


def test_the_account_page_resets_the_api_token_and_shows_the_new_one_once(page, web_server):
    # a user of its own: the other tests authenticate with the admin's token
    email = f"scripter-{uuid.uuid4().hex[:8]}@example.com"
    with httpx.Client(base_url=web_server.url, headers=web_server.headers) as client:
        assert client.post("/api/users", json={"email": email, "password": "scripts all day"}).status_code == 201
    assert page.request.post("/api/auth/login", data={"email": email, "password": "scripts all day"}).ok
    page.goto("/user/account")
    expect(page.locator("#account-email")).to_have_text(email)
    expect(page.get_by_text("You have an API token.")).to_be_visible()
    shot(page, "account")

    page.get_by_role("button", name="Reset token").click()
    page.get_by_role("dialog").get_by_role("button", name="Reset token").click()

    token_box = page.locator("#token-value")
    expect(token_box).to_have_text(re.compile(r"^\S{20,}$"))
    new_token = token_box.inner_text()
    expect(page.get_by_text("Copy this token now")).to_be_visible()
    expect(page.locator("#token-example")).to_contain_text(f"Authorization: Token {new_token}")
    shot(page, "account-new-token")
    assert page.js_errors == []

    with httpx.Client(base_url=web_server.url) as client:
        whoami = client.get("/api/current-user/whoami", headers={"Authorization": f"Token {new_token}"})
    assert whoami.json()["email"] == email

    page.reload()
    expect(page.locator("#new-token")).to_be_hidden()  # shown once: the server keeps only its hash


def test_a_missing_project_shows_the_error_page(signed_in):
    response = signed_in.goto("/projects/987654")

    assert response.status == 404
    expect(signed_in.get_by_role("heading", name="Project not found")).to_be_visible()
    shot(signed_in, "error-404")
    signed_in.get_by_role("link", name="Back to projects").click()
    expect(signed_in).to_have_url(re.compile(r"/projects$"))
