"""The labeling-config engine: how a config is parsed, routed to tags and validated.

Each test is one thing a user writing a config would meet; invalid configs assert the exact
message and line, because that is what the user sees.
"""

from __future__ import annotations

import pytest

from labelcore.errors import ConfigError


def errors_of(checker, xml: str) -> list[tuple[int | None, str]]:
    with pytest.raises(ConfigError) as caught:
        checker.parse(xml)
    return [(issue.line, issue.message) for issue in caught.value.issues]


DETECTION = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image">
    <Label value="Car"/>
    <Label value="Person"/>
  </RectangleLabels>
</View>"""


def test_a_detection_config_parses_into_objects_controls_and_data_keys(installed):
    parsed = installed.parse(DETECTION)

    assert list(parsed.objects) == ["image"]
    assert list(parsed.controls) == ["label"]
    assert parsed.data_keys == ["image"]
    assert parsed.labels("label") == ["Car", "Person"]
    assert parsed.controls["label"].spec.result_type == "rectanglelabels"


def test_keys_of_names_the_data_keys_each_object_reads(installed):
    parsed = installed.parse("""<View>
  <Image name="photo" value="$image"/>
  <Text name="caption" value="$text"/>
  <Header value="$title"/>
  <Choices name="tone" toName="caption"><Choice value="A"/></Choices>
</View>""")

    assert parsed.keys_of("photo") == ["image"]
    assert parsed.keys_of("caption") == ["text"]
    assert parsed.keys_of("nothing") == []


def test_tag_and_attribute_names_match_case_insensitively_like_label_studio(installed):
    parsed = installed.parse("""<view>
  <image name="img" VALUE="$url"/>
  <choices name="c" toname="img"><choice value="A"/></choices>
</view>""")

    assert parsed.root.tag == "View"
    assert parsed.controls["c"].to_names == ["img"]
    assert parsed.controls["c"].normalized_attrs()["toName"] == "img"


def test_an_unknown_tag_names_the_tag_its_line_and_the_distribution_that_provides_it(installed):
    issues = errors_of(installed, """<View>
  <Audio name="audio" value="$audio"/>
  <Labels name="l" toName="audio"><Label value="Speech"/></Labels>
</View>""")

    line, message = issues[0]
    assert line == 2
    assert message.startswith("unknown tag <Audio>: it is provided by the labelcore-tags-audio distribution, "
                              "which is not installed (pip install labelcore-tags-audio). Installed plugins provide: ")
    assert "RectangleLabels" in message


def test_a_made_up_tag_is_reported_as_provided_by_no_known_plugin(installed):
    issues = errors_of(installed, '<View>\n<Text name="t" value="$t"/>\n<Sparkles/>\n</View>')

    assert issues[0][0] == 3
    assert issues[0][1].startswith("unknown tag <Sparkles>: no known plugin provides it.")


def test_the_root_must_be_a_view(installed):
    assert errors_of(installed, '<Header value="x"/>') == [(1, "the root element must be <View>, not <Header>")]


def test_object_and_control_tags_need_a_name(installed):
    issues = errors_of(installed, """<View>
  <Image value="$image"/>
</View>""")

    assert issues == [(2, "missing required attribute 'name'")]


def test_names_must_be_unique_and_the_error_points_at_the_first_use(installed):
    issues = errors_of(installed, """<View>
  <Image name="x" value="$a"/>
  <Text name="x" value="$b"/>
</View>""")

    assert issues == [(3, "name 'x' is already used by <Image> on line 2; names must be unique")]


def test_to_name_must_refer_to_an_existing_object_tag(installed):
    issues = errors_of(installed, """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="img">
    <Label value="Car"/>
  </RectangleLabels>
</View>""")

    assert issues == [(3, "toName='img' of <RectangleLabels name='label'> refers to no tag; known object tags: image")]


def test_to_name_must_refer_to_an_object_of_a_kind_the_control_works_with(installed):
    issues = errors_of(installed, """<View>
  <Text name="text" value="$text"/>
  <RectangleLabels name="label" toName="text"><Label value="Car"/></RectangleLabels>
