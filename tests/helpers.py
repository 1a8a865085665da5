"""Small scenarios for tests: the default scenario with a few overrides, validated."""

from __future__ import annotations

from typing import Any

from aidsim.scenario.load import merge_overrides, validate_scenario
from aidsim.scenario.schema import Scenario


def small_scenario(households: int = 3000, months: int = 12, **overrides: Any) -> Scenario:
    """The default scenario at a small size; ``overrides`` use dotted paths with ``__`` for dots."""
    data = merge_overrides(Scenario().resolved(), {
        "population.households": households, "simulation.months": months,
        "simulation.warmup_months": 3,
        **{key.replace("__", "."): value for key, value in overrides.items()},
    })
    return validate_scenario(data)
