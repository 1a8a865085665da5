"""Next year's budget: each programme's bill for a year, with a 90% interval whose width is
split by source.

The forecast runs the scenario from January of its own (calibrated) year to December of the
budget year; the warm-up runs under the calibrated year's policy, each later year under the
policy dated in the scenario or the reform (a new standard from next January, say), and incomes
grow each January by ``shocks.income.growth``. The bill is the budget year's payments.

Three sources of uncertainty, each measured on its own:

- **Monte Carlo noise**: ``replications`` runs at the fitted parameters, each with its own
  random streams; their variance.
- **The calibrated parameters**: ``draws`` parameter sets drawn from the fit's approximate
  covariance (the scenario's ``calibration`` section: a normal on each parameter's fit scale),
  each run on the same streams (common random numbers), so that their variance is the
  parameters' and not noise. A scenario that was never calibrated has none.
- **Fit misfit**: a bill whose published spending the calibration could not match (the
  scenario's ``calibration.misfit``) gets a standard deviation of that relative miss times the
  bill: the model's own error, which no draw of its parameters shows. The whole bill, when the
  profile gave no total, gets the programmes' misses added in yuan.
- **Macro paths** (when asked): income growth each year up to the budget year at a low and a high
  rate, read as the 5th and 95th percentiles of a normal, so their variance is
  ``((high − low) / 3.29)²``; the other runs then grow incomes at the midpoint.

The interval is the mean of the Monte Carlo runs ± 1.645 standard deviations of the three
variances added (the sources are independent), and each source's share of the variance is its
contribution to the width. :func:`coverage_trial` checks that the interval means what it says.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from aidsim.errors import ArgumentError
from aidsim.results import HEADLINE
from aidsim.runners.calibrate import from_fit, set_values
from aidsim.runners.execute import run
from aidsim.scenario.load import merge_overrides, validate_scenario
from aidsim.scenario.schema import Scenario

Message = Callable[[str], None]
Z90 = 1.6448536269514722
#: The bill: each programme's cost, the whole bill, and dibao by area.
BILL = tuple(m for m, _, unit in HEADLINE if unit == "yuan" and m.endswith("_cost"))


def forecast_data(scenario: Scenario, year: int, growth: float | None = None) -> dict[str, Any]:
    """The scenario (resolved data) run from January of its first reported year to December of
    ``year``; with ``growth``, incomes grow by that rate each January up to ``year``."""
    first_year = int(scenario.simulation.start[:4])
    if not first_year <= year <= first_year + 30:
        raise ArgumentError(f"--year {year} must be between the scenario's first reported year ({first_year}) "
                            f"and 30 years after it")
    data = scenario.resolved()
    data = set_values(data, {"simulation.start": f"{first_year}-01",
                             "simulation.months": 12 * (year - first_year + 1)})
    if growth is not None:
        data = set_values(data, {"shocks.income.growth.urban": growth, "shocks.income.growth.rural": growth})
    return data


def bill(data: dict[str, Any], seed: int, replication: int, year: int, scale: float = 1.0) -> dict[str, float]:
    """The year's bill by programme (yuan; ``scale`` multiplies costs of a smaller simulated
    county). Top level, so that process pools can run it."""
    s = validate_scenario(data, source="budget")
    results = run(s, seed=seed, replication=replication)
    summary = results.checked_summary(f"{year}-01", f"{year}-12")
    out = {m: summary["all"][m] * scale for m in BILL}
    for area in ("urban", "rural"):
        if area in summary:
            out[f"dibao_cost_{area}"] = summary[area]["dibao_cost"] * scale
    return out


def parameter_draws(scenario: Scenario, draws: int, seed: int) -> list[dict[str, float]]:
    """``draws`` parameter sets from the calibration's normal approximation (dotted path → value)."""
    cal = scenario.calibration
    if not cal.parameters or not cal.covariance:
        return []
    rng = np.random.default_rng([seed, 4242])
    mean = np.array(cal.estimate)
    cov = np.array(cal.covariance)
    cov = (cov + cov.T) / 2
    xs = rng.multivariate_normal(mean, cov, size=draws, method="eigh")
    return [{p: from_fit(float(x), t) for p, t, x in zip(cal.parameters, cal.transforms, row, strict=True)}
            for row in xs]