</View>""")

    assert issues == [(3, "toName='text' of <RectangleLabels name='label'> refers to <Text>, but <RectangleLabels> "
                          "works with <Image>")]


def test_to_name_pointing_at_a_control_is_not_an_object(installed):
    issues = errors_of(installed, """<View>
  <Text name="text" value="$text"/>
  <Choices name="a" toName="text"><Choice value="x"/></Choices>
  <Choices name="b" toName="a"><Choice value="y"/></Choices>
</View>""")

    assert issues == [(4, "toName='a' of <Choices name='b'> refers to <Choices> on line 3, which is not an object tag")]


def test_a_labels_control_without_labels_is_an_error_unless_its_labels_come_from_data(installed):
    issues = errors_of(installed, """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image"/>
</View>""")
    assert issues == [(3, "<RectangleLabels name='label'> has no <Label> children; add at least one, or set "
                          "value=\"$field\" to take them from task data")]

    parsed = installed.parse("""<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image" value="$classes"/>
</View>""")
    assert parsed.is_dynamic("label")
    assert parsed.data_keys == ["image"]
    assert parsed.all_data_keys == ["image", "classes"]


def test_a_label_outside_its_control_is_placed_wrong(installed):
    issues = errors_of(installed, """<View>
  <Image name="image" value="$image"/>
  <Label value="Car"/>
</View>""")

    line, message = issues[0]
    assert line == 3
    assert message.startswith("<Label> must be inside ")
    assert "<RectangleLabels>" in message and message.endswith("not in the layout")


def test_options_may_be_wrapped_in_layout_tags_inside_their_control(installed):
    parsed = installed.parse("""<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text">
    <View style="display: flex">
      <Header value="Pick one"/>
      <Choice value="Positive"/>
      <Choice value="Negative"/>
    </View>
  </Choices>
</View>""")

    assert parsed.labels("sentiment") == ["Positive", "Negative"]


def test_attribute_types_and_enums_come_from_the_tag_attribute_model(installed):
    issues = errors_of(installed, """<View>
  <Text name="text" value="$text"/>
  <Choices name="c" toName="text" choice="several" showInline="perhaps">
    <Choice value="A"/>
  </Choices>
</View>""")

    assert issues == [
        (3, "attribute choice='several': Input should be 'single', 'single-radio' or 'multiple'"),
        (3, "attribute showInline='perhaps': Input should be a valid boolean, unable to interpret input"),
    ]


def test_unknown_attributes_are_warnings_not_errors_because_label_studio_ignores_them(installed):
    parsed = installed.parse("""<View>
  <Text name="text" value="$text" sparkle="yes"/>
</View>""")

    assert [str(issue) for issue in parsed.warnings] == ["line 2: <Text> unknown attribute 'sparkle' (ignored)"]


def test_data_keys_are_collected_in_order_from_object_tags(installed):
    parsed = installed.parse("""<View>
  <Header value="$title"/>
  <Text name="question" value="$question"/>
  <Image name="photo" value="$photo"/>
  <Text name="again" value="$question"/>
</View>""")

    assert parsed.data_keys == ["question", "photo"]
    assert parsed.all_data_keys == ["title", "question", "photo"]
    assert parsed.missing_data_keys({"question": "q"}) == ["photo"]
    assert parsed.missing_data_keys("not an object") == ["question", "photo"]


def test_visible_when_must_refer_to_an_existing_control_and_its_options(installed):
    issues = errors_of(installed, """<View>
  <Text name="text" value="$text"/>
  <Choices name="topic" toName="text">
    <Choice value="Sports"/>
    <Choice value="Politics"/>
  </Choices>
  <View visibleWhen="choice-selected" whenTagName="topic" whenChoiceValue="Sports,Weather">
    <Choices name="sport" toName="text"><Choice value="Football"/></Choices>
  </View>
  <View visibleWhen="choice-selected" whenTagName="nothing"/>
  <View visibleWhen="sometimes"/>
