"""A reform whose changes all fall outside the reported period is refused, naming the key and the
period; a dated change inside the warm-up gets a warning."""

import pytest

from aidsim.errors import ScenarioError
from aidsim.scenario.window import changes, check_reform
from tests.helpers import small_scenario

BASE = small_scenario(100, 24)  # reported 2020-01 … 2021-12, warm-up 2019-10 … 2019-12


def test_changes_are_dated_against_the_window():
    reform = small_scenario(100, 24, name="r", dibao__standard__rural={"2020-07": 500},
                            admin__verification__data_matching_from="2025-01", margin__multiple=1.6)
    found = {c.key: c for c in changes(BASE, reform)}
    assert set(found) == {"dibao.standard.rural", "admin.verification.data_matching_from", "margin.multiple"}
    assert found["dibao.standard.rural"].in_window
    assert not found["admin.verification.data_matching_from"].in_window
    assert found["margin.multiple"].in_window and not found["margin.multiple"].in_warmup
    assert check_reform(BASE, reform, "r.yaml") == []


def test_a_reform_outside_the_reported_period_is_refused():
    reform = small_scenario(100, 24, name="late", dibao__standard__rural={"2019-01": 433, "2023-01": 600})
    with pytest.raises(ScenarioError) as err:
        check_reform(BASE, reform, "late.yaml")
    text = str(err.value)
    assert "late.yaml" in text and "dibao.standard.rural" in text and "2020-01 … 2021-12" in text


def test_a_change_in_the_warm_up_is_a_warning():
    reform = small_scenario(100, 24, name="early", dibao__standard__rural={"2019-11": 450})
    warnings = check_reform(BASE, reform, "early.yaml")
    assert len(warnings) == 1 and "dibao.standard.rural" in warnings[0] and "warm-up" in warnings[0]


def test_a_reform_identical_but_for_its_name_changes_nothing():
    assert changes(BASE, small_scenario(100, 24, name="same")) == []


def test_every_shipped_reform_changes_something_in_its_period():
    from pathlib import Path

    from aidsim import load_scenario
    root = Path(__file__).resolve().parents[2] / "scenarios"
    baseline = load_scenario(root / "baseline.yaml")
    for path in sorted((root / "reforms").glob("*.yaml")):
        reform = load_scenario(path)
        assert any(c.in_window for c in changes(baseline, reform)), path.name
        assert check_reform(baseline, reform, path.name) == [], path.name
