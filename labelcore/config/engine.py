"""Routing config elements to TagSpecs and validating the tree they form."""

from __future__ import annotations

from typing import Any

import pluggy
from lxml import etree
from pydantic import ValidationError

from labelcore.config.catalogue import provider_hint
from labelcore.config.parser import MAX_CONFIG_BYTES, parse_xml
from labelcore.config.repeater import expand_repeaters
from labelcore.config.tree import DATA_REF, ConfigNode, DataKey, ParsedConfig
from labelcore.errors import ConfigError
from labelcore.registry import Registry
from labelcore.specs import ConfigIssue, TagSpec

#: Attributes whose ``$field`` references must be present in every task.
_REQUIRED_DATA_ATTRS = {"value", "valuelist"}

_VISIBLE_WHEN_NEEDS_CHOICES = {"choice-selected", "choice-unselected"}


class _Builder:
    """One pass over the lxml tree: routes elements, validates attributes, collects issues."""

    def __init__(self, registry: Registry, source: str = ""):
        self.registry = registry
        self.source_lines = source.splitlines()
        self.issues: list[ConfigIssue] = []
        # names carried by elements no plugin claims: references to them are not reported twice
        self.unknown_names: set[str] = set()
        self.parents_of: dict[str, list[str]] = {}
        for spec in registry.tags.values():
            for child in spec.children or ():
                self.parents_of.setdefault(child.lower(), []).append(spec.name)

    def issue(self, message: str, line: int | None, tag: str | None = None, attribute: str | None = None,
              severity: str = "error") -> None:
        self.issues.append(ConfigIssue(message=message, line=line, tag=tag, attribute=attribute, severity=severity))

    def line_of(self, element: etree._Element) -> int:
        """The line where an element's start tag begins (libxml2 reports where it ends)."""
        line = element.sourceline or 0
        opening = f"<{element.tag}"
        for candidate in range(line, max(line - 50, 0), -1):
            if candidate <= len(self.source_lines) and opening in self.source_lines[candidate - 1]:
                return candidate
        return line

    def build(self, element: etree._Element, owner: TagSpec | None) -> ConfigNode | None:
        """Build the node for ``element``; ``owner`` is the nearest non-visual ancestor's spec."""
        line = self.line_of(element)
        spec = self.registry.tag(element.tag)
        if spec is None:
            installed = ", ".join(sorted(self.registry.tags)) or "none"
            self.issue(f"unknown tag <{element.tag}>: {provider_hint(element.tag)}. Installed plugins provide: "
                       f"{installed}", line, element.tag)
            for inner in element.iter():
                name = next((v for k, v in inner.attrib.items() if k.lower() == "name"), None)
                if name:
                    self.unknown_names.add(name)
                if inner is not element and isinstance(inner.tag, str) and self.registry.tag(inner.tag) is None:
                    self.issue(f"unknown tag <{inner.tag}>: {provider_hint(inner.tag)}", self.line_of(inner), inner.tag)
            return None
        self._check_placement(spec, owner, line)
        attrs = {str(key): str(value) for key, value in element.attrib.items()}
        values = self._validate_attributes(spec, attrs, line)
        node = ConfigNode(tag=spec.name, spec=spec, attrs=attrs, values=values, line=line, text=element.text)
        child_owner = owner if spec.kind == "visual" else spec
        for child in element:
            child_node = self.build(child, child_owner)
            if child_node is not None:
                node.children.append(child_node)
        return node

    def _check_placement(self, spec: TagSpec, owner: TagSpec | None, line: int) -> None:
        allowed_inside = owner.children if owner is not None else None
        if spec.kind == "child":
            if owner is None or spec.name.lower() not in {name.lower() for name in owner.children or ()}:
                parents = ", ".join(f"<{name}>" for name in sorted(self.parents_of.get(spec.name.lower(), [])))
                where = f"<{owner.name}>" if owner is not None else "the layout"
                self.issue(f"<{spec.name}> must be inside {parents or 'its control'}, not in {where}", line, spec.name)
        elif spec.kind != "visual" and allowed_inside is not None and owner is not None and \
                spec.name.lower() not in {name.lower() for name in allowed_inside}:
            self.issue(f"<{spec.name}> is not allowed inside <{owner.name}>", line, spec.name)

    def _validate_attributes(self, spec: TagSpec, attrs: dict[str, str], line: int) -> Any:
        model = spec.attributes
        fields = {}
        for field_name, info in model.model_fields.items():
            fields[field_name.lower()] = field_name
            if info.alias:
                fields[info.alias.lower()] = field_name
        known: dict[str, str] = {}
        written: dict[str, str] = {}
        for key, value in attrs.items():
            field_name = fields.get(key.lower())
            if field_name is None:
                self.issue(f"unknown attribute {key!r} (ignored)", line, spec.name, key, severity="warning")
                continue
            known[field_name] = value
            written[field_name] = key
        try:
            return model.model_validate(known)
        except ValidationError as exc:
            for error in exc.errors():
                field_name = str(error["loc"][0]) if error["loc"] else ""
                if not field_name:
                    # a model-level check on a combination of attributes
                    self.issue(str(error["msg"]).removeprefix("Value error, "), line, spec.name)
                elif error["type"] == "missing":
                    self.issue(f"missing required attribute {field_name!r}", line, spec.name, field_name)
                else:
                    key = written.get(field_name, field_name)
                    shown = attrs.get(key, "")
                    self.issue(f"attribute {key}={shown!r}: {error['msg']}", line, spec.name, key)
            return model.model_construct(**known)


