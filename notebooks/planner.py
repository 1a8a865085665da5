# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # Planner: raise the rural dibao standard from 433 to 500 yuan from July
#
# Who is newly covered, what it costs, and how much of the gap to the poverty line closes.
# Baseline and reform run on common random numbers (the same households meet the same shocks),
# so the differences below are the reform's, not noise; replications give a 90% interval.
# Set `AIDSIM_SMALL=1` for a quick run.

# %% tags=["parameters"]
import os
from pathlib import Path

SMALL = bool(os.environ.get("AIDSIM_SMALL"))
HOUSEHOLDS = 4_000 if SMALL else 100_000
REPLICATIONS = 2 if SMALL else 5
ROOT = Path.cwd() if (Path.cwd() / "scenarios").exists() else Path.cwd().parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"
REFORM = ROOT / "scenarios" / "reforms" / "rural_500_july.yaml"
FROM = "2020-07"  # compare from the month the reform starts

# %%
import pandas as pd

from aidsim import compare, load_scenario

size = {"population.households": HOUSEHOLDS}
base, reform = load_scenario(BASELINE, size), load_scenario(REFORM, size)
comparison = compare(base, [reform], replications=REPLICATIONS, first=FROM, keep_results=True)

# %% [markdown]
# ## Cost, coverage and poverty, rural areas, from July

# %%
table = comparison.for_reform(reform.name, "rural")
table[["label", "unit", "baseline", "reform_value", "difference", "low", "high"]]

# %% [markdown]
# ## Who is newly covered
# Households paid dibao under the reform but never under the baseline (same household ids).

# %%
b = comparison.results[base.name].households.set_index("household")
r = comparison.results[reform.name].households.set_index("household")
new = (r["dibao_fen"] > 0) & (b["dibao_fen"] == 0)
newly = r[new].assign(dibao_yuan=r["dibao_fen"] / 100)
summary = newly.groupby("area_type").agg(households=("members", "size"), persons=("members", "sum"),
                                         yuan=("dibao_yuan", "sum"))
summary

# %%
by_size = newly.groupby("members").size().rename("newly covered households")
by_size

# %% [markdown]
# ## How much of the gap to the poverty line closes

# %%
row = table.set_index("measure")
gap_before = row.loc["gap_yuan_post_pl", "baseline"]
closed = -row.loc["gap_yuan_post_pl", "difference"]
extra_cost = row.loc["total_cost", "difference"]
print(f"Remaining rural gap to the poverty line (baseline, from {FROM}): {gap_before:,.0f} yuan")
print(f"Closed by the reform: {closed:,.0f} yuan ({closed / gap_before:.1%}) "
      f"for {extra_cost:,.0f} yuan of extra spending (dibao and tekun)")

# %%
# Checks that keep this notebook honest when it runs in the tests.
assert new.sum() > 0, "raising the standard must cover some new households"
assert row.loc["dibao_cost", "difference"] > 0
assert closed >= 0
assert isinstance(summary, pd.DataFrame)
