"""Checking tasks (data, annotations, predictions) against a project's parsed config."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pluggy

from labelcore.config import ParsedConfig, parse_config
from labelcore.errors import ConfigError
from labelcore.registry import Registry
from labelcore.results import validate_results


def task_data(task: Any) -> Any:
    """A task's data: Label Studio accepts ``{"data": {...}}`` and a bare data object alike."""
    if isinstance(task, dict) and isinstance(task.get("data"), dict):
        return task["data"]
    return task


def result_items(document: Any) -> Any:
    """The result list of an annotation/prediction document, or the document if it is the list."""
    if isinstance(document, dict) and "result" in document:
        return document["result"]
    return document


def has_repeater(config: ParsedConfig) -> bool:
    """Whether the config has a Repeater (its control names then depend on each task's data)."""
    return any(node.tag == "Repeater" for node in config.walk())


def task_problems(task: Any, config: ParsedConfig, registry: Registry,
                  pm: pluggy.PluginManager | None = None) -> Iterator[str]:
    """Every problem of one task, each as a sentence naming the field at fault."""
    if not isinstance(task, dict):
        yield f"must be an object, got {type(task).__name__}"
        return
    data = task_data(task)
    missing = config.missing_data_keys(data)
    if missing:
        yield f"data lacks {', '.join(repr(key) for key in missing)}, which the config reads " \
              f"({', '.join('$' + key for key in missing)})"
        return
    task_config = config
    if has_repeater(config):
        try:
            task_config = parse_config(config.xml, registry, pm, data=data)
        except ConfigError as exc:
            yield f"data does not fit the config's Repeater: {exc.message}"
            return
    yield from document_problems(
        task, lambda document: validate_results(document.get("result", []), task_config, data))


def document_problems(task: dict[str, Any], judge: Callable[[dict[str, Any]], Iterable[str]]) -> Iterator[str]:
    """Problems of a task's ``annotations`` and ``predictions``: each must be a list of objects, and
    ``judge`` names what is wrong with one object (``kind[index].`` is put before each issue)."""
    for kind in ("annotations", "predictions"):
        documents = task.get(kind)
        if documents is None:
            continue
        if not isinstance(documents, list):
            yield f"{kind} must be a list"
            continue
        for index, document in enumerate(documents):
            if not isinstance(document, dict):
                yield f"{kind}[{index}] must be an object"
                continue
            for issue in judge(document):
                yield f"{kind}[{index}].{issue}"


def check_tasks(tasks: Any, config: ParsedConfig, registry: Registry,
                pm: pluggy.PluginManager | None = None) -> list[str]:
    """Problems of a task list (or a single task), each prefixed with ``task[i]``."""
    items = tasks if isinstance(tasks, list) else [tasks]
    return [f"task[{index}]: {problem}" for index, task in enumerate(items)
            for problem in task_problems(task, config, registry, pm)]
