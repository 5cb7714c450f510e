"""Builtin plugin: Label Studio's two task orders for /next, "Sequential sampling" (task id order)
and "Uniform sampling" (random order).

"Uncertainty sampling", Label Studio's third value, is left to an ML plugin; until one provides it,
/next falls back to random order (``labelcore.services.distribution.sampler_for``).
"""

from __future__ import annotations

from typing import Any

from labelcore.hookspecs import hookimpl
from labelcore.models import Task
from labelcore.services.distribution import RandomStart
from labelcore.specs import SamplerSpec


def sequential(project: Any) -> list[Any]:
    return [Task.id]


def uniform(project: Any) -> list[Any]:
    # a random starting id per call, then id order (see RandomStart): random without ORDER BY random()
    return [RandomStart()]


@hookimpl
def register_samplers() -> list[SamplerSpec]:
    return [
        SamplerSpec(id="Sequential sampling", title="Sequential", order_by=sequential),
        SamplerSpec(id="Uniform sampling", title="Uniform random", order_by=uniform),
    ]
