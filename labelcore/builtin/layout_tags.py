"""Builtin plugin: the layout tags of the config language (View, Header, Style, ...).

They produce no results and bind no object; they arrange the labeling page.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from labelcore.hookspecs import hookimpl
from labelcore.specs import ConfigIssue, TagAttributes, TagSpec
from labelcore.tag_models import VisibilityAttributes


class ViewAttributes(VisibilityAttributes):
    display: Literal["block", "inline"] = "block"
    style: str | None = None
    className: str | None = None
    idAttr: str | None = None


class HeaderAttributes(TagAttributes):
    value: str | None = None
    name: str | None = None
    size: int = Field(default=4, ge=1)
    style: str | None = None
    className: str | None = None
    underline: bool = False


class FilterAttributes(TagAttributes):
    name: str | None = None
    toName: str
    hotkey: str | None = None
    placeholder: str | None = None
    minlength: int = Field(default=3, ge=0)
    height: str | None = None
    cleanup: bool = True
    casesensetive: bool = False


class CollapseAttributes(TagAttributes):
    accordion: bool = True
    bordered: bool = False


class PanelAttributes(TagAttributes):
    value: str


class RepeaterAttributes(TagAttributes):
    on: str = Field(pattern=r"^\$[A-Za-z_][A-Za-z0-9_]*$")
    indexFlag: str = "{{idx}}"
    mode: Literal["single", "pagination"] = "single"


LAYOUT_TAGS = [
    TagSpec(name="View", kind="visual", module="tags/layout.js", attributes=ViewAttributes, children=None,
            description="Container that arranges other tags; the root of every config."),
    TagSpec(name="Header", kind="visual", module="tags/layout.js", attributes=HeaderAttributes,
            description="A heading; value may be literal text or $field."),
    TagSpec(name="Style", kind="visual", module="tags/layout.js",
            description="CSS rules for the labeling page (text content)."),
    TagSpec(name="Filter", kind="visual", module="tags/layout.js", attributes=FilterAttributes,
            description="A search box that filters the options of the control named by toName."),
    TagSpec(name="Collapse", kind="visual", module="tags/layout.js", attributes=CollapseAttributes, children=None,
            description="Collapsible panels (<Panel value=title>)."),
    TagSpec(name="Panel", kind="visual", module="tags/layout.js", attributes=PanelAttributes, children=None,
            description="One collapsible section inside <Collapse>."),
    TagSpec(name="Repeater", kind="visual", module="tags/layout.js", attributes=RepeaterAttributes, children=None,
            description="Repeats its body once per item of a task data list; {{idx}} is the index."),
]


@hookimpl
def register_tags() -> list[TagSpec]:
    return LAYOUT_TAGS


@hookimpl
def check_config(config) -> list[ConfigIssue]:
    """<Filter toName> names the control whose options it filters, not an object tag."""
    issues = []
    for node in config.walk():
        if node.tag != "Filter":
            continue
        target = config.named.get(node.attr("toName"))
        if target is None or target.kind != "control" or not target.spec.children:
            issues.append(ConfigIssue(message=f"toName={node.attr('toName')!r} must name a control with options "
                                              "(Choices, Labels, Taxonomy...)", line=node.line, tag="Filter",
                                      attribute="toName"))
    return issues
