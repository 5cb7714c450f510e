"""Helpers for the CONLL export tests: a real NER config, tasks in Label Studio JSON, the export as
text. Tests reach them through the ``conll`` fixture (test modules cannot import conftest under
``--import-mode=importlib``)."""

from __future__ import annotations

import io
from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any

import labelcore_tags_text
import pytest

from labelcore import ExportContext
from labelcore.testing import ConfigChecker, plugin_manager
from labelcore_export_conll.exporter import export_conll

NER = """<View>
  <Labels name="label" toName="text">
    <Label value="PER"/><Label value="ORG"/><Label value="LOC"/><Label value="MISC"/>
  </Labels>
  <Text name="text" value="$text"/>
</View>"""


def span(text: str, start: int, end: int, *labels: str, from_name: str = "label") -> dict[str, Any]:
    """A labels result over text[start:end]."""
    return {"id": f"s{start}-{end}", "from_name": from_name, "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, "text": text[start:end], "labels": list(labels)}}


def entity(text: str, words: str, *labels: str, occurrence: int = 0) -> dict[str, Any]:
    """A labels result over the ``occurrence``-th appearance of ``words`` in ``text``."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(words, start + 1)
    return span(text, start, start + len(words), *labels)


def task(task_id: int, text: str, *results: dict[str, Any], **annotation: Any) -> dict[str, Any]:
    return {"id": task_id, "data": {"text": text},
            "annotations": [{"id": task_id, "result": list(results), "was_cancelled": False,
                             "created_at": "2024-05-01T10:00:00Z", **annotation}]}


@pytest.fixture(scope="session")
def checker() -> ConfigChecker:
    return ConfigChecker(plugin_manager(labelcore_tags_text))


@pytest.fixture(scope="session")
def conll(checker) -> SimpleNamespace:
    def export(config: Any, tasks: Iterable[dict[str, Any]], **options: Any) -> str:
        stream = io.BytesIO()
        export_conll(iter(tasks), stream, ExportContext(project_id=1, config=config, options=options))
        return stream.getvalue().decode("utf-8")

    return SimpleNamespace(parse=checker.parse, NER=NER, span=span, entity=entity, task=task, export=export)
