"""Media URLs in task data are served to signed-in users from the folders labelcore owns only."""

from __future__ import annotations

import httpx
import pytest

from labelcore.testing import LiveServer


@pytest.fixture(scope="module")
def media_server(tmp_path_factory):
    files = tmp_path_factory.mktemp("files")
    (files / "photos").mkdir()
    (files / "photos" / "cat.png").write_bytes(b"\x89PNG fake")
    (files / "page.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    data = tmp_path_factory.mktemp("data")
    with LiveServer(data, env={"LABELCORE_LOCAL_FILES_ROOT": str(files)}) as server:
        (data / "upload" / "1").mkdir(parents=True, exist_ok=True)
        (data / "upload" / "1" / "dog.jpg").write_bytes(b"jpeg dog")
        yield server


def get(server, path, **kwargs):
    return httpx.get(f"{server.url}{path}", headers=server.headers, **kwargs)


def test_local_files_under_the_root_are_served(media_server):
    response = get(media_server, "/data/local-files/?d=photos/cat.png")

    assert response.status_code == 200
    assert response.content == b"\x89PNG fake"
    assert response.headers["content-type"] == "image/png"


def test_uploaded_files_are_served(media_server):
    assert get(media_server, "/data/upload/1/dog.jpg").content == b"jpeg dog"


def test_media_needs_a_signed_in_user(media_server):
    assert httpx.get(f"{media_server.url}/data/local-files/?d=photos/cat.png").status_code == 401


@pytest.mark.parametrize("path", ["/data/local-files/?d=../data/secret.key", "/data/local-files/?d=/etc/passwd",
                                  "/data/upload/%2e%2e/secret.key"])
def test_paths_cannot_leave_their_folder(media_server, path):
    response = get(media_server, path)

    assert response.status_code in (400, 404)
    assert b"s3cret" not in response.content and b"root:" not in response.content


def test_a_missing_file_is_404(media_server):
    assert get(media_server, "/data/local-files/?d=photos/none.png").status_code == 404


def test_user_files_are_sandboxed_so_an_svg_cannot_run_scripts(media_server):
    response = get(media_server, "/data/local-files/?d=page.svg")

    assert "sandbox" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
