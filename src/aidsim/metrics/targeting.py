"""Targeting against true eligibility: inclusion and exclusion errors and leakage, split by cause.

Each eligible household not paid dibao has exactly one cause of exclusion, and each ineligible
household paid exactly one cause of inclusion, so the parts add up to the totals. The same month
also records the dibao offices' work (surveys, reviews, backlog, days to payment, capacity), and
extreme-poverty support's errors person by person.
"""

from __future__ import annotations

import numpy as np

from aidsim.admin import pipeline, process
from aidsim.programmes.base import Frame, Measure, Payment, Ratio, area_sums, flow, stock

#: Why an eligible household is not paid dibao (each has exactly one cause).
EXCLUSION_CAUSES: dict[str, str] = {
    "not_applied": "has not applied (take-up)",
    "refused": "refused, or waiting to re-apply after a refusal",
    "backlog": "application waiting for a caseworker's survey",
    "delay": "approved at survey, in review, notice and approval",
    "quota": "approved but held back by a quota",
    "budget": "approved but held back by the office budget",
}
#: Why an ineligible household is paid dibao (each has exactly one cause, in this order).
INCLUSION_CAUSES: dict[str, str] = {
    "gradual_exit": "in its gradual-exit grace (by design)",
    "favour": "approved or kept through a favour (人情保)",
    "verification": "income or an asset not found at its last means test",
    "review_lag": "circumstances changed since its last means test",
}


MEASURES: dict[str, Measure] = {
    "dibao_eligible_households": stock("households", "Households truly eligible for dibao."),
    "dibao_eligible_persons": stock("persons", "Members of households truly eligible for dibao."),
    "dibao_included_ineligible": stock("households", "Dibao households not truly eligible."),
    "dibao_excluded_eligible": stock("households", "Eligible households not paid dibao."),
    "dibao_leakage": flow("yuan", "Dibao paid to households not truly eligible."),
    "dibao_surveys": flow("households", "Dibao applications surveyed (household survey)."),
    "dibao_refusals": flow("households", "Dibao applications refused at survey."),
    "dibao_wrongful_refusals": flow("households", "Eligible-looking applicants refused anyway."),
    "dibao_reviews": flow("households", "Dibao reviews carried out."),
    "dibao_favour_approvals": flow("households", "Favour approvals (applications approved, cases kept)."),
    "dibao_inspection_removals": flow("households", "Households removed by special inspections."),
    "dibao_days_to_payment": flow("days", "Days from application to first payment, summed over entries."),
    "dibao_work_done": flow("cases", "Caseworkers' work, in new-application equivalents."),
    "dibao_capacity": flow("cases", "Caseworkers' capacity (0 where unlimited)."),
    "dibao_backlog": stock("households", "Applications waiting for a survey at the month's end."),
    "dibao_overdue_reviews": stock("households", "Recipients whose review is overdue at the month's end."),
    **{f"dibao_excluded_{cause}": stock("households", f"Eligible, not paid: {text}.")
       for cause, text in EXCLUSION_CAUSES.items()},
    **{f"dibao_included_{cause}": stock("households", f"Paid, not eligible: {text}.")
       for cause, text in INCLUSION_CAUSES.items()},
    **{f"dibao_leakage_{cause}": flow("yuan", f"Dibao paid to the ineligible: {text}.")
       for cause, text in INCLUSION_CAUSES.items()},
    "tekun_eligible": stock("persons", "Persons truly eligible for extreme-poverty support."),
    "tekun_included_ineligible": stock("persons", "Tekun recipients not truly eligible."),
    "tekun_excluded_eligible": stock("persons", "Eligible persons not paid tekun."),
    "tekun_leakage": flow("yuan", "Tekun paid to persons not truly eligible."),
}
RATIOS: dict[str, Ratio] = {
    "dibao_inclusion_error": Ratio("dibao_included_ineligible", "dibao_households", "share",
                                   "Share of dibao households not truly eligible."),
    "dibao_exclusion_error": Ratio("dibao_excluded_eligible", "dibao_eligible_households", "share",
                                   "Share of eligible households not receiving dibao."),
    "dibao_leakage_share": Ratio("dibao_leakage", "dibao_cost", "share", "Share of dibao paid to the ineligible."),
    "tekun_inclusion_error": Ratio("tekun_included_ineligible", "tekun_persons", "share",
                                   "Share of tekun recipients not truly eligible."),
    "tekun_exclusion_error": Ratio("tekun_excluded_eligible", "tekun_eligible", "share",
                                   "Share of eligible persons not receiving tekun."),
    "dibao_refusal_rate": Ratio("dibao_refusals", "dibao_surveys", "share", "Share of surveyed applications refused."),
    "dibao_avg_days_to_payment": Ratio("dibao_days_to_payment", "dibao_entries", "days",
                                       "Average days from application to first payment."),
    "dibao_utilisation": Ratio("dibao_work_done", "dibao_capacity", "share", "Share of caseworkers' capacity used."),
    **{f"dibao_exclusion_{cause}": Ratio(
        f"dibao_excluded_{cause}", "dibao_eligible_households", "share",
        f"Exclusion error due to: {text} (the parts add up to the error).") for cause, text in EXCLUSION_CAUSES.items()},
    **{f"dibao_inclusion_{cause}": Ratio(
        f"dibao_included_{cause}", "dibao_households", "share",
        f"Inclusion error due to: {text} (the parts add up to the error).") for cause, text in INCLUSION_CAUSES.items()},
    **{f"dibao_leakage_share_{cause}": Ratio(f"dibao_leakage_{cause}", "dibao_cost", "share",
                                             f"Share of dibao leaked: {text}.") for cause, text in INCLUSION_CAUSES.items()},
}


