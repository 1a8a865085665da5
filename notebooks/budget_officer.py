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
# # Budget officer: next year's bill for your own county, with an interval that says how sure it is
#
# The three steps of the README's walk-through, from Python: the county's **profile** (the figures
# the bureau and the yearbook publish), **calibration** of the model to it, and next year's
# **budget**, each programme's bill with a 90% interval split by where its uncertainty comes from
# (Monte Carlo noise, the calibrated parameters, the fit's own miss, income growth). Set
# `AIDSIM_SMALL=1` for a quick run on a few thousand households.

# %% tags=["parameters"]
import os
from pathlib import Path

SMALL = bool(os.environ.get("AIDSIM_SMALL"))
HOUSEHOLDS = 4_000 if SMALL else 50_000       # simulated, the figures scaled to the residents
EVALUATIONS = 12 if SMALL else 120            # the optimiser's budget of simulations
REPLICATIONS = 3 if SMALL else 10             # Monte Carlo runs of the budget
DRAWS = 3 if SMALL else 10                    # parameter sets drawn from the fit's covariance
YEAR = 2026
ROOT = Path.cwd() if (Path.cwd() / "scenarios").exists() else Path.cwd().parent
PROFILE = ROOT / "profiles" / "example_county.yaml"
OUT = ROOT / "out" / "notebooks" / "county"

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import pandas as pd

import aidsim
from aidsim.reports import tables

profile = aidsim.load_profile(PROFILE)
fit = aidsim.calibrate(profile, households=HOUSEHOLDS, workers=1, max_evaluations=EVALUATIONS)
calibrated = fit.write(OUT / "calibrated.yaml", PROFILE)
print(f"{profile.name} ({profile.year}): calibrated to {len(fit.report)} published figures, "
      f"written to {calibrated.relative_to(ROOT)}")

# %% [markdown]
# ## How well the model fits the county's published figures

# %%
pd.DataFrame([{"figure": r["figure"], "published": tables.yuan(r["published"]) if r["unit"] != "share"
               else tables.share(r["published"]), "model": tables.yuan(r["model"]) if r["unit"] != "share"
               else tables.share(r["model"]), "error": f"{r['error']:+.1%}", "met": "yes" if r["met"] else "no"}
              for r in fit.report])

# %% [markdown]
# ## Next year's bill, programme by programme (yuan over the year, mean and 90% interval)

# %%
forecast = aidsim.budget(aidsim.load_scenario(calibrated), YEAR, replications=REPLICATIONS, draws=DRAWS,
                         macro=(0.03, 0.07), households=HOUSEHOLDS)
t = forecast.table
t = t[(t["mean"] > 0) & ~t["measure"].str.endswith(("_urban", "_rural"))].reset_index(drop=True)
pd.DataFrame({"programme": t["label"], "mean, yuan": t["mean"].map(tables.yuan),
              "low (5%), yuan": t["low"].map(tables.yuan), "high (95%), yuan": t["high"].map(tables.yuan),
              "Monte Carlo": t["share_monte_carlo"].map(tables.share),
              "parameters": t["share_parameters"].map(tables.share),
              "fit's miss": t["share_misfit"].map(tables.share),
              "income growth": t["share_macro"].map(tables.share)})

# %%
bills = t.sort_values("mean")
fig, ax = plt.subplots(figsize=(8, 4.5))
ax.barh(bills["label"], bills["mean"] / 1e6, color="#4c78a8")
ax.errorbar(bills["mean"] / 1e6, bills["label"], xerr=[(bills["mean"] - bills["low"]) / 1e6,
                                                       (bills["high"] - bills["mean"]) / 1e6],
            fmt="none", ecolor="black", capsize=3)
ax.set_xlabel(f"million yuan in {YEAR} (bars: mean; whiskers: 90% interval)")
ax.set_title(f"{profile.name}: the bill for {YEAR} by programme")
fig.tight_layout()

# %% [markdown]
# ## Where each interval's width comes from (share of its variance)

# %%
sources = {"share_monte_carlo": "Monte Carlo", "share_parameters": "parameters",
           "share_misfit": "fit's miss", "share_macro": "income growth"}
shares = bills.set_index("label")[list(sources)].rename(columns=sources).fillna(0)
ax = shares.plot.barh(stacked=True, figsize=(8, 4.5), title="Sources of each bill's uncertainty")
ax.set_xlabel("share of the interval's variance")
ax.figure.tight_layout()

# %%
# Checks that keep this notebook honest when it runs in the tests.
whole = forecast.row("total_cost")
assert whole["low"] < whole["mean"] < whole["high"]
assert abs(sum(whole[f"share_{k}"] for k in ("monte_carlo", "parameters", "misfit", "macro")) - 1) < 1e-9
assert forecast.row("dibao_cost")["mean"] > 0 and len(fit.report) > 0
