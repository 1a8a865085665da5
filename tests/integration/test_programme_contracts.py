"""Contracts every programme of the registry keeps (in the spirit of scikit-learn's
``check_estimator``): run over the whole registry, so a new programme is checked with no new test.

- no payment is negative and no household is paid twice in one payment;
- a switched-off programme pays nothing, and every programme that does not read what it provides
  (directly or through others) pays every household the same, to the fen;
- every measure recorded is declared and every declared measure is recorded;
- every programme has rule cases in ``tests/cases/<name>.yaml`` that pay each of its ledger lines,
  and rows in ``aidsim explain``;
- the registry refuses a need nobody provides and a cycle; the frame refuses an undeclared read.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from aidsim.engine.model import AidModel
from aidsim.programmes import REGISTRY
from aidsim.programmes.base import Frame, FrameError, LedgerLine, Programme
from aidsim.programmes.registry import Registry, RegistryError
from aidsim.runners.explain import explain
from tests.cases.build import CASES_DIR, load_cases
from tests.helpers import small_scenario

HOUSEHOLDS, MONTHS = 3000, 13  # January is paid twice: the premium and the festival months occur
#: Inflation above the price-linked subsidy's threshold, so that every ledger line pays.
PRICES = {"prices__inflation": 5.0}


def dependents(registry: Registry, name: str) -> set[str]:
    """Programmes that read, directly or through others, a key ``name`` provides."""
    found, frontier = set(), {name}
    while frontier:
        provided = {k for k, owner in registry.provided_by.items() if owner in frontier}
        frontier = {p.name for p in registry if set(p.needs) & provided} - found - {name}
        found |= frontier
    return found


@cache
def run_payments(off: str | None = None) -> tuple[dict[str, np.ndarray], list[dict]]:
    """Each line's payments per household over the run, and every month's payments, with the
    programme ``off`` switched off."""
    overrides = PRICES | ({f"{off}__enabled": False} if off else {})
    model = AidModel(small_scenario(HOUSEHOLDS, MONTHS, **overrides))
    model.keep_frame = True
    months = []
    while model.running:
        model.step()
        months.append(model.frame["ledger.payments"])
    model.ledger.reconcile(model.state.paid_fen)
    return dict(zip(REGISTRY.line_names, model.state.paid_fen, strict=True)), months


SWITCHED = [p.name for p in REGISTRY if hasattr(p.params(small_scenario(10, 1)), "enabled")]


def test_every_paying_programme_has_a_switch():
    assert {p.name for p in REGISTRY if p.lines} <= set(SWITCHED)


def test_payments_are_positive_and_once_per_household():
    _, months = run_payments()
    for payments in months:
        for line, pay in payments.items():
            assert (pay.fen > 0).all(), line
            assert (np.diff(pay.households) > 0).all(), f"{line}: a household paid twice in one payment"
            assert pay.households.shape == pay.fen.shape


def test_every_line_pays_something_in_the_default_run():
    totals, _ = run_payments()
    assert all(totals[line].sum() > 0 for line in REGISTRY.line_names), {k: int(v.sum()) for k, v in totals.items()}


@pytest.mark.parametrize("name", SWITCHED)
def test_a_switched_off_programme_pays_nothing_and_leaves_the_others_alone(name):
    base, _ = run_payments()
    off, _ = run_payments(name)
    prog = REGISTRY[name]
    for line in prog.lines:
        assert off[line.name].sum() == 0, line.name
    untouched = [p for p in REGISTRY if p.name != name and p.name not in dependents(REGISTRY, name)]
    for other in untouched:
        for line in other.lines:
            assert np.array_equal(base[line.name], off[line.name]), \
                f"switching {name} off changed {line.name}, which does not read anything {name} provides"


def test_dependents_follow_the_declared_needs():
    assert dependents(REGISTRY, "temporary") == set()  # nothing reads temporary assistance
    assert "dibao" in dependents(REGISTRY, "tekun") and "orphans" not in dependents(REGISTRY, "tekun")
    assert dependents(REGISTRY, "orphans") >= {"tekun", "dibao", "medical", "one_off"}


def test_each_programme_records_exactly_its_declared_measures():
    model = AidModel(small_scenario(HOUSEHOLDS, 2))
    model.keep_frame = True
    model.run_to_end()
    for prog in REGISTRY:
        view = model.frame.view(prog.name, model.frame.keys(), ())
        assert set(prog.measure(view, model.state.programmes[prog.name])) == set(prog.measures), prog.name


@pytest.mark.parametrize("prog", list(REGISTRY), ids=lambda p: p.name)
def test_every_programme_has_rule_cases_paying_each_line(prog):
    path = CASES_DIR / f"{prog.name}.yaml"
    assert path.exists(), f"{prog.name} needs rule cases in tests/cases/{prog.name}.yaml"
    cases = load_cases(path)
    paid = set()
    for case in cases:
        blocks = [case["expected"]] if "expected" in case else [h.get("expected", {}) for h in case["households"]]
        paid |= {k for block in blocks for k, v in block.items() if v}
    assert {line.name for line in prog.lines} <= paid


def test_every_programme_has_rows_in_explain():
    scenario = small_scenario(2000, 3)
    explanation = explain(scenario, 7, scenario.simulation.start)
    titles = [title for title, _ in explanation.sections]
    for prog in REGISTRY:
        assert prog.label in titles
        rows = dict(explanation.sections)[prog.label]
        assert len(rows) > len(prog.lines), f"{prog.name} explains nothing but its payments"
    assert set(explanation.payments_yuan) == set(REGISTRY.line_names)


def test_temporary_explains_the_loss_of_households_hit_and_not_hit():
    """The loss and resources are kept for the households hit only; ``explain`` reads theirs and
    works out the others' (their income alone) as the rule would."""
    from aidsim.programmes import temporary
    model = AidModel(small_scenario(2000, 3))
    while model.month < model.scenario.simulation.start_month:
        model.step()
    model.keep_frame = True
    model.step()
    frame, state = model.frame, model.state.programmes["temporary"]
    hit = frame["temporary.hit"]
    assert hit.shape[0] and frame["temporary.loss"].shape == frame["temporary.resources"].shape == hit.shape
    not_hit = int(np.flatnonzero(~frame["temporary.events"])[0])
    income, members = frame["assessed.household_total"], frame["household.alive_count"]
    months = model.scenario.temporary.resource_months
    for h, loss, per_member in ((int(hit[0]), frame["temporary.loss"][0], frame["temporary.resources"][0]),
                                (not_hit, 0.0, temporary.resources(income, np.zeros_like(income), members,
                                                                   months)[not_hit])):
        rows = dict(REGISTRY["temporary"].explain(frame, state, h))
        assert rows["loss"] == f"{loss:,.2f} yuan"
        assert rows["resources per member and month"].startswith(f"{per_member:,.2f} ")


