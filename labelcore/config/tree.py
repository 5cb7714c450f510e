"""The typed tree a labeling config parses into, and its JSON form for the browser."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from labelcore.specs import ConfigIssue, TagAttributes, TagSpec

#: ``$field`` references to task data; ``$images[0].url`` refers to the ``images`` key.
DATA_REF = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


@dataclass
class ConfigNode:
    """One element of the config, routed to the TagSpec that claims it."""

    tag: str
    spec: TagSpec
    attrs: dict[str, str]
    values: TagAttributes
    line: int
    children: list[ConfigNode] = field(default_factory=list)
    text: str | None = None

    def attr(self, name: str) -> str | None:
        """An attribute as written, matched case-insensitively (as Label Studio does)."""
        wanted = name.lower()
        for key, value in self.attrs.items():
            if key.lower() == wanted:
                return value
        return None

    @property
    def name(self) -> str | None:
        return self.attr("name")

    @property
    def kind(self) -> str:
        return self.spec.kind

    @property
    def to_names(self) -> list[str]:
        """Object tag names a control points at (``toName`` may list several, comma-separated)."""
        raw = self.attr("toName")
        return [part.strip() for part in raw.split(",") if part.strip()] if raw else []

    @property
    def dynamic_source(self) -> str | None:
        """For a control with ``value="$field"``: the data key its options come from."""
        value = self.attr("value")
        if self.kind != "object" and value:
            match = DATA_REF.fullmatch(value.strip())
            if match:
                return match.group(1)
        return None

    def walk(self) -> Iterator[ConfigNode]:
        yield self
        for child in self.children:
            yield from child.walk()

    def to_json(self, module_url: Any = None) -> dict[str, Any]:
        node: dict[str, Any] = {
            "tag": self.tag,
            "kind": self.kind,
            "line": self.line,
            "attrs": self.normalized_attrs(),
        }
        if self.name:
            node["name"] = self.name
        if module_url is not None:
            url = module_url(self.tag)
            if url:
                node["module"] = url
        if self.text and self.text.strip():
            node["text"] = self.text
        node["children"] = [child.to_json(module_url) for child in self.children]
        return node

    def normalized_attrs(self) -> dict[str, str]:
        """Attributes keyed by the attribute model's spelling (``toname`` -> ``toName``)."""
        canonical = {name.lower(): name for name in type(self.values).model_fields}
        return {canonical.get(key.lower(), key): value for key, value in self.attrs.items()}


@dataclass
class DataKey:
    """A task data field the config reads, and which tag reads it."""

    name: str
    tag: str
    tag_name: str | None
    line: int
    required: bool


@dataclass
class ParsedConfig:
    """A validated labeling config: the tree plus the indexes every consumer needs."""

    xml: str
    root: ConfigNode
    objects: dict[str, ConfigNode]
    controls: dict[str, ConfigNode]
    named: dict[str, ConfigNode]
    data_refs: list[DataKey]
    warnings: list[ConfigIssue] = field(default_factory=list)
    # labels() per control: result validation asks once per result item (30k times in a 10k-task import)
    _labels_cache: dict[str, list[str]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def data_keys(self) -> list[str]:
        """Data keys every task must carry, in the order the config first uses them."""
        return list(dict.fromkeys(ref.name for ref in self.data_refs if ref.required))

    @property
    def all_data_keys(self) -> list[str]:
        """Every data key the config reads, required or not."""
        return list(dict.fromkeys(ref.name for ref in self.data_refs))

    def keys_of(self, object_name: str) -> list[str]:
        """Data keys the named object tag reads (``<Image name="img" value="$image">``: ``["image"]``)."""
        return list(dict.fromkeys(ref.name for ref in self.data_refs if ref.tag_name == object_name))

    def walk(self) -> Iterator[ConfigNode]:
        return self.root.walk()

    def missing_data_keys(self, data: Any) -> list[str]:
        """Required data keys a task's ``data`` lacks (all of them when it is not an object)."""
        if not isinstance(data, dict):
            return self.data_keys
        return [key for key in self.data_keys if key not in data]

    def options(self, control_name: str) -> list[ConfigNode]:
        """The option children (Label/Choice/Relation...) of a control, through layout wrappers,
        not descending into nested options (Taxonomy levels are reached via ``children``)."""
        control = self.named.get(control_name) or self.first_tag(control_name)
        if control is None:
            return []
        found: list[ConfigNode] = []

        def visit(node: ConfigNode) -> None:
            for child in node.children:
                if child.kind == "child":
                    found.append(child)
                elif child.kind == "visual":
                    visit(child)

        visit(control)
        return found

    def first_tag(self, tag: str) -> ConfigNode | None:
        # Relations has no name in most configs; it is looked up by tag
        for node in self.walk():
            if node.tag == tag:
                return node
        return None

    def labels(self, control_name: str) -> list[str]:
        """Every option value (and alias) a result of this control may name, all levels included."""
        cached = self._labels_cache.get(control_name)
        if cached is not None:
            return list(cached)
        values: list[str] = []

        def collect(nodes: list[ConfigNode]) -> None:
            for option in nodes:
                for key in ("value", "alias"):
                    value = option.attr(key)
                    if value is not None:
                        values.append(value)
                collect([child for child in option.children if child.kind == "child"])

        collect(self.options(control_name))
        self._labels_cache[control_name] = list(dict.fromkeys(values))
        return list(self._labels_cache[control_name])

    def is_dynamic(self, control_name: str) -> bool:
        control = self.named.get(control_name)
        return bool(control and control.dynamic_source)

    def summary(self) -> dict[str, Any]:
        """What ``labelcore validate`` prints: objects, controls and data keys."""
        return {
            "objects": [
                {"name": name, "tag": node.tag, "data": self.keys_of(name)}
                for name, node in self.objects.items()
            ],
            "controls": [
                {
                    "name": name,
                    "tag": node.tag,
                    "to_name": node.to_names,
                    "type": node.spec.result_type,
                    "labels": "dynamic from $" + node.dynamic_source if node.dynamic_source else self.labels(name),
                }
                for name, node in self.controls.items()
            ],
            "data_keys": self.data_keys,
            "warnings": [str(issue) for issue in self.warnings],
        }

    def to_json(self, registry: Any = None) -> dict[str, Any]:
        """The parsed tree for the browser's labeling engine."""
        module_url = registry.module_url if registry is not None else None
        return {
            "root": self.root.to_json(module_url),
            "objects": list(self.objects),
            "controls": list(self.controls),
            "data_keys": self.data_keys,
        }
