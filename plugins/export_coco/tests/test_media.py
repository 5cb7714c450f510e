"""Image file names (Label Studio's), sizes from file headers, and copying images into a zip."""

from __future__ import annotations

import io
import zipfile

import pytest
from label_studio_sdk._extensions.label_studio_tools.core.utils.io import get_local_path
from PIL import Image

from labelcore_export_coco.media import ImageInfo, ZipMedia, image_file_name, image_info, image_path, read_info


@pytest.mark.parametrize("url", [
    "https://example.com/data/cats/1.jpg?signature=abc",
    "http://example.com/a%20b.png",
    "s3://bucket/a/b/0001.jpg",
    "gs://bucket/x.png",
    "azure-blob://container/d/e.jpeg",
])
def test_names_are_label_studios(url, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    # without downloading, Label Studio still says where it would put the file
    theirs = get_local_path(url, cache_dir=str(tmp_path / "images"), download_resources=False,
                            hostname="http://label-studio:8080", access_token="token", task_id=1)

    assert image_path(url) == "images/" + theirs.rsplit("/", 1)[1]


@pytest.mark.parametrize(("url", "basename"), [
    ("/data/local-files/?d=dataset/train/7.jpg", "7.jpg"),
    ("/storage-data/uploaded/?filepath=upload/3/abc-photo.png", "abc-photo.png"),
    ("/data/upload/3/abc-photo.png", "abc-photo.png"),
    ("data:image/png;base64,iVBORw0KGgo=", "image.png"),
    ("https://example.com/", "image"),
    ("s3://bucket/a\\b.jpg", "a_b.jpg"),
])
def test_names_of_local_uploaded_and_inline_images(url, basename):
    name = image_file_name(url)

    assert name.split("__", 1)[1] == basename
    assert len(name.split("__", 1)[0]) == 8


def test_the_same_basename_in_two_folders_gets_two_names():
    assert image_file_name("s3://b/train/1.jpg") != image_file_name("s3://b/val/1.jpg")


def encoded(image: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


@pytest.mark.parametrize(("mode", "fmt", "channels"), [
    ("RGB", "PNG", 3), ("RGBA", "PNG", 4), ("L", "PNG", 1), ("RGB", "JPEG", 3), ("L", "JPEG", 1),
    ("RGB", "GIF", 3), ("RGB", "BMP", 3), ("RGBA", "BMP", 4), ("RGB", "WEBP", 3),
])
def test_sizes_from_headers(mode, fmt, channels):
    data = encoded(Image.new(mode, (123, 45)), fmt)

    assert image_info(data) == ImageInfo(123, 45, channels)


def test_webp_lossless_and_with_alpha():
    assert image_info(encoded(Image.new("RGBA", (300, 7)), "WEBP", lossless=True)) == ImageInfo(300, 7, 4)
    assert image_info(encoded(Image.new("RGB", (3000, 17)), "WEBP", lossless=True)).width == 3000


@pytest.mark.parametrize(("orientation", "size"), [(1, (200, 100)), (3, (200, 100)), (6, (100, 200)),
                                                   (8, (100, 200))])
def test_a_jpeg_turned_by_its_exif_orientation_is_measured_as_shown(orientation, size):
    image = Image.new("RGB", (200, 100))
    exif = image.getexif()
    exif[0x0112] = orientation
    data = encoded(image, "JPEG", exif=exif.tobytes())

    info = image_info(data)

    assert (info.width, info.height) == size


def test_a_jpeg_with_a_large_profile_before_its_frame():
    data = encoded(Image.new("RGB", (64, 32)), "JPEG", icc_profile=b"\0" * 200_000)

    assert image_info(data) == ImageInfo(64, 32, 3)
    assert image_info(data[:1000]) is None  # cut before the frame header


def test_unknown_or_cut_files_have_no_size():
    assert image_info(b"") is None
    assert image_info(b"not an image at all") is None
    assert image_info(encoded(Image.new("RGB", (5, 5)), "PNG")[:20]) is None


def test_reading_a_size_stops_at_the_header():
    data = encoded(Image.new("RGB", (640, 480)), "PNG")

    class Counting(io.BytesIO):
        read_bytes = 0

        def read(self, size=-1):
            chunk = super().read(size)
            Counting.read_bytes += len(chunk)
            return chunk

    assert read_info(lambda url: Counting(data + b"\0" * 10_000_000), "s3://b/x.png") == ImageInfo(640, 480, 3)
    assert Counting.read_bytes <= 1 << 16


def test_a_storage_that_fails_gives_no_size():
    def broken(url):
        raise OSError("bucket unreachable")

    assert read_info(broken, "s3://b/x.png") is None
    assert read_info(lambda url: None, "s3://b/x.png") is None
    assert read_info(None, "s3://b/x.png") is None


def test_images_go_into_the_zip_once():
    data = encoded(Image.new("RGB", (20, 10)), "PNG")
    opened = []

    def open_media(url):
        opened.append(url)
        return io.BytesIO(data)

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        media = ZipMedia(archive, open_media)
        assert media.add("s3://b/x.png") == (True, ImageInfo(20, 10, 3))
        assert media.add("s3://b/x.png") == (True, None)

    assert opened == ["s3://b/x.png"]
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == [image_path("s3://b/x.png")]
        assert archive.read(image_path("s3://b/x.png")) == data


def test_an_image_that_fails_half_way_leaves_no_entry():
    class Failing(io.BytesIO):
        def read(self, size=-1):
            if self.tell() > 100:
                raise OSError("connection reset")
            return super().read(min(size, 64))

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        assert ZipMedia(archive, lambda url: Failing(b"x" * 1000)).add("s3://b/x.png") == (False, None)

    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == []
