"""Result values of the generic control tags: a pydantic model of each ``value`` and the checks
that need the config or the task data (``TagSpec.check_value``).

Shapes follow what Label Studio's labeling frontend writes (and reads back: a value it cannot
load into its UI is reported here rather than silently dropped in the browser).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

if TYPE_CHECKING:
    from labelcore.config.tree import ConfigNode
    from labelcore.results import ResultContext

# Label Studio's Ranker shows items not yet sorted into a bucket in this column, and saves it
# under this key, unless one <Bucket default="true"> receives them.
UNSORTED_BUCKET = "_"


class _Value(BaseModel):
    # a per-region result carries its region's geometry beside the control's own key
    model_config = ConfigDict(extra="allow")


class ChoicesValue(_Value):
    """``{"choices": ["A", "B"]}``; with ``allowNested`` each entry is a path ``["A", "A1"]``."""

    choices: list[StrictStr | list[StrictStr]] = Field(min_length=1)


class TaxonomyValue(_Value):
    """``{"taxonomy": [["A", "A1"], ["B"]]}``: each selection is its path from the top level."""

    taxonomy: list[Annotated[list[StrictStr], Field(min_length=1)]] = Field(min_length=1)


class TextAreaValue(_Value):
    """``{"text": ["first line", "second"]}``; Label Studio also loads a bare string."""

    text: Annotated[list[StrictStr], Field(min_length=1)] | StrictStr


class RatingValue(_Value):
    rating: StrictInt


class NumberValue(_Value):
    number: float = Field(strict=True, allow_inf_nan=False)


class DateTimeValue(_Value):
    """``{"datetime": "2024-05-01T13:45"}``, formatted as the tag's ``only``/``format`` say."""

    datetime: StrictStr


class PairwiseValue(_Value):
    selected: Literal["left", "right"]


class RankerValue(_Value):
    """``{"ranker": {"<Ranker name or Bucket name>": [item ids]}}``.

    Label Studio before 1.9 saved a rank-only Ranker as a bare list of ids; it is still accepted.
    """

    ranker: dict[StrictStr, list[StrictStr]] | list[StrictStr]


# --------------------------------------------------------------------------- option trees


@dataclass
class Option:
    """One option of a control (a <Choice>, or an item of dynamic options in task data)."""

    names: set[str]
    children: list[Option] = field(default_factory=list)


def _from_node(node: ConfigNode) -> Option:
    names = {value for value in (node.attr("value"), node.attr("alias")) if value is not None}
    return Option(names, [_from_node(child) for child in node.children if child.kind == "child"])


def _from_data(item: Any) -> Option | None:
    # Label Studio spreads each item into a <Choice>'s attributes: only objects with a value work
    if not isinstance(item, dict) or "value" not in item:
        return None
    names = {str(item["value"])} | ({str(item["alias"])} if item.get("alias") is not None else set())
    children = item.get("children") if isinstance(item.get("children"), list) else []
    return Option(names, [option for option in map(_from_data, children) if option is not None])


def option_tree(context: ResultContext) -> list[Option] | None:
    """The control's options as a tree, or None when they come from task data that is not known.

    Dynamic options (``value="$field"``) are added to the config's own children, as Label
    Studio does.
    """
    control = context.control
    options = [_from_node(node) for node in context.config.options(control.name or control.tag)]
    source = control.dynamic_source
    if source is None:
        return options
    items = context.data.get(source) if isinstance(context.data, dict) else None
    if not isinstance(items, list):
        return None
    return options + [option for option in map(_from_data, items) if option is not None]


def find_path(tree: list[Option], path: list[str]) -> tuple[Option | None, str | None]:
    """The option a path leads to, or None and which step is missing."""
    level, found = tree, None
    for depth, step in enumerate(path):
        found = next((option for option in level if step in option.names), None)
        if found is None:
            where = f"under {path[depth - 1]!r}" if depth else "at the top level"
            return None, f"{step!r} is not a choice {where}"
        level = found.children
    return found, None


def _label(control: ConfigNode) -> str:
    return f"<{control.tag} name={control.name!r}>"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(round(value, 10))


# --------------------------------------------------------------------------- checks


