"""Calibration, budget and back-test on small counties (a few thousand households).

The long versions, whose numbers the README reports, are in benchmarks/calibration.py."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from aidsim.cli import app
from aidsim.errors import CalibrationError
from aidsim.runners.backtest import load_backtest
from aidsim.runners.budget import budget, difference
from aidsim.runners.calibrate import calibrate, calibrated_yaml, set_values, simulate
from aidsim.scenario.load import load_scenario, validate_scenario
from aidsim.scenario.profile import PROFILE_INDEXATION, PROFILE_SIMULATION, CountyProfile
from aidsim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[2]
HOUSEHOLDS = 10_000
TRUTH = {"admin.applying.area_factor.urban": 2.0, "admin.applying.area_factor.rural": 1.6}


def _county(values: dict) -> dict:
    """A county run as one built from its profile is (its warm-up, the standards as written)."""
    data = set_values(Scenario().resolved(), {
        "population.households": HOUSEHOLDS, "simulation.start": "2025-01", "simulation.months": 12,
        **{f"simulation.{k}": v for k, v in PROFILE_SIMULATION.items()},
        "dibao.standard_indexation": PROFILE_INDEXATION, "dibao.standard.urban": {"2025-01": 760.0},
        "dibao.standard.rural": {"2025-01": 520.0}})
    return set_values(data, values)


def _profile(figures: dict[str, float], keep: list[str]) -> CountyProfile:
    def fig(v):
        return {"value": float(v), "year": 2025, "source": "synthetic"}

    tree: dict = {"name": "synthetic", "year": 2025,
                  "population": {"residents": {"urban": fig(4000), "rural": fig(7600)}},
                  "policy": {"dibao_standard": {"urban": fig(760), "rural": fig(520)}}}
    for key in keep:
        node = tree
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = fig(figures[key])
    return CountyProfile.model_validate(tree)


@pytest.fixture(scope="module")
def truth() -> dict[str, float]:
    return simulate(_county(TRUTH), 20200101, 0, {"urban": 4000, "rural": 7600})


def _calibrate(profile: CountyProfile, **kwargs):
    base = _county({})
    return calibrate(profile, base=base, households=HOUSEHOLDS, workers=1, max_evaluations=40,
                     fit=tuple(TRUTH), **kwargs)


@pytest.fixture(scope="module")
def fit(truth):
    keys = ["caseloads.dibao_persons.urban", "caseloads.dibao_persons.rural", "spending.dibao.rural"]
    return _calibrate(_profile(truth, keys))


def test_round_trip_recovers_figures_and_take_up(fit):
    for row in fit.report:  # a few dozen urban recipients: one household is a few percent
        assert abs(row["error"]) < (0.15 if row["figure"].endswith("urban") else 0.05), row
    values = fit.values()
    for path, true in TRUTH.items():
        k = [p.path for p in fit.parameters].index(path)
        se = math.sqrt(fit.covariance[k, k])
        assert abs(math.log(values[path] / true)) < max(2 * se, 0.2), (path, values[path], true, se)
    assert fit.pinned["admin.applying.area_factor.rural"]
    # The defaults (1.0) were far from the truth: the fit moved them.
    assert values["admin.applying.area_factor.rural"] > 1.3
    assert values["admin.applying.area_factor.urban"] > 1.3


def test_partial_profile_fits_what_it_can_and_names_the_rest(truth):
    fit = _calibrate(_profile(truth, ["caseloads.dibao_persons.rural"]))
    assert [p.path for p in fit.parameters] == ["admin.applying.area_factor.rural"]
    assert fit.unused["admin.applying.area_factor.urban"] == "no figure in the profile informs it"
    assert abs(fit.report[0]["error"]) < 0.05


def test_a_profile_with_no_target_is_refused():
    with pytest.raises(CalibrationError, match="no figure the model can be fitted to"):
        calibrate(_profile({}, []), base=_county({}), households=HOUSEHOLDS, workers=1)


def test_calibrated_file_runs_and_budget_splits_its_interval(fit, tmp_path):
    text = calibrated_yaml(fit, "county.yaml")
    fit.write(tmp_path / "api" / "c.yaml", tmp_path / "county.yaml")
    assert (tmp_path / "api" / "c.fit.csv").exists()
    assert "profile: ../county.yaml" in (tmp_path / "api" / "c.yaml").read_text(encoding="utf-8")
    assert "published" in text and "pinned down" in text
    (tmp_path / "county.yaml").write_text(yaml.safe_dump(fit.profile.model_dump(exclude_none=True)),
                                          encoding="utf-8")
    (tmp_path / "calibrated.yaml").write_text(text, encoding="utf-8")
    s = load_scenario(tmp_path / "calibrated.yaml", {"population.households": HOUSEHOLDS,
                                                     "simulation.warmup_months": 6})
    assert s.calibration.parameters == list(TRUTH)
    assert s.population.households == HOUSEHOLDS
    assert s.admin.applying.area_factor.rural == pytest.approx(fit.values()["admin.applying.area_factor.rural"])
    forecast = budget(s, 2026, replications=3, draws=3, macro=(0.02, 0.08))
    total = forecast.row("total_cost")
    assert total["low"] < total["mean"] < total["high"]
    shares = [total[f"share_{k}"] for k in ("monte_carlo", "parameters", "misfit", "macro")]
    assert sum(shares) == pytest.approx(1)
    assert all(total[f"share_{k}"] > 0 for k in ("monte_carlo", "parameters", "macro"))
    # The rural dibao spending the fit missed by e widens its bill by e × the bill.
    miss = s.calibration.misfit["spending.dibao.rural"]
    rural = forecast.row("dibao_cost_rural")
    assert rural["sd_misfit"] == pytest.approx(abs(miss) * rural["mean"])
    # A reform on the same runs: the difference's interval is the policy's.
    (tmp_path / "raise.yaml").write_text("extends: calibrated.yaml\nname: raise\ndibao:\n  standard:\n"
                                         "    rural: {2026-01: 600}\n", encoding="utf-8")
    r = load_scenario(tmp_path / "raise.yaml", {"population.households": HOUSEHOLDS,
                                                "simulation.warmup_months": 6})
    more = budget(r, 2026, replications=3, draws=3, macro=(0.02, 0.08))
    diff = difference(forecast, more, r).row("dibao_cost")
    assert diff["mean"] == pytest.approx(more.row("dibao_cost")["mean"] - forecast.row("dibao_cost")["mean"])
    assert 0 < diff["low"] < diff["mean"] < diff["high"]
    assert diff["sd_monte_carlo"] < forecast.row("dibao_cost")["sd_monte_carlo"]  # common random numbers
    # Without a calibration (or draws) the parameters contribute nothing.
    plain = budget(validate_scenario(_county({})), 2026, replications=3, draws=3)
    assert plain.row("total_cost")["share_parameters"] == 0
    assert np.isfinite(plain.table["mean"]).all()


def test_budget_refuses_a_year_before_the_scenario():
    with pytest.raises(Exception, match="--year"):
        budget(validate_scenario(_county({})), 2020, replications=2, draws=0)


def test_shipped_backtest_specification_is_valid():
    spec, folder = load_backtest(ROOT / "profiles" / "backtests" / "seed002_2015_2020.yaml")
    assert (folder / spec.calibrate_on).exists() and (folder / spec.compare_with).exists()
    assert spec.forecast_year == 2020


def test_cli_calibrate_writes_a_scenario_and_a_report(truth, tmp_path):
    profile = _profile(truth, ["caseloads.dibao_persons.rural"])
    path = tmp_path / "county.yaml"
    path.write_text(yaml.safe_dump(profile.model_dump(exclude_none=True)), encoding="utf-8")
    out = tmp_path / "cal" / "calibrated.yaml"
    result = CliRunner().invoke(app, ["calibrate", str(path), "--out", str(out), "--households", "2000",
                                      "--workers", "1", "--max-evaluations", "10", "--quiet"])
    assert result.exit_code == 0, result.output
    assert out.exists() and out.with_suffix(".fit.csv").exists()
    assert "dibao_persons.rural" in result.stdout
    assert load_scenario(out).calibration.parameters == ["admin.applying.area_factor.rural"]


def test_ages_disability_and_orphans_are_set_directly_from_the_profile():
    from aidsim.runners.calibrate import _population_shares, set_directly

    def fig(v):
        return {"value": v, "year": 2025, "source": "test"}

    profile = CountyProfile.model_validate({
        "year": 2025,
        "population": {"residents": {"urban": fig(4000), "rural": fig(7600)},
                       "share_60_plus": fig(0.30), "share_80_plus": fig(0.06), "disabled_persons": fig(870)},
        "policy": {"dibao_standard": {"urban": fig(760), "rural": fig(520)}},
        "caseloads": {"orphans": fig(20)},
    })
    tree, notes = set_directly(profile, _county({}), 20200101)
    assert set(notes) == {"population.head_age, population.single_age", "population.disability_prevalence",
                          "population.orphan_share"}
    shares = _population_shares(tree, 20200101)
    assert shares["share_60_plus"] == pytest.approx(0.30, abs=0.01)
    assert shares["share_80_plus"] == pytest.approx(0.06, abs=0.01)
    assert shares["disabled"] == pytest.approx(870 / 11600, rel=0.1)
    assert tree["population"]["orphan_share"] * shares["minors"] * 11600 == pytest.approx(20, rel=1e-3)


def test_cli_budget_prints_and_writes_its_folder_again(fit, tmp_path):
    (tmp_path / "county.yaml").write_text(yaml.safe_dump(fit.profile.model_dump(exclude_none=True)),
                                          encoding="utf-8")
    fit.write(tmp_path / "calibrated.yaml", tmp_path / "county.yaml")
    args = ["budget", str(tmp_path / "calibrated.yaml"), "--year", "2026", "--households", "1000",
            "--replications", "2", "--draws", "2", "--workers", "1", "--out", str(tmp_path / "b"), "--quiet"]
    for _ in range(2):  # the second run replaces the first's folder
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
    assert "Dibao cost" in result.stdout and "90% interval" in result.stdout
    assert {p.name for p in (tmp_path / "b").iterdir()} == {"budget.csv", "runs.parquet", "manifest.json"}
    bad = CliRunner().invoke(app, [*args[:3], "2019", *args[4:]])
    assert bad.exit_code == 2 and "--year 2019" in bad.stderr
