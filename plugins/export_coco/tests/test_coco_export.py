"""The COCO export as a user gets it: files pycocotools loads, in pixels, with the right categories."""

from __future__ import annotations

import io
import json
import logging
import math
import zipfile

import numpy as np
import pytest
from pycocotools import mask as coco_mask

from labelcore import LabelcoreError
from labelcore_export_coco.coco import supports
from labelcore_export_coco.media import image_path

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")

KEYPOINTS = """<View>
  <Image name="img" value="$image"/>
  <RectangleLabels name="box" toName="img"><Label value="Person"/><Label value="Dog"/></RectangleLabels>
  <KeyPointLabels name="kp" toName="img">
    <Label value="nose" model_index="0"/><Label value="left_eye" model_index="1"/><Label value="tail"/>
  </KeyPointLabels>
</View>"""


def coco(export, *args, **kwargs) -> dict:
    return json.loads(export("COCO", *args, **kwargs))


# --------------------------------------------------------------------------- the file


def test_every_file_loads_in_pycocotools(export, ls, load_coco):
    mask = [[0] * 16 for _ in range(12)]
    for y in range(3, 7):
        mask[y][4:9] = [1] * 5
    tasks = [ls.task([ls.rect(10, 10, 20, 30), ls.rect(50, 40, 10, 10, rotation=33, label="Bike"),
                      ls.polygon([(5, 5), (40, 5), (20, 50)]), ls.ellipse(60, 60, 10, 5, rotation=20)], id=1),
             ls.task([ls.brush(mask)], id=2, image="s3://bucket/photos/0002.png")]

    dataset = load_coco(export("COCO", tasks))

    assert len(dataset.getImgIds()) == 2 and len(dataset.getAnnIds()) == 5
    for annotation in dataset.loadAnns(dataset.getAnnIds()):
        image = dataset.loadImgs(annotation["image_id"])[0]
        rasterised = dataset.annToMask(annotation)
        assert rasterised.shape == (image["height"], image["width"])
    assert dataset.loadCats(dataset.getCatIds()) == [
        {"id": 0, "name": "Airplane"}, {"id": 1, "name": "Bike"}, {"id": 2, "name": "Car"},
        {"id": 3, "name": "Road"}, {"id": 4, "name": "Sky"}, {"id": 5, "name": "Wheel"}]


def test_images_and_annotations_are_numbered(export, ls):
    tasks = [ls.task([ls.rect(10, 10, 20, 30), ls.rect(1, 1, 2, 2)], id=7, image="s3://b/a.jpg"),
             ls.task([ls.rect(10, 10, 20, 30)], id=9, image="s3://b/b.jpg")]

    result = coco(export, tasks)

    assert result["images"] == [
        {"width": 640, "height": 480, "id": 0, "file_name": image_path("s3://b/a.jpg")},
        {"width": 640, "height": 480, "id": 1, "file_name": image_path("s3://b/b.jpg")}]
    # ids from 1: COCOeval reads a ground-truth id of 0 as "unmatched"
    assert [(a["id"], a["image_id"]) for a in result["annotations"]] == [(1, 0), (2, 0), (3, 1)]
    assert result["info"]["description"] == "Streets" and result["info"]["contributor"] == "labelcore"


def test_an_upright_box_is_percent_times_size(export, ls):
    [annotation] = coco(export, [ls.task([ls.rect(12.5, 25, 50, 37.5, width=800, height=600)])])["annotations"]

    assert annotation["bbox"] == [100, 150, 400, 225]
    assert annotation["area"] == 400 * 225
    assert annotation["segmentation"] == [[100, 150, 500, 150, 500, 375, 100, 375]]
    assert annotation["iscrowd"] == 0 and annotation["category_id"] == 2


def test_a_rotated_box_has_its_enclosing_box_and_corner_polygon(export, ls, load_coco):
    data = export("COCO", [ls.task([ls.rect(25, 25, 50, 25, rotation=90, width=400, height=200)])])
    [annotation] = json.loads(data)["annotations"]

    # 200 x 50 px turned a quarter clockwise about its top-left corner (100, 50): x 50..100, y 50..250,
    # cut at the image's bottom edge (200)
    assert annotation["bbox"] == pytest.approx([50, 50, 50, 150])
    assert annotation["area"] == pytest.approx(50 * 150)
    [polygon] = annotation["segmentation"]
    assert len(polygon) >= 8
    rasterised = load_coco(data).annToMask(annotation)
    assert abs(int(rasterised.sum()) - 50 * 150) <= 2 * (50 + 150)  # rasterising adds at most a border


