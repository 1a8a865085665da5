"""The legal categories every programme shares, from ``scenario.definitions`` (one definition of
each): minors, the elderly, the severely disabled, students."""

from __future__ import annotations

import numpy as np

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
