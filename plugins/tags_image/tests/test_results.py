"""Annotation and prediction results of the image controls, as Label Studio writes them.

Formats: labelstud.io/guide/export (image regions) and the region docs of each tag: percent of the
original image for every coordinate, rectangle x/y the top-left corner (rotation about it), ellipse
x/y the centre, brush masks as RLE of the RGBA image.
"""

from __future__ import annotations

import pytest

from labelcore_tags_image import rle, values

CONFIG = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="box" toName="image">
    <Label value="Car"/>
    <Label value="Person" alias="P"/>
  </RectangleLabels>
  <Rectangle name="plain_box" toName="image"/>
  <PolygonLabels name="outline" toName="image"><Label value="Road"/></PolygonLabels>
  <Polygon name="plain_outline" toName="image"/>
  <EllipseLabels name="blob" toName="image"><Label value="Cell"/></EllipseLabels>
  <Ellipse name="plain_blob" toName="image"/>
  <KeyPointLabels name="joint" toName="image"><Label value="Knee"/></KeyPointLabels>
  <KeyPoint name="plain_joint" toName="image"/>
  <BrushLabels name="mask" toName="image"><Label value="Sky"/></BrushLabels>
  <Brush name="plain_mask" toName="image"/>
  <MagicWand name="wand" toName="image"/>
