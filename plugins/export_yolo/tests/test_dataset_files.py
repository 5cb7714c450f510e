"""classes.txt, notes.json and data.yaml: the class ids, as Ultralytics and Label Studio read them."""

from __future__ import annotations

import json

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from labelcore_export_yolo.dataset_files import data_yaml, yaml_string
from labelcore_export_yolo.schema import ClassNumbers


def dataset(entries):
    classes = entries["classes.txt"].decode("utf-8").splitlines()
    notes = json.loads(entries["notes.json"])
    data = yaml.safe_load(entries["data.yaml"])
    return classes, notes, data


def test_data_yaml_is_an_ultralytics_dataset_file_matching_classes_txt(yolo):
    config = yolo.parse(yolo.BOXES)

    classes, notes, data = dataset(yolo.export(config, []))

    assert classes == ["Bike", "Car", "Person"]
    assert data == {"path": "", "train": "images", "val": "images", "nc": 3,
                    "names": {0: "Bike", 1: "Car", 2: "Person"}}
    assert notes["categories"] == [{"id": 0, "name": "Bike"}, {"id": 1, "name": "Car"}, {"id": 2, "name": "Person"}]
    assert notes["info"]["version"] == "1.0"


def test_the_description_files_come_after_the_label_files(yolo):
    config = yolo.parse(yolo.BOXES)

    entries = yolo.export(config, [yolo.task(1, "a.jpg", yolo.box(1, 1, 5, 5))])

    assert list(entries) == ["images/", "labels/a.txt", "classes.txt", "notes.json", "data.yaml"]


def test_category_attributes_fix_ids_and_line_n_of_classes_txt_is_always_id_n(yolo):
    # Label Studio writes classes.txt in its categories' order, so with categories line N is not
    # class N (HumanSignal/label-studio#6416); Ultralytics needs names 0..nc-1, so gaps get a name
    config = yolo.parse("""<View><Image name="image" value="$image"/>
      <RectangleLabels name="label" toName="image">
        <Label value="safe_h" category="0"/><Label value="n_safe_h" category="1"/>
        <Label value="safe_b" category="2"/><Label value="n_safe_b" category="5"/>
        <Label value="zebra"/><Label value="apple"/>
      </RectangleLabels></View>""")

    classes, notes, data = dataset(yolo.export(config, []))

    assert classes == ["safe_h", "n_safe_h", "safe_b", "apple", "zebra", "n_safe_b"]
    assert data["names"] == dict(enumerate(classes)) and data["nc"] == 6
    assert [(c["id"], c["name"]) for c in notes["categories"]] == list(enumerate(classes))


def test_gaps_left_by_categories_are_named_unused(yolo):
    config = yolo.parse("""<View><Image name="image" value="$image"/>
      <RectangleLabels name="label" toName="image">
        <Label value="top" category="1"/><Label value="destination" category="3"/>
      </RectangleLabels></View>""")

    classes, notes, data = dataset(yolo.export(config, []))

    assert classes == ["unused_0", "top", "unused_2", "destination"]
    assert data["names"] == {0: "unused_0", 1: "top", 2: "unused_2", 3: "destination"}
    assert notes["categories"] == [{"id": 1, "name": "top"}, {"id": 3, "name": "destination"}]


def test_a_category_claimed_twice_keeps_the_first_and_the_other_label_gets_a_free_id(yolo):
    config = yolo.parse("""<View><Image name="image" value="$image"/>
      <RectangleLabels name="label" toName="image">
        <Label value="a" category="0"/><Label value="b" category="0"/><Label value="c" category="-1"/>
      </RectangleLabels></View>""")

    classes, _, _ = dataset(yolo.export(config, []))

    assert classes == ["a", "b", "c"]


def test_only_the_exported_controls_labels_are_classes(yolo):
    # Label Studio also numbers the options of every other control (here the Choices)
    config = yolo.parse("""<View><Image name="image" value="$image"/>
      <Choices name="time" toName="image"><Choice value="Day"/><Choice value="Night"/></Choices>
      <RectangleLabels name="label" toName="image"><Label value="Person"/><Label value="Car"/></RectangleLabels>
      <PolygonLabels name="outline" toName="image"><Label value="Road"/><Label value="Car"/></PolygonLabels>
    </View>""")

    classes, _, _ = dataset(yolo.export(config, []))

    assert classes == ["Car", "Person", "Road"]


def test_labels_missing_from_the_config_are_numbered_after_it_as_they_are_met(yolo):
    config = yolo.parse(yolo.BOXES)
    tasks = [yolo.task(1, "a.jpg", yolo.box(1, 1, 5, 5, "Truck"), yolo.box(2, 2, 5, 5, "Car")),
             yolo.task(2, "b.jpg", yolo.box(1, 1, 5, 5, "Bus"), yolo.box(3, 3, 5, 5, "Truck"))]

    entries = yolo.export(config, tasks)

    classes, notes, data = dataset(entries)
    assert classes == ["Bike", "Car", "Person", "Truck", "Bus"]
    assert data["nc"] == 5
    assert [row[0] for row in yolo.rows(entries["labels/a.txt"])] == [3, 1]
    assert [row[0] for row in yolo.rows(entries["labels/b.txt"])] == [4, 3]


def test_dynamic_labels_are_numbered_in_the_order_they_are_met(yolo):
    config = yolo.parse('<View><Image name="image" value="$image"/>'
                        '<RectangleLabels name="label" toName="image" value="$options"/></View>')
    tasks = [yolo.task(1, "a.jpg", yolo.box(1, 1, 5, 5, "Zebra"), yolo.box(2, 2, 5, 5, "Ant"))]

    classes, _, data = dataset(yolo.export(config, tasks))

    assert classes == ["Zebra", "Ant"]
    assert data["names"] == {0: "Zebra", 1: "Ant"}


def test_names_yaml_would_misread_are_quoted(yolo):
    config = yolo.parse("""<View><Image name="image" value="$image"/>
      <RectangleLabels name="label" toName="image">
        <Label value="yes"/><Label value="1"/><Label value="a: b # c"/><Label value='say "hi" \\ bye'/>
        <Label value="null"/><Label value=" padded "/><Label value="日本語 🚗"/><Label value="- item"/>
      </RectangleLabels></View>""")

    classes, _, data = dataset(yolo.export(config, []))

    assert list(data["names"].values()) == classes
    assert " padded " in classes and "yes" in classes and "1" in classes


def test_an_empty_config_of_labels_still_gives_a_valid_data_yaml(yolo):
    config = yolo.parse('<View><Image name="image" value="$image"/>'
                        '<RectangleLabels name="label" toName="image" value="$options"/></View>')

    classes, notes, data = dataset(yolo.export(config, []))

    assert classes == [] and notes["categories"] == []
    assert data["names"] == {} and data["nc"] == 0


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_property_any_name_reads_back_from_yaml_unchanged(name):
    assert yaml.safe_load(f"name: {yaml_string(name)}\n") == {"name": name}


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(min_size=1), min_size=1, max_size=8, unique=True))
def test_property_data_yaml_names_are_the_class_ids(names):
    classes = ClassNumbers({name: number for number, name in enumerate(names)})

    data = yaml.safe_load(data_yaml(classes))

    assert data["names"] == dict(enumerate(names))
    assert data["nc"] == len(names)