@dataclass
class BudgetForecast:
    """A year's bill with its interval and each source's share of the width."""

    table: pd.DataFrame        # measure, label, mean, low, high, sd, sd_<source>, share_<source>
    runs: pd.DataFrame         # every run: source, index, measure, value
    year: int
    scenario: str

    def row(self, measure: str) -> pd.Series:
        return self.table.set_index("measure").loc[measure]


def budget(scenario: Scenario, year: int, *, replications: int = 10, draws: int = 10,
           macro: tuple[float, float] | None = None, seed: int | None = None, workers: int = 1,
           households: int | None = None, message: Message | None = None) -> BudgetForecast:
    """Forecast ``scenario``'s bill for ``year`` with a 90% interval (see the module's docstring).

    Parameters
    ----------
    scenario
        A calibrated scenario, or a reform extending one (the calibration is inherited).
    macro
        Income growth of the budget year (and the years before it), low and high, e.g. (0.02, 0.07).
    households
        Simulate fewer households (faster); costs are scaled to the scenario's households.
    """
    say = message or (lambda _m: None)
    if replications < 2:
        raise ArgumentError("replications must be at least 2 to measure Monte Carlo noise")
    seed = scenario.simulation.seed if seed is None else seed
    # With a macro range, the central path grows incomes by its midpoint.
    data = forecast_data(scenario, year, None if macro is None else (macro[0] + macro[1]) / 2)
    scale = 1.0
    if households:
        scale = scenario.population.households / households
        data = set_values(data, {"population.households": households})
    tasks: list[tuple[str, int, dict[str, Any], int]] = [("monte_carlo", r, data, r) for r in range(replications)]
    for k, values in enumerate(parameter_draws(scenario, draws, seed)):
        tasks.append(("parameters", k, merge_overrides(data, values), 0))
    if macro is not None:
        low, high = macro
        for k, g in enumerate((low, high)):
            grown = forecast_data(scenario, year, g)
            if households:
                grown = set_values(grown, {"population.households": households})
            tasks.append(("macro", k, grown, 0))
    say(f"{len(tasks)} runs: {replications} replications, "
        f"{sum(t[0] == 'parameters' for t in tasks)} parameter sets"
        + (", 2 income-growth paths" if macro else ""))
    outs = _run_all([(d, seed, rep, year, scale) for _, _, d, rep in tasks], workers, say)
    rows = [(src, k, m, v) for (src, k, _, _), out in zip(tasks, outs, strict=True) for m, v in out.items()]
    runs = pd.DataFrame(rows, columns=["source", "index", "measure", "value"])
    return BudgetForecast(_table(runs, _misfit(scenario)), runs, year, scenario.name)


def _table(runs: pd.DataFrame, misfit: dict[str, float]) -> pd.DataFrame:
    """Mean, interval and each source's share of the variance, by measure (see the module's docstring)."""
    labels = {m: label for m, label, _ in HEADLINE} | {"dibao_cost_urban": "Dibao cost, urban",
                                                      "dibao_cost_rural": "Dibao cost, rural"}
    table = []
    for measure in dict.fromkeys(runs["measure"]):
        by = runs[runs["measure"] == measure]
        mc = by[by["source"] == "monte_carlo"]["value"].to_numpy()
        par = by[by["source"] == "parameters"]["value"].to_numpy()
        mac = by[by["source"] == "macro"]["value"].to_numpy()
        var = {"monte_carlo": float(np.var(mc, ddof=1)),
               "parameters": float(np.var(par, ddof=1)) if len(par) > 1 else 0.0,
               "macro": float(((mac[1] - mac[0]) / (2 * Z90)) ** 2) if len(mac) == 2 else 0.0}
        mean = float(np.mean(mc))
        var["misfit"] = _misfit_variance(measure, misfit, runs)
        total = sum(var.values())
        sd = math.sqrt(total)
        table.append({"measure": measure, "label": labels.get(measure, measure), "mean": mean,
                      "low": mean - Z90 * sd, "high": mean + Z90 * sd, "sd": sd,
                      **{f"sd_{k}": math.sqrt(v) for k, v in var.items()},
                      **{f"share_{k}": (v / total if total > 0 else float("nan")) for k, v in var.items()}})
    return pd.DataFrame(table)