</View>"""

WIDTH, HEIGHT = 8, 6


def sky_mask() -> list[int]:
    """RLE of an 8x6 image whose top two rows are sky, as Label Studio writes it (alpha in RGBA)."""
    alpha = [255] * (WIDTH * 2) + [0] * (WIDTH * (HEIGHT - 2))
    return rle.encode([channel for value in alpha for channel in (value,) * 4])


def region(from_name: str, result_type: str, value: dict, region_id: str = "r1", **item) -> dict:
    return {"id": region_id, "from_name": from_name, "to_name": "image", "type": result_type,
            "original_width": WIDTH, "original_height": HEIGHT, "image_rotation": 0, "origin": "manual",
            "value": value, **item}


BOX = {"x": 10, "y": 20, "width": 30.5, "height": 40, "rotation": 0}
POINTS = [[10, 10], [90, 10], [50, 80.25]]
ELLIPSE = {"x": 50, "y": 50, "radiusX": 10, "radiusY": 5.5, "rotation": 45}
POINT = {"x": 33.3, "y": 66.6, "width": 0.5}

VALID = {
    "rectanglelabels": region("box", "rectanglelabels", {**BOX, "rectanglelabels": ["Car"]}),
    "rectanglelabels by alias": region("box", "rectanglelabels", {**BOX, "rectanglelabels": ["P"]}),
    "rectangle, rotated": region("plain_box", "rectangle", {"x": 90, "y": 5, "width": 30, "height": 10,
                                                           "rotation": 30}),
    "rectangle without rotation": region("plain_box", "rectangle", {"x": 0, "y": 0, "width": 100, "height": 100}),
    "polygonlabels": region("outline", "polygonlabels", {"points": POINTS, "polygonlabels": ["Road"]}),
    "polygon, closed": region("plain_outline", "polygon", {"points": POINTS, "closed": True}),
    "polygon, still open": region("plain_outline", "polygon", {"points": [[1, 1], [2, 2]], "closed": False}),
    "ellipselabels": region("blob", "ellipselabels", {**ELLIPSE, "ellipselabels": ["Cell"]}),
    "ellipse": region("plain_blob", "ellipse", ELLIPSE),
    "keypointlabels": region("joint", "keypointlabels", {**POINT, "keypointlabels": ["Knee"]}),
    "keypoint from a smart tool": region("plain_joint", "keypoint", POINT, is_positive=True),
    "brushlabels": region("mask", "brushlabels", {"format": "rle", "rle": sky_mask(), "brushlabels": ["Sky"]}),
    "brush": region("plain_mask", "brush", {"format": "rle", "rle": sky_mask()}),
    "brush without a format": region("plain_mask", "brush", {"rle": sky_mask()}),
    "magic wand": region("wand", "magicwand", {"format": "rle", "rle": sky_mask()}),
    "prediction with a score": region("box", "rectanglelabels", {**BOX, "rectanglelabels": ["Car"]},
                                      origin="prediction", score=0.87),
}


@pytest.fixture(scope="module")
def config(checker):
    return checker.parse(CONFIG)


@pytest.mark.parametrize("item", VALID.values(), ids=VALID.keys())
def test_a_valid_result_has_no_issues(config, result_messages, item):
    assert result_messages([item], config, {"image": "/data/street.jpg"}) == []


def test_a_whole_annotation_of_every_type_is_valid(config, result_messages):
    results = [{**item, "id": f"r{index}"} for index, item in enumerate(VALID.values())]

    assert result_messages(results, config) == []


def test_the_value_of_a_labeled_region_may_be_shared_with_its_per_region_results(config, result_messages):
    # Label Studio repeats the region's geometry in every result of the region
    results = [region("box", "rectanglelabels", {**BOX, "rectanglelabels": ["Car"]}, region_id="car"),
               region("plain_box", "rectangle", BOX, region_id="car")]

    assert result_messages(results, config) == []


INVALID = {
    "coordinate past 100": (
        region("box", "rectanglelabels", {**BOX, "x": 120, "rectanglelabels": ["Car"]}),
        "value.x: Value error, 120 is not a percentage between 0 and 100"),
    "negative size": (
        region("plain_box", "rectangle", {**BOX, "height": -5}),
        "value.height: Value error, -5 is not a percentage between 0 and 100"),
    "box past the right edge": (
        region("plain_box", "rectangle", {**BOX, "x": 80, "width": 30}),
        "value: the box ends past the image: x + width = 110 > 100"),
    "box past the bottom edge": (
        region("plain_box", "rectangle", {**BOX, "y": 70.5, "height": 30}),
        "value: the box ends past the image: y + height = 100.5 > 100"),
    "coordinate as a string": (
        region("plain_box", "rectangle", {**BOX, "x": "10"}),
        "value.x: Input should be a valid number"),
    "missing height": (
        region("plain_box", "rectangle", {"x": 1, "y": 1, "width": 1}),
        "value.height: Field required"),
    "infinite rotation": (
        region("plain_box", "rectangle", {**BOX, "rotation": float("inf")}),
        "value.rotation: Input should be a finite number"),
    "unknown label": (
        region("box", "rectanglelabels", {**BOX, "rectanglelabels": ["Truck"]}),
        "rectanglelabels 'Truck' is not an option of <RectangleLabels name='box'>"),
    "no label": (
        region("outline", "polygonlabels", {"points": POINTS, "polygonlabels": []}),
        "value.polygonlabels is empty; pick at least one label, or set allowEmpty=\"true\" on "
        "<PolygonLabels name='outline'>"),
    "labels key missing": (
        region("blob", "ellipselabels", ELLIPSE),
        "value.ellipselabels: Field required"),
    "wrong type for the control": (
        region("box", "polygonlabels", {"points": POINTS, "polygonlabels": ["Car"]}),
        "type 'polygonlabels' is not the type of <RectangleLabels>, which writes 'rectanglelabels'"),
    "polygon with 2 points": (
        region("plain_outline", "polygon", {"points": [[1, 1], [50, 50]]}),
        "value.points: a closed polygon needs at least 3 point(s), got 2"),
    "open polygon with no points": (
        region("plain_outline", "polygon", {"points": [], "closed": False}),
        "value.points: an open polygon needs at least 1 point(s), got 0"),
    "polygon point out of the image": (
        region("plain_outline", "polygon", {"points": [[1, 1], [50, 101], [3, 3]]}),
        "value.points.1.1: Value error, 101 is not a percentage between 0 and 100"),
    "polygon point with three coordinates": (
        region("plain_outline", "polygon", {"points": [[1, 1, 1], [50, 50], [3, 3]]}),
        "value.points.0: List should have at most 2 items after validation, not 3"),
    "ellipse radius past 100": (
        region("plain_blob", "ellipse", {**ELLIPSE, "radiusY": 150}),
        "value.radiusY: Value error, 150 is not a percentage between 0 and 100"),
    "keypoint without width": (
        region("plain_joint", "keypoint", {"x": 1, "y": 2}),
        "value.width: Field required"),
    "brush in another format": (
        region("plain_mask", "brush", {"format": "png", "rle": sky_mask()}),
        "value.format: Input should be 'rle'"),
    "brush draft with only a mask image": (
        region("plain_mask", "brush", {"format": "rle", "maskDataURL": "data:image/png;base64,iVBORw0KGgo="}),
        "value.rle: Field required"),
    "RLE byte past 255": (
        region("plain_mask", "brush", {"format": "rle", "rle": [0, 0, 0, 4, 300]}),
        "value.rle.4: Input should be less than or equal to 255"),
    "RLE cut short": (
        region("mask", "brushlabels", {"format": "rle", "rle": sky_mask()[:-3], "brushlabels": ["Sky"]}),
        "value.rle is not a valid Label Studio RLE stream: the stream ends after 72 bits, having given 64 of the "
        "192 values its header declares"),
    "RLE shorter than its header": (
        region("wand", "magicwand", {"format": "rle", "rle": [0, 0, 0, 192, 57]}),
        "value.rle is not a valid Label Studio RLE stream: an RLE stream starts with a 53-bit header, but this one "
        "has only 40 bits"),
    "RLE of another image size": (
        region("plain_mask", "brush", {"format": "rle", "rle": sky_mask()}, original_width=10),
        "value.rle decodes to 192 values, but a 10x6 RGBA mask has 240 (original_width x original_height x 4)"),
    "image size in fractions of a pixel": (
        region("plain_mask", "brush", {"format": "rle", "rle": sky_mask()}, original_height=5.5),
        "original_width and original_height must be whole pixels for a brush mask"),
    "RLE of 16-bit values": (
        region("plain_mask", "brush", {"format": "rle", "rle": rle.encode([0] * 192, word_size=16)}),
        "value.rle stores 16-bit values; an RGBA mask needs 8-bit values"),
    "image rotation as text": (
        region("plain_joint", "keypoint", POINT, image_rotation="90"),
        "image_rotation must be a number of degrees"),
    "item_index on a single image": (
        region("plain_joint", "keypoint", POINT, item_index=1),
        "item_index 1 is past the last image: <Image name='image'> shows one image"),
}


@pytest.mark.parametrize("item,message", INVALID.values(), ids=INVALID.keys())
def test_an_invalid_result_is_reported(config, result_messages, item, message):
    assert result_messages([item], config) == [f"result[0] id=r1 from_name={item['from_name']}: {message}"]


def test_an_rle_of_the_right_size_passes_even_without_the_image_size(config, result_messages):
    item = region("plain_mask", "brush", {"format": "rle", "rle": sky_mask()})
    del item["original_width"], item["original_height"]

    assert result_messages([item], config) == []


def test_above_the_scan_limit_only_the_header_is_checked(config, result_messages, monkeypatch):
    monkeypatch.setattr(values, "MAX_SCANNED_RLE_BYTES", 8)
    cut_short = region("plain_mask", "brush", {"format": "rle", "rle": sky_mask()[:-3]})
    wrong_size = region("plain_mask", "brush", {"format": "rle", "rle": sky_mask()[:-3]}, original_width=10)

    assert result_messages([cut_short, wrong_size], config) == [
        "result[1] id=r1 from_name=plain_mask: value.rle decodes to 192 values, but a 10x6 RGBA mask has 240 "
        "(original_width x original_height x 4)"]


def test_an_empty_label_list_is_fine_where_the_control_allows_it(checker, result_messages):
    config = checker.parse("""<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="box" toName="image" allowEmpty="true"><Label value="Car"/></RectangleLabels>