def _index(builder: _Builder, root: ConfigNode) -> tuple[dict[str, ConfigNode], dict[str, ConfigNode], dict[str, ConfigNode]]:
    objects: dict[str, ConfigNode] = {}
    controls: dict[str, ConfigNode] = {}
    named: dict[str, ConfigNode] = {}
    for node in root.walk():
        name = node.name
        if node.kind in ("object", "control") and not name:
            # A model that requires `name` has reported it already; one that makes it optional
            # (Relations) does not need it; a model without the field leaves it to us.
            if "name" not in type(node.values).model_fields:
                builder.issue("missing required attribute 'name'", node.line, node.tag, "name")
            continue
        if not name or node.kind == "child":
            continue
        if name in named:
            first = named[name]
            builder.issue(f"name {name!r} is already used by <{first.tag}> on line {first.line}; names must be unique",
                          node.line, node.tag, "name")
            continue
        named[name] = node
        if node.kind == "object":
            objects[name] = node
        elif node.kind == "control":
            controls[name] = node
    return objects, controls, named


def _check_controls(builder: _Builder, parsed: ParsedConfig) -> None:
    for name, control in parsed.controls.items():
        spec = control.spec
        for target in control.to_names:
            obj = parsed.named.get(target)
            if obj is None and target in builder.unknown_names:
                continue
            if obj is None:
                builder.issue(f"toName={target!r} of {_label(control)} refers to no tag; known object tags: "
                              f"{', '.join(parsed.objects) or 'none'}", control.line, control.tag, "toName")
            elif obj.kind != "object":
                builder.issue(f"toName={target!r} of {_label(control)} refers to <{obj.tag}> on line {obj.line}, "
                              "which is not an object tag", control.line, control.tag, "toName")
            elif spec.targets is not None and obj.tag.lower() not in {t.lower() for t in spec.targets}:
                builder.issue(f"toName={target!r} of {_label(control)} refers to <{obj.tag}>, but <{spec.name}> works "
                              f"with {', '.join(f'<{t}>' for t in spec.targets)}", control.line, control.tag, "toName")
        if spec.requires_children and not control.dynamic_source and not parsed.options(name):
            option_tags = " or ".join(f"<{child}>" for child in spec.children or ()) or "option"
            builder.issue(f"{_label(control)} has no {option_tags} children; add at least one, or set "
                          "value=\"$field\" to take them from task data", control.line, control.tag)


def _label(node: ConfigNode) -> str:
    return f"<{node.tag} name={node.name!r}>" if node.name else f"<{node.tag}>"


