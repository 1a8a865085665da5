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
# # Researcher: how take-up, verification, delays and exit rules shape dibao's targeting
#
# Three experiments on the baseline county, each changing one administrative lever and keeping
# every household's random draws (common random numbers), so differences are the lever's:
#
# 1. the monthly application rate (take-up friction), from a quarter of the baseline to four times;
# 2. verification: survey alone, with data matching, perfect detection (however busy the
#    office) without favour cases, and the ideal administration (every friction off);
# 3. approval delay and the gradual-exit grace.
#
# For each run: rural coverage, exclusion and inclusion errors split by cause, leakage and the
# poverty headcount after transfers, as formatted tables and as charts (errors by cause, one bar
# per run). Set `AIDSIM_SMALL=1` for a quick run.

# %% tags=["parameters"]
import os
from pathlib import Path

SMALL = bool(os.environ.get("AIDSIM_SMALL"))
HOUSEHOLDS = 6_000 if SMALL else 100_000
MONTHS = 12 if SMALL else 24
ROOT = Path.cwd() if (Path.cwd() / "scenarios").exists() else Path.cwd().parent
BASELINE = ROOT / "scenarios" / "baseline.yaml"

# %%
# %matplotlib inline
import pandas as pd

from aidsim import load_scenario, run
from aidsim.metrics.indicators import EXCLUSION_CAUSES, INCLUSION_CAUSES
from aidsim.reports import charts, tables
from aidsim.scenario.presets import IDEAL_ADMIN

BASE = {"population.households": HOUSEHOLDS, "simulation.months": MONTHS}
baseline = load_scenario(BASELINE, BASE)
TARGETING: dict[str, pd.DataFrame] = {}  # each run's targeting table, for the charts


def rural_targeting(label: str, overrides: dict) -> dict:
    """One run with ``overrides``; its rural targeting figures."""
    results = run(load_scenario(BASELINE, BASE | overrides))
    TARGETING[label] = results.targeting
    row = results.table(["area_type"]).set_index("area_type").loc["rural"]
    out = {"run": label, "coverage": row["dibao_coverage"], "exclusion": row["dibao_exclusion_error"],
           "inclusion": row["dibao_inclusion_error"], "leakage": row["dibao_leakage_share"],
           "days to payment": row["dibao_avg_days_to_payment"], "poor after": row["fgt0_post_pl"]}
    out |= {f"excl. {c}": row[f"dibao_exclusion_{c}"] for c in EXCLUSION_CAUSES}
    out |= {f"incl. {c}": row[f"dibao_inclusion_{c}"] for c in INCLUSION_CAUSES}
    return out


def shown(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The columns as text: shares in percent, days with one decimal (monthly averages over the run)."""
    out = table[columns].copy()
    for column in columns[1:]:
        out[column] = out[column].map(lambda v, c=column: f"{v:,.1f}" if c == "days to payment" else tables.share(v))
    return out


# %% [markdown]
# ## 1. Take-up: the monthly application rate

# %%
rate = baseline.admin.applying.monthly_rate
take_up = pd.DataFrame([rural_targeting(f"rate × {k:g}", {"admin.applying.monthly_rate": min(rate * k, 1.0)})
                        for k in (0.25, 1, 4)])
shown(take_up, ["run", "coverage", "exclusion", "excl. not_applied", "inclusion", "poor after"])

# %%
charts.lines(take_up.assign(rate=[rate * k for k in (0.25, 1, 4)]), "rate",
             {"exclusion": "exclusion error", "inclusion": "inclusion error", "coverage": "rural coverage"},
             title="Take-up: the monthly application rate moves exclusion", percent=True)

# %% [markdown]
# ## 2. Verification: survey alone, data matching, perfect detection

# %%
perfect = {"formal": 1.0, "informal": 1.0, "other": 1.0, "assets": 1.0}
verification = pd.DataFrame([
    rural_targeting("survey alone", {}),
    rural_targeting("data matching", {"admin.verification.data_matching_from": "2000-01"}),
    rural_targeting("perfect detection, no favour", {"admin.verification.detection": perfect,
                                                     "admin.verification.load_penalty": 0.0,
                                                     "admin.favour.connected_share": 0.0}),
    # Every friction off: the eligible apply at once and are paid at once; only the rules' own
    # gaps are left (gradual exit, changes between reviews).
    rural_targeting("ideal administration", IDEAL_ADMIN),
])
shown(verification, ["run", "coverage", "exclusion", "inclusion", "incl. verification", "incl. favour", "leakage"])

# %%
charts.targeting({k: TARGETING[k] for k in verification["run"]}, area_type="rural")

# %% [markdown]
# ## 3. Delays and the gradual exit

# %%
county = {"admin.approval.township_limit": 0}
delays = pd.DataFrame([
    rural_targeting("baseline (mostly township, ~30 days)", {}),
    rural_targeting("county approves all (~60 days)", county),
    rural_targeting("no gradual exit", {"dibao.gradual_exit_months": 0}),
    rural_targeting("12-month gradual exit", {"dibao.gradual_exit_months": 12}),
])
shown(delays, ["run", "days to payment", "excl. delay", "inclusion", "incl. gradual_exit", "poor after"])

# %%
charts.targeting({k: TARGETING[k] for k in delays["run"]}, area_type="rural")

# %%
for table in (take_up, verification, delays):
    for _, r in table.iterrows():
        print(f"{r['run']}: rural exclusion {tables.share(r['exclusion'])}, inclusion {tables.share(r['inclusion'])}, "
              f"poor after transfers {tables.share(r['poor after'])}")

# %%
# Checks that keep this notebook honest when it runs in the tests: the levers move the errors the
# way the mechanisms say, and every decomposition adds up to its error.
for table in (take_up, verification, delays):
    excl = table[[f"excl. {c}" for c in EXCLUSION_CAUSES]].sum(axis=1)
    incl = table[[f"incl. {c}" for c in INCLUSION_CAUSES]].sum(axis=1)
    assert ((excl - table["exclusion"]).abs() < 1e-9).all()
    assert ((incl - table["inclusion"]).abs() < 1e-9).all()
assert take_up["excl. not_applied"].is_monotonic_decreasing
assert verification.loc[2, "incl. verification"] == 0 and verification.loc[2, "incl. favour"] == 0
assert verification.loc[3, "exclusion"] < verification.loc[0, "exclusion"]
assert verification.loc[3, "incl. verification"] == verification.loc[3, "incl. favour"] == 0
assert delays.loc[1, "days to payment"] > delays.loc[0, "days to payment"]
assert delays.loc[2, "incl. gradual_exit"] == 0 < delays.loc[3, "incl. gradual_exit"]
