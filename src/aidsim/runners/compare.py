"""Baseline against reforms on common random numbers, with Monte Carlo intervals.

Each replication runs the baseline and every reform with the same seed and replication number,
so each household meets the same shocks and take-up draws in all of them; the difference between
two runs of one replication is the policy's effect. Over replications, the table reports the mean
of each figure and, for the difference, a 90% interval (5th–95th percentile across replications).

Everything is checked before the first run starts, and each problem raises a documented
:class:`~aidsim.errors.AidsimError` subclass: scenarios that share a name or an output folder
(:class:`~aidsim.errors.ScenarioClashError`), a compared period outside the reported months
(:class:`~aidsim.errors.ArgumentError`, naming ``first``/``last``, i.e. ``--from``/``--to``), runs
that will not fit in memory (:class:`~aidsim.errors.InsufficientMemoryError`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from aidsim.calendar import format_month, is_month_key, parse_month
from aidsim.errors import ArgumentError, ScenarioClashError
from aidsim.results import HEADLINE, Results, slug, slug_key
from aidsim.runners.execute import Progress, Task, TaskOutcome, run_tasks
from aidsim.runners.memory import check_memory
from aidsim.scenario.schema import Scenario
from aidsim.scenario.window import check_reform


@dataclass
class Comparison:
    """Baseline and reforms side by side: one row per reform × area type × measure."""

    table: pd.DataFrame       # reform, area_type, measure, label, unit, baseline, reform_value, difference, low, high
    runs: pd.DataFrame        # one row per scenario × replication × area type × measure
    replications: int
    results: dict[str, Results]  # full results of replication 0, by scenario name (when kept)

    def for_reform(self, name: str, area_type: str = "all") -> pd.DataFrame:
        t = self.table
        return t[(t["reform"] == name) & (t["area_type"] == area_type)].reset_index(drop=True)


def _tasks(scenarios: list[Scenario], seed: int, replications: int, first: str | None,
           last: str | None, keep_results: bool) -> list[Task]:
    return [Task(key=s.name, scenario=s.resolved(), seed=seed, replication=r, first=first, last=last,
                 keep_results=keep_results and r == 0)
            for r in range(replications) for s in scenarios]


def _long(outcomes: list[TaskOutcome]) -> pd.DataFrame:
    rows = [(o.key, o.replication, area_type, measure, value)
            for o in outcomes for area_type, values in o.summary.items()
            for measure, value in values.items() if measure != "months"]
    return pd.DataFrame(rows, columns=["scenario", "replication", "area_type", "measure", "value"])


def check_names(scenarios: list[Scenario], sources: list[str] | None = None) -> None:
    """Refuse scenarios that share a ``name:`` or an output folder (:func:`~aidsim.results.slug`).

    ``sources`` (the files, in the same order) are named in the message when given."""
    sources = sources or [f"scenario {i + 1}" for i in range(len(scenarios))]
    seen: dict[str, int] = {}
    for i, s in enumerate(scenarios):
        key = slug_key(s.name)
        if key in seen:
            j = seen[key]
            other = scenarios[j]
            same = "the same name" if other.name == s.name else (
                f"names that map to the same output folder runs/{slug(s.name)}")
            raise ScenarioClashError(
                f"{sources[j]} (name: {other.name!r}) and {sources[i]} (name: {s.name!r}) have "
                f"{same}; give each scenario a `name:` that differs in letters or digits")
        seen[key] = i


def check_period(scenarios: list[Scenario], first: str | None, last: str | None,
                 flags: tuple[str, str] = ("--from", "--to")) -> None:
    """Refuse a compared period that is not written YYYY-MM, runs backwards, or lies outside the
    reported months of any scenario; the message names the flag (``flags``)."""
    months: dict[str, int] = {}
    for flag, value in zip(flags, (first, last), strict=True):
        if value is None:
            continue
        if not isinstance(value, str) or len(value) != 7 or not is_month_key(value):
            raise ArgumentError(f"{flag} must be a month written YYYY-MM; got {value!r}")
        months[flag] = parse_month(value)
        for s in scenarios:
            start, end = s.simulation.start_month, s.simulation.start_month + s.simulation.months - 1
            if not start <= months[flag] <= end:
                raise ArgumentError(
                    f"{flag} {value} is outside the reported months of {s.name!r} "
                    f"({format_month(start)} … {format_month(end)})")
    if len(months) == 2 and months[flags[0]] > months[flags[1]]:
        raise ArgumentError(f"{flags[0]} {first} comes after {flags[1]} {last}: no month to compare")


def compare(baseline: Scenario, reforms: list[Scenario], *, seed: int | None = None,
            replications: int = 1, workers: int = 1, first: str | None = None,
            last: str | None = None, keep_results: bool = False,
            progress: Progress | None = None, dask: bool = False,
            scheduler: str | None = None) -> Comparison:
    """Run the baseline and each reform ``replications`` times on common random numbers.

    Parameters
    ----------
    seed
        Root seed; defaults to the baseline's ``simulation.seed``.
    first, last
        Restrict the compared period to these months (YYYY-MM), e.g. from a reform's start.
    keep_results
        Keep the full :class:`~aidsim.results.Results` of replication 0 of each scenario.
    workers, dask, scheduler
        Where the runs execute (:func:`aidsim.runners.executors.executor`): ``workers`` local
        processes, or dask (a ``LocalCluster`` of ``workers`` processes, or the cluster at
        ``scheduler``). The numbers are the same on every back-end.

    Raises
    ------
    ScenarioClashError, ArgumentError, InsufficientMemoryError
        Before any run starts (see the module's docstring).
    ScenarioError
        Before any run starts, when a reform changes nothing in its reported period
        (:func:`aidsim.scenario.window.check_reform`; call it to see the warnings of changes
        dated inside the warm-up).
    """
    scenarios = [baseline, *reforms]
    check_names(scenarios)
    check_period(scenarios, first, last, ("first", "last"))
    for reform in reforms:  # a reform that changes nothing in its reported period compares as zeros
        check_reform(baseline, reform, f"reform {reform.name!r}")
    if replications < 1 or workers < 1:
        raise ArgumentError(f"replications and workers must be at least 1; got {replications} and {workers}")
    check_memory(scenarios, workers=min(workers, replications * len(scenarios)),
                 kept=scenarios if keep_results else ())
    seed = baseline.simulation.seed if seed is None else seed
    outcomes = run_tasks(_tasks([baseline, *reforms], seed, replications, first, last, keep_results),
                         workers=workers, progress=progress, dask=dask, scheduler=scheduler,
                         what=f"compare with {workers} workers")
    runs = _long(outcomes)
    wide = runs.pivot_table(index=["replication", "area_type", "measure"], columns="scenario",
                            values="value", sort=False)
    labels = {m: (label, unit) for m, label, unit in HEADLINE}
    rows = []
    for reform in reforms:
        diff = wide[reform.name] - wide[baseline.name]
        grouped = pd.DataFrame({"baseline": wide[baseline.name], "reform": wide[reform.name],
                                "difference": diff}).groupby(level=["area_type", "measure"], sort=False)
        mean = grouped.mean()
        low = grouped["difference"].quantile(0.05)
        high = grouped["difference"].quantile(0.95)
        for (area_type, measure), values in mean.iterrows():
            label, unit = labels[measure]
            interval = replications > 1
            rows.append((reform.name, area_type, measure, label, unit, values["baseline"],
                         values["reform"], values["difference"],
                         low[(area_type, measure)] if interval else np.nan,
                         high[(area_type, measure)] if interval else np.nan))
    table = pd.DataFrame(rows, columns=["reform", "area_type", "measure", "label", "unit", "baseline",
                                        "reform_value", "difference", "low", "high"])
    kept = {o.key: o.results for o in outcomes if o.results is not None}
    return Comparison(table=table, runs=runs, replications=replications, results=kept)
