"""The legal categories every programme shares, from ``scenario.definitions`` (one definition of
each): minors, the elderly, the severely disabled, students."""

from __future__ import annotations

import numpy as np

from aidsim.population.arrays import SELFCARE_FULL
from aidsim.scenario.schema import Definitions


def minor_months(defs: Definitions, month: int) -> float:
    """Age in months below which a person is a minor (``definitions.age_of_majority``)."""
    return defs.age_of_majority.at(month) * 12


def elderly_months(defs: Definitions, month: int) -> float:
    """Age in months from which a person is elderly (``definitions.elderly_age``)."""
    return defs.elderly_age.at(month) * 12


def severely_disabled(disability: np.ndarray, defs: Definitions) -> np.ndarray:
    """Persons whose disability grade counts as severe (``definitions.severe_disability_grades``)."""
    return np.isin(disability, defs.severe_disability_grades)


def student_age(age_months: np.ndarray, defs: Definitions) -> np.ndarray:
    """Persons of student age (``definitions.student_ages``, [from, to))."""
    start, end = defs.student_ages
    return (age_months >= start * 12) & (age_months < end * 12)


def able_to_work(age_years: np.ndarray, severely_disabled: np.ndarray, selfcare: np.ndarray,
                 working_age: tuple[int, int]) -> np.ndarray:
    """Working age, no severe disability and full self-care (the tekun notion of 劳动能力)."""
    return ((age_years >= working_age[0]) & (age_years < working_age[1])
            & ~severely_disabled & (selfcare == SELFCARE_FULL))
