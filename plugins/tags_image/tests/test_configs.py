"""Labeling configs with image tags: what is accepted, and what is rejected with which message.

Attribute names, defaults and enumerations are Label Studio's (labelstud.io/tags/image,
/tags/rectanglelabels, /tags/polygonlabels, ... and the frontend's TagAttrs they are built from).
"""

from __future__ import annotations

import pytest

from labelcore import ConfigError, TagSpec, hookimpl
from labelcore.tag_models import ObjectAttributes
from labelcore.testing import ConfigChecker, plugin_manager

import labelcore_tags_image

IMAGE_TAGS = {spec.name for spec in labelcore_tags_image.IMAGE_TAGS}

EVERY_TAG = """<View>
  <Image name="image" value="$image" zoom="true" zoomControl="true" rotateControl="true"
         brightnessControl="true" contrastControl="true" crosshair="true" negativeZoom="true" zoomBy="1.5"
         grid="true" gridSize="20" gridColor="#333333" width="80%" maxWidth="1200px" height="600px"
         horizontalAlignment="center" verticalAlignment="center" defaultZoom="original" smoothing="false"
         crossOrigin="anonymous"/>
  <RectangleLabels name="box" toName="image" choice="multiple" maxUsages="3" showInline="false"
                   opacity="0.5" fillColor="#ff0000" strokeColor="#00ff00" strokeWidth="2" canRotate="false">
    <Label value="Car" background="red" hotkey="c"/>
    <Label value="Person" alias="P"/>
  </RectangleLabels>
  <Rectangle name="plain_box" toName="image" strokeWidth="3" fillOpacity="0.3" smart="true"/>
  <PolygonLabels name="outline" toName="image" pointSize="large" pointStyle="rectangle" snap="pixel">
    <Label value="Road"/>
  </PolygonLabels>
  <Polygon name="plain_outline" toName="image" pointSize="medium" strokeWidth="3"/>
  <EllipseLabels name="blob" toName="image" canRotate="false"><Label value="Cell"/></EllipseLabels>
  <Ellipse name="plain_blob" toName="image" opacity="0.6"/>
  <KeyPointLabels name="joint" toName="image" strokeWidth="3" snap="pixel"><Label value="Knee"/></KeyPointLabels>
  <KeyPoint name="plain_joint" toName="image" fillColor="#8bad00"/>
  <BrushLabels name="mask" toName="image" strokeWidth="25" smartOnly="true"><Label value="Sky"/></BrushLabels>
  <Brush name="plain_mask" toName="image"/>
  <MagicWand name="wand" toName="image" opacity="0.5" blurradius="3" defaultthreshold="20"/>
</View>"""

MULTI_IMAGE = """<View>
  <RectangleLabels name="rectangles" toName="pages" showInline="true">
    <Label value="Title"/>
    <Label value="Date"/>
  </RectangleLabels>
  <Image valueList="$pages" name="pages"/>
</View>"""

DYNAMIC_LABELS = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="box" toName="image" value="$box_labels"/>
  <PolygonLabels name="outline" toName="image" value="$outline_labels"/>
  <EllipseLabels name="blob" toName="image" value="$blob_labels"/>
  <KeyPointLabels name="joint" toName="image" value="$joint_labels"/>
  <BrushLabels name="mask" toName="image" value="$mask_labels"/>
</View>"""

# Label Studio lets labels be grouped with headers and views inside the control.
GROUPED_LABELS = """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="box" toName="image">
    <Header value="Vehicles"/>
    <View style="display: flex"><Label value="Car"/><Label value="Bus"/></View>
    <Header value="People"/>
    <Label value="Person"/>
  </RectangleLabels>
</View>"""

# Attribute names match case-insensitively, as Label Studio's frontend lower-cases them.
LOWERCASE_ATTRIBUTES = """<View>
  <Image name="image" value="$image" zoomcontrol="false" rotatecontrol="true" maxwidth="800px"
         horizontalalignment="right" defaultzoom="auto" crossorigin="use-credentials"/>
  <PolygonLabels name="outline" toname="image" pointsize="small" strokewidth="2"><Label value="Lake"/></PolygonLabels>
</View>"""

MAGIC_WAND = """<View>
  <BrushLabels name="mask" toName="image">
    <Label value="Cloud"/>
    <Label value="Shadow"/>
  </BrushLabels>
  <MagicWand name="wand" toName="image"/>
  <Brush name="brush" toName="image"/>
  <Image name="image" value="$image" zoomControl="true" zoom="true" crossOrigin="anonymous"/>