def dibao_targeting(frame: Frame, roll: process.DibaoRoll) -> dict[str, np.ndarray]:
    """Dibao's errors by area: eligible and paid households, the errors, leakage, and their causes."""
    sim = frame.sim
    area_h, n_areas = sim.household_area, sim.population.n_areas
    eligible, paid, members = frame["dibao.eligible"], frame["dibao.paid"], frame["dibao.members"]
    ineligible_paid = paid & ~eligible
    eligible_unpaid = eligible & ~paid
    pay: Payment = frame["dibao.payment"]
    sums = area_sums(
        area_h, n_areas,
        dibao_eligible_households=eligible,
        dibao_eligible_persons=np.where(eligible, members, 0),
        dibao_included_ineligible=ineligible_paid,
        dibao_excluded_eligible=eligible_unpaid,
    )
    wrongly = ineligible_paid[pay.households]
    sums["dibao_leakage"] = np.bincount(area_h[pay.households[wrongly]], weights=pay.fen[wrongly],
                                        minlength=n_areas) / 100.0
    return sums | admin_sums(frame.month, roll, area_h, n_areas, eligible_unpaid, ineligible_paid,
                             frame["dibao.flows"], pay, frame["offices.plan"])


def admin_sums(month: int, roll: process.DibaoRoll, area_h: np.ndarray, n_areas: int,
               excluded_mask: np.ndarray, included_mask: np.ndarray, flows: process.DibaoFlows,
               dibao_fen: Payment, plan: process.OfficePlan) -> dict[str, np.ndarray]:
    """The dibao offices' month (work, backlog, days to payment) and the targeting errors split by
    cause: each eligible household not paid has one cause of exclusion, each ineligible household
    paid one cause of inclusion, so the parts add up to the totals."""
    status, stage = roll.status, roll.stage
    pending = np.flatnonzero(status == pipeline.PENDING)
    queued = pending[stage[pending] == process.QUEUED]
    on = np.flatnonzero(status >= pipeline.ON)
    out = area_sums(area_h[queued], n_areas, dibao_backlog=np.ones(queued.shape[0], dtype=bool))
    out |= area_sums(area_h[on], n_areas, dibao_overdue_reviews=roll.next_review[on] <= month)
    out |= area_sums(area_h, n_areas, dibao_surveys=flows.surveyed, dibao_refusals=flows.refused,
                     dibao_wrongful_refusals=flows.wrongly_refused, dibao_reviews=flows.reviewed,
                     dibao_favour_approvals=flows.favour_approved,
                     dibao_inspection_removals=flows.inspected_out)
    entered = np.flatnonzero(flows.entered)
    out["dibao_days_to_payment"] = np.bincount(area_h[entered], weights=roll.days[entered], minlength=n_areas)
    out["dibao_work_done"] = flows.work_done
    out["dibao_capacity"] = np.where(np.isfinite(plan.capacity), plan.capacity, 0.0)

    excluded = np.flatnonzero(excluded_mask)
    st, sg = status[excluded], stage[excluded]
    waiting = st == pipeline.PENDING
    refused = (st == pipeline.OFF) & ((roll.refused_until[excluded] > month) | flows.refused[excluded])
    out |= area_sums(
        area_h[excluded], n_areas,
        dibao_excluded_not_applied=(st == pipeline.OFF) & ~refused, dibao_excluded_refused=refused,
        dibao_excluded_backlog=waiting & (sg == process.QUEUED),
        dibao_excluded_delay=waiting & (sg == process.APPROVING),
        dibao_excluded_quota=waiting & (sg == process.RATIONED_QUOTA),
        dibao_excluded_budget=waiting & (sg == process.RATIONED_BUDGET),
    )
    # Inclusion causes, in this order: gradual exit, favour, undetected income or assets at the
    # last means test (verification), circumstances changed since it (review lag).
    included = np.flatnonzero(included_mask)
    cause = np.where(status[included] == pipeline.GRACE, 0,
                     np.where(roll.favour[included], 1, np.where(~roll.sound[included], 2, 3)))
    fen_of = np.zeros(included.shape[0])  # yuan paid to each included household (0 if none)
    if dibao_fen.households.shape[0] and included.shape[0]:
        pos = np.minimum(np.searchsorted(dibao_fen.households, included), dibao_fen.households.shape[0] - 1)
        found = dibao_fen.households[pos] == included
        fen_of[found] = dibao_fen.fen[pos[found]] / 100.0
    for code, name in enumerate(INCLUSION_CAUSES):
        rows = included[cause == code]
        out[f"dibao_included_{name}"] = np.bincount(area_h[rows], minlength=n_areas).astype(float)
        out[f"dibao_leakage_{name}"] = np.bincount(area_h[rows], weights=fen_of[cause == code],
                                                   minlength=n_areas)
    return out


def tekun_targeting(frame: Frame) -> dict[str, np.ndarray]:
    """Extreme-poverty support's errors by area, person by person, and the yuan leaked."""
    sim = frame.sim
    paid, eligible = frame["tekun.paid"], frame["tekun.eligible"]
    concerned = np.flatnonzero(paid | eligible)
    paid_c, eligible_c = paid[concerned], eligible[concerned]
    n_areas = sim.population.n_areas
    out = area_sums(sim.person_area[concerned], n_areas, tekun_eligible=eligible_c,
                    tekun_included_ineligible=paid_c & ~eligible_c,
                    tekun_excluded_eligible=eligible_c & ~paid_c)
    persons, fen = frame["tekun.paid_persons"], frame["tekun.paid_person_fen"]
    wrong = ~eligible[persons]
    out["tekun_leakage"] = np.bincount(sim.person_area[persons[wrong]], weights=fen[wrong] / 100.0,
                                       minlength=n_areas)
    return out
