"""Builtin plugin: Label Studio's three task orders for /next, "Sequential sampling" (task id
order), "Uniform sampling" (random order) and "Uncertainty sampling" (least confident model first).
"""

from __future__ import annotations

from typing import Any

from labelcore.hookspecs import hookimpl
from sqlalchemy import func, select

from labelcore.models import Prediction, Task
from labelcore.services.distribution import RandomStart
from labelcore.specs import SamplerSpec


def sequential(project: Any) -> list[Any]:
    return [Task.id]


def uniform(project: Any) -> list[Any]:
    # a random starting id per call, then id order (see RandomStart): random without ORDER BY random()
    return [RandomStart()]


def uncertainty(project: Any) -> list[Any]:
    """Lowest prediction score first among predictions of the project's model version (of any
    version while it has none), tasks without such a prediction after them, ties by task id. The
    correlated subquery runs on the prediction (task_id, model_version, score) index."""
    lowest = select(func.min(Prediction.score)).where(Prediction.task_id == Task.id)
    if project.model_version:
        lowest = lowest.where(Prediction.model_version == project.model_version)
    lowest = lowest.correlate_except(Prediction).scalar_subquery()
    return [lowest.asc().nulls_last(), Task.id]


@hookimpl
def register_samplers() -> list[SamplerSpec]:
    return [
        SamplerSpec(id="Sequential sampling", title="Sequential", order_by=sequential),
        SamplerSpec(id="Uniform sampling", title="Uniform random", order_by=uniform),
        SamplerSpec(id="Uncertainty sampling", title="Uncertainty (least confident prediction first)",
                    order_by=uncertainty),
    ]