def check_choices(value: dict[str, Any], context: ResultContext) -> list[str]:
    control, attrs = context.control, context.control.values
    nested = bool(getattr(attrs, "allowNested", False))
    label = _label(control)
    problems = []
    for entry in value["choices"]:
        if nested and isinstance(entry, str):
            problems.append(f"choices entry {entry!r} must be a path (a list of choice values) because {label} "
                            "sets allowNested")
        elif not nested and isinstance(entry, list):
            problems.append(f"choices entry {entry!r} is a path, but {label} does not set allowNested")
    mode = getattr(attrs, "choice", "single")
    if mode != "multiple" and not nested and len(value["choices"]) > 1:
        problems.append(f"{len(value['choices'])} choices selected, but {label} has choice={mode!r} and allows one")
    tree = option_tree(context)
    if tree is None or problems:
        return problems
    for entry in value["choices"]:
        if isinstance(entry, str) and not any(entry in option.names for option in tree):
            problems.append(f"choices {entry!r} is not an option of {label}")
        elif isinstance(entry, list):
            missing = find_path(tree, entry)[1]
            if missing:
                problems.append(f"choices path {entry!r} is not an option of {label}: {missing}")
    return problems


def _allows_added_labels(attrs: Any) -> bool:
    # Label Studio: allowAddLabels, defaulting to `legacy` (whose UI always let annotators add labels)
    explicit = getattr(attrs, "allowAddLabels", None)
    return bool(getattr(attrs, "legacy", False) if explicit is None else explicit)


def check_taxonomy(value: dict[str, Any], context: ResultContext) -> list[str]:
    control, attrs = context.control, context.control.values
    label = _label(control)
    paths = value["taxonomy"]
    problems = []
    max_usages = getattr(attrs, "maxUsages", None)
    if max_usages is not None and len(paths) > max_usages:
        problems.append(f"{len(paths)} taxonomy paths selected, but maxUsages={max_usages} of {label} allows "
                        f"{max_usages}")
    if getattr(attrs, "apiUrl", None):
        return problems  # the taxonomy lives at the URL
    tree = option_tree(context)
    if tree is None:
        return problems
    user_labels = _allows_added_labels(attrs)
    for path in paths:
        found, missing = find_path(tree, path)
        if missing is not None:
            # an annotator-added label hangs under an existing path of the taxonomy
            if user_labels and find_path(tree, path[:-1])[1] is None:
                continue
            problems.append(f"taxonomy path {path!r} is not in {label}: {missing}")
        elif found is not None and found.children and getattr(attrs, "leafsOnly", False):
            problems.append(f"taxonomy path {path!r} ends at {path[-1]!r}, which is not a leaf, but {label} sets "
                            "leafsOnly")
    return problems


def check_textarea(value: dict[str, Any], context: ResultContext) -> list[str]:
    attrs, label = context.control.values, _label(context.control)
    texts = [value["text"]] if isinstance(value["text"], str) else value["text"]
    problems = []
    most = getattr(attrs, "maxSubmissions", None)
    if most is not None and len(texts) > most:
        problems.append(f"{len(texts)} texts submitted, but maxSubmissions={most} of {label} allows {most}")
    if getattr(attrs, "skipDuplicates", False):
        seen: set[str] = set()
        for text in texts:
            if text.lower() in seen:
                problems.append(f"text {text!r} is repeated, but {label} sets skipDuplicates")
            seen.add(text.lower())
    return problems


def check_rating(value: dict[str, Any], context: ResultContext) -> list[str]:
    most = getattr(context.control.values, "maxRating", 5)
    rating = value["rating"]
    if not 1 <= rating <= most:
        return [f"rating {rating} is outside 1..{most} (maxRating of {_label(context.control)})"]
    return []


def check_number(value: dict[str, Any], context: ResultContext) -> list[str]:
    attrs, label = context.control.values, _label(context.control)
    number = value["number"]
    low, high, step = (getattr(attrs, name, None) for name in ("min", "max", "step"))
    problems = []
    if low is not None and number < low:
        problems.append(f"number {_number(number)} is less than min={_number(low)} of {label}")
    if high is not None and number > high:
        problems.append(f"number {_number(number)} is greater than max={_number(high)} of {label}")
    if step:
        base = low if low is not None else 0.0
        steps = (number - base) / step
        # tolerate float noise: Label Studio's own `%` check rejects 0.3 with step 0.1
        if not math.isclose(steps, round(steps), rel_tol=0, abs_tol=1e-9 * max(1.0, abs(steps))):
            below = base + math.floor(steps) * step
            problems.append(f"number {_number(number)} does not fit step={_number(step)} of {label}; the nearest "
                            f"valid values are {_number(below)} and {_number(below + step)}")
    return problems


