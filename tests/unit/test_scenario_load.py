"""Loading scenarios: extends chains, dated merges, overrides, line numbers in errors."""

from pathlib import Path

import pytest

from aidsim import load_scenario
from aidsim.calendar import parse_month
from aidsim.errors import ScenarioError

ROOT = Path(__file__).resolve().parents[2]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_reform_merges_dated_values_month_by_month(tmp_path):
    write(tmp_path / "base.yaml", "dibao:\n  standard:\n    rural: {2020-01: 433}\n    urban: 750\n")
    reform = write(tmp_path / "reform.yaml",
                   "extends: base.yaml\nname: r\ndibao:\n  standard:\n    rural: {2020-07: 500}\n")
    s = load_scenario(reform)
    assert s.name == "r"
    assert s.dibao.standard.rural.at(parse_month("2020-06")) == 433
    assert s.dibao.standard.rural.at(parse_month("2020-07")) == 500
    assert s.dibao.standard.urban.at(parse_month("2020-07")) == 750


def test_extends_chains_and_the_nearest_file_wins(tmp_path):
    write(tmp_path / "a.yaml", "tekun:\n  basic_multiplier: 1.2\ndibao:\n  gradual_exit_months: 2\n")
    write(tmp_path / "b.yaml", "extends: a.yaml\ntekun:\n  basic_multiplier: 1.4\n")
    s = load_scenario(write(tmp_path / "c.yaml", "extends: b.yaml\ndibao:\n  minimum_payment: 20\n"))
    assert (s.tekun.basic_multiplier, s.dibao.gradual_exit_months, s.dibao.minimum_payment) == (1.4, 2, 20)


def test_overrides_apply_after_files_and_are_validated(tmp_path):
    path = write(tmp_path / "s.yaml", "simulation:\n  months: 24\n")
    assert load_scenario(path, {"simulation.months": 6}).simulation.months == 6
    with pytest.raises(ScenarioError, match="simulation.months"):
        load_scenario(path, {"simulation.months": 0})


def test_error_names_file_line_and_path(tmp_path):
    write(tmp_path / "base.yaml", "name: b\n")
    reform = write(tmp_path / "reform.yaml",
                   "extends: base.yaml\ndibao:\n  standard:\n    rural: -50\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(reform)
    text = str(err.value)
    assert "reform.yaml, line 4" in text and "dibao.standard.rural" in text
    assert "≥ 0" in text and "-50" in text and "yuan/person/month" in text


def test_all_problems_are_reported_at_once(tmp_path):
    path = write(tmp_path / "s.yaml", "dibao:\n  gradual_exit_months: -1\n  minimum_payment: x\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert len(err.value.problems) == 2


def test_shipped_scenarios_are_valid_and_reforms_change_what_they_say():
    base = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    reform = load_scenario(ROOT / "scenarios" / "reforms" / "rural_500_july.yaml")
    assert base.dibao.standard.rural.at(parse_month("2020-07")) == 433
    assert reform.dibao.standard.rural.at(parse_month("2020-07")) == 500
    assert base.population == reform.population and base.admin == reform.admin
    assert base.simulation.months == 24 and base.population.households == 100_000


def test_resolved_scenario_round_trips(tmp_path):
    import yaml

    s = load_scenario(ROOT / "scenarios" / "reforms" / "rural_500_july.yaml")
    again = load_scenario(write(tmp_path / "resolved.yaml", yaml.safe_dump(s.resolved())))
    assert again == s


def test_committed_json_schema_is_up_to_date():
    import json

    from aidsim.scenario.schema import Scenario

    committed = json.loads((ROOT / "scenarios" / "schema.json").read_text(encoding="utf-8"))
    assert committed == Scenario.model_json_schema(), (
        "regenerate with: aidsim params --format json-schema > scenarios/schema.json")
