"""Explain one household's payments in one month: every programme's test with the values it used.

The model runs as usual up to the month asked for; that month's rules record their intermediate
arrays, and this module reads one household's row out of them. It answers the caseworker's or
planner's question "why this amount?" from the same code that computed it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aidsim.admin.pipeline import GRACE, OFF, ON, PENDING
from aidsim.admin.process import APPROVING, QUEUED, RATIONED_BUDGET, RATIONED_QUOTA, DibaoRoll
from aidsim.calendar import calendar_month, format_month, parse_month
from aidsim.engine.model import AidModel
from aidsim.errors import AidsimError
from aidsim.programmes import PROGRAMME_INFO, PROGRAMMES
from aidsim.scenario.schema import Scenario

STATUS = {OFF: "not on the roll", PENDING: "applied, awaiting decision", ON: "on the roll",
          GRACE: "in gradual exit"}
SELFCARE = ("full", "partial", "none")


@dataclass
class Explanation:
    household: int
    month: str
    sections: list[tuple[str, list[tuple[str, str]]]]
    payments_yuan: dict[str, float]


def _yuan(x: float) -> str:
    return f"{x:,.2f} yuan"


def explain(scenario: Scenario, household: int, month: str) -> Explanation:
    """Run ``scenario`` up to ``month`` (a reported month, YYYY-MM) and explain ``household``."""
    try:
        target = parse_month(month)
    except ValueError as exc:
        raise AidsimError(f"--month: {exc}") from None
    sim = scenario.simulation
    if not sim.start_month <= target < sim.start_month + sim.months:
        raise AidsimError(f"--month {month} is outside the reported months "
                          f"{sim.start} … {format_month(sim.start_month + sim.months - 1)}")
    model = AidModel(scenario)
    n_h = model.state.population.n_households
    if not 0 <= household < n_h:
        raise AidsimError(f"--household must be 0 … {n_h - 1}; got {household}")
    while model.month < target:
        model.step()
    trace: dict[str, object] = {}
    model.trace = trace
    model.step()
    model.trace = None
    return _read(model, scenario, trace, household, target)


def _stage(roll: DibaoRoll, h: int, status: int) -> str:
    """Where a pending application stands."""
    if status != PENDING:
        return ""
    stage = int(roll.stage[h])
    text = {QUEUED: "waiting for a caseworker's survey", APPROVING: "in review, notice and approval",
            RATIONED_QUOTA: "approved, held back by the quota",
            RATIONED_BUDGET: "approved, held back by the budget"}[stage]
    text = f" ({text}; applied {format_month(int(roll.applied_month[h]))}"
    if stage == APPROVING:
        text += f", first payment due {format_month(int(roll.decision_month[h]))}"
    return text + ")"


def _read(model: AidModel, scenario: Scenario, trace: dict, h: int, month: int) -> Explanation:
    state = model.state
    pop = state.population
    p, hh = pop.persons, pop.households
    ctx, test, incomes = trace["ctx"], trace["test"], trace["incomes"]
    paid = {name: trace["paid"][name][h] / 100 for name in PROGRAMMES}
    members = pop.members_of(np.array([h]))
    urban = bool(hh.urban[h])
    std = float(ctx.std_h[h])
    sections: list[tuple[str, list[tuple[str, str]]]] = []

    rows = [("area", f"{int(hh.area[h])} ({'urban street office' if urban else 'rural township'})"),
            ("hukou", "urban" if urban else "rural"),
            ("assets", ", ".join(n for n in ("vehicle", "business", "two_dwellings")
                                 if getattr(hh, n)[h]) or "none"),
            ("legal supporter elsewhere", "yes" if hh.outside_supporter[h] else "no"),
            ("other household income", _yuan(float(incomes.other[h])))]
    for i in members:
        state_txt = "dead" if not p.alive[i] else (
            f"age {p.age_months[i] // 12}, {'F' if p.female[i] else 'M'}, "
            f"disability {int(p.disability[i]) or 'none'}, self-care {SELFCARE[p.selfcare[i]]}, "
            f"{'working' if p.employed[i] else 'not working'}, own income {_yuan(float(incomes.person_own[i]))}"
            + (", chronic illness" if p.chronic[i] else "") + (", ill this month" if p.ill[i] else "")
            + (", orphan" if p.orphan[i] else ""))
        rows.append((f"member {i}", state_txt))
    rows += [("income before transfers", _yuan(float(ctx.household_income[h]))),
             ("per-capita income before transfers", _yuan(float(ctx.pre_pc[h])))]
    sections.append(("Household", rows))

    status = int(state.dibao.status[h])
    unit = [int(i) for i in members if test.unit_member[i]]
    shares = float(trace["shares"][h])
    assessed = float(state.dibao.assessed[h])
    n = int(test.members[h])
    top_up = n * max(std - assessed, 0) + std * shares
    rows = [("standard", f"{_yuan(std)} per person ({'urban' if urban else 'rural'})"),
            ("members in the dibao unit", f"{n} (persons {unit}; tekun and orphan-allowance recipients are outside)"),
            ("spending deducted (spending-type poverty)", _yuan(float(test.deduction[h]))),
            ("per-capita income found by the means test", _yuan(float(test.per_capita_income[h]))),
            ("barred by an asset or conduct exclusion", "yes" if test.excluded[h] else "no"),
            ("eligible (income below the standard, not barred)", "yes" if test.eligible[h] else "no"),
            ("roll", STATUS[status] + _stage(state.dibao, h, status))]
    view, flows = trace["view"], trace["dibao_flows"]
    rows += [("per-capita income the household declares", _yuan(float(view.declared_pc[h]))),
             ("distance to the office", f"{float(view.distance_km[h]):.1f} km"),
             ("connected to officials (favour cases)", "yes" if view.connected[h] else "no"),
             ("this month", ", ".join(name for name, mask in (
                 ("applied", flows.applied), ("surveyed", flows.surveyed), ("refused", flows.refused),
                 ("wrongly refused", flows.wrongly_refused), ("reviewed", flows.reviewed),
                 ("approved or kept by favour", flows.favour_approved), ("entered", flows.entered),
                 ("left", flows.exited), ("removed by an inspection", flows.inspected_out)) if mask[h])
              or "no casework")]
    if status in (ON, GRACE):
        rows += [("next review", format_month(int(state.dibao.next_review[h]))),
                 ("eligible at its last means test", "yes" if state.dibao.sound[h] else "no"),
                 ("on the roll by favour", "yes" if state.dibao.favour[h] else "no")]
    if status in (ON, GRACE):
        rows += [("income assessed at the last review", _yuan(assessed)),
                 ("categorical supplements (shares of the standard)", f"{shares:.2f}"),
                 ("amount", f"{n} × max({std:g} − {assessed:.2f}, 0) + {std:g} × {shares:.2f} = "
                            f"{top_up:,.2f}; at least {n} × {scenario.dibao.minimum_payment:g}")]
    rows.append(("paid", _yuan(paid["dibao"])))
    sections.append(("Dibao (最低生活保障)", rows))

    tk = scenario.tekun
    rows = []
    for i in members:
        if trace["tekun_eligible"][i] or ctx.tekun_paid[i]:
            care = (tk.care_share.full, tk.care_share.partial, tk.care_share.none)[p.selfcare[i]]
            wage = (tk.minimum_wage.urban if urban else tk.minimum_wage.rural).at(month)
            rows.append((f"member {i}", f"eligible: {'yes' if trace['tekun_eligible'][i] else 'no'}; "
                                        f"{STATUS[int(state.tekun.status[i])]}; "
                                        f"{tk.basic_multiplier:g} × {std:g} + {care:g} × {wage:g}"
                                        f"{' (institution)' if state.tekun_institutional[i] else ''}"))
    rows.append(("paid", _yuan(paid["tekun"])))
    sections.append(("Extreme-poverty support (特困)", rows))

    margin_rows = [("margin household (standard ≤ income < "
                    f"{scenario.margin.multiple:g} × standard, not on dibao)", "yes" if ctx.margin[h] else "no")]
    sections.append(("Low-income margin (低保边缘)", margin_rows))

    med = trace["medical"]
    rows = []
    for k, i in enumerate(med.onset):
        if p.household[i] == h:
            rows.append((f"member {i}: new hospital episode",
                         f"out-of-pocket after insurance {med.out_of_pocket_after_aid[k] + med.episode_aid[k]:,.2f}; "
                         f"medical assistance {med.episode_aid[k]:,.2f}; left {med.out_of_pocket_after_aid[k]:,.2f}"))
    if calendar_month(month) == scenario.medical.premium_month:
        rows.append(("premium month", f"premium {scenario.medical.premium.at(month):g} yuan/person/year"))
    rows.append(("paid (incl. premium and chronic outpatient aid)", _yuan(paid["medical"])))
    sections.append(("Medical assistance (医疗救助)", rows))

    tp = scenario.temporary
    loss = float(ctx.extra["temporary_loss"][h])
    resources = (tp.resource_months * float(ctx.household_income[h]) - loss) / (
        tp.resource_months * max(int(ctx.alive_count[h]), 1))
    rows = [("event this month", "yes" if trace["temporary_events"][h] else "no"),
            ("loss", _yuan(loss)),
            ("resources per member and month", f"{resources:,.2f} (threshold {tp.resource_threshold:g} × {std:g})"),
            ("cases this year", str(int(state.temporary_cases_year[h]))),
            ("township approval limit", _yuan(tp.township_limit.at(month))),
            ("paid this month", _yuan(paid["temporary"]))]
    sections.append(("Temporary assistance (临时救助)", rows))

    others = [(PROGRAMME_INFO[name][1], _yuan(paid[name])) for name in
              ("orphans", "disability_living", "disability_care", "old_age_allowance", "home_care",
               "spring_festival", "price_subsidy")]
    sections.append(("Other payments", others))
    return Explanation(household=h, month=format_month(month), sections=sections, payments_yuan=paid)
