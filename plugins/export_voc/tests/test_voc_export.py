"""The Pascal VOC export as a user gets it: a zip of XML files lxml reads, boxes in whole pixels."""

from __future__ import annotations

import io
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from labelcore import LabelcoreError
from labelcore_export_coco.media import image_file_name, image_path
from labelcore_export_voc.voc import pixel_box


def xml_name(url: str) -> str:
    return "Annotations/" + image_file_name(url).rsplit(".", 1)[0] + ".xml"


def test_one_xml_per_image_with_voc_fields(export, ls):
    url = "s3://bucket/photos/0001.jpg"
    files = export("VOC", [ls.task([ls.rect(10, 20, 30, 40, label="Bike")], image=url)])

    assert list(files) == [xml_name(url)]
    root = etree.fromstring(files[xml_name(url)])
    assert root.tag == "annotation"
    assert root.findtext("folder") == "images"
    assert root.findtext("filename") == image_file_name(url)
    assert (root.findtext("source/database"), root.findtext("source/annotation"), root.findtext("source/image"),
            root.findtext("source/annotator")) == ("labelcore", "Streets", url, "ann@example.com")
    assert [root.findtext(f"size/{key}") for key in ("width", "height", "depth")] == ["640", "480", "3"]
    assert root.findtext("segmented") == "0"
    [node] = root.findall("object")
    assert [node.findtext(key) for key in ("name", "pose", "truncated", "difficult")] == [
        "Bike", "Unspecified", "0", "0"]
    assert [node.findtext(f"bndbox/{edge}") for edge in ("xmin", "ymin", "xmax", "ymax")] == ["64", "96", "256", "288"]


def test_edges_round_outwards_to_whole_pixels(export, ls, objects):
    # 10.1% of 640 = 64.64, + 5% = 96.64: the smallest whole-pixel box holding it is 64..97
    files = export("VOC", [ls.task([ls.rect(10.1, 10, 5, 5)])])

    assert objects(next(iter(files.values()))) == [("Car", 64, 48, 97, 72, 0)]


def test_a_coordinate_a_hair_off_a_whole_pixel_counts_as_on_it(export, ls, objects):
    # 33.333333333333336% of 300 px is 100.00000000000001 px
    files = export("VOC", [ls.task([ls.rect(100 / 3, 100 / 3, 100 / 3, 100 / 3, width=300, height=300)])])

    assert objects(next(iter(files.values()))) == [("Car", 100, 100, 200, 200, 0)]


def test_a_rotated_box_is_its_enclosing_box(export, ls, objects):
    # 200 x 100 px at (100, 100) turned 90 degrees clockwise about its top-left corner: x 0..100, y 100..300
    files = export("VOC", [ls.task([ls.rect(25, 25, 50, 25, rotation=90, width=400, height=400)])])

    assert objects(next(iter(files.values()))) == [("Car", 0, 100, 100, 300, 0)]


def test_a_box_reaching_past_the_edge_is_cut_and_truncated(export, ls, objects):
    files = export("VOC", [ls.task([ls.rect(0, 50, 10, 10, rotation=45, width=100, height=100)])])

    [(name, x_min, y_min, x_max, y_max, truncated)] = objects(next(iter(files.values())))
    assert (x_min, truncated) == (0, 1)
    assert (y_min, x_max, y_max) == (50, math.ceil(10 / math.sqrt(2)), math.ceil(50 + 10 * math.sqrt(2)))


def test_polygons_ellipses_and_masks_by_their_boxes_keypoints_left_out(export, ls, objects):
    rows = [[0] * 20 for _ in range(10)]
    rows[2][3:7] = [1, 1, 1, 1]
    rows[5][4] = 1
    files = export("VOC", [ls.task([ls.polygon([(10, 10), (50, 20), (30, 60)], width=20, height=10),
                                    ls.ellipse(50, 50, 10, 20, width=20, height=10), ls.brush(rows),
                                    ls.keypoint(50, 50, width=20, height=10)])])

    assert objects(next(iter(files.values()))) == [("Road", 2, 1, 10, 6, 0), ("Wheel", 8, 3, 12, 7, 0),
                                                   ("Sky", 3, 2, 7, 6, 0)]


def test_an_annotation_without_regions_gives_an_xml_without_objects(export, ls, objects):
    files = export("VOC", [ls.task([])], open_media=lambda url: io.BytesIO(ls.png(30, 20)))

    [document] = files.values()
    assert objects(document) == []
    assert etree.fromstring(document).findtext("size/width") == "30"


def test_tasks_without_a_usable_annotation_are_left_out(export, ls):
    files = export("VOC", [ls.task([ls.rect(1, 1, 1, 1)], was_cancelled=True),
                           {"id": 5, "data": {"image": "s3://b/5.jpg"}, "annotations": []}])

    assert files == {}


def test_two_tasks_on_the_same_image_get_two_files(export, ls, objects):
    url = "s3://bucket/same.jpg"
    files = export("VOC", [ls.task([ls.rect(1, 1, 1, 1)], id=1, image=url),
                           ls.task([ls.rect(50, 50, 1, 1)], id=2, image=url)])

    stem = xml_name(url)[:-4]
    assert list(files) == [f"{stem}.xml", f"{stem}-1.xml"]


def test_with_images_the_zip_holds_them_and_their_depth(export, ls):
    url = "s3://bucket/rgba.png"
    files = export("VOC_WITH_IMAGES", [ls.task([ls.rect(1, 1, 10, 10, width=40, height=30)], image=url)],
                   open_media=lambda url: io.BytesIO(ls.png(40, 30, color_type=6)))

    assert sorted(files) == sorted([xml_name(url), image_path(url)])
    assert files[image_path(url)] == ls.png(40, 30, color_type=6)
    assert etree.fromstring(files[xml_name(url)]).findtext("size/depth") == "4"


def test_with_images_needs_media_access(export):
    with pytest.raises(LabelcoreError, match="without access to media"):
        export("VOC_WITH_IMAGES", [])


@settings(max_examples=500, deadline=None)
@given(st.floats(-50, 700), st.floats(-50, 700), st.floats(0, 200), st.floats(0, 200),
       st.integers(1, 640), st.integers(1, 640))
def test_the_pixel_box_is_the_smallest_whole_box_holding_the_visible_part(x, y, w, h, width, height):
    box = pixel_box((x, y, x + w, y + h), width, height)

    visible = (max(x, 0), max(y, 0), min(x + w, width), min(y + h, height))
    if box is None:
        assert visible[2] - visible[0] <= 2e-6 or visible[3] - visible[1] <= 2e-6 or \
            math.ceil(visible[2] - 1e-6) <= math.floor(visible[0] + 1e-6) or \
            math.ceil(visible[3] - 1e-6) <= math.floor(visible[1] + 1e-6)
        return
    x_min, y_min, x_max, y_max = box
    assert 0 <= x_min < x_max <= width and 0 <= y_min < y_max <= height
    assert x_min <= visible[0] + 1e-6 and y_min <= visible[1] + 1e-6
    assert x_max >= visible[2] - 1e-6 and y_max >= visible[3] - 1e-6
    assert visible[0] - x_min < 1 and visible[1] - y_min < 1 and x_max - visible[2] < 1 and y_max - visible[3] < 1


def test_characters_xml_cannot_hold_are_dropped(export, ls, objects):
    files = export("VOC", [ls.task([ls.rect(1, 1, 5, 5, label="Car\x00\x1b")], image="s3://b/a\x07.jpg")])

    [(name, *_)] = objects(next(iter(files.values())))
    assert name == "Car"
