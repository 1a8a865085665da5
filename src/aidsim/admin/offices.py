"""Civil-affairs offices (street offices and townships) and the county bureau, as Mesa agents.

Offices are the model's few real agents; households stay rows of arrays. Each month an office
plans what it can do (:meth:`Office.plan_month`: its caseworkers' capacity, the places its quota
leaves, what its budget can still take on) and, after the vectorised month, books what happened
(:meth:`Office.close_month`: its spending against the year's budget, its applications, approvals,
refusals, backlog and days to first payment). The county bureau (:class:`County`) tops up offices
that run out of money when the scenario says so. The model's DataCollector records every office.
"""

from __future__ import annotations

from collections.abc import Mapping

import mesa
import numpy as np

from aidsim.admin.process import OfficePlan
from aidsim.calendar import calendar_month
from aidsim.scenario.schema import Scenario

#: Office attributes recorded every reported month (each is also a row of the indicator sums).
CASELOAD_FIELDS: tuple[str, ...] = (
    "households", "persons", "dibao_households", "dibao_persons", "dibao_pending",
    "dibao_applications", "dibao_surveys", "dibao_refusals", "dibao_entries", "dibao_exits",
    "dibao_reviews", "dibao_backlog", "dibao_overdue_reviews", "dibao_days_to_payment",
    "dibao_favour_approvals", "dibao_inspection_removals", "dibao_cost",
    "tekun_persons", "tekun_applications", "tekun_entries", "tekun_exits", "tekun_cost",
)

#: Office attributes the model's DataCollector records besides the caseload.
OFFICE_BOOKS: tuple[str, ...] = (
    "caseworkers", "capacity", "utilisation", "budget", "spent_this_year", "top_up_this_year",
    "quota_persons", "dibao_avg_days",
)


def caseworkers(scenario: Scenario, residents: float, urban: bool) -> float:
    """Caseworkers of an office: the scenario's rate per 10,000 residents, at least one when the
    rate is not 0 (every office has someone; 0 means no one works the cases)."""
    if not scenario.admin.capacity.limited:
        return float("inf")
    rate = scenario.admin.capacity.caseworkers_per_10k_residents
    per_10k = rate.urban if urban else rate.rural
    return 0.0 if per_10k == 0 else max(per_10k * residents / 10_000, 1.0)


def default_plan(scenario: Scenario, residents: np.ndarray, area_urban: np.ndarray) -> OfficePlan:
    """Each office's capacity and quota from the scenario alone, with no budget limit (what a
    month run outside an :class:`~aidsim.engine.model.AidModel` uses)."""
    per_worker = scenario.admin.capacity.cases_per_caseworker
    capacity = np.array([caseworkers(scenario, r, bool(u)) * per_worker
                         for r, u in zip(residents, area_urban, strict=True)])
    share = scenario.admin.quota.share_of_residents
    quota = np.full(residents.shape[0], np.inf) if share is None else share * residents
    return OfficePlan(capacity=capacity, quota_persons=quota,
                      budget_headroom=np.full(residents.shape[0], np.inf))


class Office(mesa.Agent):
    """A street office (街道, urban) or township (乡镇, rural) civil-affairs office.

    Its choices are the scenario's: how many caseworkers it has and how much each can do, its
    yearly dibao budget and what it does when the money runs short (ration new approvals, or ask
    the county), and whether it keeps to a quota.
    """

    def __init__(self, model: mesa.Model, area: int, urban: bool, residents: float, scenario: Scenario):
        super().__init__(model)
        self.area = area
        self.area_type = "urban" if urban else "rural"
        self.scenario = scenario
        self.residents = float(residents)
        self.caseworkers = caseworkers(scenario, residents, urban)
        self.capacity = self.caseworkers * scenario.admin.capacity.cases_per_caseworker
        self.utilisation = 0.0
        self.budget = self._yearly_budget()
        self.spent_this_year = 0.0
        self.top_up_this_year = 0.0
        self.committed = 0.0          # last month's dibao cost: what the current roll costs a month
        self.quota_persons = self._quota()
        self.dibao_avg_days = float("nan")
        for name in CASELOAD_FIELDS:
            setattr(self, name, 0.0)

    def _yearly_budget(self) -> float:
        b = self.scenario.admin.budget
        if b.when_short == "unlimited":
            return float("inf")
        per = b.yuan_per_resident_per_year
        return (per.urban if self.area_type == "urban" else per.rural) * self.residents

    def _quota(self) -> float:
        share = self.scenario.admin.quota.share_of_residents
        return float("inf") if share is None else share * self.residents

    def plan_month(self, month: int) -> tuple[float, float, float]:
        """Capacity, quota (persons) and the monthly benefits new approvals may add this month.

        Rationing: paying the current roll and the new cases for every month left in the year
        must stay within what is left of the year's budget."""
        if calendar_month(month) == 1:
            self.budget = self._yearly_budget()
            self.spent_this_year = 0.0
            self.top_up_this_year = 0.0
        headroom = float("inf")
        if self.scenario.admin.budget.when_short == "ration":
            months_left = 13 - calendar_month(month)
            headroom = max((self.budget - self.spent_this_year) / months_left - self.committed, 0.0)
        return self.capacity, self.quota_persons, headroom

    def close_month(self, figures: dict[str, np.ndarray]) -> float:
        """Book the month's figures for this office; return what it overspent (yuan), if anything."""
        a = self.area
        cost = float(figures["dibao_cost"][a])
        self.residents = float(figures["residents"][a])
        self.quota_persons = self._quota()
        self.utilisation = float(figures["utilisation"][a])
        self.committed = cost
        self.spent_this_year += cost
        return max(self.spent_this_year - self.budget - self.top_up_this_year, 0.0)

    def take_caseload(self, caseload: Mapping[str, np.ndarray]) -> None:
        """Copy this office's value of each of :data:`CASELOAD_FIELDS` (measure → ``(n_areas,)``)."""
        for name in CASELOAD_FIELDS:
            setattr(self, name, float(caseload[name][self.area]))
        self.dibao_avg_days = (self.dibao_days_to_payment / self.dibao_entries
                               if self.dibao_entries else float("nan"))


class County(mesa.Agent):
    """The county civil-affairs bureau (县民政局): approves large cases (the engine routes them by
    the township limit) and, when the scenario says ``county_top_up``, pays what offices overspend."""

    def __init__(self, model: mesa.Model, scenario: Scenario):
        super().__init__(model)
        self.area = -1
        self.area_type = "county"
        self.tops_up = scenario.admin.budget.when_short == "county_top_up"
        self.top_up_this_month = 0.0
        self.top_up_total = 0.0

    def top_up(self, offices: list[Office], overspent: list[float]) -> None:
        """Cover each office's overspending (when the scenario has the county top up)."""
        self.top_up_this_month = 0.0
        if not self.tops_up:
            return
        for office, amount in zip(offices, overspent, strict=True):
            office.top_up_this_year += amount
            self.top_up_this_month += amount
        self.top_up_total += self.top_up_this_month