class _Needy(Programme):
    name = "needy"
    section = "margin"
    label = "needs a key nobody provides"
    needs = ("nobody.provides_this",)


class _Ping(Programme):
    name = "ping"
    section = "margin"
    label = "ping"
    needs = ("pong.value",)
    provides = {"ping.value": "x"}


class _Pong(Programme):
    name = "pong"
    section = "margin"
    label = "pong"
    needs = ("ping.value",)
    provides = {"pong.value": "x"}


class _Sneaky(Programme):
    name = "sneaky"
    section = "margin"
    label = "reads a key it does not declare"
    lines = (LedgerLine("sneaky", "households", "sneaky"),)

    def step(self, frame, state):
        return {"sneaky": frame["dibao.paid"]}


def test_the_registry_refuses_a_need_nobody_provides_and_a_cycle():
    with pytest.raises(RegistryError, match="nobody.provides_this"):
        REGISTRY.with_programme(_Needy())
    with pytest.raises(RegistryError, match="cycle"):
        Registry([*REGISTRY, _Ping(), _Pong()])
    with pytest.raises(RegistryError, match="unique"):
        Registry([*REGISTRY, REGISTRY["dibao"]])


def test_the_frame_refuses_an_undeclared_read_and_a_second_write():
    frame = Frame(0, None, None, {"dibao.paid": np.zeros(2, bool)})
    with pytest.raises(FrameError, match="does not declare"):
        _Sneaky().step(frame.view("sneaky", (), ()), None)
    with pytest.raises(FrameError, match="twice"):
        frame["dibao.paid"] = np.ones(2, bool)
