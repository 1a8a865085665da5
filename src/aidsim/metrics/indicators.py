"""The indicator table: additive monthly sums by area, and the ratios derived from them.

Every month the engine records, for each area, sums that can be added across areas and months
(recipients, costs, poor persons, gaps…). Any table (by month, year, urban/rural, area) is made by
adding those sums over the cells it covers and only then dividing, so ratios are always correctly
weighted (an average subsidy is total cost ÷ recipient-months, never a mean of means).

Stocks (people, households) are shown as the monthly average over the period; flows (yuan,
entries, exits) as the period's total.

The measures are declared where they are computed: the engine's two counts below, each
programme's own (:attr:`~aidsim.programmes.base.Programme.measures`), each ledger line's cost,
recipients and cost to the poor, and the metrics modules' (targeting, medical burden, poverty).
:func:`catalogue` gathers them for a registry of programmes, in that order.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numba
import numpy as np
import pandas as pd

from aidsim.metrics import burden, poverty, targeting
from aidsim.metrics.targeting import EXCLUSION_CAUSES, INCLUSION_CAUSES
from aidsim.programmes import REGISTRY
from aidsim.programmes.base import LedgerLine, Measure, Payment, Ratio, flow, stock
from aidsim.programmes.registry import Registry

__all__ = ["EXCLUSION_CAUSES", "INCLUSION_CAUSES", "MEASURES", "MEASURE_NAMES", "RATIOS", "Catalogue",
           "Measure", "catalogue", "line_sums", "summarise"]

#: The engine's own measures.
BASE_MEASURES: dict[str, Measure] = {
    "households": stock("households", "Households with a living member."),
    "persons": stock("persons", "Living persons."),
    "persons_minor": stock("persons", "Living persons under the age of majority (definitions.age_of_majority)."),
    "persons_elderly": stock("persons", "Living persons of the elderly age and over (definitions.elderly_age)."),
    "persons_80_plus": stock("persons", "Living persons aged 80 and over."),
    "births": flow("persons", "Births (population.renewal)."),
    "households_formed": flow("households", "Households formed by young adults leaving home."),
    "out_migrants": flow("persons", "Persons who left the county for good."),
    "in_migrants": flow("persons", "Persons who moved into the county (in-migrant households, population.renewal)."),
}
#: The engine's own ratios (the population's structure).
BASE_RATIOS: dict[str, Ratio] = {
    "persons_per_household": Ratio("persons", "households", "persons", "Living persons per household."),
    "share_minor": Ratio("persons_minor", "persons", "share", "Share of residents who are minors."),
    "share_elderly": Ratio("persons_elderly", "persons", "share", "Share of residents who are elderly (60+ by default)."),
    "share_80_plus": Ratio("persons_80_plus", "persons", "share", "Share of residents aged 80 and over."),
    "birth_rate": Ratio("births", "persons", "per person and month", "Births per resident (crude birth rate, monthly)."),
}


def _recipients_measure(line: LedgerLine) -> str | None:
    return None if line.recipients_measure is None else (line.recipients_measure or f"{line.name}_recipients")


def line_measures(line: LedgerLine) -> tuple[dict[str, Measure], dict[str, Ratio]]:
    """The measures and ratios every ledger line gets: cost, recipients, cost to the poor,
    average per recipient, share to the poor."""
    measures = {f"{line.name}_cost": flow("yuan", f"{line.label}: paid.")}
    ratios = {}
    recipients = _recipients_measure(line)
    if recipients is not None:
        measures[recipients] = stock(line.unit, f"{line.label}: recipients in the month.")
        if recipients == f"{line.name}_recipients":
            ratios[f"{line.name}_avg"] = Ratio(f"{line.name}_cost", recipients, f"yuan/{line.unit[:-1]}/month",
                                               f"{line.label}: average paid per recipient and month.")
    measures[f"{line.name}_cost_to_poor"] = flow("yuan", f"{line.label}: paid to households poor before transfers.")
    ratios[f"{line.name}_share_to_poor"] = Ratio(
        f"{line.name}_cost_to_poor", f"{line.name}_cost", "share",
        f"{line.label}: share of its cost going to households poor before transfers.")
    return measures, ratios


@dataclass(frozen=True)
class Catalogue:
    """Every measure and ratio a run records, for one registry of programmes."""

    measures: dict[str, Measure]
    ratios: dict[str, Ratio]
    lines: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.measures)


@cache
def catalogue(registry: Registry = REGISTRY) -> Catalogue:
    """The measures and ratios of a run under ``registry``; raise ``ValueError`` when two places
    declare the same name or a ratio refers to an unknown measure."""
    measures, ratios = dict(BASE_MEASURES), dict(BASE_RATIOS)
    parts: list[tuple[str, dict[str, Measure], dict[str, Ratio]]] = []
    for prog in registry:
        parts.append((prog.name, dict(prog.measures), dict(prog.ratios)))
        for line in prog.lines:
            parts.append((line.name, *line_measures(line)))
    parts += [("targeting", targeting.MEASURES, targeting.RATIOS), ("burden", burden.MEASURES, burden.RATIOS),
              ("poverty", poverty.MEASURES, poverty.RATIOS)]
    for owner, own_measures, own_ratios in parts:
        for name in own_measures:
            if name in measures:
                raise ValueError(f"measure {name!r} of {owner} is declared twice")
        for name in own_ratios:
            if name in ratios:
                raise ValueError(f"ratio {name!r} of {owner} is declared twice")
        measures |= own_measures
        ratios |= own_ratios
    for name, ratio in ratios.items():
        unknown = {ratio.numerator, ratio.denominator} - set(measures)
        if unknown:
            raise ValueError(f"ratio {name!r} refers to unknown measures {sorted(unknown)}")
    return Catalogue(measures, ratios, registry.line_names)


MEASURES: dict[str, Measure] = catalogue().measures
MEASURE_NAMES: tuple[str, ...] = catalogue().names
RATIOS: dict[str, Ratio] = catalogue().ratios


def summarise(sums: pd.DataFrame, by: list[str], cat: Catalogue | None = None) -> pd.DataFrame:
    """Aggregate the monthly sums over everything not in ``by`` and add the ratios.

    ``sums`` has one row per (month, area) with the columns of the catalogue's measures (by
    default the shipped programmes'), plus ``month`` and the columns named in ``by``. Stocks
    become monthly averages over the period, flows totals.
    """
    cat = cat or catalogue()
    keys = by or ["_all"]
    frame = sums.assign(_all="all") if not by else sums
    grouped = frame.groupby(keys, sort=True, observed=True)
    totals = grouped[list(cat.names)].sum()
    n_months = grouped["month"].nunique()
    ratios = {}
    for name, r in cat.ratios.items():
        ratios[name] = np.divide(totals[r.numerator].to_numpy(), totals[r.denominator].to_numpy(),
                                 out=np.full(len(totals), np.nan), where=totals[r.denominator].to_numpy() > 0)
    stocks = [n for n, m in cat.measures.items() if m.kind == "stock"]
    averaged = totals.copy()
    averaged[stocks] = totals[stocks].div(n_months, axis=0)
    extra = pd.DataFrame(ratios, index=totals.index)
    extra["total_cost"] = totals[[f"{line}_cost" for line in cat.lines]].sum(axis=1)
    extra["months"] = n_months
    out = pd.concat([averaged, extra], axis=1).reset_index()
    return out.drop(columns=["_all"]) if not by else out


def cell_dtype(n_areas: int) -> type:
    """The smallest integer type holding a :func:`_poor_cells` cell."""
    return np.int16 if 2 * n_areas <= np.iinfo(np.int16).max else np.int32


@numba.njit(cache=True)
def _poor_cells(area: np.ndarray, pre_pc: np.ndarray, urban: np.ndarray, pl_urban: float, pl_rural: float,
                out: np.ndarray) -> None:
    """``out = 2 × area + poor``, poor: ``pre_pc`` under the poverty line of the household's hukou
    (poor before transfers). One small array the ledger lines then read once per payment, instead
    of a mask and the area and income arrays each."""
    for i in range(area.shape[0]):
        out[i] = area[i] * 2 + (pre_pc[i] < (pl_urban if urban[i] else pl_rural))


@numba.njit(cache=True)
def _line_kernel(households: np.ndarray, fen: np.ndarray, cell: np.ndarray, n_areas: int) -> tuple[np.ndarray, np.ndarray]:
    """One ledger line's fen by area, all of it and the part paid to households poor before
    transfers (``cell``: see :func:`_poor_cells`), as exact integers. Replaces two gathers and two
    bincounts."""
    total = np.zeros(n_areas, np.int64)
    to_poor = np.zeros(n_areas, np.int64)
    for k in range(households.shape[0]):
        c = cell[households[k]]
        total[c >> 1] += fen[k]
        to_poor[c >> 1] += fen[k] * (c & 1)
    return total, to_poor


def line_sums(registry: Registry, payments: dict[str, Payment], pre_pc: np.ndarray, urban: np.ndarray,
              poverty_line: tuple[float, float], area_h: np.ndarray,
              n_areas: int, cell: np.ndarray | None = None) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Each ledger line's cost, its recipients and the cost going to households poor before
    transfers (``pre_pc`` under ``poverty_line``, urban and rural by hukou ``urban``), by area;
    and each line's fen by area as booked in the ledger, int64 ``(n_lines, n_areas)``. ``cell``:
    the households' :func:`_poor_cells`, when already made."""
    if cell is None:
        cell = np.empty(area_h.shape[0], cell_dtype(n_areas))
        _poor_cells(area_h, pre_pc, urban, *poverty_line, cell)
    sums = {}
    fen_by_area = np.zeros((len(registry.lines), n_areas), np.int64)
    for i, line in enumerate(registry.lines):
        pay = payments[line.name]
        fen_by_area[i], to_poor = _line_kernel(pay.households, pay.fen, cell, n_areas)
        sums[f"{line.name}_cost"] = fen_by_area[i] / 100.0
        sums[f"{line.name}_cost_to_poor"] = to_poor / 100.0
        recipients = _recipients_measure(line)
        if recipients is not None:
            sums[recipients] = pay.recipients
    return sums, fen_by_area
