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

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from aidsim.calendar import format_month, is_month_key, parse_month
from aidsim.errors import ArgumentError, ScenarioClashError
from aidsim.results import HEADLINE, Results, decile_of, slug, slug_key
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
    #: One row per reform × area type: the overview figures (:data:`OVERVIEW`), each with its
    #: 90% interval across replications (``<figure>_low``/``_high``; NaN with one replication).
    overview: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: One row per reform × decile of income before transfers per head (:func:`deciles`).
    deciles: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: The compared months (first, last, number) and the seed.
    period: dict[str, Any] = field(default_factory=dict)

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
    first_outcome = outcomes[0]
    months = int(first_outcome.summary["all"]["months"])
    period = {"first": first or baseline.simulation.start, "months": months, "seed": seed,
              "last": last or format_month(baseline.simulation.start_month + baseline.simulation.months - 1)}
    return Comparison(table=table, runs=runs, replications=replications, results=kept,
                      overview=overview(outcomes, baseline.name, [r.name for r in reforms], months),
                      deciles=deciles(outcomes, baseline.name, [r.name for r in reforms]),
                      period=period)


#: The overview's figures: (column, label, unit). Money is yuan a year (the compared period's
#: total × 12 ÷ its months); recipients are monthly averages.
OVERVIEW: tuple[tuple[str, str, str], ...] = (
    ("extra_cost_year", "Extra cost, all programmes", "yuan a year"),
    ("extra_recipients", "Extra dibao and tekun recipients", "persons, monthly average"),
    ("coverage_baseline", "Dibao coverage, baseline", "share of residents"),
    ("coverage_reform", "Dibao coverage, reform", "share of residents"),
    ("gap_closed_year", "Gap to the poverty line closed", "yuan a year"),
    ("gap_closed_share", "Share of the baseline's gap closed", "share"),
    ("cost_per_yuan_closed", "Extra cost per yuan of gap closed", "yuan per yuan"),
    ("extra_to_poor_share", "Share of the extra spending (of the saving, for a cut) reaching the "
                            "pre-transfer poor", "share"),
)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return np.divide(num, den, out=np.full(np.shape(num), np.nan), where=np.asarray(den) > 0)


def overview(outcomes: list[TaskOutcome], baseline: str, reforms: list[str], months: int) -> pd.DataFrame:
    """The overview of each reform against the baseline (:data:`OVERVIEW`), by area type.

    Each figure is computed replication by replication (same seed and replication: common random
    numbers), then averaged; ``<figure>_low``/``_high`` are the 5th and 95th percentiles across
    replications (NaN with one replication). The extra cost per yuan of gap closed is the mean
    extra cost over the mean gap closed (NaN when the reform closes none). Both it and the share
    of the extra spending reaching the poor are NaN when the extra cost is under 0.1% of the
    baseline's bill."""
    by = {(o.key, o.replication): o for o in outcomes}
    replications = sorted({o.replication for o in outcomes})
    year = 12.0 / months
    rows = []
    for reform in reforms:
        for area in by[(baseline, replications[0])].summary:
            per: dict[str, list[float]] = {name: [] for name, _, _ in OVERVIEW}
            extra_cost, gap_closed = [], []
            for r in replications:
                b, f = by[(baseline, r)], by[(reform, r)]
                bs, fs = b.summary[area], f.summary[area]
                cost = fs["total_cost"] - bs["total_cost"]
                closed = bs["gap_yuan_post_pl"] - fs["gap_yuan_post_pl"]
                extra_cost.append(cost)
                gap_closed.append(closed)
                per["extra_cost_year"].append(cost * year)
                per["extra_recipients"].append(fs["dibao_persons"] + fs["tekun_persons"]
                                               - bs["dibao_persons"] - bs["tekun_persons"])
                per["coverage_baseline"].append(bs["dibao_coverage"])
                per["coverage_reform"].append(fs["dibao_coverage"])
                per["gap_closed_year"].append(closed * year)
                per["gap_closed_share"].append(float(_ratio(np.array(closed), np.array(bs["gap_yuan_post_pl"]))))
                per["cost_per_yuan_closed"].append(float(_ratio(np.array(cost), np.array(closed))))
                # For a cut, the share of the saving that falls on the pre-transfer poor.
                to_poor = f.to_poor.get(area, np.nan) - b.to_poor.get(area, np.nan)
                per["extra_to_poor_share"].append(to_poor / cost if cost != 0 else float("nan"))
            row: dict[str, Any] = {"reform": reform, "area_type": area}
            for name, values in per.items():
                v = np.array(values, dtype=float)
                row[name] = float(np.nanmean(v)) if np.isfinite(v).any() else float("nan")
                interval = len(replications) > 1 and np.isfinite(v).all()
                row[f"{name}_low"] = float(np.quantile(v, 0.05)) if interval else float("nan")
                row[f"{name}_high"] = float(np.quantile(v, 0.95)) if interval else float("nan")
            row["cost_per_yuan_closed"] = float(_ratio(np.array(np.mean(extra_cost)), np.array(np.mean(gap_closed))))
            # A reform that barely changes the bill (under 0.1% of the baseline's) has no extra
            # spending to split: its share to the poor would divide by about nothing.
            bill = np.mean([by[(baseline, r)].summary[area]["total_cost"] for r in replications])
            if abs(np.mean(extra_cost)) < 1e-3 * bill:
                for name in ("extra_to_poor_share", "cost_per_yuan_closed"):
                    row[name] = row[f"{name}_low"] = row[f"{name}_high"] = float("nan")
            rows.append(row)
    return pd.DataFrame(rows)