def test_a_polygon_keeps_its_points_area_and_box(export, ls):
    [annotation] = coco(export, [ls.task([ls.polygon([(10, 10), (60, 10), (60, 50), (10, 50)], width=200,
                                                     height=100)])])["annotations"]

    assert annotation["segmentation"] == [[20, 10, 120, 10, 120, 50, 20, 50]]
    assert annotation["bbox"] == [20, 10, 100, 40]
    assert annotation["area"] == 100 * 40


def test_an_ellipse_is_a_polygon_with_its_exact_box_and_area(export, ls, load_coco):
    data = export("COCO", [ls.task([ls.ellipse(50, 50, 25, 25, width=400, height=400)])])
    [annotation] = json.loads(data)["annotations"]

    assert annotation["bbox"] == pytest.approx([100, 100, 200, 200])
    assert annotation["area"] == pytest.approx(math.pi * 100 * 100)
    rasterised = load_coco(data).annToMask(annotation)
    assert int(rasterised.sum()) == pytest.approx(math.pi * 100 * 100, rel=0.02)


def test_a_brush_mask_is_coco_rle_of_the_same_pixels(export, ls, load_coco):
    rows = [[0] * 30 for _ in range(20)]
    for y in range(5, 15):
        for x in range(8, 8 + y):
            rows[y][x] = 1
    data = export("COCO", [ls.task([ls.brush(rows)])])
    [annotation] = json.loads(data)["annotations"]

    assert annotation["segmentation"]["size"] == [20, 30]
    assert isinstance(annotation["segmentation"]["counts"], list)
    rasterised = load_coco(data).annToMask(annotation)
    assert (rasterised == np.array(rows)).all()
    assert annotation["area"] == sum(map(sum, rows)) == int(rasterised.sum())
    assert annotation["bbox"] == [8, 5, 14, 10]


def test_compressed_rle_on_request(export, ls, load_coco):
    rows = [[1, 0, 1, 1], [0, 1, 1, 0]]
    data = export("COCO", [ls.task([ls.brush(rows)])], rle="compressed")
    [annotation] = json.loads(data)["annotations"]

    assert isinstance(annotation["segmentation"]["counts"], str)
    assert (load_coco(data).annToMask(annotation) == np.array(rows)).all()
    assert coco_mask.area({"size": [2, 4], "counts": annotation["segmentation"]["counts"].encode()}) == 5


def test_regions_outside_the_image_or_unlabeled_are_left_out_and_counted(export, ls, caplog):
    unlabeled = ls.item("rectangle", {"x": 1, "y": 1, "width": 5, "height": 5, "rotation": 0}, from_name="box")
    outside = ls.rect(0, 0, 10, 10, rotation=180)
    with caplog.at_level(logging.WARNING):
        result = coco(export, [ls.task([unlabeled, outside, ls.rect(1, 1, 1, 1)])])

    assert len(result["annotations"]) == 1
    assert "left out 1 region(s) without a label" in caplog.text
    assert "left out 1 region(s) without area inside the image" in caplog.text


def test_labels_with_a_drawn_rectangle_are_one_object(export, ls):
    config = """<View><Image name="img" value="$image"/>
      <Labels name="label" toName="img"><Label value="Cat"/><Label value="Dog"/></Labels>
      <Rectangle name="rect" toName="img"/>
    </View>"""
    geometry = {"x": 10, "y": 10, "width": 10, "height": 10, "rotation": 0}
    result = coco(export, [ls.task([
        ls.item("rectangle", geometry, from_name="rect", id="a"),
        ls.item("labels", {**geometry, "labels": ["Dog"]}, from_name="label", id="a", label=None)])], config=config)

    [annotation] = result["annotations"]
    assert result["categories"] == [{"id": 0, "name": "Cat"}, {"id": 1, "name": "Dog"}]
    assert annotation["category_id"] == 1 and annotation["bbox"] == [64, 48, 64, 48]


# --------------------------------------------------------------------------- categories


def test_categories_take_the_category_attribute_then_free_ids_alphabetically(export, ls):
    config = """<View><Image name="img" value="$image"/>
      <RectangleLabels name="box" toName="img">
        <Label value="zebra"/><Label value="cat" category="1"/><Label value="ant"/><Label value="dog" category="3"/>
      </RectangleLabels></View>"""

    assert coco(export, [], config=config)["categories"] == [
        {"id": 0, "name": "ant"}, {"id": 1, "name": "cat"}, {"id": 2, "name": "zebra"}, {"id": 3, "name": "dog"}]
    assert coco(export, [], config=config, category_order="config")["categories"] == [
        {"id": 0, "name": "zebra"}, {"id": 1, "name": "cat"}, {"id": 2, "name": "ant"}, {"id": 3, "name": "dog"}]


