"""A new programme is one module, one registry line and one rule case: this test defines a small
one here (a winter heating subsidy for dibao households) and runs it through the real model,
ledger, measures, rule-case harness and ``aidsim explain``, with no edit anywhere else."""

from __future__ import annotations

import numpy as np
import pytest

from aidsim import run
from aidsim.calendar import calendar_month
from aidsim.engine.model import AidModel
from aidsim.errors import ScenarioError
from aidsim.programmes import REGISTRY
from aidsim.programmes.base import LedgerLine, Programme, Ratio, household_payment, stock, to_fen
from aidsim.runners.explain import explain
from aidsim.scenario.load import merge_overrides, validate_scenario
from aidsim.scenario.schema import Section, param, register_section, unregister_section
from tests.cases.build import build, compare
from tests.cases.build import run as run_case
from tests.helpers import small_scenario


# -- the module (what a new file in src/aidsim/programmes/ would hold) --------------------------
class HeatingParams(Section):
    """Winter heating subsidy (取暖补贴) for households paid dibao."""

    enabled: bool = param(True, unit="switch", description="Pay the heating subsidy.")
    amount: float = param(100, unit="yuan/household/month", ge=0, le=10_000,
                          description="Paid to each dibao household in a heating month.")
    months: list[int] = param(default_factory=lambda: [11, 12, 1, 2, 3], unit="calendar months 1–12",
                              description="The heating months.")


def heating_due(calendar_month_: int, months: list[int]) -> bool:
    """The subsidy is paid in the heating months."""
    return calendar_month_ in months


class Heating(Programme):
    name = "heating"
    section = "heating"
    label = "Winter heating subsidy (取暖补贴)"
    lines = (LedgerLine("heating", "households", label),)
    needs = ("dibao.paid",)
    provides = {"heating.paid": "intp: households paid this month"}
    measures = {"heating_months": stock("households", "Households in a heating month (all of them, or none).")}
    ratios = {"heating_share_of_households": Ratio("heating_recipients", "households", "share",
                                                   "Share of households paid the heating subsidy.")}

    def step(self, frame, state):
        params = self.params(frame.scenario)
        due = params.enabled and heating_due(calendar_month(frame.month), params.months)
        paid = np.flatnonzero(frame["dibao.paid"]) if due else np.zeros(0, np.intp)
        frame["heating.paid"] = paid
        return {"heating": household_payment(frame.sim, paid, np.full(paid.shape[0], to_fen(params.amount)))}

    def measure(self, frame, state):
        sim = frame.sim
        due = heating_due(calendar_month(frame.month), self.params(frame.scenario).months)
        alive = frame["household.alive_count"] > 0
        return {"heating_months": np.bincount(sim.household_area[alive], minlength=sim.population.n_areas)
                * float(due)}

    def explain(self, frame, state, household):
        params = self.params(frame.scenario)
        return [("heating month", "yes" if heating_due(calendar_month(frame.month), params.months) else "no"),
                ("household paid dibao", "yes" if frame["dibao.paid"][household] else "no")]


# -- the registry line -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def registry():
    register_section("heating", HeatingParams)
    yield REGISTRY.with_programme(Heating())
    unregister_section("heating")


def _scenario(**heating):
    base = small_scenario(3000, 12)
    return validate_scenario(merge_overrides(base.resolved(), {"heating": {"amount": 120, **heating}}))


def test_it_runs_through_the_model_ledger_and_measures(registry):
    results = run(_scenario(), registry=registry)
    monthly = results.monthly.query("area_type == 'all'").set_index("month")
    winter = monthly.index.str[5:].astype(int).isin([11, 12, 1, 2, 3])
    assert (monthly.loc[winter, "heating_cost"] == 120 * monthly.loc[winter, "dibao_households"]).all()
    assert (monthly.loc[winter, "heating_recipients"] == monthly.loc[winter, "dibao_households"]).all()
    assert (monthly.loc[~winter, "heating_cost"] == 0).all()
    assert monthly["heating_share_of_households"].notna().all()
    ledger = results.ledger
    assert ledger.loc[ledger["programme"] == "heating", "yuan"].sum() == results.payments_total_yuan()["heating"] > 0
    total = results.summary()["all"]
    assert total["total_cost"] == pytest.approx(sum(results.payments_total_yuan().values()), abs=0.01)
    # The shipped programmes pay exactly what they pay without it.
    without = run(small_scenario(3000, 12)).payments_total_yuan()
    assert {k: v for k, v in results.payments_total_yuan().items() if k != "heating"} == without


def test_its_parameters_are_validated_like_every_section(registry):
    with pytest.raises(ScenarioError, match="heating.amount"):
        _scenario(amount=-5)
    with pytest.raises(ScenarioError, match="heating.colour"):
        _scenario(colour="red")
    assert _scenario().resolved()["heating"]["amount"] == 120


def test_it_explains_its_payment(registry):
    scenario = _scenario()
    model = AidModel(scenario, registry=registry)
    first = scenario.simulation.start
    while model.month < model.start_month:
        model.step()
    household = int(np.flatnonzero(model.state.programmes["dibao"].paid)[0])
    explanation = explain(scenario, household, first, model=model)
    rows = dict(dict(explanation.sections)["Winter heating subsidy (取暖补贴)"])
    assert rows["heating month"] == "yes" and rows["household paid dibao"] == "yes"
    assert explanation.payments_yuan["heating"] == 120


# -- its rule case -----------------------------------------------------------------------------------
CASE = {
    "name": "heating-paid-to-a-dibao-household-in-december",
    "month": "2020-12",
    "parameters": {"heating.amount": 150},
    "household": {"area": "rural", "members": [{"age": 45, "earnings": 300}]},
    "expected": {"dibao": 133, "heating": 150},
}


def test_its_rule_case(registry):
    built = build(CASE, registry)
    assert compare(built, run_case(built)) == []
    summer = build(CASE | {"month": "2021-07", "expected": {"dibao": 133}}, registry)
    assert compare(summer, run_case(summer)) == []
