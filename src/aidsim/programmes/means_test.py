"""The dibao means test's shared parts: per-capita income and the asset and conduct exclusions."""

from __future__ import annotations

import numba
import numpy as np

from aidsim.scenario.schema import DibaoExclusions


def per_capita(total: np.ndarray, members: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Household total ÷ members; ``inf`` where a household has no members (never eligible).
    ``out`` (float64, may be ``total`` itself) receives it when given."""
    total, members = np.asarray(total), np.asarray(members)
    if total.ndim == 1 and members.ndim == 1 and total.shape == members.shape:
        if out is None:
            out = np.empty(total.shape[0])
        _per_capita(total, members, out)
        return out
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(members > 0, total / np.maximum(members, 1), np.inf)


@numba.njit(cache=True)
def _per_capita(total: np.ndarray, members: np.ndarray, out: np.ndarray) -> None:
    """:func:`per_capita` in one loop (no temporaries) into ``out`` (float64): the quotient, ``inf``
    with no member (``out`` comes from numpy: its large allocations fault in fewer pages)."""
    for i in range(total.shape[0]):
        m = members[i]
        out[i] = np.float64(total[i]) / np.float64(m) if m > 0 else np.inf


def member_bars_household(switches: DibaoExclusions, *, public_sector: np.ndarray,
                          employed: np.ndarray, refuses_work: np.ndarray, own_income: np.ndarray,
                          urban: np.ndarray, standards: tuple) -> np.ndarray:
    """Members whose situation bars their household, per switch (seed 001's list), ``(n_persons,)``:
    a public-sector or state-enterprise job; refusing work without cause; own wage or pension
    above the standard of the member's hukou (``urban``; ``standards``: the urban and rural
    standards, compared as given, without a person-sized array of standards)."""
    out = np.zeros(public_sector.shape, dtype=bool)
    if switches.public_sector:
        out |= public_sector & employed
    if switches.refuses_work:
        out |= refuses_work & ~employed
    if switches.member_income_above_standard:
        out |= np.where(urban, own_income > standards[0], own_income > standards[1])
    return out


def barred_by_assets(switches: DibaoExclusions, *, vehicle: np.ndarray, business: np.ndarray,
                     two_dwellings: np.ndarray) -> np.ndarray:
    """Households barred by an asset (a vehicle, a business, a second dwelling), per switch: the
    exclusions a check finds only if it looks (data matching finds them more often)."""
    out = np.zeros(vehicle.shape, dtype=bool)
    if switches.vehicle:
        out |= vehicle
    if switches.business:
        out |= business
    if switches.two_dwellings:
        out |= two_dwellings
    return out


def barred_by_conduct(switches: DibaoExclusions, *, outside_supporter: np.ndarray,
                      barring_members: np.ndarray) -> np.ndarray:
    """Households barred by a member's job or conduct, or by a supporter who could support them,
    per switch (``barring_members`` counts the members :func:`member_bars_household` flags)."""
    out = barring_members > 0
    if switches.supporter_not_supporting:
        out |= outside_supporter
    return out


def excluded(switches: DibaoExclusions, *, vehicle: np.ndarray, business: np.ndarray,
             two_dwellings: np.ndarray, outside_supporter: np.ndarray,
             barring_members: np.ndarray) -> np.ndarray:
    """Households barred from dibao by an asset or conduct rule, per switch, ``(n_households,)``."""
    return (barred_by_assets(switches, vehicle=vehicle, business=business, two_dwellings=two_dwellings)
            | barred_by_conduct(switches, outside_supporter=outside_supporter,
                                barring_members=barring_members))
