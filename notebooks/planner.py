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
# # Planner: raise the rural dibao standard from 433 to 500 yuan from July
#
# Who is newly covered, what it costs, and how much of the gap to the poverty line closes; then
# the curve: what each rural standard from 433 to 600 costs and closes.
# Baseline and reforms run on common random numbers (the same households meet the same shocks),
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
CURVE = (433, 466, 500, 550, 600)  # rural standards for the curve, yuan per person and month

# %%
# %matplotlib inline
import pandas as pd

from aidsim import compare, load_scenario
from aidsim.reports import charts, tables

size = {"population.households": HOUSEHOLDS}
base, reform = load_scenario(BASELINE, size), load_scenario(REFORM, size)
comparison = compare(base, [reform], replications=REPLICATIONS, first=FROM, keep_results=True)
period = comparison.period
print(f"{reform.name} against {base.name}, rural areas, {tables.period_text(period)}, "
      f"{REPLICATIONS} replications, {HOUSEHOLDS:,} households")

# %% [markdown]
# ## The reform at a glance
# Money in yuan a year; recipients are monthly averages; intervals in brackets (90%, across
# replications).

# %%
tables.overview_frame(comparison.overview, "rural")

# %% [markdown]
# ## Cost, coverage and poverty, rural areas, from July
# † marks a figure that moves with the standard itself: "below the dibao line" rises when the
# standard rises, with no household changing.

# %%
table = comparison.for_reform(reform.name, "rural")
tables.comparison_frame(table)

# %% [markdown]
# ## Month by month: caseload and cost, baseline against the reform

# %%
monthly = {name: results.monthly for name, results in comparison.results.items()}
charts.paths(monthly[base.name], monthly[reform.name], name=reform.name, area_type="rural")

# %% [markdown]
# ## Who gains
# Extra payments per person and month by decile of income before transfers per head (1: the
# poorest tenth of residents); the labels give each decile's share of the extra spending.

# %%
charts.decile_bars(comparison.deciles, reform.name)

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
summary.assign(yuan=summary["yuan"].map(tables.yuan)).rename(columns={"yuan": "dibao paid, yuan (total)"})

# %% [markdown]
# ## How much of the gap to the poverty line closes

# %%
row = table.set_index("measure")
gap_before = row.loc["gap_yuan_post_pl", "baseline"]
closed = -row.loc["gap_yuan_post_pl", "difference"]
extra_cost = row.loc["total_cost", "difference"]
print(f"Remaining rural gap to the poverty line (baseline, from {FROM}): {tables.yuan(gap_before)} yuan")
print(f"Closed by the reform: {tables.yuan(closed)} yuan ({tables.share(closed / gap_before)}) "
      f"for {tables.yuan(extra_cost)} yuan of extra spending, all programmes")

# %% [markdown]
# ## The curve: each rural standard's cost and the gap it closes
# One reform per standard (the same July start), one replication each, on the same draws.

# %%
curve = [load_scenario(REFORM, size | {"name": f"rural-{v}", "dibao.standard.rural": {FROM: v}})
         for v in CURVE if v != 433]
sweep = compare(base, curve, first=FROM)
points = sweep.overview[sweep.overview["area_type"] == "rural"].assign(
    standard=[v for v in CURVE if v != 433])
points = pd.concat([pd.DataFrame({"standard": [433], "extra_cost_year": [0.0], "gap_closed_year": [0.0],
                                  "coverage_reform": [points["coverage_baseline"].iloc[0]]}), points])
charts.lines(points.assign(**{"extra cost": points["extra_cost_year"] / 1e6,
                              "gap closed": points["gap_closed_year"] / 1e6}),
             "standard", {"extra cost": "extra cost, all programmes", "gap closed": "gap to the poverty line closed"},
             title="Rural standard from July: million yuan a year", ylabel="million yuan a year")

# %%
pd.DataFrame({"rural standard, yuan/person/month": points["standard"],
              "extra cost, yuan a year": points["extra_cost_year"].map(lambda v: tables.yuan(v, True)),
              "gap closed, yuan a year": points["gap_closed_year"].map(lambda v: tables.yuan(v, True)),
              "rural dibao coverage": points["coverage_reform"].map(tables.share)})

# %%
# Checks that keep this notebook honest when it runs in the tests.
assert new.sum() > 0, "raising the standard must cover some new households"
assert row.loc["dibao_cost", "difference"] > 0
assert closed >= 0
assert isinstance(summary, pd.DataFrame)
assert points["extra_cost_year"].is_monotonic_increasing, "a higher standard costs more"
assert points["coverage_reform"].is_monotonic_increasing
assert comparison.deciles["gain_share"].sum() > 0.99