def deciles(outcomes: list[TaskOutcome], baseline: str, reforms: list[str]) -> pd.DataFrame:
    """Who gains: each reform's extra payments (reform − baseline, every programme, over the
    reported months) by decile of the baseline's income before transfers per person and month,
    person-weighted (decile 1: the poorest tenth of residents).

    Columns: ``reform``, ``decile`` (1–10), ``income_low``/``income_high`` (the decile's range of
    income before transfers, yuan per person and month), ``persons`` (monthly average),
    ``gain_yuan`` (total over the reported months), ``gain_pc_month`` (yuan per person and month)
    and ``gain_share`` (the decile's share of the reform's extra payments), each averaged over
    replications, with ``gain_yuan_low``/``_high`` (5th–95th percentile across replications; NaN
    with one replication)."""
    by = {(o.key, o.replication): o for o in outcomes}
    replications = sorted({o.replication for o in outcomes})
    rows = []
    for reform in reforms:
        parts = []
        for r in replications:
            base, ref = by[(baseline, r)].households, by[(reform, r)].households
            if base is None or ref is None:
                return pd.DataFrame()
            merged = base.merge(ref[["household", "paid_yuan"]], on="household", suffixes=("", "_reform"))
            decile = decile_of(merged["pre_income_pc"].to_numpy(), merged["person_months"].to_numpy())
            merged = merged.assign(decile=decile + 1, gain=merged["paid_yuan_reform"] - merged["paid_yuan"])
            merged = merged[merged["decile"] > 0]
            months = max(int(by[(baseline, r)].summary["all"]["months"]), 1)
            g = merged.groupby("decile").agg(income_low=("pre_income_pc", "min"),
                                             income_high=("pre_income_pc", "max"),
                                             person_months=("person_months", "sum"), gain_yuan=("gain", "sum"))
            g["persons"] = g["person_months"] / months
            g["gain_pc_month"] = g["gain_yuan"] / g["person_months"]
            total = g["gain_yuan"].sum()
            g["gain_share"] = g["gain_yuan"] / total if total != 0 else np.nan
            parts.append(g.reset_index().assign(replication=r))
        frame = pd.concat(parts, ignore_index=True)
        grouped = frame.groupby("decile")
        mean = grouped[["income_low", "income_high", "persons", "gain_yuan", "gain_pc_month", "gain_share"]].mean()
        interval = len(replications) > 1
        mean["gain_yuan_low"] = grouped["gain_yuan"].quantile(0.05) if interval else np.nan
        mean["gain_yuan_high"] = grouped["gain_yuan"].quantile(0.95) if interval else np.nan
        rows.append(mean.reset_index().assign(reform=reform))
    if not rows:
        return pd.DataFrame()
    out = pd.concat(rows, ignore_index=True)
    return out[["reform", "decile", "income_low", "income_high", "persons", "gain_yuan", "gain_yuan_low",
                "gain_yuan_high", "gain_pc_month", "gain_share"]]
