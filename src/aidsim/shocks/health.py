"""Serious illness episodes, hospital cost, basic medical insurance and the out-of-pocket rest."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from aidsim import libm
from aidsim.scenario.schema import HealthShocks


@dataclass
class IllnessOutcome:
    """The month's new hospital episodes. The money is kept per episode, not per person (a few
    hundred episodes in a million persons): ``cost[k]`` is the episode of person ``episodes[k]``."""

    onset: np.ndarray        # bool (n_persons,): an episode started this month
    episodes: np.ndarray     # intp, increasing: the persons whose episode started (flatnonzero(onset))
    cost: np.ndarray         # float32 (len(episodes),): in-policy hospital cost of each episode, yuan
    reimbursed: np.ndarray   # float32 (len(episodes),): paid by insurance, yuan
    out_of_pocket: np.ndarray  # float32 (len(episodes),): left to the household, yuan

    @classmethod
    def from_persons(cls, onset: np.ndarray, cost: np.ndarray, reimbursed: np.ndarray,
                     out_of_pocket: np.ndarray) -> IllnessOutcome:
        """From person-sized arrays (what a hand-written case states), read at the onsets."""
        episodes = np.flatnonzero(onset)
        return cls(onset, episodes, cost[episodes], reimbursed[episodes], out_of_pocket[episodes])


def insurance_reimbursement(cost: np.ndarray, deductible: float, rate: float, cap: float) -> np.ndarray:
    """Basic medical insurance: ``min(cap, rate × max(0, cost − deductible))`` per episode."""
    # In float64 and rounded to the fen, so that 0.6 × 5,500 is 3,300.00, not 3,300.0002.
    paid = np.minimum(cap, rate * np.maximum(np.asarray(cost, dtype=np.float64) - deductible, 0))
    return np.round(paid, 2).astype(np.float32)


def illness_step(ill: np.ndarray, alive: np.ndarray, chronic: np.ndarray, age_months: np.ndarray,
                 uniform: np.ndarray, cost_uniform: np.ndarray, params: HealthShocks,
                 elderly_months: float) -> IllnessOutcome:
    """Advance illness by one month (updates ``ill`` in place).

    One uniform per person serves both transitions: a healthy person falls ill when it is below
    the onset hazard, a sick person recovers when it is below the recovery rate. A new episode's
    in-policy cost is lognormal (median ``hospital_cost_median``): ``cost_uniform`` holds one draw
    per person, turned into a normal quantile only for the few new episodes. The older onset rate
    applies from ``elderly_months`` (``definitions.elderly_age``).
    """
    # The four hazards (older or not, chronic or not), computed in float64 as the rule reads and
    # rounded once to float32, then looked up: no person-sized float64 temporaries.
    old, young, m = params.illness_onset_60_plus, params.illness_onset, params.chronic_multiplier
    older = age_months >= math.ceil(elderly_months)  # ages are whole months
    hazard = np.where(chronic, np.where(older, np.float32(old * m), np.float32(young * m)),
                      np.where(older, np.float32(old), np.float32(young)))
    onset = alive & ~ill & (uniform < hazard)
    recover = ill & (uniform < params.recovery_rate)
    ill |= onset
    ill &= ~recover & alive
    return episode_costs(onset, cost_uniform, params)


def episode_costs(onset: np.ndarray, cost_uniform: np.ndarray, params: HealthShocks,
                  new: np.ndarray | None = None) -> IllnessOutcome:
    """The in-policy cost, reimbursement and out-of-pocket rest of the episodes that start this
    month (``onset``), from one cost draw per person (used only for the new episodes), or, when
    the rows ``new`` of the episodes are given, the cost draws of those rows only."""
    if new is None:
        new = np.flatnonzero(onset)
        cost_uniform = cost_uniform[new]
    cost = (params.hospital_cost_median * libm.exp(params.hospital_cost_sd * ndtri(cost_uniform))).astype(np.float32)
    reimbursed = insurance_reimbursement(cost, params.insurance_deductible, params.insurance_rate,
                                         params.insurance_cap)
    return IllnessOutcome(onset=onset, episodes=new, cost=cost, reimbursed=reimbursed,
                          out_of_pocket=cost - reimbursed)
