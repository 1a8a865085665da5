"""The value of a parameter that meets a target: "what standard does +5 million yuan a year buy?".

:func:`solve` finds, by root finding (:func:`scipy.optimize.brentq`), the value of one parameter
at which a measure meets a target: a change from the baseline (``dibao_cost:+5e6/year``), or a
level (``dibao_coverage:=0.08``). The measure can be any figure a sweep reports: a cost, a
coverage, a poverty gap (``gap_yuan_post_pl:-1e6/year``), a targeting error.

Every run uses common random numbers: replication *r* of every value tried uses the streams of
replication *r* of the baseline, so the measure moves with the parameter only, and the function
solved (the mean over the replications of measure − goal) changes smoothly enough for a bracketing
method. The value reported is the root of that mean; its 90% interval is the 5th–95th percentile
of the roots solved replication by replication (each in a worker of its own).

:func:`solve_split` splits one extra budget between two levers (for example a higher standard,
which widens coverage, against larger supplements, a higher top-up): for each share of the budget
given to the first lever, each lever is solved to spend its share alone, both run together, and
the poverty gap closed, the poor after transfers and the coverage are reported.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from aidsim.calendar import parse_month
from aidsim.errors import ArgumentError, ScenarioError
from aidsim.runners.compare import check_period
from aidsim.runners.execute import Progress, Task, completed, run_task
from aidsim.runners.executors import executor
from aidsim.runners.memory import check_memory
from aidsim.runners.sweep import check_path, derived, measure_units, number_argument, point_scenario
from aidsim.scenario.load import validate_scenario
from aidsim.scenario.schema import Scenario

TARGET_FORM = ("expected MEASURE:+AMOUNT[/year] (a change from the baseline), MEASURE:-AMOUNT[/year] "
               "or MEASURE:=LEVEL, e.g. dibao_cost:+5e6/year or dibao_coverage:=0.08")
#: Bracket expansions tried before giving up.
MAX_EXPANSIONS = 12


@dataclass(frozen=True)
class Target:
    """A goal for one measure: ``amount`` more (``relative``) than the baseline, or the level
    ``amount``; ``per_year`` amounts are scaled to the months summarised."""

    measure: str
    amount: float
    relative: bool
    per_year: bool
    text: str

    def goal(self, baseline: float, months: int) -> float:
        amount = self.amount * months / 12.0 if self.per_year else self.amount
        return baseline + amount if self.relative else amount

    def scaled(self, share: float) -> Target:
        return Target(self.measure, self.amount * share, self.relative, self.per_year, self.text)


def parse_target(text: str) -> Target:
    """Read a ``--target``; refuse anything else with :class:`~aidsim.errors.ArgumentError`."""
    match = re.fullmatch(r"\s*([a-z0-9_]+)\s*:\s*(=|[+-])?\s*([^/\s]+)\s*(/\s*year)?\s*", text or "")
    if not match:
        raise ArgumentError(f"--target {text!r}: {TARGET_FORM}")
    measure, sign, number, per_year = match.groups()
    units = measure_units()
    if measure not in units:
        raise ArgumentError(f"--target {text!r}: unknown measure {measure!r}; one of "
                            f"{', '.join(sorted(units))}")
    amount = number_argument(number, f"--target {text!r}")
    if per_year and units[measure][1] != "yuan":
        raise ArgumentError(f"--target {text!r}: /year applies to amounts in yuan; {measure} is in "
                            f"{units[measure][1]}")
    relative = sign in ("+", "-")
    if sign == "-":
        amount = -amount
    return Target(measure, amount, relative, bool(per_year), text.strip())


def current_value(base: Scenario, path: str, month: int) -> float:
    """The value of ``path`` in ``base`` in force at ``month``."""
    node: Any = base
    for part in path.split("."):
        node = getattr(node, part)
    return float(node.at(month)) if hasattr(node, "at") else float(node)


class Evaluator:
    """Runs the base scenario with some parameters set, every replication, through ``pool``;
    remembers what it ran. ``values(overrides)`` → one summary (area type → measure → value,
    derived figures included) per replication."""

    def __init__(self, base: Scenario, pool: Executor, *, seed: int, replications: int,
                 first: str | None, last: str | None, progress: Progress | None = None):
        self.base, self.pool, self.seed, self.replications = base, pool, seed, replications
        self.first, self.last, self.progress = first, last, progress
        self.cache: dict[str, list[dict[str, dict[str, float]]]] = {}
        self.runs = 0

    def values(self, overrides: dict[str, float]) -> list[dict[str, dict[str, float]]]:
        key = json.dumps(overrides, sort_keys=True)
        if key not in self.cache:
            label = "--param " + ", ".join(f"{k}={v:g}" for k, v in overrides.items()) if overrides else "the baseline"
            scenario = point_scenario(self.base, overrides, label) if overrides else self.base.resolved()
            tasks = [Task(key=key, scenario=scenario, seed=self.seed, replication=r, first=self.first,
                          last=self.last) for r in range(self.replications)]
            out: list[Any] = [None] * self.replications
            for i, outcome in completed(self.pool, run_task, tasks):
                out[i] = {a: derived({k: v for k, v in vals.items() if k != "months"}) | {"months": vals["months"]}
                          for a, vals in outcome.summary.items()}
            self.cache[key] = out
            self.runs += self.replications
            if self.progress:
                self.progress(self.runs, 0)
        return self.cache[key]


@dataclass
class Solution:
    """The value of ``parameter`` that meets ``target``."""

    parameter: str
    target: str
    area_type: str
    value: float
    low: float               # 90% interval of the per-replication roots (NaN with 1 replication)
    high: float
    start: float             # the parameter's value in the base scenario
    baseline: float          # the measure in the base scenario (mean over replications)
    goal: float              # the measure aimed at (mean)
    achieved: float          # the measure at ``value`` (mean)
    replications: int
    per_replication: list[float]
    evaluations: pd.DataFrame  # value tried, mean measure, mean of measure − goal
    runs: int
    bracket: tuple[float, float] = (math.nan, math.nan)

    def as_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "evaluations"}
        out["evaluations"] = self.evaluations.to_dict(orient="records")
        return out


def _months(summary: dict[str, dict[str, float]], area_type: str) -> int:
    return int(summary[area_type]["months"])


def _brent(f, a: float, fa: float, b: float, fb: float, xtol: float) -> float:
    from scipy.optimize import brentq

    if fa == 0:
        return a
    if fb == 0:
        return b
    lo, hi = (a, b) if a < b else (b, a)
    return float(brentq(f, lo, hi, xtol=xtol, rtol=1e-10, maxiter=200))


def _bracket(f, x0: float, f0: float, step: float, lower: float | None) -> tuple[float, float, float, float]:
    """Two values with ``f`` of opposite signs, found by stepping from ``x0`` towards the root
    with doubling steps; ``None`` … when none is found (the caller names the parameter)."""
    x1 = x0 + step
    f1 = f(x1)
    if f0 * f1 <= 0:
        return x0, f0, x1, f1
    direction = 1.0 if abs(f1) <= abs(f0) else -1.0
    a, fa = (x1, f1) if direction > 0 else (x0, f0)
    for k in range(1, MAX_EXPANSIONS + 1):
        x = a + direction * step * 2.0 ** k
        if lower is not None and x < lower:
            x = lower
        try:
            fx = f(x)
        except ScenarioError:
            break  # past the parameter's range
        if fa * fx <= 0:
            return a, fa, x, fx
        a, fa = x, fx
        if lower is not None and x == lower:
            break
    raise _NoBracket(a, fa)


class _NoBracket(Exception):
    def __init__(self, x: float, fx: float):
        self.x, self.fx = x, fx


@dataclass(frozen=True)
class _Job:
    """Solve one replication (top level, so that process pools and dask can ship it)."""

    scenario: dict[str, Any]
    path: str
    integer: bool
    seed: int
    replication: int
    goal: float
    measure: str
    area_type: str
    bracket: tuple[float, float]
    xtol: float
    first: str | None
    last: str | None
    lower: float | None = None


def solve_replication(job: _Job) -> tuple[float, int]:
    """The root of one replication's measure − goal (NaN when it cannot be bracketed), and the
    number of runs it took."""
    base = validate_scenario(job.scenario)
    runs = 0

    def f(x: float) -> float:
        nonlocal runs
        runs += 1
        value = round(x) if job.integer else x
        scenario = point_scenario(base, {job.path: value}, f"--param {job.path}={value:g}")
        outcome = run_task(Task(key="solve", scenario=scenario, seed=job.seed, replication=job.replication,
                                first=job.first, last=job.last))
        summary = outcome.summary[job.area_type]
        return derived({k: v for k, v in summary.items() if k != "months"})[job.measure] - job.goal

    a, b = job.bracket
    fa, fb = f(a), f(b)
    if fa * fb > 0:
        try:
            a, fa, b, fb = _bracket(f, a, fa, b - a, job.lower)
        except _NoBracket:
            return math.nan, runs
    root = _brent(f, a, fa, b, fb, job.xtol)
    return root, runs


def _prepare(base: Scenario, path: str, first: str | None, last: str | None,
             flag: str = "--param") -> tuple[bool, float]:
    integer = check_path(path, base, flag)
    check_period([base], first, last)
    month = parse_month(first) if first else base.simulation.start_month
    return integer, current_value(base, path, month)


def year_window(year: int | None, base: Scenario) -> tuple[str | None, str | None]:
    """``--year YYYY`` as the months summarised (refused when not inside the reported period)."""
    if year is None:
        return None, None
    first, last = f"{year:04d}-01", f"{year:04d}-12"
    check_period([base], first, last, ("--year", "--year"))
    return first, last


def solve(base: Scenario, parameter: str, target: str | Target, *, replications: int = 1,
          seed: int | None = None, area_type: str = "all", first: str | None = None,
          last: str | None = None, bracket: tuple[float, float] | None = None,
          xtol: float | None = None, workers: int = 1, dask: bool = False,
          scheduler: str | None = None, progress: Progress | None = None) -> Solution:
    """Find the value of ``parameter`` at which the measure meets ``target``.

    Parameters
    ----------
    parameter
        A numeric scenario parameter by its dotted path, e.g. ``"dibao.standard.rural"``.
    target
        ``"dibao_cost:+5e6/year"`` (a change from the baseline, per year of the months summarised),
        ``"dibao_coverage:=0.08"`` (a level); see :func:`parse_target`.
    first, last
        The months summarised (YYYY-MM); by default the whole reported period.
    bracket
        Two values between which the root lies; by default found by stepping from the current value.
    xtol
        Precision of the value; by default 1/1000 of the current value (at least 0.001).

    Raises
    ------
    ArgumentError
        A malformed target, an unknown parameter, or a target that no value of the parameter
        reaches (the message gives the furthest value tried and the measure there).
    """
    goal_target = parse_target(target) if isinstance(target, str) else target
    if replications < 1:
        raise ArgumentError(f"--replications must be at least 1; got {replications}")
    if area_type not in ("all", "urban", "rural"):
        raise ArgumentError(f"--area must be all, urban or rural; got {area_type!r}")
    integer, x0 = _prepare(base, parameter, first, last)
    seed = base.simulation.seed if seed is None else seed
    check_memory([base], workers=min(workers, replications))
    xtol = xtol if xtol is not None else max(abs(x0) * 1e-3, 1e-3)
    if integer:
        xtol = max(xtol, 0.5)
    lower = 0.0 if x0 >= 0 else None
    what = f"solve with {'dask' if dask or scheduler else f'{workers} workers'}"
    with executor(workers if replications > 1 or dask or scheduler else 1, dask=dask,
                  scheduler=scheduler, what=what) as pool:
        ev = Evaluator(base, pool, seed=seed, replications=replications, first=first, last=last,
                       progress=progress)
        mean_root, bounds, goals, baseline, tried = _solve_mean(
            ev, parameter, integer, goal_target, area_type, x0, xtol, bracket, lower)
        per_rep: list[float] = []
        if replications > 1:
            jobs = [_Job(base.resolved(), parameter, integer, seed, r, goals[r], goal_target.measure,
                         area_type, bounds, xtol, first, last, lower) for r in range(replications)]
            per_rep = [math.nan] * replications
            for r, (root, runs) in completed(pool, solve_replication, jobs):
                per_rep[r] = root
                ev.runs += runs
        value = float(round(mean_root)) if integer else mean_root
        achieved = ev.values({parameter: value})
    finite = [r for r in per_rep if math.isfinite(r)]
    low, high = (float(np.quantile(finite, 0.05)), float(np.quantile(finite, 0.95))) if finite else (math.nan, math.nan)
    return Solution(
        parameter=parameter, target=goal_target.text, area_type=area_type, value=value, low=low, high=high,
        start=x0, baseline=float(np.mean(baseline)), goal=float(np.mean(goals)),
        achieved=float(np.mean([s[area_type][goal_target.measure] for s in achieved])),
        replications=replications, per_replication=per_rep, evaluations=tried, runs=ev.runs,
        bracket=bounds)


def _solve_mean(ev: Evaluator, parameter: str, integer: bool, target: Target, area_type: str,
                x0: float, xtol: float, bracket: tuple[float, float] | None, lower: float | None):
    base_runs = ev.values({})
    months = _months(base_runs[0], area_type)
    baseline = [s[area_type][target.measure] for s in base_runs]
    goals = [target.goal(b, months) for b in baseline]
    tried: list[tuple[float, float, float]] = []

    def f(x: float) -> float:
        x = float(round(x)) if integer else float(x)
        values = [s[area_type][target.measure] for s in ev.values({parameter: x})]
        gap = float(np.mean(np.subtract(values, goals)))
        if not any(t[0] == x for t in tried):
            tried.append((x, float(np.mean(values)), gap))
        return gap

    if bracket is not None:
        a, b = bracket
        if not a < b:
            raise ArgumentError(f"--bracket {a:g}:{b:g}: the low end must be below the high end")
        fa, fb = f(a), f(b)
        if fa * fb > 0:
            raise ArgumentError(
                f"--target {target.text}: not met between --bracket {a:g} and {b:g} "
                f"({target.measure} − goal is {fa:+,.4g} at {a:g} and {fb:+,.4g} at {b:g}, the same sign)")
    else:
        f0 = f(x0)
        step = max(abs(x0) * 0.1, 1.0 if integer else 0.01)
        try:
            a, fa, b, fb = _bracket(f, x0, f0, step, lower)
        except _NoBracket as no:
            raise ArgumentError(
                f"--target {target.text}: no value of --param {parameter} found that meets it "
                f"(from {x0:g}, the furthest tried was {no.x:g}, where {target.measure} − goal is "
                f"{no.fx:+,.4g}); the target may be out of reach: give --bracket LOW:HIGH or "
                f"another target") from None
    root = _brent(f, a, fa, b, fb, xtol)
    table = pd.DataFrame(sorted(tried), columns=["value", target.measure, "minus_goal"])
    return root, (min(a, b), max(a, b)), goals, baseline, table


# -- one budget, two levers ----------------------------------------------------------------------

@dataclass
class Split:
    """One extra budget split between two levers: one row per share given to the first."""

    table: pd.DataFrame
    parameters: list[str]
    target: str
    replications: int
    runs: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


#: What a split reports for each share (change from the baseline, mean and 90% interval).
SPLIT_MEASURES = ("total_cost", "dibao_cost", "gap_closed_pl", "gap_yuan_post_pl", "fgt0_post_pl",
                  "fgt1_post_pl", "dibao_coverage", "dibao_avg_subsidy", "dibao_exclusion_error",
                  "dibao_inclusion_error")


def solve_split(base: Scenario, parameters: Sequence[str], target: str | Target, *,
                shares: Sequence[float] = (0.0, 0.25, 0.5, 0.75, 1.0), replications: int = 1,
                seed: int | None = None, area_type: str = "all", first: str | None = None,
                last: str | None = None, xtol: float | None = None, workers: int = 1,
                dask: bool = False, scheduler: str | None = None,
                progress: Progress | None = None) -> Split:
    """Split one extra amount (a relative ``target``, e.g. ``dibao_cost:+5e6/year``) between two
    levers: for each share *s*, the first lever is solved to move the measure by *s* × the amount
    alone, the second by (1 − *s*) × the amount alone, both run together, and the changes from the
    baseline (mean and 90% interval over replications) are reported: the measure itself, the
    poverty gap closed, the poor after transfers, coverage and the average subsidy."""
    goal_target = parse_target(target) if isinstance(target, str) else target
    if len(parameters) != 2:
        raise ArgumentError(f"--param: a split takes exactly two parameters; got {len(parameters)}")
    if parameters[0] == parameters[1]:
        raise ArgumentError(f"--param: the two levers are the same parameter ({parameters[0]})")
    if not goal_target.relative:
        raise ArgumentError(f"--target {goal_target.text}: a split needs a change from the baseline "
                            f"(MEASURE:+AMOUNT), not a level")
    if not shares or any(not 0 <= s <= 1 for s in shares):
        raise ArgumentError(f"--shares must be between 0 and 1; got {list(shares)}")
    if replications < 1:
        raise ArgumentError(f"--replications must be at least 1; got {replications}")
    starts = [_prepare(base, p, first, last) for p in parameters]
    seed = base.simulation.seed if seed is None else seed
    check_memory([base], workers=min(workers, replications))
    what = f"solve with {'dask' if dask or scheduler else f'{workers} workers'}"
    rows = []
    with executor(workers if replications > 1 or dask or scheduler else 1, dask=dask,
                  scheduler=scheduler, what=what) as pool:
        ev = Evaluator(base, pool, seed=seed, replications=replications, first=first, last=last,
                       progress=progress)
        baseline = ev.values({})
        for share in shares:
            values = []
            for (integer, x0), path, part in zip(starts, parameters, (share, 1 - share), strict=True):
                if part == 0:
                    values.append(x0)
                    continue
                tol = xtol if xtol is not None else max(abs(x0) * 1e-3, 1e-3)
                root = _solve_mean(ev, path, integer, goal_target.scaled(part), area_type, x0,
                                   max(tol, 0.5) if integer else tol, None, 0.0 if x0 >= 0 else None)[0]
                values.append(float(round(root)) if integer else root)
            both = ev.values(dict(zip(parameters, values, strict=True)))
            row: dict[str, Any] = {"share_first": share, parameters[0]: values[0], parameters[1]: values[1]}
            for m in dict.fromkeys((goal_target.measure, *SPLIT_MEASURES)):
                diffs = [b[area_type][m] - s[area_type][m] for b, s in zip(both, baseline, strict=True)]
                row[f"{m}_change"] = float(np.mean(diffs))
                row[f"{m}_low"] = float(np.quantile(diffs, 0.05)) if replications > 1 else math.nan
                row[f"{m}_high"] = float(np.quantile(diffs, 0.95)) if replications > 1 else math.nan
            rows.append(row)
    return Split(table=pd.DataFrame(rows), parameters=list(parameters), target=goal_target.text,
                 replications=replications, runs=ev.runs)