</View>"""

# Label Studio 1.23.2's gallery (annotation_templates/computer-vision) configs that need nothing
# beyond core and this plugin, as shipped (sample-data comments left out).
GALLERY = {
    "image-classification": """<View>
  <Image name="image" value="$image"/>
  <Choices name="choice" toName="image">
    <Choice value="Adult content"/>
    <Choice value="Weapons" />
    <Choice value="Violence" />
  </Choices>
</View>""",
    "inventory-tracking": """<View>
  <View style="display:flex;justify-content:center">
    <PolygonLabels name="objects" toName="image" value="$objects"/>
  </View>
  <Image name="image" value="$image"/>
</View>""",
    "keypoints": """<View>
  <KeyPointLabels name="kp-1" toName="img-1">
    <Label value="Face" background="red" />
    <Label value="Nose" background="green" />
  </KeyPointLabels>
  <Image name="img-1" value="$img" />
</View>""",
    "medical-image-classification-with-bboxes": """<View>
  <Image name="image" value="$image"/>

  <RectangleLabels name="label" toName="image">
    <Label value="Tumor" background="green"/>
  </RectangleLabels>

  <Choices name="classification" toName="image">
    <Choice value="Benign"/>
    <Choice value="Malignant"/>
    <Choice value="Normal"/>
  </Choices>
</View>""",
    "multipage-documents": """<View>
  <RectangleLabels name="rectangles" toName="pdf" showInline="true">
    <Label value="Title" background="green" />
    <Label value="Date" background="blue" />
    <Label value="Author" background="gold"/>
    <Label value="Organization" background="pink"/>
    <Label value="Amount" background="red"/>
  </RectangleLabels>
  <Image valueList="$pages" name="pdf"/>
</View>""",
    "object-detection-with-bounding-boxes": """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image">
    <Label value="Airplane" background="green"/>
    <Label value="Car" background="blue"/>
  </RectangleLabels>
</View>""",
    "semantic-segmentation-with-masks": """<View>
  <Image name="image" value="$image" zoom="true"/>
  <BrushLabels name="tag" toName="image">
    <Label value="Airplane" background="rgba(255, 0, 0, 0.7)"/>
    <Label value="Car" background="rgba(0, 0, 255, 0.7)"/>
  </BrushLabels>
</View>""",
    "semantic-segmentation-with-polygons": """<View>

  <Header value="Select label and click the image to start"/>
  <Image name="image" value="$image" zoom="true"/>

  <PolygonLabels name="label" toName="image"
                 strokeWidth="3" pointSize="small"
                 opacity="0.9">
    <Label value="Airplane" background="red"/>
    <Label value="Car" background="blue"/>
  </PolygonLabels>

</View>""",
    "visual-genome": """<View>
  <View style="display: flex; flex-wrap: wrap;">
    <View className="label-column">
      <Header value="Regions"/>
      <RectangleLabels name="regions" toName="image" value="$regions"/>
  </View>
    <View className="label-column">
      <Header value="Attributes"/>
    <RectangleLabels name="attributes" toName="image" value="$attributes"/>
    </View>
    <View className="label-column">
      <Header value="Relationships"/>
    <RectangleLabels name="relationships" toName="image" value="$relationships"/>
    </View>

  </View>
  <Image name="image" value="$image"/>
  <Style>
  .label-column .lsf-labels {
    display: flex;
    flex-direction: column;
  }
  </Style>
