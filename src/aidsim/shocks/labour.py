"""Job loss and job finding, and the onset of disability."""

from __future__ import annotations

import math

import numpy as np

from aidsim.population.arrays import SELFCARE_NONE, SELFCARE_PARTIAL


def job_transitions(employed: np.ndarray, able: np.ndarray, refuses_work: np.ndarray,
                    uniform: np.ndarray, loss_rate: float, finding_rate: float) -> np.ndarray:
    """Workers lose work with ``loss_rate``; able people without work (not refusing) find it with
    ``finding_rate``; people no longer able to work stop. Updates ``employed`` in place and
    returns who lost work this month."""
    lose = employed & ((uniform < loss_rate) | ~able)
    find = ~employed & able & ~refuses_work & (uniform < finding_rate)
    employed |= find
    employed &= ~lose
    return lose


def disability_onset(disability: np.ndarray, selfcare: np.ndarray, alive: np.ndarray,
                     age_months: np.ndarray, uniform: np.ndarray, rate_under_60: float,
                     rate_60_plus: float, grade_shares: list[float], elderly_months: float) -> np.ndarray:
    """New disabilities this month (updates ``disability`` and ``selfcare`` in place).

    Onset when the uniform is below the hazard; the grade comes from the same draw rescaled
    (``u / hazard`` is uniform on [0, 1) given onset), so no extra stream is needed. Grade 1
    means no self-care, grade 2 partial self-care. The older hazard applies from
    ``elderly_months`` (``definitions.elderly_age``).
    """
    # An integer threshold: ages are whole months, and comparing int16 with a float would convert
    # every age to float64 first.
    hazard = np.where(age_months >= math.ceil(elderly_months), np.float32(rate_60_plus),
                      np.float32(rate_under_60))
    onset = alive & (disability == 0) & (uniform < hazard)
    new = np.flatnonzero(onset)
    position = uniform[new] / np.maximum(hazard[new], np.float32(1e-12))
    grade = (1 + np.searchsorted(np.cumsum(grade_shares)[:-1], position, side="right")).astype(np.int8)
    disability[new] = grade
    selfcare[new[grade == 2]] = np.maximum(selfcare[new[grade == 2]], SELFCARE_PARTIAL)
    selfcare[new[grade == 1]] = SELFCARE_NONE
    return onset
