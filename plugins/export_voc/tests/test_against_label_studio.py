"""The VOC export next to Label Studio's converter (label-studio-sdk 2.1.2) on the same tasks.

Equal where Label Studio is right: boxes on whole pixels, names, sizes. Different where it is
not: it writes ``int(x)`` .. ``int(x) + int(width)``, which truncates twice, so xmax can end one
or two pixels short of the region (even for a box drawn on whole pixels, when its percentage
converts back a hair under); it ignores rotation; it writes rectangles only.
"""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from labelcore.geometry import rectangle_corners
from labelcore_export_coco.shapes import rectangle_outline
from labelcore_export_voc.voc import pixel_box


def only(files: dict) -> bytes:
    [document] = files.values()
    return document


@settings(max_examples=60, deadline=None)
@given(st.integers(200, 1000), st.integers(200, 1000), st.data())
def test_boxes_on_whole_pixels_equal_label_studios(width, height, data):
    # the percentages Label Studio stores for boxes drawn on whole pixels
    x, y = data.draw(st.integers(0, width - 2)), data.draw(st.integers(0, height - 2))
    w, h = data.draw(st.integers(1, width - x)), data.draw(st.integers(1, height - y))
    value = {"x": x * 100 / width, "y": y * 100 / height, "width": w * 100 / width, "height": h * 100 / height}
    theirs = (int(value["x"] / 100 * width), int(value["y"] / 100 * height))
    theirs += (theirs[0] + int(value["width"] / 100 * width), theirs[1] + int(value["height"] / 100 * height))

    ours = pixel_box(rectangle_outline(value, width, height).box, width, height)

    assert ours == (x, y, x + w, y + h)
    # Label Studio agrees unless a percentage converts back a hair under the whole pixel: then its
    # truncation loses a pixel, up to two for xmax/ymax (int(x) and int(width) each lose one)
    lost = [b - a for a, b in zip(theirs, ours, strict=True)]
    assert 0 <= lost[0] <= 1 and 0 <= lost[1] <= 1 and 0 <= lost[2] <= 2 and 0 <= lost[3] <= 2


def test_the_same_file_as_label_studio_for_an_upright_box(export, ls, objects, label_studio):
    tasks = [ls.task([ls.rect(12.5, 25, 50, 25, label="Bike", width=800, height=400)], image="/data/upload/1/cat.jpg")]

    ours = only(export("VOC", tasks))
    theirs = only(label_studio(ls.DETECTION, tasks))

    assert objects(ours) == objects(theirs) == [("Bike", 100, 100, 500, 200, 0)]
    for path in ("size/width", "size/height", "size/depth", "segmented", "folder", "object/name", "object/pose",
                 "object/difficult"):
        assert etree.fromstring(ours).findtext(path) == etree.fromstring(theirs).findtext(path), path


def test_label_studio_can_end_a_pixel_short_where_ours_holds_the_box(export, ls, objects, label_studio):
    # x 10.4 px, width 10.8 px: the region covers 10.4 .. 21.2
    tasks = [ls.task([ls.rect(10.4, 10, 10.8, 10, width=100, height=100)])]

    ours = objects(only(export("VOC", tasks)))
    theirs = objects(only(label_studio(ls.DETECTION, tasks)))

    assert theirs == [("Car", 10, 10, 20, 20, 0)]  # int(10.4) + int(10.8): ends before 21.2
    assert ours == [("Car", 10, 10, 22, 20, 0)]


def test_label_studio_ignores_rotation(export, ls, objects, label_studio):
    tasks = [ls.task([ls.rect(40, 20, 30, 10, rotation=60, width=1000, height=500)])]
    corners = rectangle_corners(40, 20, 30, 10, 60, 1000, 500)
    xs, ys = [x for x, _ in corners], [y for _, y in corners]

    ours = objects(only(export("VOC", tasks)))
    theirs = objects(only(label_studio(ls.DETECTION, tasks)))

    assert theirs == [("Car", 400, 100, 700, 150, 0)]  # the unrotated box
    assert ours == [("Car", math.floor(min(xs)), math.floor(min(ys)), math.ceil(max(xs)), math.ceil(max(ys)), 0)]


def test_label_studio_writes_rectangles_only(export, ls, objects, label_studio):
    tasks = [ls.task([ls.polygon([(10, 10), (50, 20), (30, 60)]), ls.rect(1, 1, 10, 10)])]

    assert [name for name, *_ in objects(only(label_studio(ls.DETECTION, tasks)))] == ["Car"]
    assert [name for name, *_ in objects(only(export("VOC", tasks)))] == ["Road", "Car"]