def _check_visibility(builder: _Builder, parsed: ParsedConfig) -> None:
    for node in parsed.walk():
        when_tag = node.attr("whenTagName")
        visible_when = node.attr("visibleWhen")
        if when_tag is None:
            continue
        target = parsed.named.get(when_tag)
        if target is None or target.kind != "control":
            builder.issue(f"whenTagName={when_tag!r} refers to no control tag", node.line, node.tag, "whenTagName")
            continue
        options = set(parsed.labels(when_tag))
        dynamic = parsed.is_dynamic(when_tag)
        if visible_when in _VISIBLE_WHEN_NEEDS_CHOICES and "choice" not in {
                child.lower() for child in target.spec.children or ()}:
            builder.issue(f"visibleWhen={visible_when!r} needs whenTagName to name a <Choices> or <Taxonomy>, "
                          f"not <{target.tag}>", node.line, node.tag, "whenTagName")
        for attribute in ("whenChoiceValue", "whenLabelValue"):
            raw = node.attr(attribute)
            if raw is None or dynamic:
                continue
            for value in (part.strip() for part in raw.split(",")):
                if value and value not in options:
                    builder.issue(f"{attribute}={value!r} is not an option of <{target.tag} name={when_tag!r}>",
                                  node.line, node.tag, attribute)


def _data_refs(root: ConfigNode) -> list[DataKey]:
    refs: list[DataKey] = []
    for node in root.walk():
        for key, value in node.attrs.items():
            lowered = key.lower()
            if node.kind == "object" or lowered in ("value", "on", "apiurl"):
                required = (node.kind == "object" and lowered in _REQUIRED_DATA_ATTRS) or (
                    node.tag == "Repeater" and lowered == "on")
                for match in DATA_REF.finditer(value):
                    refs.append(DataKey(name=match.group(1), tag=node.tag, tag_name=node.name, line=node.line,
                                        required=required))
    return refs


def parse_config(
    xml: str | bytes,
    registry: Registry,
    pm: pluggy.PluginManager | None = None,
    data: dict[str, Any] | None = None,
    max_bytes: int = MAX_CONFIG_BYTES,
) -> ParsedConfig:
    """Parse and validate a Label Studio labeling config.

    :param xml: the config text.
    :param registry: the tags installed plugins provide.
    :param pm: when given, the ``check_config`` hook adds cross-tag checks.
    :param data: one task's data; when given, ``Repeater`` bodies are expanded for it.
    :return: the parsed config; non-fatal issues are in ``warnings``.
    :raises ConfigError: with every error found, each with its line.
    """
    text = xml.decode("utf-8") if isinstance(xml, bytes) else xml
    element = parse_xml(text, max_bytes=max_bytes)
    if data is not None:
        expand_repeaters(element, data)
    builder = _Builder(registry, text)
    root = builder.build(element, None)
    if root is not None and root.tag != "View":
        builder.issue(f"the root element must be <View>, not <{root.tag}>", root.line, root.tag)
    if root is None:
        raise ConfigError(_errors(builder.issues))
    objects, controls, named = _index(builder, root)
    parsed = ParsedConfig(xml=text, root=root, objects=objects, controls=controls, named=named,
                          data_refs=_data_refs(root))
    if root.tag == "View" and not builder.unknown_names and not any(node.kind == "object" for node in root.walk()):
        builder.issue("config has no object tag (Image, Text, ...) to label", root.line, root.tag)
    _check_controls(builder, parsed)
    _check_visibility(builder, parsed)
    if pm is not None and not _errors(builder.issues):
        for found in pm.hook.check_config(config=parsed):
            builder.issues.extend(found or [])
    errors = _errors(builder.issues)
    if errors:
        raise ConfigError(errors)
    parsed.warnings = [issue for issue in builder.issues if issue.severity == "warning"]
    return parsed


def _errors(issues: list[ConfigIssue]) -> list[ConfigIssue]:
    return sorted((issue for issue in issues if issue.severity == "error"), key=lambda issue: issue.line or 0)