</View>""")

    assert issues == [
        (7, "whenChoiceValue='Weather' is not an option of <Choices name='topic'>"),
        (10, "whenTagName='nothing' refers to no control tag"),
        (11, "attribute visibleWhen='sometimes': Input should be 'region-selected', 'choice-selected', "
             "'no-region-selected' or 'choice-unselected'"),
    ]


def test_choice_visibility_needs_a_control_with_choices(installed):
    issues = errors_of(installed, """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="box" toName="image"><Label value="Car"/></RectangleLabels>
  <View visibleWhen="choice-selected" whenTagName="box"/>
</View>""")

    assert issues == [(4, "visibleWhen='choice-selected' needs whenTagName to name a <Choices> or <Taxonomy>, "
                          "not <RectangleLabels>")]


def test_region_visibility_checks_label_values(installed):
    xml = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="box" toName="image"><Label value="Car"/></RectangleLabels>
  <Choices name="colour" toName="image" perRegion="true" whenTagName="box" whenLabelValue="{label}">
    <Choice value="Red"/>
  </Choices>
</View>"""
    installed.parse(xml.format(label="Car"))

    assert errors_of(installed, xml.format(label="Bus")) == [
        (4, "whenLabelValue='Bus' is not an option of <RectangleLabels name='box'>")]


def test_every_error_is_reported_at_once_sorted_by_line(installed):
    issues = errors_of(installed, """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="a" toName="missing"><Label value="Car"/></RectangleLabels>
  <RectangleLabels name="b" toName="image"/>
</View>""")

    assert [line for line, _ in issues] == [3, 4]


def test_a_config_needs_an_object_tag(installed):
    assert errors_of(installed, '<View><Header value="hello"/></View>') == [
        (1, "config has no object tag (Image, Text, ...) to label")]


def test_the_parsed_tree_serialises_for_the_browser(installed):
    parsed = installed.parse(DETECTION)

    tree = parsed.to_json(installed.registry)

    assert tree["objects"] == ["image"] and tree["controls"] == ["label"] and tree["data_keys"] == ["image"]
    rect = tree["root"]["children"][1]
    assert rect["tag"] == "RectangleLabels" and rect["kind"] == "control" and rect["line"] == 3
    assert rect["attrs"] == {"name": "label", "toName": "image"}
    assert [child["attrs"]["value"] for child in rect["children"]] == ["Car", "Person"]


# --------------------------------------------------------------------------- Repeater

REPEATER = """<View>
  <Repeater on="$pages" indexFlag="{{idx}}">
    <Image name="page_{{idx}}" value="$pages[{{idx}}].url"/>
    <RectangleLabels name="labels_{{idx}}" toName="page_{{idx}}">
      <Label value="Signature"/>
    </RectangleLabels>
  </Repeater>
</View>"""


def test_a_repeater_is_validated_as_a_template_and_needs_its_list_key(installed):
    parsed = installed.parse(REPEATER)

    assert parsed.data_keys == ["pages"]
    assert list(parsed.objects) == ["page_{{idx}}"]


def test_a_repeater_expands_once_per_item_of_the_task_list(installed):
    parsed = installed.parse(REPEATER, data={"pages": [{"url": "a.png"}, {"url": "b.png"}, {"url": "c.png"}]})

    assert list(parsed.objects) == ["page_0", "page_1", "page_2"]
    assert parsed.controls["labels_2"].to_names == ["page_2"]
    assert parsed.objects["page_1"].attr("value") == "$pages[1].url"


def test_a_repeater_over_data_that_is_not_a_list_is_an_error(installed):
    with pytest.raises(ConfigError) as caught:
        installed.parse(REPEATER, data={"pages": "a.png"})

    assert str(caught.value) == "line 2: <Repeater> task data 'pages' must be a list for this Repeater"


def test_a_repeater_must_name_a_data_list(installed):
    issues = errors_of(installed, REPEATER.replace('on="$pages"', 'on="pages"'))

    assert issues[0][0] == 2
    assert issues[0][1].startswith("attribute on='pages': String should match pattern")


def test_errors_on_a_tag_spread_over_several_lines_point_at_its_first_line(installed):
    issues = errors_of(installed, """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels
      name="label"
      toName="picture">
    <Label value="Car"/>
  </RectangleLabels>
</View>""")

    assert [line for line, _ in issues] == [3]