</View>""",
}

VALID = {
    "every image tag": EVERY_TAG,
    "several images": MULTI_IMAGE,
    "labels from task data": DYNAMIC_LABELS,
    "labels grouped with headers": GROUPED_LABELS,
    "lower-case attribute names": LOWERCASE_ATTRIBUTES,
    "magic wand beside brushes": MAGIC_WAND,
    **{f"gallery: {name}": xml for name, xml in GALLERY.items()},
}


@pytest.mark.parametrize("xml", VALID.values(), ids=VALID.keys())
def test_valid_config(checker, xml):
    parsed = checker.parse(xml)

    assert parsed.objects
    # every attribute written on an image tag is one Label Studio knows
    assert [str(warning) for warning in parsed.warnings if warning.tag in IMAGE_TAGS] == []


def test_every_image_tag_is_used_by_the_corpus():
    used = {tag for xml in VALID.values() for tag in IMAGE_TAGS if f"<{tag} " in xml}

    assert used == IMAGE_TAGS


def test_attributes_are_typed_and_defaulted_as_in_label_studio(checker):
    parsed = checker.parse(GALLERY["object-detection-with-bounding-boxes"])

    image = parsed.named["image"].values
    assert (image.zoom, image.zoomControl, image.rotateControl, image.defaultZoom, image.gridSize) == (
        True, True, False, "fit", 30)
    box = parsed.named["label"].values
    assert (box.choice, box.showInline, box.canRotate, box.opacity, box.strokeWidth) == (
        "single", True, True, 0.2, 1)


def test_written_values_are_parsed(checker):
    parsed = checker.parse(EVERY_TAG)

    image = parsed.named["image"].values
    assert (image.zoomBy, image.gridSize, image.horizontalAlignment, image.smoothing) == (1.5, 20, "center", False)
    assert parsed.named["box"].values.maxUsages == 3
    assert parsed.named["wand"].values.defaultthreshold == 20
    assert parsed.named["mask"].values.strokeWidth == 25


def test_lower_case_attributes_are_given_label_studio_spelling_for_the_browser(checker):
    parsed = checker.parse(LOWERCASE_ATTRIBUTES)

    assert parsed.named["image"].normalized_attrs()["horizontalAlignment"] == "right"
    assert parsed.named["outline"].normalized_attrs()["toName"] == "image"


def test_a_multi_image_config_reads_the_list_field(checker):
    parsed = checker.parse(MULTI_IMAGE)

    assert parsed.data_keys == ["pages"]
    assert parsed.missing_data_keys({"image": "a.jpg"}) == ["pages"]


def test_dynamic_labels_are_optional_data_keys(checker):
    parsed = checker.parse(DYNAMIC_LABELS)

    assert parsed.data_keys == ["image"]
    assert "box_labels" in parsed.all_data_keys
    assert parsed.summary()["controls"][0]["labels"] == "dynamic from $box_labels"


# --------------------------------------------------------------------------- rejected configs


def test_a_control_pointing_to_a_missing_tag(config_errors):
    assert config_errors("""<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="box" toName="photo"><Label value="Car"/></RectangleLabels>
</View>""") == ["line 3: <RectangleLabels> toName='photo' of <RectangleLabels name='box'> refers to no tag; "
                "known object tags: image"]


class AudioStub:
    """A one-tag plugin: an object tag that is not an image."""

    __name__ = "audio_stub"

    class AudioAttributes(ObjectAttributes):
        pass

    @hookimpl
    def register_tags(self):
        return [TagSpec(name="Audio", kind="object", attributes=self.AudioAttributes, data_type="audio")]


def test_a_control_pointing_to_an_object_that_is_not_an_image():
    checker = ConfigChecker(plugin_manager(labelcore_tags_image, AudioStub()))

    with pytest.raises(ConfigError) as caught:
        checker.parse("""<View>
  <Audio name="audio" value="$audio"/>
  <PolygonLabels name="outline" toName="audio"><Label value="Noise"/></PolygonLabels>
</View>""")

    assert [str(issue) for issue in caught.value.issues] == [
        "line 3: <PolygonLabels> toName='audio' of <PolygonLabels name='outline'> refers to <Audio>, but "
        "<PolygonLabels> works with <Image>"]


def test_a_control_pointing_to_another_control(config_errors):
    assert config_errors("""<View>
  <Image name="image" value="$image"/>
  <Choices name="kind" toName="image"><Choice value="Photo"/></Choices>
  <KeyPoint name="point" toName="kind"/>
</View>""") == ["line 4: <KeyPoint> toName='kind' of <KeyPoint name='point'> refers to <Choices> on line 3, which "
                "is not an object tag"]


@pytest.mark.parametrize("tag", ["RectangleLabels", "PolygonLabels", "EllipseLabels", "KeyPointLabels",
                                 "BrushLabels"])
def test_a_labels_control_needs_label_children(config_errors, tag):
    assert config_errors(f"""<View>
  <Image name="image" value="$image"/>
  <{tag} name="regions" toName="image"></{tag}>
</View>""") == [f"line 3: <{tag}> <{tag} name='regions'> has no <Label> children; add at least one, or set "
                "value=\"$field\" to take them from task data"]


def test_an_unlabeled_shape_takes_no_label_children(config_errors):
    errors = config_errors("""<View>
  <Image name="image" value="$image"/>
  <Rectangle name="box" toName="image">
    <Label value="Car"/>
  </Rectangle>
</View>""")

    assert len(errors) == 1
    assert errors[0].startswith("line 4: <Label> <Label> must be inside ")
    assert errors[0].endswith(", not in <Rectangle>")
    assert all(f"<{tag}>" in errors[0] for tag in ("RectangleLabels", "PolygonLabels", "BrushLabels"))


def test_an_image_needs_value_or_value_list(config_errors):
    assert config_errors("""<View>
  <Image name="image"/>
