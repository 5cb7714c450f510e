"""Local folder storage: keys stay inside the folder, the folder stays inside the root."""

from __future__ import annotations

import io

import pytest

from labelcore.builtin.storage_local import LocalFilesSettings, LocalStorage, confined
from labelcore.errors import LabelcoreError


@pytest.fixture
def root(tmp_path):
    (tmp_path / "images" / "day").mkdir(parents=True)
    (tmp_path / "images" / "day" / "a.jpg").write_bytes(b"jpeg-a")
    (tmp_path / "images" / "b.png").write_bytes(b"png-b")
    (tmp_path / "images" / "notes.txt").write_text("not an image")
    (tmp_path / "secret.key").write_text("s3cret")
    return tmp_path


def storage(root, path="images", **settings):
    return LocalStorage(LocalFilesSettings(path=str(root / path), document_root=str(root), **settings))


def test_keys_are_listed_relative_to_the_folder_and_filtered(root):
    assert sorted(storage(root).list_keys()) == ["b.png", "day/a.jpg", "notes.txt"]
    assert sorted(storage(root, regex_filter=r"\.(jpg|png)$").list_keys()) == ["b.png", "day/a.jpg"]


def test_files_open_and_resolve_to_the_media_url(root):
    local = storage(root)

    assert local.open("day/a.jpg").read() == b"jpeg-a"
    assert local.resolve_url("day/a.jpg") == "/data/local-files/?d=images/day/a.jpg"


@pytest.mark.parametrize("key", ["../secret.key", "/etc/passwd", "day/../../secret.key"])
def test_keys_cannot_leave_the_folder(root, key):
    with pytest.raises(LabelcoreError, match="outside the storage folder"):
        storage(root).open(key)


def test_a_folder_outside_the_root_is_refused(root, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")

    with pytest.raises(LabelcoreError, match="is not inside LABELCORE_LOCAL_FILES_ROOT"):
        LocalStorage(LocalFilesSettings(path=str(elsewhere), document_root=str(root)))


def test_a_symlink_out_of_the_root_is_refused(root, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    (outside / "x.jpg").write_bytes(b"x")
    (root / "images" / "link").symlink_to(outside)

    with pytest.raises(LabelcoreError):
        storage(root).open("link/x.jpg")


def test_writes_land_whole_or_not_at_all(root):
    local = storage(root)

    local.write("exports/result.json", io.BytesIO(b"{}"))

    assert (root / "images" / "exports" / "result.json").read_bytes() == b"{}"
    assert not list((root / "images" / "exports").glob("*.partial"))


def test_confined_accepts_the_root_itself(root):
    assert confined(root, "") == root.resolve()
