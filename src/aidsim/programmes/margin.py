"""Low-income margin households (低保边缘户, seed 001).

Not on dibao, not barred by an exclusion, per-capita income at or above the dibao standard but
below a multiple of it (1.5 by default). They are eligible for medical and temporary assistance
and the special subsidies, not for dibao.
"""

from __future__ import annotations

import numba
import numpy as np

from aidsim.prefetch import prefetch_rows
from aidsim.programmes.base import Payment, Programme, Row, stock
from aidsim.rows import flagged


def margin_household(per_capita_income: np.ndarray, standard: np.ndarray, multiple: float,
                     excluded: np.ndarray, on_dibao: np.ndarray, members: np.ndarray) -> np.ndarray:
    """``standard ≤ income < multiple × standard``, members, no exclusion and not paid dibao."""
    return ((members > 0) & ~excluded & ~on_dibao & (per_capita_income >= standard)
            & (per_capita_income < multiple * standard))


def margin_rows(per_capita_income: np.ndarray, standard: np.ndarray, multiple: float, excluded: np.ndarray,
                on_dibao: np.ndarray, members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`margin_household`, and its households (increasing), compiled."""
    mask = np.empty(per_capita_income.shape[0], dtype=bool)
    _margin_household(per_capita_income, standard, multiple, excluded, on_dibao, members, mask)
    return mask, flagged(mask.view(np.uint8))


@numba.njit(cache=True)
def _margin_household(per_capita_income: np.ndarray, standard: np.ndarray, multiple: float, excluded: np.ndarray,
                      on_dibao: np.ndarray, members: np.ndarray, mask: np.ndarray) -> None:
    """:func:`margin_household` into ``mask``: the same comparisons, in float64, in one loop the
    compiler vectorises."""
    for h in range(per_capita_income.shape[0]):
        y, s = per_capita_income[h], standard[h]
        mask[h] = (members[h] > 0) & (not excluded[h]) & (not on_dibao[h]) & (y >= s) & (y < multiple * s)


@numba.njit(cache=True)
def _by_area(rows: np.ndarray, area: np.ndarray, members: np.ndarray, n_areas: int) -> tuple[np.ndarray, np.ndarray]:
    """The households ``rows`` and their ``members`` counted by ``area`` (float64): in numpy
    ``bincount(area[rows])`` and ``bincount(area[rows], weights=members[rows])``, in one loop
    without the gathered copies, each household's rows asked for ahead."""
    households, persons = np.zeros(n_areas), np.zeros(n_areas)
    n = rows.shape[0]
    for j in range(n):
        prefetch_rows(rows, j, n, area, members, area, members)  # scattered: ask ahead
        h = rows[j]
        a = area[h]
        households[a] += 1.0
        persons[a] += np.float64(members[h])
    return households, persons


class Margin(Programme):
    """Low-income margin households: a status other programmes pay on, with no payment of its own."""

    name = "margin"
    section = "margin"
    label = "Low-income margin households (低保边缘户)"
    needs = ("dibao.per_capita_income", "lines.dibao_h", "dibao.excluded", "dibao.paid", "dibao.members")
    provides = {"margin.household": "bool (n_households,): a low-income margin household",
                "margin.households": "intp, increasing: the low-income margin households"}
    measures = {"margin_households": stock("households", "Low-income margin households (低保边缘户)."),
                "margin_persons": stock("persons", "Members of low-income margin households.")}

    def step(self, frame, state: None) -> dict[str, Payment]:
        frame["margin.household"], frame["margin.households"] = margin_rows(
            frame["dibao.per_capita_income"], frame["lines.dibao_h"], float(frame.scenario.margin.multiple),
            frame["dibao.excluded"], frame["dibao.paid"], frame["dibao.members"])
        return {}

    def measure(self, frame, state: None) -> dict[str, np.ndarray]:
        sim = frame.sim
        # Few households are at the margin: sum over them only (the weights are whole numbers,
        # so the sums are exact whatever is left out as 0).
        households, persons = _by_area(frame["margin.households"], sim.household_area, frame["dibao.members"],
                                       sim.population.n_areas)
        return {"margin_households": households, "margin_persons": persons}

    def explain(self, frame, state: None, household: int) -> list[Row]:
        multiple = frame.scenario.margin.multiple
        return [(f"margin household (standard ≤ income < {multiple:g} × standard, not on dibao)",
                 "yes" if frame["margin.household"][household] else "no")]
