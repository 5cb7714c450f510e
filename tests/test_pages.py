"""The web pages rendered on the server (TestClient): the login wall, signup policy, CSRF on forms
and API writes, safe redirects, task data escaped in the HTML, error pages, the config preview
endpoint and the per-page plugin hooks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from labelcore import hookimpl
from labelcore.app import create_app
from labelcore.plugins import create_plugin_manager
from labelcore.settings import Settings
from labelcore.templating import Templates
from labelcore.web.pages import safe_next

TEXT_CONFIG = '<View><Text name="text" value="$text"/><Choices name="c" toName="text"><Choice value="A"/></Choices></View>'
HOSTILE = '<img src=x onerror="alert(document.cookie)"></script><script>alert(1)</script>'
PAGES = ["/projects", "/projects/1", "/projects/1/settings", "/projects/1/label", "/user/account"]


@pytest.fixture
def app(tmp_path):
    return create_app(Settings(data_dir=tmp_path), create_plugin_manager(strict=True))


@pytest.fixture
def client(app):
    with TestClient(app) as client:
        yield client


def sign_up(client: TestClient, email: str, password: str = "a good password") -> None:
    response = client.post("/user/signup", data={"email": email, "password": password, "next": "/projects"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/projects"


@pytest.fixture
def admin(client):
    """The client, signed up as the first (admin) user; writes carry the CSRF header."""
    sign_up(client, "first@example.com")
    client.headers["X-CSRFToken"] = client.cookies["labelcore_csrf"]
    return client


def project_with_task(client: TestClient, data: dict, title: str = "Pages") -> int:
    project = client.post("/api/projects", json={"title": title, "label_config": TEXT_CONFIG})
    assert project.status_code == 201, project.text
    imported = client.post(f"/api/projects/{project.json()['id']}/import", json=[{"data": data}])
    assert imported.status_code == 201, imported.text
    return project.json()["id"]


def page_data(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', html, re.S)
    assert match, "the page embeds its data"
    return json.loads(match.group(1))


# --------------------------------------------------------------------------- the login wall


@pytest.mark.parametrize("path", PAGES)
def test_every_page_sends_visitors_to_the_login_page(client, path):
    response = client.get(path + "?page=2", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/user/login?next=" + (path + "?page=2").replace("/", "%2F") \
        .replace("?", "%3F").replace("=", "%3D")


def test_login_and_signup_pages_are_open(client):
    assert client.get("/user/login").status_code == 200
    assert client.get("/user/signup").status_code == 200
    assert client.get("/", follow_redirects=False).headers["location"] == "/user/login"


def test_logging_in_goes_to_the_page_asked_for(client):
    sign_up(client, "someone@example.com")
    client.cookies.clear()

    refused = client.post("/user/login", data={"email": "someone@example.com", "password": "wrong"})
    assert refused.status_code == 400 and "Invalid email or password." in refused.text

    response = client.post("/user/login", data={"email": "someone@example.com", "password": "a good password",
                                                "next": "/user/account"}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/user/account")
    assert client.get("/user/account").status_code == 200
    assert client.get("/user/login", follow_redirects=False).headers["location"] == "/projects"


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)",
                                    "", None, "/ok\r\nSet-Cookie: x=1"])
def test_after_login_only_local_paths_are_followed(target):
    assert safe_next(target) == "/projects"


def test_local_paths_are_followed():
    assert safe_next("/projects/3?page=2") == "/projects/3?page=2"


# --------------------------------------------------------------------------- signup policy


def test_the_first_account_is_an_admin_and_later_ones_are_annotators(client):
    assert "You are the first user" in client.get("/user/signup").text
    sign_up(client, "first@example.com")
    assert client.get("/api/current-user/whoami").json()["is_superuser"] is True

    client.cookies.clear()
    assert "You are the first user" not in client.get("/user/signup").text
    sign_up(client, "second@example.com")
    assert client.get("/api/current-user/whoami").json()["is_superuser"] is False
    assert "Annotator" in client.get("/user/account").text


def test_signup_refuses_short_passwords_and_taken_emails(client):
    short = client.post("/user/signup", data={"email": "a@example.com", "password": "short"})
    assert short.status_code == 400 and "at least 8 characters" in short.text

    sign_up(client, "taken@example.com")
    client.cookies.clear()
    taken = client.post("/user/signup", data={"email": "taken@example.com", "password": "another password"})
    assert taken.status_code == 400 and "already exists" in taken.text


# --------------------------------------------------------------------------- CSRF


def test_cookie_authenticated_api_writes_need_the_csrf_header(admin):
    token = admin.headers.pop("X-CSRFToken")

    refused = admin.post("/api/projects", json={"title": "No header"})
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert admin.post("/api/projects", json={"title": "Wrong header"},
                      headers={"X-CSRFToken": "0" * 32}).status_code == 403
    assert admin.post("/ui/config-preview", json={"label_config": TEXT_CONFIG}).status_code == 403
    assert admin.post("/api/projects", json={"title": "With header"}, headers={"X-CSRFToken": token}).status_code == 201


def test_the_logout_and_demo_forms_need_the_csrf_field(admin):
    assert admin.post("/user/logout", data={}).status_code == 403
    assert admin.post("/projects/demo", data={"csrf": "forged"}).status_code == 403
    assert admin.get("/user/account").status_code == 200  # still signed in

    response = admin.post("/user/logout", data={"csrf": admin.cookies["labelcore_csrf"]}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/user/login")


def test_the_session_ends_at_logout_even_for_a_copied_cookie(admin):
    session = admin.cookies["labelcore_session"]
    admin.post("/user/logout", data={"csrf": admin.cookies["labelcore_csrf"]})

    admin.cookies.set("labelcore_session", session)
    assert admin.get("/projects", follow_redirects=False).status_code == 303


def test_login_and_signup_forms_posted_from_another_site_are_refused(client):
    sign_up(client, "victim@example.com")
    client.cookies.clear()
    forged = {"email": "victim@example.com", "password": "a good password"}

    assert client.post("/user/login", data=forged, headers={"Origin": "https://evil.example"}).status_code == 403
    assert client.post("/user/signup", data={"email": "x@example.com", "password": "a good password"},
                       headers={"Origin": "https://evil.example"}).status_code == 403
    same_site = client.post("/user/login", data=forged, headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert same_site.status_code == 303


# --------------------------------------------------------------------------- task data is never HTML


def test_the_data_manager_embeds_hostile_task_data_escaped(admin):
    project_id = project_with_task(admin, {"text": HOSTILE}, title="<b>Bold</b> project")

    html = admin.get(f"/projects/{project_id}").text

    assert "<img src=x" not in html and "<script>alert(1)" not in html and "<b>Bold" not in html
    assert "&lt;b&gt;Bold&lt;/b&gt; project" in html
    assert "\\u003cimg src=x" in html  # the first page of tasks, as JSON the script renders as text
    assert page_data(html)["first_page"]["tasks"][0]["data"]["text"] == HOSTILE


def test_the_labeling_page_embeds_the_task_and_config_as_json(admin):
    project_id = project_with_task(admin, {"text": HOSTILE})
    task_id = admin.get("/api/tasks", params={"project": project_id}).json()["tasks"][0]["id"]

    html = admin.get(f"/projects/{project_id}/label", params={"task": task_id}).text

    assert "<img src=x" not in html and "</script><script>alert(1)" not in html
    data = page_data(html)
    assert data["task"]["data"]["text"] == HOSTILE
    assert data["queue"] == {"mode": "ids", "ids": [task_id]}
    assert data["config"]["data_keys"] == ["text"] and data["config"]["root"]["tag"] == "View"
    assert data["user"]["email"] == "first@example.com"


def test_instructions_and_descriptions_are_text(admin):
    project = admin.post("/api/projects", json={"title": "Instructions", "description": HOSTILE,
                                                "expert_instruction": HOSTILE, "label_config": TEXT_CONFIG}).json()
    for path in (f"/projects/{project['id']}", f"/projects/{project['id']}/settings", "/projects"):
        html = admin.get(path).text
        assert "<img src=x" not in html and "<script>alert(1)" not in html, path


def test_a_task_of_another_project_is_not_labeled_here(admin):
    first = project_with_task(admin, {"text": "one"})
    other = project_with_task(admin, {"text": "two"}, title="Other")
    task_id = admin.get("/api/tasks", params={"project": first}).json()["tasks"][0]["id"]

    response = admin.get(f"/projects/{other}/label", params={"task": task_id})

    assert response.status_code == 404 and "Task not found" in response.text


# --------------------------------------------------------------------------- pages and what they embed


def test_a_missing_project_is_a_404_page(admin):
    for path in ("/projects/999", "/projects/999/settings", "/projects/999/label"):
        response = admin.get(path)
        assert response.status_code == 404 and "Project not found" in response.text, path
        assert response.headers["content-type"].startswith("text/html")


def test_the_data_manager_keeps_its_view_in_the_url_and_survives_a_bad_one(admin):
    project_id = project_with_task(admin, {"text": "hello"})

    view = page_data(admin.get(f"/projects/{project_id}", params={
        "page_size": 10, "ordering": "-tasks:id",
        "filters": json.dumps([{"filter": "filter:tasks:data.text", "operator": "contains", "value": "hell"}]),
    }).text)
    assert view["view"]["page_size"] == 10 and view["view"]["ordering"] == "-tasks:id"
    assert view["first_page"]["total"] == 1 and view["view_error"] is None
    assert view["columns"] == [{"key": "text", "type": "text", "tag": "Text"}]

    broken = page_data(admin.get(f"/projects/{project_id}", params={"ordering": "tasks:nonsense"}).text)
    assert broken["view_error"] and broken["view"]["ordering"] == "" and broken["first_page"]["total"] == 1


def test_the_projects_page_lists_counters_and_the_installed_gallery(admin):
    project_with_task(admin, {"text": "counted"}, title="Counted")

    html = admin.get("/projects").text

    assert "Counted" in html and "Create a demo project" in html
    groups = {group["group"]: [t["id"] for t in group["templates"]] for group in page_data(html)["gallery"]}
    assert "object-detection-bounding-boxes" in groups["Computer Vision"]
    assert "named-entity-recognition" in groups["Natural Language Processing"]
    assert "visual-question-answering" in groups["Multi-modal"]


def test_the_demo_project_has_images_and_predictions(admin, app):
    response = admin.post("/projects/demo", data={"csrf": admin.cookies["labelcore_csrf"]}, follow_redirects=False)
    project_id = int(response.headers["location"].rsplit("/", 1)[1])

    project = admin.get(f"/api/projects/{project_id}").json()
    assert (project["title"], project["task_number"], project["total_predictions_number"]) == \
        ("Demo: shapes detection", 12, 12)
    image = admin.get("/api/tasks", params={"project": project_id}).json()["tasks"][0]["data"]["image"]
    assert image.startswith(f"/data/upload/{project_id}/")
    picture = admin.get(image)
    assert picture.status_code == 200 and picture.content.startswith(b"\x89PNG\r\n\x1a\n")


def test_the_config_preview_gives_the_engine_tree_and_a_sample_task_or_lines(admin):
    xml = "<View>\n  <Image name=\"img\" value=\"$picture\"/>\n  <Text name=\"t\" value=\"$caption\"/>\n</View>"
    preview = admin.post("/ui/config-preview", json={"label_config": xml})
    assert preview.status_code == 200
    body = preview.json()
    assert body["config"]["objects"] == ["img", "t"]
    assert body["task"]["data"] == {"picture": "/ui/sample-image.png", "caption": body["task"]["data"]["caption"]}
    assert body["task"]["data"]["caption"]
    assert admin.get("/ui/sample-image.png").content.startswith(b"\x89PNG")

    bad = admin.post("/ui/config-preview", json={"label_config": "<View>\n  <Text name='t' value='$t'/>\n  <Nope/>\n</View>"})
    assert bad.status_code == 400
    assert [issue["line"] for issue in bad.json()["issues"]] == [3]


def test_a_gallery_template_previews_with_its_own_sample_data(admin, app):
    template = app.state.registry.config_templates["named-entity-recognition"]
    preview = admin.post("/ui/config-preview", json={"label_config": template.config}).json()
    assert preview["task"]["data"] == template.sample_data


# --------------------------------------------------------------------------- plugins and templates


class PagePlugin:
    __name__ = "page_plugin"

    def __init__(self):
        self.templates: list[str] = []

    @hookimpl
    def extra_js_urls(self, template, request):
        self.templates.append(template)
        return ["/plugins/page-plugin/static/extra.js"]

    @hookimpl
    def extra_css_urls(self, template, request):
        return ["/plugins/page-plugin/static/extra.css"]

    @hookimpl
    def extra_template_vars(self, template, request):
        return {"csrf_token": "overridden?"}  # the page's own values win over plugin extras


def test_every_rendered_page_calls_the_extra_hooks(pm, tmp_path):
    plugin = PagePlugin()
    pm.register(plugin, name="page_plugin")
    with TestClient(create_app(Settings(data_dir=tmp_path), pm)) as client:
        login = client.get("/user/login").text
        sign_up(client, "hooks@example.com")
        projects = client.get("/projects").text

    assert plugin.templates == ["login.html", "projects.html"]
    for html in (login, projects):
        assert '<script type="module" src="/plugins/page-plugin/static/extra.js"></script>' in html
        assert '<link rel="stylesheet" href="/plugins/page-plugin/static/extra.css">' in html
    assert "overridden?" not in projects


def test_a_plugin_template_can_replace_a_core_page_and_extend_the_original(pm, tmp_path):
    folder = tmp_path / "plugin_templates"
    folder.mkdir()
    (folder / "error.html").write_text('{% extends "core:error.html" %}{% block title %}Custom {{ title }}{% endblock %}')
    templates = Templates(pm, extra_dirs=[folder])

    html = templates.env.get_template("error.html").render(status_code=404, title="Gone", message="<b>x</b>",
                                                           extra_js_urls=[], extra_css_urls=[], user=None)

    assert "<title>Custom Gone · labelcore</title>" in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html  # autoescaped
    assert Path(templates.env.get_template("core:base.html").filename).name == "base.html"


def test_an_unexpected_error_on_a_page_shows_the_error_page(pm, tmp_path):
    from fastapi import APIRouter

    class Failing:
        __name__ = "failing_page"

        @hookimpl
        def register_routes(self):
            router = APIRouter()

            @router.get("/plugins/failing/page")
            def broken():
                raise RuntimeError("boom")

            return [router]

    pm.register(Failing(), name="failing_page")
    with TestClient(create_app(Settings(data_dir=tmp_path), pm), raise_server_exceptions=False) as client:
        page = client.get("/plugins/failing/page", headers={"Accept": "text/html,application/xhtml+xml"})
        api = client.get("/plugins/failing/page")

    assert page.status_code == 500 and "Something went wrong" in page.text and "boom" not in page.text
    assert api.status_code == 500 and api.json()["detail"] == "Internal server error"


def test_uploaded_images_become_one_task_each_under_the_image_key(admin, tmp_path):
    from labelcore.services.demo import draw_scene

    config = ('<View><Header value="$title"/><Image name="img" value="$photo"/>'
              '<Choices name="c" toName="img"><Choice value="A"/></Choices></View>')
    project = admin.post("/api/projects", json={"title": "Photos", "label_config": config}).json()
    png = draw_scene(5)[0]
    files = [("file", ("../../evil name.png", png, "image/png")), ("file", ("b.JPG", b"not really a jpeg", "image/jpeg")),
             ("file", ("more.csv", b"title,photo\nfrom csv,/data/upload/x.png\n", "text/csv"))]

    response = admin.post(f"/api/projects/{project['id']}/import", files=files)

    assert response.status_code == 201, response.text
    assert response.json()["task_count"] == 3
    tasks = admin.get("/api/tasks", params={"project": project["id"]}).json()["tasks"]
    photos = sorted(task["data"]["photo"] for task in tasks)
    uploaded = [url for url in photos if url.startswith(f"/data/upload/{project['id']}/")]
    assert len(uploaded) == 2
    assert any(re.fullmatch(rf"/data/upload/{project['id']}/[0-9a-f]{{8}}-evil_name\.png", url) for url in uploaded)
    assert all(".." not in url for url in uploaded)
    stored = tmp_path / "upload" / str(project["id"])
    assert sorted(path.suffix for path in stored.iterdir()) == [".JPG", ".png"]
    picture = admin.get(next(url for url in uploaded if url.endswith(".png")))
    assert picture.content == png
