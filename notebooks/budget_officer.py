# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Budget officer: next year's civil-affairs assistance bill, programme by programme
#
# Runs the baseline several times (Monte Carlo replications with independent draws) and reports,
# for 2021, each programme's cost with a 90% interval across replications.
# Set `AIDSIM_SMALL=1` for a quick run.

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
import pandas as pd

from aidsim import load_scenario, run
from aidsim.programmes import PROGRAMME_INFO, PROGRAMMES

scenario = load_scenario(BASELINE, {"population.households": HOUSEHOLDS})
years = []
for replication in range(REPLICATIONS):
    yearly = run(scenario, replication=replication).yearly
    row = yearly[(yearly["year"] == YEAR) & (yearly["area_type"] == "all")].iloc[0]
    years.append({name: row[f"{name}_cost"] for name in PROGRAMMES} | {"total": row["total_cost"]})
costs = pd.DataFrame(years)

# %% [markdown]
# ## Cost in yuan, mean and 90% interval across replications

# %%
bill = pd.DataFrame({
    "programme": [PROGRAMME_INFO.get(c, ("", "All programmes"))[1] for c in costs.columns],
    "mean": costs.mean(), "low (5%)": costs.quantile(0.05), "high (95%)": costs.quantile(0.95),
}).reset_index(drop=True)
bill

# %%
# Checks that keep this notebook honest when it runs in the tests.
assert (bill["low (5%)"] <= bill["mean"]).all() and (bill["mean"] <= bill["high (95%)"]).all()
assert abs(costs[list(PROGRAMMES)].sum(axis=1) - costs["total"]).max() < 0.01
assert costs["dibao"].min() > 0
