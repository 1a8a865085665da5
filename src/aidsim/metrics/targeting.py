"""Targeting against true eligibility: inclusion and exclusion errors and leakage, split by cause.

Each eligible household not paid dibao has exactly one cause of exclusion, and each ineligible
household paid exactly one cause of inclusion, so the parts add up to the totals. The same month
also records the dibao offices' work (surveys, reviews, backlog, days to payment, capacity), and
extreme-poverty support's errors person by person.
"""

from __future__ import annotations

import numba
import numpy as np

from aidsim.admin import pipeline, process
from aidsim.programmes.base import Frame, Measure, Payment, Ratio, flow, stock
from aidsim.rows import flagged

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


@numba.njit(cache=True)
def _dibao_errors(eligible: np.ndarray, paid: np.ndarray, members: np.ndarray, area: np.ndarray,
                  n_areas: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dibao's targeting against true eligibility: by area, eligible households, their members,
    ineligible households paid (inclusion) and eligible households not paid (exclusion); and the
    rows of the excluded and of the included. Replaces the masks ``paid & ~eligible``,
    ``eligible & ~paid``, ``where(eligible, members, 0)`` and their bincounts. The households
    eligible or paid are found first in a loop the compiler vectorises (``eligible``, ``paid``:
    uint8 views of the masks), then only they are looked at."""
    flag = np.empty(eligible.shape[0], np.uint8)
    for i in range(eligible.shape[0]):
        flag[i] = eligible[i] | paid[i]
    rows = flagged(flag)
    out = np.zeros((4, n_areas))
    # Without branches on the flags (eligible or not is random among these rows): a household adds
    # 0 where a flag says it does not count, which leaves each sum as it was, bit for bit (the
    # sums are of non-negative whole numbers); each row is written to both lists before its flags
    # say which keeps it. 0.53 of the time of the branches.
    m = rows.shape[0]
    excluded = np.empty(m + 1, np.intp)
    included = np.empty(m + 1, np.intp)
    n_excluded = n_included = np.uint64(0)
    for k in range(m):
        i = np.uint64(rows[k])
        a = np.uint64(area[i])
        is_eligible = eligible[i]
        left_out = is_eligible & (paid[i] ^ np.uint8(1))
        wrongly_in = is_eligible ^ np.uint8(1)
        out[0, a] += np.float64(is_eligible)
        out[1, a] += np.float64(members[i]) * np.float64(is_eligible)
        out[2, a] += np.float64(wrongly_in)
        out[3, a] += np.float64(left_out)
        excluded[n_excluded] = i
        n_excluded += np.uint64(left_out)
        included[n_included] = i
        n_included += np.uint64(wrongly_in)
    return out, excluded[:n_excluded].copy(), included[:n_included].copy()


def dibao_targeting(frame: Frame, roll: process.DibaoRoll) -> dict[str, np.ndarray]:
    """Dibao's errors by area: eligible and paid households, the errors, leakage, and their causes."""
    sim = frame.sim
    area_h, n_areas = sim.household_area, sim.population.n_areas
    eligible, paid, members = frame["dibao.eligible"], frame["dibao.paid"], frame["dibao.members"]
    counts, excluded, included = _dibao_errors(eligible.view(np.uint8), paid.view(np.uint8), members, area_h, n_areas)
    sums = dict(zip(("dibao_eligible_households", "dibao_eligible_persons", "dibao_included_ineligible",
                     "dibao_excluded_eligible"), counts, strict=True))
    pay: Payment = frame["dibao.payment"]
    wrongly = paid[pay.households] & ~eligible[pay.households]
    sums["dibao_leakage"] = np.bincount(area_h[pay.households[wrongly]], weights=pay.fen[wrongly],
                                        minlength=n_areas) / 100.0
    return sums | _admin_sums(frame.month, roll, area_h, n_areas, excluded, included,
                              frame["dibao.flows"], pay, frame["offices.plan"])


_PENDING, _ON, _QUEUED = pipeline.PENDING, pipeline.ON, process.QUEUED


@numba.njit(cache=True)
def _office_counts(status: np.ndarray, stage: np.ndarray, next_review: np.ndarray, month: int, area: np.ndarray,
                   flows: tuple, entered: np.ndarray, days: np.ndarray, n_areas: int) -> np.ndarray:
    """The offices' month by area: rows backlog (pending, queued for a survey), overdue reviews
    (on the roll, review due), days to payment of the households that entered (``entered``:
    their rows, increasing), then a count for each flow (``flows``: the rows of surveyed …
    inspected out, in :data:`_FLOWS`' order, each once). Replaces a mask, a gather and a
    bincount for each. The households in the backlog or overdue are found first in a loop the
    compiler vectorises, then only they are looked at; the flows' few rows are counted as they
    are."""
    flag = np.empty(status.shape[0], np.uint8)
    for i in range(status.shape[0]):
        flag[i] = (((status[i] == _PENDING) & (stage[i] == _QUEUED))
                   | ((status[i] >= _ON) & (next_review[i] <= month)))
    out = np.zeros((9, n_areas))
    for i in flagged(flag):
        a = area[i]
        out[0, a] += (status[i] == _PENDING) & (stage[i] == _QUEUED)
        out[1, a] += (status[i] >= _ON) & (next_review[i] <= month)
    for i in entered:  # in row order, as the float sum always went
        out[2, area[i]] += np.float64(days[i])
    for k in range(len(flows)):
        for i in flows[k]:
            out[3 + k, area[i]] += 1.0
    return out


#: The flows counted by area, by measure.
_FLOWS = {"dibao_surveys": "surveyed", "dibao_refusals": "refused", "dibao_wrongful_refusals": "wrongly_refused",
          "dibao_reviews": "reviewed", "dibao_favour_approvals": "favour_approved",
          "dibao_inspection_removals": "inspected_out"}


def admin_sums(month: int, roll: process.DibaoRoll, area_h: np.ndarray, n_areas: int,
               excluded_mask: np.ndarray, included_mask: np.ndarray, flows: process.DibaoFlows,
               dibao_fen: Payment, plan: process.OfficePlan) -> dict[str, np.ndarray]:
    """The dibao offices' month (work, backlog, days to payment) and the targeting errors split by
    cause: each eligible household not paid has one cause of exclusion, each ineligible household
    paid one cause of inclusion, so the parts add up to the totals."""
    return _admin_sums(month, roll, area_h, n_areas, np.flatnonzero(excluded_mask), np.flatnonzero(included_mask),
                       flows, dibao_fen, plan)


def _admin_sums(month: int, roll: process.DibaoRoll, area_h: np.ndarray, n_areas: int,
                excluded: np.ndarray, included: np.ndarray, flows: process.DibaoFlows,
                dibao_fen: Payment, plan: process.OfficePlan) -> dict[str, np.ndarray]:
    """:func:`admin_sums` given the rows of the excluded and of the included."""
    status, stage = roll.status, roll.stage
    counts = _office_counts(status, stage, roll.next_review, month, area_h,
                            tuple(getattr(flows, f"{f}_rows") for f in _FLOWS.values()), flows.entered_rows,
                            roll.days, n_areas)
    out = {"dibao_backlog": counts[0], "dibao_overdue_reviews": counts[1]}
    out |= dict(zip(_FLOWS, counts[3:], strict=True))
    out["dibao_days_to_payment"] = counts[2]
    out["dibao_work_done"] = flows.work_done
    out["dibao_capacity"] = np.where(np.isfinite(plan.capacity), plan.capacity, 0.0)

    excluded_by, included_by, leaked_by = _error_causes(
        excluded, included, status, stage, roll.refused_until, flows.refused_rows, roll.favour, roll.sound, area_h,
        n_areas, month, dibao_fen.households, dibao_fen.fen)
    out |= {f"dibao_excluded_{name}": excluded_by[k] for k, name in enumerate(EXCLUSION_CAUSES)}
    for k, name in enumerate(INCLUSION_CAUSES):
        out[f"dibao_included_{name}"] = included_by[k]
        out[f"dibao_leakage_{name}"] = leaked_by[k]
    return out


_OFF, _GRACE = pipeline.OFF, pipeline.GRACE
_APPROVING, _QUOTA, _BUDGET = process.APPROVING, process.RATIONED_QUOTA, process.RATIONED_BUDGET


@numba.njit(cache=True)
def _error_causes(excluded: np.ndarray, included: np.ndarray, status: np.ndarray, stage: np.ndarray,
                  refused_until: np.ndarray, refused: np.ndarray, favour: np.ndarray, sound: np.ndarray,
                  area: np.ndarray, n_areas: int, month: int, paid: np.ndarray,
                  fen: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The targeting errors by cause and area, in one pass over each list (all rows increasing):

    - each excluded household (eligible, not paid) by its cause, :data:`EXCLUSION_CAUSES`' rows:
      off the roll and not refused (not applied); off the roll, refused this month (``refused``)
      or waiting after a refusal (``refused_until``); pending, queued for a survey (backlog),
      approving (delay), held back by a quota or by the budget;
    - each included household (paid, not eligible) by its cause, :data:`INCLUSION_CAUSES`' rows
      (gradual exit, favour, not sound at its last means test, else review lag), counted, and
      the yuan paid to it (``fen`` of the payment's ``paid`` households, 0 if none) summed.

    In place of a mask, a gather and a bincount for each cause and of numpy's ``isin`` and
    ``searchsorted``: the refused and the paid are found by walking their lists alongside, and
    each sum adds the households in row order, as the bincounts did."""
    excluded_by = np.zeros((6, n_areas))
    j, n_refused = 0, refused.shape[0]
    for h in excluded:
        while j < n_refused and refused[j] < h:
            j += 1
        st, sg, a = status[h], stage[h], area[h]
        off, waiting = st == _OFF, st == _PENDING
        was_refused = off & ((refused_until[h] > month) | (j < n_refused and refused[j] == h))
        excluded_by[0, a] += off & ~was_refused
        excluded_by[1, a] += was_refused
        excluded_by[2, a] += waiting & (sg == _QUEUED)
        excluded_by[3, a] += waiting & (sg == _APPROVING)
        excluded_by[4, a] += waiting & (sg == _QUOTA)
        excluded_by[5, a] += waiting & (sg == _BUDGET)
    included_by, leaked_by = np.zeros((4, n_areas)), np.zeros((4, n_areas))
    j, n_paid = 0, paid.shape[0]
    for h in included:
        cause = 0 if status[h] == _GRACE else 1 if favour[h] else 2 if not sound[h] else 3
        while j < n_paid and paid[j] < h:
            j += 1
        a = area[h]
        included_by[cause, a] += 1.0
        leaked_by[cause, a] += fen[j] / 100.0 if j < n_paid and paid[j] == h else 0.0
    return excluded_by, included_by, leaked_by


@numba.njit(cache=True)
def _tekun_errors(paid: np.ndarray, eligible: np.ndarray, area: np.ndarray, n_areas: int) -> np.ndarray:
    """Extreme-poverty support's errors by area: eligible, paid but not eligible (inclusion),
    eligible but not paid (exclusion), from the rows of the persons ``paid`` and ``eligible``
    (each increasing, few), walked side by side. Replaces ``flatnonzero(paid | eligible)``, its
    gathers and three masks over every person."""
    out = np.zeros((3, n_areas))
    i = j = 0
    while i < paid.shape[0] or j < eligible.shape[0]:
        p = paid[i] if i < paid.shape[0] else np.iinfo(np.int64).max
        e = eligible[j] if j < eligible.shape[0] else np.iinfo(np.int64).max
        if e <= p:
            a = area[e]
            out[0, a] += 1.0
            out[2, a] += e < p
            j += 1
            i += e == p
        else:
            out[1, area[p]] += 1.0
            i += 1
    return out


def tekun_targeting(frame: Frame) -> dict[str, np.ndarray]:
    """Extreme-poverty support's errors by area, person by person, and the yuan leaked."""
    sim = frame.sim
    eligible = frame["tekun.eligible"]
    persons, fen = frame["tekun.paid_persons"], frame["tekun.paid_person_fen"]
    n_areas = sim.population.n_areas
    out = dict(zip(("tekun_eligible", "tekun_included_ineligible", "tekun_excluded_eligible"),
                   _tekun_errors(persons, frame["tekun.eligible_rows"], sim.person_area, n_areas), strict=True))
    wrong = ~eligible[persons]
    out["tekun_leakage"] = np.bincount(sim.person_area[persons[wrong]], weights=fen[wrong] / 100.0,
                                       minlength=n_areas)
    return out