_DATE, _MONTH, _YEAR, _FULL = "%Y-%m-%d", "%Y-%m", "%Y", "%Y-%m-%dT%H:%M"
_TIMES = ("%H:%M", "%H:%M:%S")
_SHOWN = {_DATE: "YYYY-MM-DD", _MONTH: "YYYY-MM", _YEAR: "YYYY", _FULL: "YYYY-MM-DDTHH:MM", "%H:%M": "HH:MM",
          "%H:%M:%S": "HH:MM:SS"}


def datetime_formats(only: str | None, custom: str | None) -> tuple[str, ...]:
    """The formats a DateTime result may have, as Label Studio's DateTime tag writes them.

    No ``only``: date and time, ``2024-05-01T13:45``. ``only="time"``: ``13:45`` (``format`` is
    ignored). Otherwise ``format`` when given; a date without time is ``2024-05-01``. With
    month/year pickers and no date, Label Studio saves the first day (``2024-01-01``); the
    shorter ``2024-05`` and ``2024`` are accepted too, as imports often carry them.
    """
    parts = {part.strip() for part in only.split(",")} if only else set()
    if parts == {"time"}:
        return _TIMES
    if custom:
        return (custom,)
    if parts and "time" not in parts:
        return (_DATE,) if "date" in parts else (_DATE, _MONTH, _YEAR)
    return (_FULL,)


def check_datetime(value: dict[str, Any], context: ResultContext) -> list[str]:
    attrs, label = context.control.values, _label(context.control)
    only, custom = getattr(attrs, "only", None), getattr(attrs, "format", None)
    text = value["datetime"]
    formats = datetime_formats(only, custom)
    parsed = None
    for fmt in formats:
        try:
            parsed = datetime.strptime(text, fmt)
            break
        except ValueError as exc:
            if "directive" in str(exc):
                return []  # a d3 directive Python cannot parse: leave the value to the browser
    if parsed is None:
        if formats == (custom,):
            return [f"datetime {text!r} does not match format={custom!r} of {label}"]
        expected = " or ".join(_SHOWN[fmt] for fmt in formats)
        return [f"datetime {text!r} does not match {expected} (only={only!r} of {label})" if only else
                f"datetime {text!r} does not match {expected} (date and time, as {label} has no only=)"]
    if formats == _TIMES:
        return []  # Label Studio does not compare times with min/max
    # Label Studio compares ISO dates as strings, years by their first four characters
    date = parsed.strftime(_DATE)
    parts = {part.strip() for part in only.split(",")} if only else set()
    if "year" in parts:
        date = date[:4]
    problems = []
    low, high = getattr(attrs, "min", None), getattr(attrs, "max", None)
    if low and date < low:
        problems.append(f"datetime {text!r} is before min={low!r} of {label}")
    if high and date > high:
        problems.append(f"datetime {text!r} is after max={high!r} of {label}")
    return problems


def check_ranker(value: dict[str, Any], context: ResultContext) -> list[str]:
    control, config = context.control, context.config
    label = _label(control)
    buckets = [node for node in config.options(control.name or "") if node.tag == "Bucket"]
    ranker = value["ranker"]
    problems = []
    if isinstance(ranker, list):
        if buckets:
            return [f"ranker must map <Bucket> names to item ids, because {label} has buckets"]
        ranker = {control.name or "": ranker}
    if buckets:
        allowed = {node.attr("name") for node in buckets}
        if not any(getattr(node.values, "default", False) for node in buckets):
            allowed.add(UNSORTED_BUCKET)
        for key in ranker:
            if key not in allowed:
                problems.append(f"ranker key {key!r} is not a <Bucket> of {label}")
    else:
        for key in ranker:
            if key != control.name:
                problems.append(f"ranker key {key!r} must be {control.name!r}: a Ranker without buckets saves its "
                                "order under its own name")
    seen: set[str] = set()
    for ids in ranker.values():
        for item_id in ids:
            if item_id in seen:
                problems.append(f"item {item_id!r} is ranked more than once")
            seen.add(item_id)
    items = context.object_data()
    if isinstance(items, list):
        # Label Studio turns every item id into a string
        known = {str(item.get("id")) for item in items if isinstance(item, dict)}
        list_name = context.object.name if context.object is not None else "?"
        for item_id in sorted(seen - known):
            problems.append(f"item {item_id!r} is not an item of <List name={list_name!r}>")
    return problems
