"""The same Label Studio JSON through Label Studio's own converter and through this export.

Equal where Label Studio is right: file names, class ids, boxes, polygons, OBB corners, empty and
left-out tasks. Where it is wrong, each test shows what it writes and asserts what this export
writes instead: rotated boxes in plain YOLO, boxes and polygons mixed in one file, classes.txt with
``category`` ids, OBB boxes saved without a ``rotation`` key, several annotations on one image,
two images with the same name. ``label-studio-sdk`` is a test dependency (the ``test`` extra).
"""

from __future__ import annotations

import json
import os

from label_studio_sdk import converter

from labelcore.geometry import enclosing_box, rectangle_corners


def label_studio(tmp_path, config_xml, tasks, obb=False):
    """Label Studio's YOLO export of ``tasks``: {relative path: bytes} of the files it writes."""
    source = tmp_path / "tasks.json"
    source.write_text(json.dumps(tasks))
    output = tmp_path / ("ls-obb" if obb else "ls")
    converter.Converter(config_xml, project_dir=str(tmp_path), download_resources=False).convert_to_yolo(
        str(source), str(output), is_dir=False, is_obb=obb)
    files = {}
    for root, _, names in os.walk(output):
        for name in names:
            path = os.path.join(root, name)
            files[os.path.relpath(path, output)] = open(path, "rb").read()
    return files


def same_rows(ours, theirs, tolerance=1e-6):
    return len(ours) == len(theirs) and all(
        a_class == b_class and len(a) == len(b) and all(abs(p - q) <= tolerance for p, q in zip(a, b, strict=True))
        for (a_class, a), (b_class, b) in zip(ours, theirs, strict=True))


def label_files(entries):
    return {name: content for name, content in entries.items() if name.startswith("labels/")}


def test_boxes_polygons_and_multi_labels_match_label_studio(yolo, tmp_path):
    config = yolo.parse(yolo.BOXES)
    multi = yolo.box(40, 40, 20, 10, "Person")
    multi["value"]["rectanglelabels"] = ["Person", "Bike"]
    tasks = [
        yolo.task(1, "s3://bucket/img/street.jpg", yolo.box(10, 20, 30, 40, "Car"), multi),
        yolo.task(2, "s3://bucket/img/empty.jpg"),
        {"id": 3, "data": {"image": "s3://bucket/img/unlabelled.jpg"}, "annotations": []},
        yolo.task(4, "s3://bucket/img/skipped.jpg", yolo.box(1, 1, 5, 5), was_cancelled=True),
        yolo.task(5, "s3://bucket/img/edge.png", yolo.box(0, 0, 100, 100, "Bike"), yolo.box(99, 99, 1, 1, "Car")),
    ]

    ours = yolo.export(config, tasks)
    theirs = label_studio(tmp_path, yolo.BOXES, tasks)

    assert ours["classes.txt"] == theirs["classes.txt"]
    assert json.loads(ours["notes.json"])["categories"] == json.loads(theirs["notes.json"])["categories"]
    assert set(label_files(ours)) == set(label_files(theirs)) == {
        "labels/street.txt", "labels/empty.txt", "labels/unlabelled.txt", "labels/edge.txt"}
    for name, content in label_files(ours).items():
        assert same_rows(yolo.rows(content), yolo.rows(theirs[name])), name


def test_polygon_files_match_label_studio(yolo, tmp_path):
    config = yolo.parse(yolo.BOXES_AND_POLYGONS)
    tasks = [yolo.task(1, "s3://b/road.jpg", yolo.polygon([[10, 10], [50, 10], [30, 40]], "Road"),
                       yolo.polygon([[60, 60], [70, 60.25], [70, 80], [61.5, 79]], "Car"))]

    ours = yolo.export(config, tasks)
    theirs = label_studio(tmp_path, yolo.BOXES_AND_POLYGONS, tasks)

    assert ours["classes.txt"] == theirs["classes.txt"] == b"Car\nPerson\nRoad\n"
    assert same_rows(yolo.rows(ours["labels/road.txt"]), yolo.rows(theirs["labels/road.txt"]))


