"""What offices see of households: declarations, hidden income, review categories and benefits.

The administrative process (:mod:`aidsim.admin.process`) does not know the programmes' rules; the
engine gives it this month's truth and declarations for every household (:func:`household_view`)
and answers its questions about the few households whose cases are worked (:class:`DibaoCaseFacts`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from aidsim.admin.process import HouseholdView
from aidsim.population.arrays import Population
from aidsim.programmes import dibao, means_test
from aidsim.scenario.schema import Scenario


def propensity(population: Population, spread: float) -> np.ndarray:
    """Each household's fixed propensity to hide income, uniform in [1 − spread, 1 + spread]."""
    return 1.0 + spread * (2.0 * population.households.honesty_u.astype(np.float64) - 1.0)


@dataclass
class DibaoCaseFacts:
    """Answers :class:`~aidsim.admin.process.CaseFacts` for this month's cases."""

    scenario: Scenario
    population: Population
    earned: np.ndarray        # float32 (n_persons,): this month's earnings
    other: np.ndarray         # float32 (n_households,): other income
    unit_member: np.ndarray   # bool (n_persons,): in the dibao unit
    able: np.ndarray          # bool (n_persons,): able to work
    members: np.ndarray       # int (n_households,)
    standard: np.ndarray      # float64 (n_households,)
    propensity: np.ndarray    # float64 (n_households,)

    def hidden(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        share = self.scenario.admin.declaring.hidden_share
        rows, owner = self.population.members_with_owner(idx)
        keep = self.unit_member[rows]
        rows, owner = rows[keep], owner[keep]
        earned = self.earned[rows].astype(np.float64)
        formal = self.population.persons.formal_job[rows]
        k = idx.shape[0]
        prop = self.propensity[idx]
        hidden_formal = np.bincount(owner, weights=earned * formal, minlength=k) * share.formal * prop
        hidden_informal = np.bincount(owner, weights=earned * ~formal, minlength=k) * share.informal * prop
        hidden_other = np.where(self.members[idx] > 0, self.other[idx], 0.0) * share.other * prop
        return hidden_formal, hidden_informal, hidden_other

    def review_interval(self, idx: np.ndarray) -> np.ndarray:
        """Category of dynamic management: no able-bodied member → stable (yearly); an able
        member without a formal job → unstable (monthly); otherwise regular (quarterly)."""
        iv = self.scenario.admin.reviews
        p = self.population.persons
        rows, owner = self.population.members_with_owner(idx)
        able = self.able[rows] & self.unit_member[rows]
        unsteady = able & ~(p.employed[rows] & p.formal_job[rows])
        k = idx.shape[0]
        n_able = np.bincount(owner[able], minlength=k)
        n_unsteady = np.bincount(owner[unsteady], minlength=k)
        return np.where(n_able == 0, iv.stable, np.where(n_unsteady > 0, iv.unstable, iv.regular)).astype(np.int32)

    def supplement_shares(self, idx: np.ndarray) -> np.ndarray:
        """Σ of the enrolled members' categorical supplement shares, per household of ``idx``."""
        p = self.population.persons
        rows, owner = self.population.members_with_owner(idx)
        keep = self.unit_member[rows]
        rows, owner = rows[keep], owner[keep]
        share = dibao.supplement_share(p.age_months[rows], p.disability[rows], p.ill[rows],
                                       self.scenario.dibao.supplements)
        return np.bincount(owner, weights=share, minlength=idx.shape[0])

    def benefit(self, idx: np.ndarray, assessed_pc: np.ndarray) -> np.ndarray:
        return dibao.amount(self.standard[idx], assessed_pc, self.members[idx],
                            self.supplement_shares(idx), self.scenario.dibao.minimum_payment)


def declared_per_capita(unit_income: np.ndarray, hidden_total: np.ndarray, deduction: np.ndarray,
                        members: np.ndarray) -> np.ndarray:
    """Per-capita income a household declares: its unit's income less what it hides, less the
    spending it may deduct."""
    return means_test.per_capita(np.maximum(unit_income - hidden_total - deduction, 0), members)


def household_view(population: Population, *, eligible: np.ndarray, members: np.ndarray,
                   standard: np.ndarray, true_pc: np.ndarray, declared_pc: np.ndarray,
                   asset_barred: np.ndarray, other_barred: np.ndarray, connected: np.ndarray,
                   area: np.ndarray) -> HouseholdView:
    return HouseholdView(
        alive=members > 0, eligible=eligible, members=members, standard=standard,
        declared_pc=declared_pc, above_line=true_pc >= standard, asset_barred=asset_barred,
        other_barred=other_barred, connected=connected,
        distance_km=population.households.office_km, area=area,
    )
