"""``<Repeater on="$items" indexFlag="{{idx}}">``: one copy of the body per item of a data list."""

from __future__ import annotations

import copy
from typing import Any

from lxml import etree

from labelcore.config.tree import DATA_REF
from labelcore.errors import ConfigError
from labelcore.specs import ConfigIssue

DEFAULT_INDEX_FLAG = "{{idx}}"


def _is_repeater(element: etree._Element) -> bool:
    return isinstance(element.tag, str) and element.tag.lower() == "repeater"


def _attr(element: etree._Element, name: str) -> str | None:
    for key, value in element.attrib.items():
        if key.lower() == name.lower():
            return value
    return None


def _substitute(element: etree._Element, flag: str, index: int) -> None:
    for node in element.iter():
        for key, value in node.attrib.items():
            if flag in value:
                node.set(key, value.replace(flag, str(index)))
        if node.text and flag in node.text:
            node.text = node.text.replace(flag, str(index))


def _expand_one(repeater: etree._Element, data: dict[str, Any]) -> None:
    source = _attr(repeater, "on") or ""
    match = DATA_REF.fullmatch(source.strip())
    if not match:
        raise ConfigError([ConfigIssue(message=f"on={source!r} must name a task data list, like on=\"$images\"",
                                       line=repeater.sourceline, tag="Repeater", attribute="on")])
    items = data.get(match.group(1))
    if not isinstance(items, list):
        raise ConfigError([ConfigIssue(message=f"task data {match.group(1)!r} must be a list for this Repeater",
                                       line=repeater.sourceline, tag="Repeater", attribute="on")])
    flag = _attr(repeater, "indexFlag") or DEFAULT_INDEX_FLAG
    body = list(repeater)
    for child in body:
        repeater.remove(child)
    for index in range(len(items)):
        for child in body:
            clone = copy.deepcopy(child)
            _substitute(clone, flag, index)
            repeater.append(clone)


def expand_repeaters(element: etree._Element, data: dict[str, Any]) -> None:
    """Expand every Repeater under ``element`` in place, outermost first, for one task's data."""
    for child in list(element):
        if _is_repeater(child):
            _expand_one(child, data)
        expand_repeaters(child, data)