def difference(base: BudgetForecast, reform: BudgetForecast, scenario: Scenario) -> BudgetForecast:
    """The reform's bill less the baseline's, run by run: both were forecast on the same streams
    and the same parameter draws (common random numbers), so the difference's interval is the
    policy's, with its sources split the same way (a misfit widens it in proportion)."""
    keys = ["source", "index", "measure"]
    joined = reform.runs.merge(base.runs, on=keys, suffixes=("_reform", "_base"))
    if len(joined) != len(reform.runs):
        raise ArgumentError("the baseline and the reform were not forecast on the same runs")
    runs = joined[keys].assign(value=joined["value_reform"] - joined["value_base"])
    return BudgetForecast(_table(runs, _misfit(scenario)), runs, reform.year,
                          f"{reform.scenario} − {base.scenario}")


def _run_all(args: list[tuple], workers: int, say: Message) -> list[dict[str, float]]:
    if workers > 1 and len(args) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            outs = []
            for i, out in enumerate(pool.map(bill, *zip(*args, strict=True)), start=1):
                outs.append(out)
                say(f"run {i} of {len(args)} done")
            return outs
    outs = []
    for i, a in enumerate(args, start=1):
        outs.append(bill(*a))
        say(f"run {i} of {len(args)} done")
    return outs


#: Spending figures of a profile → the bill they describe.
SPENDING_BILLS = {"spending.dibao.total": "dibao_cost", "spending.dibao.urban": "dibao_cost_urban",
                  "spending.dibao.rural": "dibao_cost_rural", "spending.tekun": "tekun_cost",
                  "spending.temporary": "temporary_cost", "spending.medical": "medical_cost",
                  "spending.orphans": "orphans_cost", "spending.total": "total_cost"}


def _misfit(scenario: Scenario) -> dict[str, float]:
    """Relative misfit by bill measure (``dibao_cost`` from ``spending.dibao.total`` or its parts)."""
    out = {}
    for key, error in scenario.calibration.misfit.items():
        if key in SPENDING_BILLS:
            out[SPENDING_BILLS[key]] = error
    return out


def _misfit_variance(measure: str, misfit: dict[str, float], runs: pd.DataFrame) -> float:
    def mean_of(m: str) -> float:
        values = runs[(runs["measure"] == m) & (runs["source"] == "monte_carlo")]["value"]
        return float(values.mean()) if len(values) else 0.0

    if measure in misfit:
        return (misfit[measure] * mean_of(measure)) ** 2
    if measure == "dibao_cost" and ("dibao_cost_urban" in misfit or "dibao_cost_rural" in misfit):
        return sum(abs(misfit.get(m, 0.0)) * mean_of(m) for m in ("dibao_cost_urban", "dibao_cost_rural")) ** 2
    if measure == "total_cost" and misfit:
        parts = {m for m in misfit if m not in ("dibao_cost_urban", "dibao_cost_rural")}
        if "dibao_cost" not in parts:
            parts |= {m for m in misfit if m.startswith("dibao_cost_")}
        return sum(abs(misfit[m]) * mean_of(m) for m in parts) ** 2
    return 0.0
