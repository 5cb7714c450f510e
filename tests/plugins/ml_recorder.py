"""A test ML backend that records what it is asked, to a JSON-lines file named in its settings.

``recorder`` labels every task of a ``<Choices>`` config with its ``choice`` and a score read from
the task's ``score`` data field. Settings make it misbehave on purpose: ``fail`` (predict raises),
``invalid`` (answers a choice the config lacks), ``read_media`` (reads each task's ``media`` URL
through the host's media opener). ``fit`` records its call and the tasks it was given, and moves
the model version on (``rec-1`` -> ``rec-2`` ...). Loaded into a LiveServer by tests/api/test_ml.py
through an entry point.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from labelcore import LabelcoreError, MLBackendSpec, Prediction, hookimpl


class RecorderSettings(BaseModel):
    log: str
    choice: str = "pos"
    fail: bool = False
    invalid: bool = False
    read_media: bool = False
    hostname: str | None = None
    access_token: str | None = None
    project: str | None = None


class RecorderModel:
    def __init__(self, settings: RecorderSettings):
        self.settings = settings
        self.model_version = "rec-1"
        self.control: tuple[str, str] | None = None
        self.media = None

    def _record(self, **entry: Any) -> None:
        with open(self.settings.log, "a") as out:
            out.write(json.dumps(entry) + "\n")

    def health(self) -> dict[str, Any]:
        return {"status": "UP"}

    def setup(self, config: Any, media: Any) -> None:
        for name, node in config.controls.items():
            if node.tag == "Choices":
                self.control = (name, node.to_names[0])
        if self.control is None:
            raise LabelcoreError("the recorder backend needs a <Choices> control")
        self.media = media
        self._record(event="setup", hostname=self.settings.hostname, access_token=self.settings.access_token,
                     project=self.settings.project)

    def predict(self, tasks: list[dict[str, Any]], context: dict[str, Any] | None = None) -> list[Prediction]:
        self._record(event="predict", tasks=[task["id"] for task in tasks], context=context)
        if self.settings.fail:
            raise RuntimeError("the recorder was told to fail")
        out = []
        for task in tasks:
            if self.settings.read_media:
                with self.media(task["data"]["media"]) as stream:
                    self._record(event="media", task=task["id"], size=len(stream.read()))
            choice = "no such choice" if self.settings.invalid else self.settings.choice
            from_name, to_name = self.control
            item = {"from_name": from_name, "to_name": to_name, "type": "choices", "value": {"choices": [choice]}}
            out.append(Prediction(result=[item], score=task["data"].get("score")))
        return out

    def fit(self, event: str, data: dict[str, Any]) -> dict[str, Any]:
        tasks = [task["id"] for task in data.get("tasks", [])]
        self.model_version = f"rec-{int(self.model_version.split('-')[1]) + 1}"
        self._record(event="fit", kind=event, tasks=tasks, project=data["project"]["id"],
                     model_version=self.model_version)
        return {"model_version": self.model_version}


class PlainSettings(BaseModel):
    log: str


class PlainModel(RecorderModel):
    """The recorder without ``fit``: a backend that cannot train."""

    def __init__(self, settings: PlainSettings):
        super().__init__(RecorderSettings(log=settings.log))

    fit = None


@hookimpl
def register_ml_backends() -> list[MLBackendSpec]:
    return [
        MLBackendSpec(id="recorder", title="Recording test model", settings_model=RecorderSettings,
                      factory=RecorderModel, can_train=True, interactive=True),
        MLBackendSpec(id="plain", title="Test model that cannot train", settings_model=PlainSettings,
                      factory=PlainModel),
    ]