def test_obb_corners_match_label_studio(yolo, tmp_path):
    config = yolo.parse(yolo.BOXES)
    tasks = [yolo.task(1, "s3://b/a.jpg", yolo.box(30, 20, 20, 10, "Car", rotation=33, size=(1280, 720)),
                       yolo.box(60, 50, 10, 30, "Person", rotation=0, size=(1280, 720)))]

    ours = yolo.export(config, tasks, obb=True)
    theirs = label_studio(tmp_path, yolo.BOXES, tasks, obb=True)

    assert same_rows(yolo.rows(ours["labels/a.txt"]), yolo.rows(theirs["labels/a.txt"]))


def test_a_rotated_box_label_studio_writes_unrotated_is_its_enclosing_box_here(yolo, tmp_path):
    config = yolo.parse(yolo.BOXES)
    tasks = [yolo.task(1, "s3://b/a.jpg", yolo.box(30, 20, 20, 10, "Car", rotation=33, size=(1280, 720)))]

    [(_, theirs)] = yolo.rows(label_studio(tmp_path, yolo.BOXES, tasks)["labels/a.txt"])
    [(_, ours)] = yolo.rows(yolo.export(config, tasks)["labels/a.txt"])

    # Label Studio: the box as if it were not rotated at all
    assert same_rows([(1, theirs)], [(1, [0.4, 0.25, 0.2, 0.1])])
    # here: the box around the turned rectangle, turned in pixels
    x_min, y_min, x_max, y_max = enclosing_box(rectangle_corners(30, 20, 20, 10, 33, 1280, 720))
    expected = [(x_min + x_max) / 2 / 1280, (y_min + y_max) / 2 / 720, (x_max - x_min) / 1280, (y_max - y_min) / 720]
    assert same_rows([(1, ours)], [(1, expected)])
    assert not same_rows([(1, ours)], [(1, theirs)], tolerance=0.01)


def test_in_a_file_mixing_boxes_and_polygons_label_studio_writes_lines_ultralytics_misreads(yolo, tmp_path):
    config = yolo.parse(yolo.BOXES_AND_POLYGONS)
    tasks = [yolo.task(1, "s3://b/mixed.jpg", yolo.polygon([[10, 10], [50, 10], [30, 40]], "Road"),
                       yolo.box(10, 20, 30, 40, "Car"))]

    theirs = label_studio(tmp_path, yolo.BOXES_AND_POLYGONS, tasks)["labels/mixed.txt"]
    ours = yolo.export(config, tasks)["labels/mixed.txt"]

    assert yolo.ultralytics_problems(theirs, 3) == ["a box line in a file of segments", "4 coordinates"]
    assert yolo.ultralytics_problems(ours, 3) == []
    # the polygon line is the same; the box is written as its corners
    assert same_rows(yolo.rows(ours)[:1], yolo.rows(theirs)[:1])
    assert same_rows(yolo.rows(ours)[1:], [(0, [0.1, 0.2, 0.4, 0.2, 0.4, 0.6, 0.1, 0.6])])


def test_a_polygon_drawn_with_labels_label_studio_drops_is_a_segment_here(yolo, tmp_path):
    xml = ('<View><Image name="image" value="$image"/><Polygon name="poly" toName="image"/>'
           '<Labels name="kind" toName="image"><Label value="Road"/></Labels></View>')
    outline = {"points": [[10, 10], [50, 10], [30, 40]]}
    tasks = [yolo.task(1, "s3://b/a.jpg",
                       {"id": "p", "from_name": "poly", "to_name": "image", "type": "polygon", "value": outline},
                       {"id": "p", "from_name": "kind", "to_name": "image", "type": "labels",
                        "value": {**outline, "labels": ["Road"]}})]

    theirs = label_studio(tmp_path, xml, tasks)["labels/a.txt"]
    ours = yolo.export(yolo.parse(xml), tasks)["labels/a.txt"]

    assert theirs == b""  # read as a rectangle without x/y/width/height
    assert same_rows(yolo.rows(ours), [(0, [0.1, 0.1, 0.5, 0.1, 0.3, 0.4])])


