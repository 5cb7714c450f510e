"""Which tasks become which files: names from image URLs, duplicates, the chosen annotation, images."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from labelcore import ExportContext, LabelcoreError
from labelcore_export_yolo.exporters import write_yolo_zip
from labelcore_export_yolo.naming import UniqueStems, sniff_extension, split_name, url_basename

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 40


@pytest.mark.parametrize("url, name", [
    ("/data/upload/3/1a2b3c4d-cat.jpg", "1a2b3c4d-cat.jpg"),
    ("/data/local-files/?d=photos/2024/cat.jpg", "cat.jpg"),
    ("s3://bucket/photos/cat.jpg", "cat.jpg"),
    ("gs://bucket/cat%20and%20dog.png", "cat and dog.png"),
    ("https://example.com/a/b/cat.jpeg?X-Amz-Signature=abc&X-Amz-Expires=60", "cat.jpeg"),
    ("http://example.com/", ""),
    ("data:image/png;base64,iVBORw0KGgo=", ""),
    ("", ""),
    (None, ""),
])
def test_the_name_is_the_basename_of_the_image_url(url, name):
    assert url_basename(url) == name


@pytest.mark.parametrize("basename, expected", [
    ("cat.jpg", ("cat", ".jpg")),
    ("archive.tar.gz", ("archive.tar", ".gz")),
    ("noext", ("noext", "")),
    (".hidden.jpg", ("hidden", ".jpg")),  # no hidden files in the dataset
    ('a<b>c:d"e|f?g*.png', ("a_b_c_d_e_f_g_", ".png")),
    ("", ("task_7", "")),
    ("...", ("task_7", "")),
])
def test_names_are_made_safe_for_every_platform(basename, expected):
    assert split_name(basename, fallback="task_7") == expected


def test_very_long_names_are_cut_within_the_file_name_limit():
    stem, extension = split_name("é" * 300 + ".jpg", fallback="x")

    assert len(stem.encode("utf-8")) <= 200 and extension == ".jpg"


def test_stems_are_unique_case_insensitively_first_come_keeps_its_own():
    stems = UniqueStems()

    assert [stems.claim("cat", 1), stems.claim("Cat", 2), stems.claim("cat_2", 9), stems.claim("cat", 2)] == [
        "cat", "Cat_2", "cat_2_9", "cat_2_2"]


@pytest.mark.parametrize("head, extension", [
    (PNG, ".png"), (JPEG, ".jpg"), (b"GIF89a...", ".gif"), (b"RIFF\x00\x00\x00\x00WEBPVP8 ", ".webp"),
    (b"BM\x00\x00", ".bmp"), (b"II*\x00", ".tif"), (b"hello", ""),
])
def test_an_image_type_is_known_from_its_first_bytes(head, extension):
    assert sniff_extension(head) == extension


def test_images_with_the_same_stem_get_distinct_label_files(yolo):
    config = yolo.parse(yolo.BOXES)
    tasks = [yolo.task(1, "s3://a/cat.jpg", yolo.box(1, 1, 5, 5)), yolo.task(2, "s3://b/cat.png", yolo.box(2, 2, 5, 5)),
             yolo.task(3, "s3://c/CAT.jpg", yolo.box(3, 3, 5, 5))]

    entries = yolo.export(config, tasks)

    assert [name for name in entries if name.startswith("labels/")] == [
        "labels/cat.txt", "labels/cat_2.txt", "labels/CAT_3.txt"]
    assert yolo.rows(entries["labels/cat_2.txt"])[0][1][0] == pytest.approx(0.045)


def test_a_task_without_annotations_gets_an_empty_label_file_and_all_cancelled_none(yolo):
    config = yolo.parse(yolo.BOXES)
    empty = {"id": 1, "data": {"image": "empty.jpg"}, "annotations": []}
    cancelled = yolo.task(2, "cancelled.jpg", yolo.box(1, 1, 5, 5), was_cancelled=True)

    entries = yolo.export(config, [empty, cancelled])

    assert entries["labels/empty.txt"] == b""
    assert "labels/cancelled.txt" not in entries


def test_one_annotation_per_image_ground_truth_first_else_the_newest(yolo):
    config = yolo.parse(yolo.BOXES)

    def annotation(created_at, label, **extra):
        return {"id": label, "created_at": created_at, "result": [yolo.box(1, 1, 5, 5, label)], **extra}

    newest = {"id": 1, "data": {"image": "newest.jpg"}, "annotations": [
        annotation("2024-01-01T00:00:00Z", "Person"), annotation("2024-03-01T00:00:00Z", "Car"),
        annotation("2024-06-01T00:00:00Z", "Bike", was_cancelled=True)]}
    ground_truth = {"id": 2, "data": {"image": "truth.jpg"}, "annotations": [
        annotation("2024-01-01T00:00:00Z", "Person", ground_truth=True), annotation("2024-03-01T00:00:00Z", "Car")]}

    entries = yolo.export(config, [newest, ground_truth])

    assert yolo.rows(entries["labels/newest.txt"])[0][0] == 1  # Car
    assert yolo.rows(entries["labels/truth.txt"])[0][0] == 2  # Person


def test_multi_label_regions_give_a_line_per_label_and_unlabelled_or_foreign_results_none(yolo):
    config = yolo.parse(yolo.BOXES)
    multi = yolo.box(1, 1, 5, 5)
    multi["value"]["rectanglelabels"] = ["Car", "Person"]
    unlabelled = yolo.box(2, 2, 5, 5)
    unlabelled["value"]["rectanglelabels"] = []
    foreign = dict(yolo.box(3, 3, 5, 5), from_name="elsewhere")
    choice = {"from_name": "label", "to_name": "image", "type": "choices", "value": {"choices": ["x"]}}

    entries = yolo.export(config, [yolo.task(1, "a.jpg", multi, unlabelled, foreign, choice)])

    assert [row[0] for row in yolo.rows(entries["labels/a.txt"])] == [1, 2]


def test_rectangle_and_labels_regions_are_exported_from_the_labels_result(yolo):
    config = yolo.parse('<View><Image name="image" value="$image"/><Rectangle name="box" toName="image"/>'
                        '<Polygon name="poly" toName="image"/>'
                        '<Labels name="kind" toName="image"><Label value="Car"/><Label value="Road"/></Labels></View>')
    shape = {"x": 10, "y": 20, "width": 30, "height": 40, "rotation": 0}
    outline = {"points": [[10, 10], [50, 10], [30, 40]]}
    results = [
        {"id": "r", "from_name": "box", "to_name": "image", "type": "rectangle", "value": shape},
        {"id": "r", "from_name": "kind", "to_name": "image", "type": "labels", "value": {**shape, "labels": ["Car"]}},
        {"id": "p", "from_name": "poly", "to_name": "image", "type": "polygon", "value": outline},
        {"id": "p", "from_name": "kind", "to_name": "image", "type": "labels",
         "value": {**outline, "labels": ["Road"]}},
    ]

    entries = yolo.export(config, [yolo.task(1, "a.jpg", *results)])

    assert entries["labels/a.txt"] == (b"0 0.100000 0.200000 0.400000 0.200000 0.400000 0.600000 0.100000 0.600000\n"
                                       b"1 0.100000 0.100000 0.500000 0.100000 0.300000 0.400000\n")


class Media:
    """A fake storage: URL -> bytes; records what was opened."""

    def __init__(self, files, failing=()):
        self.files = files
        self.failing = set(failing)
        self.opened = []

    def __call__(self, url):
        self.opened.append(url)
        if url in self.failing:
            raise OSError(f"storage unavailable for {url}")
        content = self.files.get(url)
        return io.BytesIO(content) if content is not None else None


def test_with_images_each_image_is_stored_beside_its_label_file(yolo):
    config = yolo.parse(yolo.BOXES)
    media = Media({"s3://b/cat.jpg": JPEG, "s3://b/dog.png": PNG, "s3://b/noext": PNG})
    tasks = [yolo.task(1, "s3://b/cat.jpg", yolo.box(1, 1, 5, 5)), yolo.task(2, "s3://b/dog.png"),
             yolo.task(3, "s3://b/noext", yolo.box(1, 1, 5, 5))]

    entries = yolo.export(config, tasks, with_images=True, open_media=media)

    assert entries["images/cat.jpg"] == JPEG and entries["images/dog.png"] == PNG
    assert entries["images/noext.png"] == PNG  # the extension Ultralytics needs, from the bytes
    assert {name for name in entries if name.startswith("labels/")} == {
        "labels/cat.txt", "labels/dog.txt", "labels/noext.txt"}


def test_a_task_whose_image_cannot_be_fetched_is_left_out_and_counted(yolo):
    config = yolo.parse(yolo.BOXES)
    media = Media({"s3://b/ok.jpg": JPEG}, failing={"s3://b/broken.jpg"})
    tasks = [yolo.task(1, "s3://b/missing.jpg", yolo.box(1, 1, 5, 5)),
             yolo.task(2, "s3://b/broken.jpg", yolo.box(1, 1, 5, 5)),
             yolo.task(3, "s3://b/ok.jpg", yolo.box(1, 1, 5, 5))]

    entries = yolo.export(config, tasks, with_images=True, open_media=media)

    assert [name for name in entries if name.startswith(("images/", "labels/"))] == [
        "images/", "images/ok.jpg", "labels/ok.txt"]
    assert json.loads(entries["notes.json"])["info"]["images_not_found"] == 2


def test_without_images_no_media_is_opened(yolo):
    config = yolo.parse(yolo.BOXES)
    media = Media({"s3://b/cat.jpg": JPEG})

    entries = yolo.export(config, [yolo.task(1, "s3://b/cat.jpg", yolo.box(1, 1, 5, 5))], open_media=media)

    assert media.opened == [] and "images/cat.jpg" not in entries


def test_with_images_but_no_way_to_open_media_the_export_says_so(yolo):
    config = yolo.parse(yolo.BOXES)

    with pytest.raises(LabelcoreError, match="no storage can open"):
        yolo.export(config, [], with_images=True, open_media=None)


def test_a_config_that_cannot_be_exported_is_an_error_naming_the_reason(yolo):
    config = yolo.parse('<View><Image name="image" value="$image"/>'
                        '<PolygonLabels name="outline" toName="image"><Label value="Road"/></PolygonLabels></View>')

    with pytest.raises(LabelcoreError, match="YOLO OBB exports rotated boxes"):
        yolo.export(config, [], obb=True)


class Unseekable(io.RawIOBase):
    """An output stream that only writes, like the HTTP response the export streams into."""

    def __init__(self):
        self.chunks = []

    def writable(self):
        return True

    def write(self, data):
        self.chunks.append(bytes(data))
        return len(data)


def test_the_zip_streams_into_an_unseekable_output(yolo):
    config = yolo.parse(yolo.BOXES)
    out = Unseekable()
    context = ExportContext(project_id=1, config=config, open_media=Media({"s3://b/cat.jpg": JPEG}))

    write_yolo_zip(iter([yolo.task(1, "s3://b/cat.jpg", yolo.box(1, 1, 5, 5))]), out, context, with_images=True)

    with zipfile.ZipFile(io.BytesIO(b"".join(out.chunks))) as archive:
        assert archive.testzip() is None
        assert archive.read("images/cat.jpg") == JPEG
        assert archive.read("labels/cat.txt") == b"1 0.035000 0.035000 0.050000 0.050000\n"
