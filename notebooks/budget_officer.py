# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
# ---

# %% [markdown]
# # Budget officer: next year's civil-affairs assistance bill, programme by programme
#
# Runs the baseline several times (Monte Carlo replications with independent draws) and reports,
# for 2021, each programme's cost with a 90% interval across replications, and the month-by-month
# path of the whole bill as a fan. Set `AIDSIM_SMALL=1` for a quick run.

# %% tags=["parameters"]
import os
from pathlib import Path

SMALL = bool(os.environ.get("AIDSIM_SMALL"))
HOUSEHOLDS = 4_000 if SMALL else 100_000
REPLICATIONS = 3 if SMALL else 10
YEAR = 2021
ROOT = Path.cwd() if (Path.cwd() / "scenarios").exists() else Path.cwd().parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"

# %%
# %matplotlib inline
import pandas as pd

from aidsim import load_scenario, run
from aidsim.programmes import PROGRAMMES
from aidsim.reports import charts, tables

scenario = load_scenario(BASELINE, {"population.households": HOUSEHOLDS})
years, months = [], []
for replication in range(REPLICATIONS):
    results = run(scenario, replication=replication)
    yearly, monthly = results.yearly, results.monthly
    row = yearly[(yearly["year"] == YEAR) & (yearly["area_type"] == "all")].iloc[0]
    years.append({name: row[f"{name}_cost"] for name in PROGRAMMES} | {"total": row["total_cost"]})
    months.append(monthly[monthly["month"].str.startswith(str(YEAR))])
costs = pd.DataFrame(years)
print(f"{scenario.name}: {YEAR}, {REPLICATIONS} replications of {HOUSEHOLDS:,} households; "
      f"the whole bill {tables.yuan(costs['total'].mean())} yuan "
      f"[{tables.yuan(costs['total'].quantile(0.05))} … {tables.yuan(costs['total'].quantile(0.95))}]")

# %% [markdown]
# ## The bill for 2021: yuan over the year, mean and 90% interval across replications

# %%
bill = pd.DataFrame({
    "programme": [c.replace("_", " ") if c != "total" else "all programmes" for c in costs.columns],
    "mean, yuan": costs.mean().map(tables.yuan).to_numpy(),
    "low (5%), yuan": costs.quantile(0.05).map(tables.yuan).to_numpy(),
    "high (95%), yuan": costs.quantile(0.95).map(tables.yuan).to_numpy(),
    "share of the bill": (costs.mean() / costs["total"].mean()).map(lambda v: tables.share(v, digits=1)).to_numpy(),
})
bill

# %%
charts.programme_interval(costs[list(PROGRAMMES)].rename(columns=lambda c: c.replace("_", " ")),
                          f"Cost by programme in {YEAR}, yuan over the year")

# %% [markdown]
# ## Month by month: the whole bill as a fan across replications
# January carries the yearly premium subsidy and the Spring Festival payment.

# %%
charts.fan(months, "total_cost", title=f"Cost a month in {YEAR}, all programmes")

# %%
# Checks that keep this notebook honest when it runs in the tests.
assert (costs.quantile(0.05) <= costs.mean()).all() and (costs.mean() <= costs.quantile(0.95)).all()
assert abs(costs[list(PROGRAMMES)].sum(axis=1) - costs["total"]).max() < 0.01
assert costs["dibao"].min() > 0
assert all(len(m[m["area_type"] == "all"]) == 12 for m in months)
