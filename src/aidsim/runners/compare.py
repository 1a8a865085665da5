"""Baseline against reforms on common random numbers, with Monte Carlo intervals.

Each replication runs the baseline and every reform with the same seed and replication number,
so each household meets the same shocks and take-up draws in all of them; the difference between
two runs of one replication is the policy's effect. Over replications, the table reports the mean
of each figure and, for the difference, a 90% interval (5th–95th percentile across replications).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from aidsim.results import HEADLINE, Results
from aidsim.runners.execute import Progress, Task, TaskOutcome, run_tasks
from aidsim.scenario.schema import Scenario


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


def compare(baseline: Scenario, reforms: list[Scenario], *, seed: int | None = None,
            replications: int = 1, workers: int = 1, first: str | None = None,
            last: str | None = None, keep_results: bool = False,
            progress: Progress | None = None) -> Comparison:
    """Run the baseline and each reform ``replications`` times on common random numbers.

    Parameters
    ----------
    seed
        Root seed; defaults to the baseline's ``simulation.seed``.
    first, last
        Restrict the compared period to these months (YYYY-MM), e.g. from a reform's start.
    keep_results
        Keep the full :class:`~aidsim.results.Results` of replication 0 of each scenario.
    """
    names = [baseline.name, *[r.name for r in reforms]]
    if len(set(names)) != len(names):
        raise ValueError(f"scenario names must differ to be compared; got {names}")
    seed = baseline.simulation.seed if seed is None else seed
    outcomes = run_tasks(_tasks([baseline, *reforms], seed, replications, first, last, keep_results),
                         workers=workers, progress=progress)
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