</View>""")

    assert result_messages([region("box", "rectanglelabels", {**BOX, "rectanglelabels": []})], config) == []


def test_labels_from_task_data_are_not_checked_against_the_config(checker, result_messages):
    config = checker.parse("""<View>
  <Image name="image" value="$image"/>
  <PolygonLabels name="objects" toName="image" value="$objects"/>
</View>""")
    item = region("objects", "polygonlabels", {"points": POINTS, "polygonlabels": ["RedBull"]})

    assert result_messages([item], config, {"image": "shelf.jpg", "objects": [{"value": "RedBull"}]}) == []


def test_labels_from_task_data_are_checked_against_that_data(checker, result_messages):
    config = checker.parse("""<View>
  <Image name="image" value="$image"/>
  <PolygonLabels name="objects" toName="image" value="$objects"/>
</View>""")
    item = region("objects", "polygonlabels", {"points": POINTS, "polygonlabels": ["Fanta"]})

    assert result_messages([item], config, {"image": "shelf.jpg", "objects": [{"value": "RedBull"}]}) == [
        "result[0] id=r1 from_name=objects: polygonlabels 'Fanta' is not an option of <PolygonLabels "
        "name='objects'>"]


# --------------------------------------------------------------------------- several images (valueList)

PAGES = """<View>
  <RectangleLabels name="rectangles" toName="pages"><Label value="Title"/></RectangleLabels>
  <Image valueList="$pages" name="pages"/>
</View>"""


def page_box(**item) -> dict:
    return {"id": "p1", "from_name": "rectangles", "to_name": "pages", "type": "rectanglelabels",
            "original_width": 1700, "original_height": 2200, "image_rotation": 0,
            "value": {**BOX, "rectanglelabels": ["Title"]}, **item}


def test_a_region_on_one_of_several_images_names_it_by_item_index(checker, result_messages):
    config = checker.parse(PAGES)
    data = {"pages": ["p1.jpg", "p2.jpg", "p3.jpg"]}

    assert result_messages([page_box(item_index=2)], config, data) == []
    assert result_messages([page_box()], config, data) == []  # Label Studio reads a missing index as 0


def test_item_index_must_point_into_the_image_list(checker, result_messages):
    config = checker.parse(PAGES)
    data = {"pages": ["p1.jpg", "p2.jpg"]}

    assert result_messages([page_box(item_index=2), page_box(item_index=-1), page_box(item_index="0")],
                           config, data) == [
        "result[0] id=p1 from_name=rectangles: item_index 2 is past the last image: <Image name='pages'> "
        "shows 2 image(s)",
        "result[1] id=p1 from_name=rectangles: item_index must be a whole number >= 0 (the image's position in "
        "valueList)",
        "result[2] id=p1 from_name=rectangles: item_index must be a whole number >= 0 (the image's position in "
        "valueList)",
    ]


def test_item_index_is_not_bounded_when_the_task_data_is_unknown(checker, result_messages):
    assert result_messages([page_box(item_index=40)], checker.parse(PAGES)) == []
