"""Builtin plugin: the generic, modality-free control tags (Choices, Taxonomy, TextArea, Rating,
Number, DateTime, Pairwise, Ranker, Relations), the option tags they share (Label, Choice,
Bucket, Relation, Shortcut) and the List object tag that Ranker sorts.

Result values and their checks live in ``control_values``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from labelcore.builtin.control_values import (
    ChoicesValue,
    DateTimeValue,
    NumberValue,
    PairwiseValue,
    RankerValue,
    RatingValue,
    TaxonomyValue,
    TextAreaValue,
    check_choices,
    check_datetime,
    check_number,
    check_ranker,
    check_rating,
    check_taxonomy,
    check_textarea,
)
from labelcore.config.tree import ConfigNode, ParsedConfig
from labelcore.hookspecs import hookimpl
from labelcore.specs import ConfigIssue, TagAttributes, TagSpec
from labelcore.tag_models import ControlAttributes, LabelAttributes, ObjectAttributes

# --------------------------------------------------------------------------- attribute models


class ClassificationAttributes(ControlAttributes):
    """Controls Label Studio lets leave out toName (its docs show ``<TextArea name="notes"/>``, its
    template gallery a ``<Rating>`` without one)."""

    toName: str | None = None  # type: ignore[assignment]


class ChoicesAttributes(ClassificationAttributes):
    value: str | None = Field(default=None, description='"$field" takes the choices from task data')
    choice: Literal["single", "single-radio", "multiple"] = "single"
    showInline: bool | None = Field(default=None, description="deprecated by Label Studio in favour of layout")
    layout: Literal["select", "inline", "vertical"] | None = None
    allowNested: bool = Field(default=False, description="dynamic choices may nest; results hold paths")
    selection: Literal["highlight", "checkbox"] | None = None
    maxUsages: int | None = Field(default=None, ge=0)
    perItem: bool = False
    readonly: bool = False


class ChoiceAttributes(TagAttributes):
    value: str
    selected: bool = False
    alias: str | None = Field(default=None, description="written in results instead of value")
    style: str | None = None
    hotkey: str | None = None
    html: str | None = None
    hint: str | None = None
    color: str | None = Field(default=None, description="Taxonomy item colour")
    background: str | None = None


class TaxonomyAttributes(ClassificationAttributes):
    value: str | None = Field(default=None, description='"$field" takes the tree from task data')
    apiUrl: str | None = Field(default=None, description="loads the taxonomy from a URL instead of <Choice>s")
    leafsOnly: bool = False
    showFullPath: bool = False
    pathSeparator: str = " / "
    maxUsages: int | None = Field(default=None, ge=1)
    maxWidth: str | None = None
    minWidth: str | None = None
    dropdownWidth: str | None = None
    placeholder: str = ""
    perItem: bool = False
    labeling: bool = Field(default=False, description="label text spans with taxonomy paths")
    legacy: bool = False
    allowAddLabels: bool | None = Field(default=None, description="annotators may add labels; defaults to legacy")
    readonly: bool = False


class TextAreaAttributes(ClassificationAttributes):
    value: str | None = Field(default=None, description="pre-filled text")
    label: str | None = None
    placeholder: str | None = None
    maxSubmissions: int | None = Field(default=None, ge=1)
    editable: bool = False
    skipDuplicates: bool = False
    transcription: bool = False
    displayMode: Literal["tag", "region-list"] = "tag"
    rows: int = Field(default=1, ge=1)
    showSubmitButton: bool | None = None
    allowSubmit: bool = True
    perItem: bool = False
    readonly: bool = False
    style: str | None = None


class ShortcutAttributes(TagAttributes):
    value: str
    alias: str | None = None
    hotkey: str | None = None
    background: str = "#333333"


class RatingAttributes(ClassificationAttributes):
    maxRating: int = Field(default=5, ge=1)
    defaultValue: int = Field(default=0, ge=0)
    size: Literal["small", "medium", "large"] = "medium"
    icon: Literal["star", "heart", "fire", "smile"] = "star"
    perItem: bool = False


class NumberAttributes(ClassificationAttributes):
    min: float | None = None
    max: float | None = None
    step: float | None = Field(default=None, gt=0)
    defaultValue: float | None = None
    slider: bool = False
    perItem: bool = False
    readonly: bool = False


_DATETIME_PARTS = ("date", "time", "month", "year")


class DateTimeAttributes(ClassificationAttributes):
    only: str | None = Field(default=None, description="comma-separated parts to show: date, time, month, year")
    format: str | None = Field(default=None, description="strftime format of the saved value")
    min: str | None = None
    max: str | None = None
    step: str | None = None
    defaultValue: str | None = None
    perItem: bool = False
    readonly: bool = False

    @field_validator("only")
    @classmethod
    def _known_parts(cls, only: str | None) -> str | None:
        for part in (only.split(",") if only is not None else []):
            if part.strip() not in _DATETIME_PARTS:
                raise ValueError(f"{part.strip()!r} is not one of {', '.join(_DATETIME_PARTS)}")
        return only


class PairwiseAttributes(TagAttributes):
    name: str
    toName: str = Field(description="the two objects compared, left first: 'text1,text2'")
    selectionStyle: str | None = None
    leftClass: str | None = None
    rightClass: str | None = None


class ListAttributes(ObjectAttributes):
    title: str = ""


class RankerAttributes(TagAttributes):
    name: str
    toName: str
    collapsible: bool = True


class BucketAttributes(TagAttributes):
    name: str
    title: str | None = None
    default: bool = Field(default=False, description="items not yet sorted start in this bucket")


class RelationsAttributes(TagAttributes):
    name: str | None = None
    # Label Studio's docs say single, its frontend defaults to multiple
    choice: Literal["single", "multiple"] = "multiple"


class RelationAttributes(TagAttributes):
    value: str
    background: str | None = None
    hotkey: str | None = None


# --------------------------------------------------------------------------- tags


CONTROL_TAGS = [
    TagSpec(name="Label", kind="child", attributes=LabelAttributes, description="One label of a labels control."),
    TagSpec(name="Choice", kind="child", attributes=ChoiceAttributes, children=("Choice",),
            description="One option of <Choices>, or a node of a <Taxonomy> tree (nested)."),
    TagSpec(name="Choices", kind="control", module="tags/choices.js",
            attributes=ChoicesAttributes, children=("Choice",),
            requires_children=True, result_type="choices", value_model=ChoicesValue, check_value=check_choices,
            description="Classify an object (or a region, with perRegion) with one or more choices."),
    TagSpec(name="Taxonomy", kind="control", module="tags/taxonomy.js",
            attributes=TaxonomyAttributes, children=("Choice",),
            result_type="taxonomy", value_model=TaxonomyValue, check_value=check_taxonomy,
            description="Pick paths in a tree of nested <Choice>s (or one loaded from apiUrl)."),
    TagSpec(name="TextArea", kind="control", module="tags/textarea.js",
            attributes=TextAreaAttributes, children=("Shortcut",),
            result_type="textarea", value_model=TextAreaValue, check_value=check_textarea,
            description="Free text: transcriptions, captions, answers."),
    TagSpec(name="Shortcut", kind="child", attributes=ShortcutAttributes,
            description="A button (and hotkey) inside <TextArea> that inserts its value."),
    TagSpec(name="Rating", kind="control", module="tags/rating.js", attributes=RatingAttributes, result_type="rating",
            value_model=RatingValue, check_value=check_rating, description="A 1..maxRating star rating."),
    TagSpec(name="Number", kind="control", module="tags/number.js", attributes=NumberAttributes, result_type="number",
            value_model=NumberValue, check_value=check_number, description="A number within min/max and step."),
    TagSpec(name="DateTime", kind="control", module="tags/datetime.js",
            attributes=DateTimeAttributes, result_type="datetime",
            value_model=DateTimeValue, check_value=check_datetime,
            description="A date, time, month or year, formatted as only/format say."),
    TagSpec(name="Pairwise", kind="control", module="tags/pairwise.js",
            attributes=PairwiseAttributes, result_type="pairwise",
            value_model=PairwiseValue, result_to_self=True, description="Choose the better of two objects: toName='left,right'."),
    TagSpec(name="List", kind="object", module="tags/list.js", attributes=ListAttributes, data_type="json",
            description="A list of items ({id, title, body}) from task data, for <Ranker>."),
    TagSpec(name="Ranker", kind="control", module="tags/ranker.js",
            attributes=RankerAttributes, children=("Bucket",), targets=("List",),
            result_type="ranker", value_model=RankerValue, check_value=check_ranker,
            description="Order the items of a <List>, or sort them into <Bucket>s."),
    TagSpec(name="Bucket", kind="child", attributes=BucketAttributes,
            description="A column of <Ranker> that items are moved into; its name keys the result."),
    TagSpec(name="Relations", kind="control", module="tags/relations.js",
            attributes=RelationsAttributes, children=("Relation",),
            description="The labels a relation between two regions may carry; writes no result of its own."),
    TagSpec(name="Relation", kind="child", attributes=RelationAttributes,
            description="One label of <Relations>."),
]


@hookimpl
def register_tags() -> list[TagSpec]:
    return CONTROL_TAGS


# --------------------------------------------------------------------------- cross-tag checks


def _label(node: ConfigNode) -> str:
    return f"<{node.tag} name={node.name!r}>"


def _check_pairwise(node: ConfigNode, config: ParsedConfig) -> list[ConfigIssue]:
    names = node.to_names
    if len(names) == 2 and names[0] != names[1]:
        return []
    return [ConfigIssue(message=f"toName={node.attr('toName')!r} of {_label(node)} must name two different object "
                                "tags, left and right, separated by a comma",
                        line=node.line, tag=node.tag, attribute="toName")]


def _check_taxonomy(node: ConfigNode, config: ParsedConfig) -> list[ConfigIssue]:
    has_choices = bool(config.options(node.name or ""))
    api_url = node.attr("apiUrl")
    if not (has_choices or api_url or node.dynamic_source):
        return [ConfigIssue(message=f"{_label(node)} has no <Choice> children; add at least one, set apiUrl to load "
                                    "the taxonomy, or set value=\"$field\" to take it from task data",
                            line=node.line, tag=node.tag)]
    issues = []
    if api_url and has_choices:
        issues.append(ConfigIssue(message="<Choice> children are ignored: apiUrl loads the taxonomy",
                                  line=node.line, tag=node.tag, attribute="apiUrl", severity="warning"))
    if api_url and getattr(node.values, "allowAddLabels", None):
        issues.append(ConfigIssue(message="allowAddLabels has no effect with apiUrl: the taxonomy is managed at its "
                                          "source", line=node.line, tag=node.tag, attribute="allowAddLabels",
                                  severity="warning"))
    return issues


def _check_number(node: ConfigNode, config: ParsedConfig) -> list[ConfigIssue]:
    low, high = getattr(node.values, "min", None), getattr(node.values, "max", None)
    if low is not None and high is not None and low > high:
        return [ConfigIssue(message=f"min={node.attr('min')!r} is greater than max={node.attr('max')!r}",
                            line=node.line, tag=node.tag, attribute="min")]
    return []


def _check_ranker(node: ConfigNode, config: ParsedConfig) -> list[ConfigIssue]:
    issues, first_line = [], {}
    for bucket in config.options(node.name or ""):
        name = bucket.attr("name")
        if name in first_line:
            issues.append(ConfigIssue(message=f"bucket name {name!r} is already used on line {first_line[name]} in "
                                              f"{_label(node)}; bucket names key the result and must be unique",
                                      line=bucket.line, tag=bucket.tag, attribute="name"))
        first_line.setdefault(name, bucket.line)
    return issues


_CONFIG_CHECKS = {"Pairwise": _check_pairwise, "Taxonomy": _check_taxonomy, "Number": _check_number,
                  "Ranker": _check_ranker}


@hookimpl
def check_config(config: ParsedConfig) -> list[ConfigIssue]:
    """Checks one tag's attributes cannot express: Pairwise's two objects, a Taxonomy's source..."""
    issues = []
    for node in config.walk():
        check = _CONFIG_CHECKS.get(node.tag)
        if check is not None:
            issues.extend(check(node, config))
    return issues