def test_labels_sharing_a_category_id_are_one_category(export, ls):
    config = """<View><Image name="img" value="$image"/>
      <RectangleLabels name="box" toName="img">
        <Label value="car" category="5"/><Label value="truck" category="5"/>
      </RectangleLabels></View>"""

    result = coco(export, [ls.task([ls.rect(1, 1, 5, 5, label="truck")])], config=config)

    assert result["categories"] == [{"id": 5, "name": "car"}]
    assert result["annotations"][0]["category_id"] == 5


def test_a_label_the_config_lacks_becomes_a_new_category(export, ls, caplog):
    with caplog.at_level(logging.WARNING):
        result = coco(export, [ls.task([ls.rect(1, 1, 5, 5, label="Tram")])])

    assert result["categories"][-1] == {"id": 6, "name": "Tram"}
    assert result["annotations"][0]["category_id"] == 6
    assert "Tram" in caplog.text


def test_an_alias_names_its_labels_category(export, ls):
    config = """<View><Image name="img" value="$image"/>
      <RectangleLabels name="box" toName="img"><Label value="Car" alias="C"/></RectangleLabels></View>"""

    result = coco(export, [ls.task([ls.rect(1, 1, 5, 5, label="C")])], config=config)

    assert result["categories"] == [{"id": 0, "name": "Car"}]
    assert result["annotations"][0]["category_id"] == 0


# --------------------------------------------------------------------------- keypoints


def test_keypoints_linked_to_a_box_are_its_keypoints(export, ls, load_coco):
    person = ls.rect(10, 10, 50, 80, label="Person", id="p1", width=200, height=100)
    nose = ls.keypoint(20, 20, "nose", width=200, height=100, parentID="p1")
    tail = ls.keypoint(30, 50, "tail", width=200, height=100, parentID="p1")
    data = export("COCO", [ls.task([person, nose, tail, ls.rect(70, 10, 10, 10, label="Dog", width=200,
                                                                height=100)])], config=KEYPOINTS)
    result = json.loads(data)

    names = ["nose", "left_eye", "tail"]  # model_index first, then config order
    assert [c for c in result["categories"]] == [
        {"id": 0, "name": "Dog", "keypoints": names, "skeleton": []},
        {"id": 1, "name": "Person", "keypoints": names, "skeleton": []}]
    with_points, dog = result["annotations"]
    assert with_points["keypoints"] == [40, 20, 2, 0, 0, 0, 60, 50, 2]
    assert with_points["num_keypoints"] == 2
    assert dog["keypoints"] == [0] * 9 and dog["num_keypoints"] == 0
    load_coco(data)


def test_keypoints_without_a_parent_are_one_object_per_image(export, ls):
    result = coco(export, [ls.task([ls.keypoint(10, 10, "nose", width=100, height=100),
                                    ls.keypoint(20, 30, "left_eye", width=100, height=100)])], config=KEYPOINTS)

    [annotation] = result["annotations"]
    group = next(c for c in result["categories"] if c["id"] == annotation["category_id"])
    assert group == {"id": 2, "name": "kp", "keypoints": ["nose", "left_eye", "tail"], "skeleton": []}
    assert annotation["keypoints"] == [10, 10, 2, 20, 30, 2, 0, 0, 0]
    assert annotation["bbox"] == [10, 10, 10, 20] and annotation["area"] == 200


def test_a_keypoints_only_config_exports(export, ls, parse):
    config = """<View><Image name="img" value="$image"/>
      <KeyPointLabels name="kp" toName="img"><Label value="a"/><Label value="b"/></KeyPointLabels></View>"""

    assert supports(parse(config)) is None
    result = coco(export, [ls.task([ls.keypoint(50, 50, "b", width=10, height=10)])], config=config)
    assert result["annotations"][0]["keypoints"] == [0, 0, 0, 5, 5, 2]


# --------------------------------------------------------------------------- which annotation, which image


def test_one_annotation_per_task_ground_truth_first_then_latest(export, ls):
    def annotation(id, created, result, **extra):
        return {"id": id, "created_at": created, "result": result, "was_cancelled": False, "ground_truth": False,
                **extra}

    task = ls.task([])
    task["annotations"] = [annotation(1, "2024-01-01T00:00:00Z", [ls.rect(1, 1, 1, 1)]),
                           annotation(2, "2024-03-01T00:00:00Z", [ls.rect(2, 2, 2, 2)]),
                           annotation(3, "2024-05-01T00:00:00Z", [ls.rect(3, 3, 3, 3)], was_cancelled=True)]
    assert [a["bbox"][0] for a in coco(export, [task])["annotations"]] == [12.8]

    task["annotations"][0]["ground_truth"] = True
    assert [a["bbox"][0] for a in coco(export, [task])["annotations"]] == [6.4]

    merged = coco(export, [task], annotations="all")
    assert len(merged["images"]) == 1 and [a["bbox"][0] for a in merged["annotations"]] == [6.4, 12.8]


