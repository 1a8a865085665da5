"""The indicator table: additive monthly sums by area, and the ratios derived from them.

Every month the engine records, for each area, sums that can be added across areas and months
(recipients, costs, poor persons, gaps…). Any table (by month, year, urban/rural, area) is made by
adding those sums over the cells it covers and only then dividing, so ratios are always correctly
weighted (an average subsidy is total cost ÷ recipient-months, never a mean of means).

Stocks (people, households) are shown as the monthly average over the period; flows (yuan,
entries, exits) as the period's total.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from aidsim.metrics.targeting import EXCLUSION_CAUSES, INCLUSION_CAUSES
from aidsim.programmes import PROGRAMME_INFO, PROGRAMMES, REGISTRY
from aidsim.programmes.base import Payment


@dataclass(frozen=True)
class Measure:
    kind: str  # "stock" (averaged over months) or "flow" (summed)
    unit: str
    description: str


def _stock(unit: str, description: str) -> Measure:
    return Measure("stock", unit, description)


def _flow(unit: str, description: str) -> Measure:
    return Measure("flow", unit, description)


MEASURES: dict[str, Measure] = {
    "households": _stock("households", "Households with a living member."),
    "persons": _stock("persons", "Living persons."),
    "dibao_households": _stock("households", "Households paid dibao (incl. gradual exit)."),
    "dibao_persons": _stock("persons", "Enrolled members of households paid dibao."),
    "dibao_pending": _stock("households", "Dibao applications waiting for a decision."),
    "dibao_grace": _stock("households", "Dibao households in gradual exit."),
    "dibao_eligible_households": _stock("households", "Households truly eligible for dibao."),
    "dibao_eligible_persons": _stock("persons", "Members of households truly eligible for dibao."),
    "dibao_included_ineligible": _stock("households", "Dibao households not truly eligible."),
    "dibao_excluded_eligible": _stock("households", "Eligible households not paid dibao."),
    "dibao_cost": _flow("yuan", "Dibao paid."),
    "dibao_leakage": _flow("yuan", "Dibao paid to households not truly eligible."),
    "dibao_applications": _flow("households", "Dibao applications made."),
    "dibao_entries": _flow("households", "Households that started receiving dibao."),
    "dibao_exits": _flow("households", "Households that stopped receiving dibao."),
    "tekun_persons": _stock("persons", "Persons paid extreme-poverty support."),
    "tekun_institutional": _stock("persons", "Of whom supported in an institution (集中供养)."),
    "tekun_eligible": _stock("persons", "Persons truly eligible for extreme-poverty support."),
    "tekun_included_ineligible": _stock("persons", "Tekun recipients not truly eligible."),
    "tekun_excluded_eligible": _stock("persons", "Eligible persons not paid tekun."),
    "tekun_cost": _flow("yuan", "Extreme-poverty support paid."),
    "tekun_leakage": _flow("yuan", "Tekun paid to persons not truly eligible."),
    "tekun_applications": _flow("persons", "Tekun applications made."),
    "tekun_entries": _flow("persons", "Persons who started receiving tekun."),
    "tekun_exits": _flow("persons", "Persons who stopped receiving tekun."),
    "hospital_episodes": _flow("episodes", "Serious illness episodes that started."),
    "hospital_cost": _flow("yuan", "In-policy inpatient cost of new episodes."),
    "medical_out_of_pocket": _flow("yuan", "Cost left after basic medical insurance."),
}
for _line in ("pl", "dl"):
    _name = "poverty line" if _line == "pl" else "dibao line"
    for _when in ("pre", "post"):
        _w = "before" if _when == "pre" else "after"
        MEASURES[f"poor_{_when}_{_line}"] = _stock("persons", f"Persons below the {_name} {_w} transfers.")
        MEASURES[f"gap_yuan_{_when}_{_line}"] = _flow("yuan", f"Total gap to the {_name} {_w} transfers.")
        MEASURES[f"gap1_{_when}_{_line}"] = _stock("persons", f"Σ normalised gap to the {_name} {_w} transfers.")
        MEASURES[f"gap2_{_when}_{_line}"] = _stock("persons", f"Σ squared normalised gap ({_name}, {_w}).")

MEASURES |= {
    "margin_households": _stock("households", "Low-income margin households (低保边缘户)."),
    "margin_persons": _stock("persons", "Members of low-income margin households."),
    "orphans_eligible": _stock("persons", "Orphans and children without carers."),
    "temporary_events": _flow("households", "Households hit by an event (illness, job loss, death, disaster)."),
    "medical_episode_aid": _flow("yuan", "Medical assistance paid on new episodes (inpatient and catastrophic)."),
    "medical_out_of_pocket_after_aid": _flow("yuan", "Out-of-pocket cost of new episodes after medical assistance."),
    "medical_impoverished_before_aid": _flow(
        "persons", "Persons whose year's income less a new episode's cost after insurance falls below the poverty line."),
    "medical_impoverished_after_aid": _flow(
        "persons", "The same after medical assistance (catastrophic health spending, 因病致贫)."),
}
for _p, (_unit, _label) in PROGRAMME_INFO.items():
    if _p not in ("dibao", "tekun"):
        MEASURES[f"{_p}_cost"] = _flow("yuan", f"{_label}: paid.")
        MEASURES[f"{_p}_recipients"] = _stock(_unit, f"{_label}: recipients in the month.")
    MEASURES[f"{_p}_cost_to_poor"] = _flow("yuan", f"{_label}: paid to households poor before transfers.")

MEASURES |= {
    "dibao_surveys": _flow("households", "Dibao applications surveyed (household survey)."),
    "dibao_refusals": _flow("households", "Dibao applications refused at survey."),
    "dibao_wrongful_refusals": _flow("households", "Eligible-looking applicants refused anyway."),
    "dibao_reviews": _flow("households", "Dibao reviews carried out."),
    "dibao_favour_approvals": _flow("households", "Favour approvals (applications approved, cases kept)."),
    "dibao_inspection_removals": _flow("households", "Households removed by special inspections."),
    "dibao_days_to_payment": _flow("days", "Days from application to first payment, summed over entries."),
    "dibao_work_done": _flow("cases", "Caseworkers' work, in new-application equivalents."),
    "dibao_capacity": _flow("cases", "Caseworkers' capacity (0 where unlimited)."),
    "dibao_backlog": _stock("households", "Applications waiting for a survey at the month's end."),
    "dibao_overdue_reviews": _stock("households", "Recipients whose review is overdue at the month's end."),
}
for _cause, _text in EXCLUSION_CAUSES.items():
    MEASURES[f"dibao_excluded_{_cause}"] = _stock("households", f"Eligible, not paid: {_text}.")
for _cause, _text in INCLUSION_CAUSES.items():
    MEASURES[f"dibao_included_{_cause}"] = _stock("households", f"Paid, not eligible: {_text}.")
    MEASURES[f"dibao_leakage_{_cause}"] = _flow("yuan", f"Dibao paid to the ineligible: {_text}.")

MEASURE_NAMES: tuple[str, ...] = tuple(MEASURES)

#: ratio name → (numerator, denominator, unit, description)
RATIOS: dict[str, tuple[str, str, str, str]] = {
    "dibao_coverage": ("dibao_persons", "persons", "share", "Share of residents enrolled in dibao."),
    "dibao_avg_subsidy": ("dibao_cost", "dibao_persons", "yuan/person/month",
                          "Average dibao per enrolled member (月人均补助水平)."),
    "dibao_inclusion_error": ("dibao_included_ineligible", "dibao_households", "share",
                              "Share of dibao households not truly eligible."),
    "dibao_exclusion_error": ("dibao_excluded_eligible", "dibao_eligible_households", "share",
                              "Share of eligible households not receiving dibao."),
    "dibao_leakage_share": ("dibao_leakage", "dibao_cost", "share", "Share of dibao paid to the ineligible."),
    "tekun_coverage": ("tekun_persons", "persons", "share", "Share of residents receiving tekun."),
    "tekun_avg_support": ("tekun_cost", "tekun_persons", "yuan/person/month", "Average tekun per recipient."),
    "tekun_inclusion_error": ("tekun_included_ineligible", "tekun_persons", "share",
                              "Share of tekun recipients not truly eligible."),
    "tekun_exclusion_error": ("tekun_excluded_eligible", "tekun_eligible", "share",
                              "Share of eligible persons not receiving tekun."),
    "tekun_institutional_share": ("tekun_institutional", "tekun_persons", "share",
                                  "Share of tekun recipients in institutions."),
}
for _p, (_unit, _label) in PROGRAMME_INFO.items():
    if _p not in ("dibao", "tekun"):
        RATIOS[f"{_p}_avg"] = (f"{_p}_cost", f"{_p}_recipients", f"yuan/{_unit[:-1]}/month",
                               f"{_label}: average paid per recipient and month.")
    RATIOS[f"{_p}_share_to_poor"] = (f"{_p}_cost_to_poor", f"{_p}_cost", "share",
                                     f"{_label}: share of its cost going to households poor before transfers.")
RATIOS |= {
    "dibao_refusal_rate": ("dibao_refusals", "dibao_surveys", "share", "Share of surveyed applications refused."),
    "dibao_avg_days_to_payment": ("dibao_days_to_payment", "dibao_entries", "days",
                                  "Average days from application to first payment."),
    "dibao_utilisation": ("dibao_work_done", "dibao_capacity", "share", "Share of caseworkers' capacity used."),
}
for _cause in EXCLUSION_CAUSES:
    RATIOS[f"dibao_exclusion_{_cause}"] = (
        f"dibao_excluded_{_cause}", "dibao_eligible_households", "share",
        f"Exclusion error due to: {EXCLUSION_CAUSES[_cause]} (the parts add up to the error).")
for _cause in INCLUSION_CAUSES:
    RATIOS[f"dibao_inclusion_{_cause}"] = (
        f"dibao_included_{_cause}", "dibao_households", "share",
        f"Inclusion error due to: {INCLUSION_CAUSES[_cause]} (the parts add up to the error).")
    RATIOS[f"dibao_leakage_share_{_cause}"] = (
        f"dibao_leakage_{_cause}", "dibao_cost", "share", f"Share of dibao leaked: {INCLUSION_CAUSES[_cause]}.")
RATIOS["medical_aid_share_of_out_of_pocket"] = (
    "medical_episode_aid", "medical_out_of_pocket", "share",
    "Share of new episodes' out-of-pocket cost (after insurance) that medical assistance paid.")
for _line in ("pl", "dl"):
    for _when in ("pre", "post"):
        RATIOS[f"fgt0_{_when}_{_line}"] = (f"poor_{_when}_{_line}", "persons", "share", "Headcount ratio.")
        RATIOS[f"fgt1_{_when}_{_line}"] = (f"gap1_{_when}_{_line}", "persons", "share", "Poverty gap index.")
        RATIOS[f"fgt2_{_when}_{_line}"] = (f"gap2_{_when}_{_line}", "persons", "share", "Poverty severity index.")


def summarise(sums: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Aggregate the monthly sums over everything not in ``by`` and add the ratios.

    ``sums`` has one row per (month, area) with the columns of :data:`MEASURES`, plus ``month``
    and the columns named in ``by``. Stocks become monthly averages over the period, flows totals.
    """
    keys = by or ["_all"]
    frame = sums.assign(_all="all") if not by else sums
    grouped = frame.groupby(keys, sort=True, observed=True)
    totals = grouped[list(MEASURE_NAMES)].sum()
    n_months = grouped["month"].nunique()
    ratios = {}
    for name, (num, den, _, _) in RATIOS.items():
        ratios[name] = np.divide(totals[num].to_numpy(), totals[den].to_numpy(),
                                 out=np.full(len(totals), np.nan), where=totals[den].to_numpy() > 0)
    stocks = [n for n, m in MEASURES.items() if m.kind == "stock"]
    averaged = totals.copy()
    averaged[stocks] = totals[stocks].div(n_months, axis=0)
    extra = pd.DataFrame(ratios, index=totals.index)
    extra["total_cost"] = totals[[f"{p}_cost" for p in PROGRAMMES]].sum(axis=1)
    extra["months"] = n_months
    out = pd.concat([averaged, extra], axis=1).reset_index()
    return out.drop(columns=["_all"]) if not by else out


def line_sums(payments: dict[str, Payment], fen_by_area: dict[str, np.ndarray], poor_before: np.ndarray,
              area_h: np.ndarray, n_areas: int) -> dict[str, np.ndarray]:
    """Each ledger line's cost, its recipients and the cost going to households poor before
    transfers, by area (``fen_by_area``: each line's fen by area, as booked in the ledger)."""
    sums = {}
    for line in REGISTRY.lines:
        pay = payments[line.name]
        idx = pay.households
        sums[f"{line.name}_cost"] = fen_by_area[line.name] / 100.0
        sums[f"{line.name}_cost_to_poor"] = np.bincount(
            area_h[idx], weights=np.where(poor_before[idx], pay.fen, 0), minlength=n_areas) / 100.0
        if line.recipients_measure is not None:
            sums[line.recipients_measure or f"{line.name}_recipients"] = pay.recipients
    return sums
