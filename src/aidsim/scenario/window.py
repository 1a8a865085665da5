"""What a reform changes, and when: its changes against the baseline, dated against the run.

A reform whose every change falls outside the reported period would compare as zeros: that is an
error that names the key and the period, found before anything runs. A dated change inside the
warm-up gets a warning (the warm-up runs under the first reported month's policy, or, with
``simulation.warmup_policy: dated``, moves the caseload before the reported period starts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from aidsim.calendar import format_month, parse_month
from aidsim.errors import ScenarioError
from aidsim.scenario.dated import DatedValue
from aidsim.scenario.schema import Scenario, Section

#: Keys that name or describe a scenario rather than change it.
_LABELS = {("name",), ("description",)}


@dataclass(frozen=True)
class Change:
    """One key the reform sets differently from the baseline."""

    key: str
    in_window: bool   # differs in some reported month (or is not dated: differs throughout)
    in_warmup: bool   # dated to take effect in the warm-up: differs there, and changes during it


def _in_force(value: Any, months: np.ndarray) -> np.ndarray:
    """A dated value's values, or a dated switch's on/off, at each of ``months``."""
    if isinstance(value, DatedValue):
        return value.over(months)
    return np.full(months.shape, False) if value is None else months >= parse_month(value)


def changes(baseline: Scenario, reform: Scenario) -> list[Change]:
    """Every key ``reform`` sets differently from ``baseline``, and whether it differs in the
    reform's reported months and in its warm-up."""
    sim = reform.simulation
    window = np.arange(sim.start_month, sim.start_month + sim.months)
    warmup = np.arange(sim.start_month - sim.warmup_months, sim.start_month)
    found: list[Change] = []

    def walk(a: Any, b: Any, path: tuple[str, ...]) -> None:
        if a == b or path in _LABELS:
            return
        if isinstance(a, Section) and isinstance(b, Section) and type(a) is type(b):
            extra = {**(a.__pydantic_extra__ or {}), **(b.__pydantic_extra__ or {})}
            for name in [*type(a).model_fields, *extra]:
                walk(getattr(a, name, None), getattr(b, name, None), (*path, name))
            return
        dated = isinstance(a, DatedValue) and isinstance(b, DatedValue)
        switch = path[-1].endswith("_from") and all(v is None or isinstance(v, str) for v in (a, b))
        if dated or switch:
            early = np.append(warmup, sim.start_month)  # the warm-up and the first reported month
            moves = any(np.unique(_in_force(v, early)).shape[0] > 1 for v in (a, b))
            found.append(Change(".".join(path),
                                bool(np.any(_in_force(a, window) != _in_force(b, window))),
                                moves and bool(np.any(_in_force(a, warmup) != _in_force(b, warmup)))))
        else:
            found.append(Change(".".join(path), True, False))

    walk(baseline, reform, ())
    return found


def check_reform(baseline: Scenario, reform: Scenario, source: str) -> list[str]:
    """Raise :class:`~aidsim.errors.ScenarioError` (naming ``source``, the keys and the period)
    when every change of ``reform`` falls outside its reported period; return warnings for the
    dated changes inside the warm-up."""
    sim = reform.simulation
    period = f"{sim.start} … {format_month(sim.start_month + sim.months - 1)}"
    found = changes(baseline, reform)
    if found and not any(c.in_window for c in found):
        raise ScenarioError([(source, None, c.key, f"changes nothing in the reported period {period}: "
                              "move the change into it, or the period (`simulation.start`, "
                              "`simulation.months`); a comparison would show only zeros")
                             for c in found])
    first = format_month(sim.start_month - sim.warmup_months)
    during = (f"the warm-up ({first} … {format_month(sim.start_month - 1)})" if sim.warmup_months
              else "the warm-up")
    effect = ("runs under the policy of the first reported month, so this change is not applied there"
              if sim.warmup_policy == "first_reported" else "applies it, before the reported period starts")
    return [f"{source}: `{c.key}` changes during {during}, which {effect}" for c in found if c.in_warmup]
