"""Dibao, the minimum living standard guarantee (最低生活保障).

A household whose per-capita income is below the local standard (urban or rural, by hukou) and
that no exclusion bars is eligible. The benefit is the top-up (补差): standard − per-capita
income, for every member, plus categorical supplements (分类施保) for members in hard categories,
and never less than a minimum payment per member.
"""

from __future__ import annotations

import numpy as np

from aidsim.scenario.schema import DibaoSupplements


def eligible(per_capita_income: np.ndarray, standard: np.ndarray, excluded: np.ndarray,
             members: np.ndarray) -> np.ndarray:
    """Per-capita income strictly below the standard, no exclusion, at least one member."""
    return (members > 0) & (per_capita_income < standard) & ~excluded


def supplement_share(age_months: np.ndarray, disability: np.ndarray, ill: np.ndarray,
                     params: DibaoSupplements) -> np.ndarray:
    """Each person's categorical supplement as a share of the standard (the largest that applies).

    Categories: elderly (age ≥ ``elderly_age``), severely disabled (grade 1–2), seriously ill (in an
    illness episode), minor (under 18).
    """
    share = np.where(age_months >= params.elderly_age * 12, params.elderly, 0.0)
    share = np.maximum(share, np.where((disability == 1) | (disability == 2), params.severely_disabled, 0.0))
    share = np.maximum(share, np.where(ill, params.seriously_ill, 0.0))
    share = np.maximum(share, np.where(age_months < 18 * 12, params.minor, 0.0))
    return share.astype(np.float32)


def amount(standard: np.ndarray, assessed_per_capita: np.ndarray, members: np.ndarray,
           supplement_shares: np.ndarray, minimum_payment: float) -> np.ndarray:
    """Monthly dibao of a household in yuan.

    ``members × max(standard − assessed per-capita income, 0) + standard × Σ supplement shares``,
    raised to ``members × minimum_payment`` when smaller; 0 for a household with no members.

    Parameters
    ----------
    standard
        Dibao standard in force for the household, yuan/person/month, ``(n,)``.
    assessed_per_capita
        Per-capita income found by the last means test, yuan/person/month, ``(n,)``.
    members
        Members enrolled, ``(n,)``.
    supplement_shares
        Sum over enrolled members of their supplement share of the standard, ``(n,)``.
    minimum_payment
        Smallest payment, yuan/person/month.
    """
    top_up = members * np.maximum(standard - assessed_per_capita, 0.0) + standard * supplement_shares
    return np.where(members > 0, np.maximum(top_up, members * minimum_payment), 0.0)