def test_tasks_without_a_usable_annotation_are_left_out(export, ls):
    skipped = ls.task([ls.rect(1, 1, 1, 1)], id=2, was_cancelled=True)
    unlabeled = {"id": 3, "data": {"image": "s3://b/3.jpg"}, "annotations": []}

    result = coco(export, [ls.task([ls.rect(1, 1, 1, 1)]), skipped, unlabeled])

    assert len(result["images"]) == 1


def test_an_image_with_no_regions_is_kept_with_its_size_from_the_file(export, ls):
    empty = ls.task([], image="s3://b/empty.png")

    assert coco(export, [empty])["images"] == []  # size unknown, nothing to read it from
    result = coco(export, [empty], open_media=lambda url: io.BytesIO(ls.png(33, 22)))
    assert result["images"] == [{"width": 33, "height": 22, "id": 0, "file_name": image_path("s3://b/empty.png")}]
    assert result["annotations"] == []


def test_a_list_of_images_gives_one_image_each(export, ls):
    config = """<View><Image name="pages" valueList="$pages"/>
      <RectangleLabels name="box" toName="pages"><Label value="Car"/></RectangleLabels></View>"""
    task = ls.task([ls.item("rectanglelabels", {"x": 0, "y": 0, "width": 50, "height": 50}, 100, 100,
                            to_name="pages", item_index=1),
                    ls.item("rectanglelabels", {"x": 0, "y": 0, "width": 10, "height": 10}, 200, 200,
                            to_name="pages", item_index=0)])
    task["data"] = {"pages": ["s3://b/p0.jpg", "s3://b/p1.jpg"]}

    result = coco(export, [task], config=config)

    assert [(i["file_name"], i["width"]) for i in result["images"]] == [
        (image_path("s3://b/p0.jpg"), 200), (image_path("s3://b/p1.jpg"), 100)]
    assert [(a["image_id"], a["bbox"]) for a in result["annotations"]] == [(0, [0, 0, 20, 20]), (1, [0, 0, 50, 50])]


def test_a_lone_surrogate_in_a_url_does_not_stop_the_export(export, ls):
    result = coco(export, [ls.task([ls.rect(1, 1, 5, 5)], image="s3://b/\ud800.jpg")])

    assert result["images"][0]["file_name"].endswith("__.jpg")


def test_unknown_options_are_refused(export, ls):
    with pytest.raises(LabelcoreError, match="rle='zip'"):
        export("COCO", [], rle="zip")


# --------------------------------------------------------------------------- with images


def test_with_images_the_zip_holds_the_json_and_every_image(export, ls, load_coco, caplog):
    files = {"s3://b/a.png": ls.png(640, 480), "s3://b/empty.png": ls.png(50, 40, color_type=6)}
    tasks = [ls.task([ls.rect(10, 10, 20, 20)], id=1, image="s3://b/a.png"),
             ls.task([], id=2, image="s3://b/empty.png"),
             ls.task([ls.rect(10, 10, 20, 20)], id=3, image="s3://b/missing.png"),
             ls.task([ls.rect(30, 30, 20, 20)], id=4, image="s3://b/a.png")]

    def open_media(url):
        return io.BytesIO(files[url]) if url in files else None

    with caplog.at_level(logging.WARNING):
        data = export("COCO_WITH_IMAGES", tasks, open_media=open_media, stream=ls.WriteOnly())

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sorted(archive.namelist()) == sorted(["result.json", image_path("s3://b/a.png"),
                                                     image_path("s3://b/empty.png")])
        assert archive.read(image_path("s3://b/a.png")) == files["s3://b/a.png"]
        assert archive.getinfo(image_path("s3://b/a.png")).compress_type == zipfile.ZIP_STORED
        dataset = load_coco(archive.read("result.json"))
    images = dataset.loadImgs(dataset.getImgIds())
    # the empty image's size comes from its file; the missing file's annotations are kept
    assert [(i["file_name"], i["width"], i["height"]) for i in images] == [
        (image_path("s3://b/a.png"), 640, 480), (image_path("s3://b/empty.png"), 50, 40),
        (image_path("s3://b/missing.png"), 640, 480), (image_path("s3://b/a.png"), 640, 480)]
    assert len(dataset.getAnnIds()) == 3
    assert "1 image file(s) that could not be read into the zip" in caplog.text


def test_with_images_needs_media_access(export):
    with pytest.raises(LabelcoreError, match="without access to media"):
        export("COCO_WITH_IMAGES", [])
