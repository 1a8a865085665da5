"""Explain one household's payments in one month: every programme's test with the values it used.

The model runs as usual up to the month asked for and keeps that month's frame: what the rules
themselves computed (eligibility, the means test, the casework, amounts and payments). Each
programme reads one household's row out of it (:meth:`~aidsim.programmes.base.Programme.explain`);
nothing is computed again here. It answers the caseworker's or planner's question "why this
amount?" from the same code that computed it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aidsim.calendar import format_month, parse_month
from aidsim.engine.model import AidModel
from aidsim.errors import ExplainError
from aidsim.programmes.base import Row, yuan
from aidsim.scenario.schema import Scenario

SELFCARE = ("full", "partial", "none")


@dataclass
class Explanation:
    household: int
    month: str
    sections: list[tuple[str, list[Row]]]
    payments_yuan: dict[str, float]


def explain(scenario: Scenario, household: int, month: str, *, model: AidModel | None = None) -> Explanation:
    """Run ``scenario`` up to ``month`` (a reported month, YYYY-MM) and explain ``household``.

    Raises :class:`~aidsim.errors.ExplainError` for a month outside the reported period or a
    household that does not exist. ``model``: a model of ``scenario`` not yet stepped (for
    example one built with another registry of programmes)."""
    try:
        target = parse_month(month)
    except ValueError as exc:
        raise ExplainError(f"--month: {exc}") from None
    sim = scenario.simulation
    if not sim.start_month <= target < sim.start_month + sim.months:
        raise ExplainError(f"--month {month} is outside the reported months "
                           f"{sim.start} … {format_month(sim.start_month + sim.months - 1)}")
    model = model if model is not None else AidModel(scenario)
    n_h = model.state.population.n_households
    if not 0 <= household < n_h:
        raise ExplainError(f"--household must be 0 … {n_h - 1}; got {household}")
    while model.month < target:
        model.step()
    model.keep_frame = True
    model.step()
    model.keep_frame = False
    return _read(model, household, target)


def _household_rows(model: AidModel, h: int) -> list[Row]:
    frame = model.frame
    pop = model.state.population
    p, hh = pop.persons, pop.households
    urban = bool(hh.urban[h])
    own = frame["incomes.person_own"]
    rows = [("area", f"{int(hh.area[h])} ({'urban street office' if urban else 'rural township'})"),
            ("hukou", "urban" if urban else "rural"),
            ("assets", ", ".join(n for n in ("vehicle", "business", "two_dwellings")
                                 if getattr(hh, n)[h]) or "none"),
            ("legal supporter elsewhere", "yes" if hh.outside_supporter[h] else "no"),
            ("other household income", yuan(float(frame["incomes.other"][h])))]
    first_vacant = pop.member_offsets[h + 1] - pop.vacant[h]  # rows from here are empty (reserved)
    for i in pop.members_of(np.array([h])):
        if i >= first_vacant:
            continue
        text = "dead, moved out or left the county" if not p.alive[i] else (
            f"age {p.age_months[i] // 12}, {'F' if p.female[i] else 'M'}, "
            f"disability {int(p.disability[i]) or 'none'}, self-care {SELFCARE[p.selfcare[i]]}, "
            f"{'working' if p.employed[i] else 'not working'}, own income {yuan(float(own[i]))}"
            + (", chronic illness" if p.chronic[i] else "") + (", ill this month" if p.ill[i] else "")
            + (", orphan" if p.orphan[i] else ""))
        rows.append((f"member {i}", text))
    months = model.scenario.dibao.income_months
    rows += [("income before transfers", yuan(float(frame["incomes.household_total"][h]))),
             ("per-capita income before transfers", yuan(float(frame["household.pre_pc"][h]))),
             (f"income the means test counts (average of about {months} month{'s' if months > 1 else ''})",
              yuan(float(frame["assessed.household_total"][h])))]
    certified = [int(i) for i in pop.members_of(np.array([h]))
                 if i < first_vacant and p.alive[i] and p.disability[i] > 0 and p.certified[i]]
    if certified:  # the disability subsidies need one
        rows.append(("disability certificate (残疾证)", ", ".join(f"member {i}" for i in certified)))
    return rows


def _read(model: AidModel, h: int, month: int) -> Explanation:
    frame, state = model.frame, model.state
    registry = state.registry
    n_h = state.population.n_households
    month_paid = frame["ledger.payments"]
    payments = {line: month_paid[line].dense(n_h)[h] / 100 for line in registry.line_names}
    sections: list[tuple[str, list[Row]]] = [("Household", _household_rows(model, h))]
    for prog in registry:
        view = frame.view(prog.name, frame.keys(), ())
        rows = prog.explain(view, state.programmes[prog.name], h)
        rows += [(f"paid: {line.label}" if len(prog.lines) > 1 else "paid", yuan(payments[line.name]))
                 for line in prog.lines]
        sections.append((prog.label, rows))
    return Explanation(household=h, month=format_month(month), sections=sections, payments_yuan=payments)
