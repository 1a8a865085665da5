"""Rule cases as data: every case in ``tests/cases/*.yaml`` run through the engine's real month.

For each case the runner (``tests/cases/build.py``):

1. builds the scenario: the default scenario, then the harness settings below, then the case's
   ``parameters`` (dotted paths; a case may override a harness setting);
2. builds the case's household(s) as a :class:`~aidsim.population.arrays.Population` (persons stored
   household by household; urban households in area 0, a street office, rural ones in area 1, a
   township) and ``SimState.start(population)``;
3. writes the case's ``before:`` facts (rolls, yearly counters, waiting county cases, orphan
   placement, medical spending) into the state's arrays;
4. states the month's events directly as the engine's frame keys (:func:`aidsim.engine.events.event_keys`): illness
   episodes with the stated in-policy hospital cost and the engine's own insurance reimbursement,
   deaths, job losses, disasters, ``able`` from the engine's ``able_persons``, incomes from the
   stated earnings, pensions and other income, and take-up uniforms of 0;
5. calls ``apply_rules(state, scenario, month, keys, record=True)`` and compares the frame's
   ``ledger.payments`` (fen per household per ledger line) with the case's ``expected`` yuan, to the
   fen. Programmes a case does not list must pay 0. Optional checks compare intermediate values.

Harness settings (``HARNESS`` in build.py) that make a single month deterministic:

- take-up rates (dibao, tekun, temporary assistance) = 1 with uniforms of 0: the eligible apply;
- the ideal administration (``aidsim.scenario.presets.IDEAL_ADMIN``): a household eligible this
  month is assessed at its true income and paid this month; rolls start empty unless ``before:``
  says so;
- ``tekun.institutional_share`` = 0 (new tekun recipients are dispersed; a case sets a share of 1
  in its ``parameters`` for an institutional placement);
- ``orphans.institutional_share`` = 0 (placement is set per child with ``before:``);
- ``elderly.home_care_places_per_10k`` = 10,000 (a place per resident unless a case sets fewer).

The YAML keys are documented in ``tests/cases/README.md``. A case with ``xfail: <reason>`` is a
known bug of the engine, reported, and runs as ``xfail(strict=True)``: it fails the suite when the
bug is fixed, so the mark must then be removed.
"""

from __future__ import annotations

import pytest

from aidsim.programmes import PROGRAMMES
from tests.cases.build import all_case_files, build, compare, load_cases, run

REQUIRED_FILES = ("dibao", "tekun", "orphans", "temporary", "medical", "disability", "elderly",
                  "margin", "one_off", "spending_poverty")


def _collect() -> list:
    params, seen = [], {}
    for path in all_case_files():
        for case in load_cases(path):
            name = case.get("name")
            if not name or name in seen:
                raise ValueError(f"{path.name}: case name {name!r} is missing or also in {seen.get(name)}")
            seen[name] = path.name
            marks = [pytest.mark.xfail(strict=True, reason=case["xfail"])] if case.get("xfail") else []
            params.append(pytest.param(case, id=name, marks=marks))
    return params


CASES = _collect()


@pytest.mark.parametrize("case", CASES)
def test_rule_case(case):
    built = build(case)
    problems = compare(built, run(built))
    assert not problems, f"{case['_file']}: {case['name']}\n  " + "\n  ".join(problems)


def test_every_programme_file_has_cases():
    files = {c.values[0]["_file"] for c in CASES}
    assert {f"{name}.yaml" for name in REQUIRED_FILES} <= files


def test_every_programme_is_paid_in_some_case():
    """The cases exercise every programme with a payment, not only with zeros."""
    paid = set()
    for param in CASES:
        case = param.values[0]
        blocks = [case["expected"]] if "expected" in case else [h.get("expected", {})
                                                                  for h in case["households"]]
        paid |= {k for block in blocks for k, v in block.items() if k in PROGRAMMES and v}
    assert paid == set(PROGRAMMES)
