"""TagSpecs of the text tags and their attribute models.

Attribute names, types, defaults and enums follow Label Studio's tag docs
(labelstud.io/tags/<tag>) and, where the docs are silent, the frontend's tag models.
Result values and their checks live in ``values.py``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from labelcore import TagSpec
from labelcore.tag_models import LabelsControlAttributes, ObjectAttributes
from labelcore_tags_text import values

Granularity = Literal["symbol", "word", "sentence", "paragraph"]
#: "none" (the default) means "yes" for valueType="text" and "no" for valueType="url".
SaveTextResult = Literal["none", "no", "yes"]
Encoding = Literal["none", "base64", "base64unicode"]


class RichTextAttributes(ObjectAttributes):
    """What ``<Text>`` and ``<HyperText>`` share (one tag model in Label Studio's frontend)."""

    valueType: Literal["text", "url"] = Field(
        default="text", description="text: the data field holds the text; url: it holds a URL to fetch it from")
    saveTextResult: SaveTextResult = "none"
    selectionEnabled: bool = True
    highlightColor: str | None = None
    showLabels: bool | None = Field(default=None, description="None follows the annotator's editor setting")
    encoding: Encoding = "none"
    granularity: Granularity = "symbol"


class TextAttributes(RichTextAttributes):
    """``<Text>``: plain text (labelstud.io/tags/text)."""


class HyperTextAttributes(RichTextAttributes):
    """``<HyperText>``: HTML (labelstud.io/tags/hypertext)."""

    inline: bool = Field(default=False, description="embed the HTML in the page instead of an iframe")
    clickableLinks: bool = False


class ParagraphsAttributes(ObjectAttributes):
    """``<Paragraphs>``: a list of ``{author, text}`` objects (labelstud.io/tags/paragraphs)."""

    valueType: Literal["json", "url"] = "json"
    audioUrl: str | None = Field(default=None, description="audio (usually $field) whose playback the phrases follow")
    sync: str | None = Field(default=None, description="name of the object tag (an <Audio>) to sync with")
    showPlayer: bool = False
    saveTextResult: SaveTextResult = "yes"
    layout: Literal["none", "dialogue"] = "none"
    nameKey: str = "author"
    textKey: str = "text"
    contextScroll: bool = False
    highlightColor: str | None = None
    showLabels: bool = False


class TableAttributes(ObjectAttributes):
    """``<Table>``: the keys and values of an object, or rows of a list (labelstud.io/tags/table)."""

    valueType: str = Field(
        default="json", pattern=r"^(json|csv)(\W.*)?$",
        description='"json", or "csv" followed by options after a separator: "csv|separator=;|headless"')


class LabelsAttributes(LabelsControlAttributes):
    """``<Labels>``, ``<HyperTextLabels>`` and ``<ParagraphLabels>`` (one labels model in Label Studio)."""

    fillOpacity: float | None = Field(default=None, ge=0, le=1)


TEXT_TAGS = [
    TagSpec(name="Text", kind="object", module="text.js", attributes=TextAttributes, data_type="text",
            description="Shows plain text; <Labels> mark character spans of it."),
    TagSpec(name="HyperText", kind="object", module="hypertext.js", attributes=HyperTextAttributes, data_type="html",
            description="Shows HTML; <HyperTextLabels> mark spans of it by XPath and offset."),
    TagSpec(name="Paragraphs", kind="object", module="paragraphs.js", attributes=ParagraphsAttributes,
            data_type="json",
            description="Shows a list of {author, text} phrases (a dialogue); <ParagraphLabels> mark spans of it."),
    TagSpec(name="Table", kind="object", module="table.js", attributes=TableAttributes, data_type="json",
            description="Shows an object's keys and values (or a list of rows) as a table."),
    TagSpec(name="Labels", kind="control", module="labels.js", attributes=LabelsAttributes, children=("Label",),
            requires_children=True, result_type="labels", value_model=values.LabelsValue, labels_key="labels",
            check_value=values.check_labels,
            description="Labels spans of a <Text> or <HyperText>, or regions of any object drawn by another control."),
    TagSpec(name="HyperTextLabels", kind="control", module="labels.js", attributes=LabelsAttributes,
            children=("Label",),
            requires_children=True, targets=("HyperText",), result_type="hypertextlabels",
            value_model=values.HyperTextLabelsValue, labels_key="hypertextlabels",
            check_value=values.check_hypertext_labels,
            description="Labels spans of a <HyperText> (XPath + offsets)."),
    TagSpec(name="ParagraphLabels", kind="control", module="labels.js", attributes=LabelsAttributes,
            children=("Label",),
            requires_children=True, targets=("Paragraphs",), result_type="paragraphlabels",
            value_model=values.ParagraphLabelsValue, labels_key="paragraphlabels",
            check_value=values.check_paragraph_labels,
            description="Labels spans of <Paragraphs> (paragraph index + offset)."),
]
