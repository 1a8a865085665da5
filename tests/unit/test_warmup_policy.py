"""The warm-up runs under the policy in force in the first reported month (unless the scenario
asks for dated values), so a run that starts with a new standard does not report a caseload still
climbing towards it."""

import pytest

from aidsim import run
from aidsim.calendar import parse_month
from aidsim.engine.model import AidModel
from tests.helpers import small_scenario

NEW_STANDARD = {"rural": {"2024-01": 433, "2025-01": 560}, "urban": {"2024-01": 750, "2025-01": 900}}


def _scenario(policy: str, **overrides):
    return small_scenario(10_000, 12, simulation__start="2025-01", simulation__warmup_months=12,
                          simulation__warmup_policy=policy, dibao__standard=NEW_STANDARD, **overrides)


def test_policy_at_freezes_dated_values_and_switches():
    scenario = _scenario("first_reported", admin__verification__data_matching_from="2025-01",
                         admin__applying__online_from="2026-01")
    frozen = scenario.policy_at(parse_month("2025-01"))
    assert frozen.dibao.standard.rural.at(parse_month("2024-03")) == 560
    assert frozen.dibao.standard.urban.changes == ((0, 900.0),)
    # In force in the first reported month: on from the first simulated month (2024-01).
    assert frozen.admin.verification.data_matching_from == "2024-01"
    assert frozen.admin.applying.online_from is None  # not yet in force in the first reported month
    assert frozen.shocks.disasters == scenario.shocks.disasters  # events keep their months


def test_the_model_warms_up_under_the_first_reported_months_policy():
    model = AidModel(_scenario("first_reported"))
    assert model.warmup_scenario.dibao.standard.rural.at(model.month) == 560
    dated = AidModel(_scenario("dated"))
    assert dated.warmup_scenario.dibao.standard.rural.at(dated.month) == 433


def test_a_run_starting_with_a_new_standard_does_not_climb():
    """Caseload of the first quarter against the fourth. Under a dated warm-up the new standard
    starts with the reported period and the caseload climbs as the newly eligible apply; under
    the first reported month's policy it has settled (what is left is the slow drift of an ageing
    population, 5.7% a year without renewal, and the in-migrant households that keep the residents
    stable applying under the same policy: 6.9% with them)."""
    climb = {}
    for policy in ("first_reported", "dated"):
        households = run(_scenario(policy)).monthly.query("area_type == 'all'")["dibao_households"].to_numpy()
        climb[policy] = households[9:12].mean() / households[:3].mean() - 1
    assert climb["dated"] > 0.15
    assert climb["first_reported"] == pytest.approx(0, abs=0.08)