</View>""") == ['line 2: <Image> needs value="$image" to show one image or valueList="$images" to show a list '
                'of images']


def test_an_image_takes_value_or_value_list_not_both(config_errors):
    assert config_errors("""<View>
  <Image name="image" value="$image" valueList="$pages"/>
</View>""") == ['line 2: <Image> has both value and valueList; keep value="$image" for one image or '
                'valueList="$images" for a list of images']


def test_value_list_names_a_task_field(config_errors):
    assert config_errors("""<View>
  <Image name="pages" valueList="pages"/>
</View>""") == ["line 2: <Image> attribute valueList='pages': must name the task field holding the list, "
                "like \"$images\""]


BAD_ATTRIBUTES = {
    "enum": ('<Image name="image" value="$image" defaultZoom="big"/>',
             "<Image> attribute defaultZoom='big': Input should be 'auto', 'original' or 'fit'"),
    "alignment": ('<Image name="image" value="$image" horizontalAlignment="middle"/>',
                  "<Image> attribute horizontalAlignment='middle': Input should be 'left', 'center' or 'right'"),
    "boolean": ('<Image name="image" value="$image" zoomControl="sometimes"/>',
                "<Image> attribute zoomControl='sometimes': Input should be a valid boolean, unable to interpret "
                "input"),
    "grid size": ('<Image name="image" value="$image" gridSize="0"/>',
                  "<Image> attribute gridSize='0': Input should be greater than or equal to 1"),
    "zoom factor": ('<Image name="image" value="$image" zoomBy="fast"/>',
                    "<Image> attribute zoomBy='fast': Input should be a valid number, unable to parse string as a "
                    "number"),
    "opacity": ('<Image name="image" value="$image"/><Rectangle name="box" toName="image" opacity="1.5"/>',
                "<Rectangle> attribute opacity='1.5': Input should be less than or equal to 1"),
    "stroke width": ('<Image name="image" value="$image"/><Ellipse name="blob" toName="image" strokeWidth="-2"/>',
                     "<Ellipse> attribute strokeWidth='-2': Input should be greater than or equal to 0"),
    "point size": ('<Image name="image" value="$image"/><Polygon name="outline" toName="image" pointSize="huge"/>',
                   "<Polygon> attribute pointSize='huge': Input should be 'small', 'medium' or 'large'"),
    "snap": ('<Image name="image" value="$image"/><KeyPoint name="point" toName="image" snap="grid"/>',
             "<KeyPoint> attribute snap='grid': Input should be 'pixel' or 'none'"),
    "label choice": ('<Image name="image" value="$image"/>'
                     '<BrushLabels name="mask" toName="image" choice="many"><Label value="Sky"/></BrushLabels>',
                     "<BrushLabels> attribute choice='many': Input should be 'single' or 'multiple'"),
    "threshold": ('<Image name="image" value="$image"/><MagicWand name="wand" toName="image" '
                  'defaultthreshold="300"/>',
                  "<MagicWand> attribute defaultthreshold='300': Input should be less than or equal to 255"),
    "rotation switch": ('<Image name="image" value="$image"/><RectangleLabels name="box" toName="image" '
                        'canRotate="nope"><Label value="Car"/></RectangleLabels>',
                        "<RectangleLabels> attribute canRotate='nope': Input should be a valid boolean, unable to "
                        "interpret input"),
}


@pytest.mark.parametrize("body,message", BAD_ATTRIBUTES.values(), ids=BAD_ATTRIBUTES.keys())
def test_a_bad_attribute_value_is_rejected_on_its_line(config_errors, body, message):
    assert config_errors(f"<View>\n  {body}\n</View>") == [f"line 2: {message}"]


def test_every_error_is_reported_at_once_each_on_its_line(config_errors):
    assert config_errors("""<View>
  <Image name="image" value="$image" verticalAlignment="middle"/>
  <Rectangle name="box" toName="image" canRotate="perhaps"/>
  <PolygonLabels name="outline" toName="image"/>
</View>""") == [
        "line 2: <Image> attribute verticalAlignment='middle': Input should be 'top', 'center' or 'bottom'",
        "line 3: <Rectangle> attribute canRotate='perhaps': Input should be a valid boolean, unable to interpret "
        "input",
        "line 4: <PolygonLabels> <PolygonLabels name='outline'> has no <Label> children; add at least one, or set "
        "value=\"$field\" to take them from task data",
    ]


def test_an_unknown_attribute_is_only_a_warning(checker):
    parsed = checker.parse("""<View>
  <Image name="image" value="$image" colour="sepia"/>
</View>""")

    assert [str(warning) for warning in parsed.warnings] == ["line 2: <Image> unknown attribute 'colour' (ignored)"]
