"""County profiles: the shipped ones load, bad ones are refused with file, line, key and reason,
and a scenario that names a profile is scaled by its residents."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from aidsim import load_profile, load_scenario
from aidsim.cli import app
from aidsim.errors import ProfileError, ScenarioError
from aidsim.scenario.profile import (
    CountyProfile,
    households_for,
    impossible,
    scenario_tree,
    tilted_sizes,
)

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ROOT / "profiles"
BAD = ROOT / "tests" / "bad_profiles"
CASES = yaml.safe_load((BAD / "cases.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["example_county.yaml", "seed002_city_2015.yaml", "seed002_city_2020.yaml"])
def test_shipped_profiles_load_and_every_figure_has_year_and_source(name):
    profile = load_profile(PROFILES / name)
    figures = profile.figures()
    assert figures
    for key, figure in figures.items():
        assert figure.source.strip() and 1950 <= figure.year <= 2100, key


def test_the_template_names_what_is_missing():
    with pytest.raises(ProfileError, match="population.residents` must count at least one resident"):
        load_profile(PROFILES / "template.yaml")


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_bad_profiles_are_refused_with_file_line_key_and_reason(case):
    with pytest.raises(ProfileError) as info:
        load_profile(BAD / case["file"])
    message = str(info.value)
    assert message.startswith("Invalid profile")
    missing = [k for k in case["keywords"] if k not in message]
    assert not missing, (missing, message)


def test_bad_profile_on_the_command_line_exits_2_without_traceback():
    result = CliRunner().invoke(app, ["calibrate", str(BAD / "more_recipients_than_residents.yaml"), "--check"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "more recipients than rural residents" in result.stderr


def _profile(**caseloads) -> CountyProfile:
    def fig(v):
        return {"value": v, "year": 2025, "source": "test"}

    return CountyProfile.model_validate({
        "year": 2025,
        "population": {"residents": {"urban": fig(100_000), "rural": fig(200_000)}, "household_size": fig(2.5)},
        "policy": {"dibao_standard": {"urban": fig(760), "rural": fig(520)}},
        "caseloads": {k: {"rural": fig(v)} for k, v in caseloads.items()},
    })


def test_impossible_figures_have_reasons_and_consistent_ones_pass():
    assert impossible(_profile(dibao_persons=5000)) == []
    problems = dict(impossible(_profile(dibao_persons=250_000)))
    assert "more recipients than rural residents" in problems["caseloads.dibao_persons.rural"]
    problems = dict(impossible(_profile(dibao_average_subsidy=5000)))
    assert "twice the standard" in problems["caseloads.dibao_average_subsidy.rural"]


@pytest.mark.parametrize("mean", [1.5, 2.2, 2.9, 3.6, 4.8])
def test_household_sizes_are_tilted_to_the_published_mean(mean):
    shares = tilted_sizes(mean)
    assert sum(shares) == pytest.approx(1, abs=1e-6)
    assert sum(p * k for k, p in enumerate(shares, start=1)) == pytest.approx(mean, abs=0.01)


def test_population_is_scaled_by_residents():
    profile = _profile()
    households, sizes = households_for(profile)
    assert households == 120_000  # 300,000 residents ÷ 2.5 persons
    tree = scenario_tree(profile)
    assert tree["population"]["urban_share"] == pytest.approx(1 / 3, abs=1e-6)
    assert tree["dibao"]["standard"]["rural"] == {"2025-01": 520}


def test_a_scenario_names_a_profile_and_overrides_it(tmp_path):
    (tmp_path / "county.yaml").write_text((PROFILES / "example_county.yaml").read_text(encoding="utf-8"),
                                          encoding="utf-8")
    (tmp_path / "s.yaml").write_text("profile: county.yaml\nname: mine\nadmin:\n  applying:\n"
                                     "    area_factor: {urban: 0.5, rural: 2.0}\n", encoding="utf-8")
    s = load_scenario(tmp_path / "s.yaml")
    assert s.name == "mine"
    assert s.population.households == round(420_000 / 2.9)  # the default household sizes: 2.9 persons
    assert s.population.urban_share == pytest.approx(0.4)
    assert s.dibao.standard.rural.at(s.simulation.start_month) == 520
    assert s.simulation.start == "2025-01"
    assert s.admin.applying.area_factor.rural == 2.0
    # A reform extends it like any scenario.
    (tmp_path / "r.yaml").write_text("extends: s.yaml\nname: raise\ndibao:\n  standard:\n    rural: {2025-07: 560}\n",
                                     encoding="utf-8")
    r = load_scenario(tmp_path / "r.yaml")
    assert r.dibao.standard.rural.at(s.simulation.start_month + 6) == 560
    assert r.population.households == s.population.households


def test_a_scenario_naming_a_missing_or_bad_profile_is_refused(tmp_path):
    (tmp_path / "s.yaml").write_text("profile: nowhere.yaml\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="nowhere.yaml"):
        load_scenario(tmp_path / "s.yaml")
    (tmp_path / "bad.yaml").write_text((BAD / "more_recipients_than_residents.yaml").read_text(encoding="utf-8"),
                                       encoding="utf-8")
    (tmp_path / "t.yaml").write_text("profile: bad.yaml\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="more recipients"):
        load_scenario(tmp_path / "t.yaml")