def test_with_categories_class_ids_match_but_label_studios_classes_txt_is_out_of_order(yolo, tmp_path):
    xml = """<View><Image name="image" value="$image"/>
      <RectangleLabels name="label" toName="image">
        <Label value="safe_b" category="2"/><Label value="safe_h" category="0"/>
        <Label value="n_safe_b" category="3"/><Label value="n_safe_h" category="1"/>
      </RectangleLabels></View>"""
    config = yolo.parse(xml)
    tasks = [yolo.task(1, "s3://b/a.jpg", *(yolo.box(10 * i, 10, 5, 5, label) for i, label in
                                            enumerate(["safe_b", "safe_h", "n_safe_b", "n_safe_h"])))]

    ours = yolo.export(config, tasks)
    theirs = label_studio(tmp_path, xml, tasks)

    assert same_rows(yolo.rows(ours["labels/a.txt"]), yolo.rows(theirs["labels/a.txt"]))
    assert [row[0] for row in yolo.rows(ours["labels/a.txt"])] == [2, 0, 3, 1]
    # Label Studio lists the categories in config order, so line N of its classes.txt is not class N
    assert theirs["classes.txt"] == b"safe_b\nsafe_h\nn_safe_b\nn_safe_h\n"
    assert ours["classes.txt"] == b"safe_h\nn_safe_h\nsafe_b\nn_safe_b\n"


def test_label_studio_numbers_other_controls_options_too(yolo, tmp_path):
    xml = """<View><Image name="image" value="$image"/>
      <Choices name="time" toName="image"><Choice value="Day"/><Choice value="Night"/></Choices>
      <RectangleLabels name="label" toName="image"><Label value="Person"/><Label value="Car"/></RectangleLabels>
    </View>"""
    tasks = [yolo.task(1, "s3://b/a.jpg", yolo.box(10, 10, 5, 5, "Person"))]

    theirs = label_studio(tmp_path, xml, tasks)
    ours = yolo.export(yolo.parse(xml), tasks)

    assert theirs["classes.txt"] == b"Car\nDay\nNight\nPerson\n"
    assert ours["classes.txt"] == b"Car\nPerson\n"
    assert [row[0] for row in yolo.rows(theirs["labels/a.txt"])] == [3]
    assert [row[0] for row in yolo.rows(ours["labels/a.txt"])] == [1]


def test_an_obb_box_saved_without_rotation_is_dropped_by_label_studio_and_kept_here(yolo, tmp_path):
    config = yolo.parse(yolo.BOXES)
    tasks = [yolo.task(1, "s3://b/a.jpg", yolo.box(10, 20, 30, 40, "Car", rotation=None))]

    theirs = label_studio(tmp_path, yolo.BOXES, tasks, obb=True)["labels/a.txt"]
    ours = yolo.export(config, tasks, obb=True)["labels/a.txt"]

    assert theirs == b""
    assert same_rows(yolo.rows(ours), [(1, [0.1, 0.2, 0.4, 0.2, 0.4, 0.6, 0.1, 0.6])])


def test_with_several_annotations_label_studio_keeps_the_oldest_and_this_export_the_newest(yolo, tmp_path):
    config = yolo.parse(yolo.BOXES)
    tasks = [{"id": 1, "data": {"image": "s3://b/a.jpg"}, "annotations": [
        {"id": 1, "created_at": "2024-01-01T00:00:00Z", "result": [yolo.box(1, 1, 5, 5, "Person")]},
        {"id": 2, "created_at": "2024-03-01T00:00:00Z", "result": [yolo.box(1, 1, 5, 5, "Car")]}]}]

    theirs = label_studio(tmp_path, yolo.BOXES, tasks)["labels/a.txt"]
    ours = yolo.export(config, tasks)["labels/a.txt"]

    assert [row[0] for row in yolo.rows(theirs)] == [2]  # Person: each annotation overwrote the file
    assert [row[0] for row in yolo.rows(ours)] == [1]  # Car


def test_two_images_with_one_name_label_studio_overwrites_and_this_export_keeps_both(yolo, tmp_path):
    config = yolo.parse(yolo.BOXES)
    tasks = [yolo.task(1, "s3://one/cat.jpg", yolo.box(1, 1, 5, 5, "Person")),
             yolo.task(2, "s3://two/cat.jpg", yolo.box(1, 1, 5, 5, "Car"))]

    theirs = label_studio(tmp_path, yolo.BOXES, tasks)
    ours = yolo.export(config, tasks)

    assert set(label_files(theirs)) == {"labels/cat.txt"}
    assert set(label_files(ours)) == {"labels/cat.txt", "labels/cat_2.txt"}
    assert same_rows(yolo.rows(ours["labels/cat_2.txt"]), yolo.rows(theirs["labels/cat.txt"]))
