"""Foster–Greer–Thorbecke poverty measures, person-weighted, with the gap in yuan.

For per-capita income ``y`` and line ``z`` the normalised gap is ``g = max(z − y, 0) / z``;
FGT(α) is the person-weighted mean of ``g^α`` over the population, counting the poor only
(FGT0 headcount ratio, FGT1 poverty gap index, FGT2 severity). The gap in yuan is
``Σ persons × max(z − y, 0)``: the money that would lift every poor person exactly to the line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from aidsim.programmes.base import Measure, Ratio, stock
from aidsim.rows import flagged

FEN = 0.01  # yuan
#: The lines poverty is measured against: the poverty line and the dibao line (a "below the dibao
#: line" count rises when the standard rises).
LINES = {"pl": "poverty line", "dl": "dibao line"}
MEASURES: dict[str, Measure] = {}
RATIOS: dict[str, Ratio] = {}
for _line, _name in LINES.items():
    for _when, _w in (("pre", "before"), ("post", "after")):
        MEASURES[f"poor_{_when}_{_line}"] = stock("persons", f"Persons below the {_name} {_w} transfers.")
        MEASURES[f"gap_yuan_{_when}_{_line}"] = Measure("flow", "yuan", f"Total gap to the {_name} {_w} transfers.")
        MEASURES[f"gap1_{_when}_{_line}"] = stock("persons", f"Σ normalised gap to the {_name} {_w} transfers.")
        MEASURES[f"gap2_{_when}_{_line}"] = stock("persons", f"Σ squared normalised gap ({_name}, {_w}).")
        RATIOS[f"fgt0_{_when}_{_line}"] = Ratio(f"poor_{_when}_{_line}", "persons", "share", "Headcount ratio.")
        RATIOS[f"fgt1_{_when}_{_line}"] = Ratio(f"gap1_{_when}_{_line}", "persons", "share", "Poverty gap index.")
        RATIOS[f"fgt2_{_when}_{_line}"] = Ratio(f"gap2_{_when}_{_line}", "persons", "share", "Poverty severity index.")


@dataclass
class GapSums:
    """Sums by group of: poor persons, gap in yuan, Σ g and Σ g² (person-weighted)."""

    poor: np.ndarray
    gap_yuan: np.ndarray
    gap1: np.ndarray
    gap2: np.ndarray


def gap_sums(per_capita_income: np.ndarray, line: np.ndarray, persons: np.ndarray,
             group: np.ndarray, n_groups: int) -> GapSums:
    """Person-weighted poverty sums by group, from household per-capita income.

    All arrays are per household, ``(n_households,)``; ``persons`` is the household size.
    """
    shortfall = line - per_capita_income
    # Payments are rounded to the fen, so a shortfall under one fen is rounding, not poverty.
    poor = np.flatnonzero((shortfall >= FEN) & (persons > 0))  # a minority: sum over them only
    gap, z, w = shortfall[poor], line[poor], persons[poor].astype(np.float64)
    normalised = np.divide(gap, z, out=np.zeros_like(gap), where=z > 0)
    area = group[poor]

    def by_group(values: np.ndarray) -> np.ndarray:
        return np.bincount(area, weights=values, minlength=n_groups)

    return GapSums(
        poor=by_group(w),
        gap_yuan=by_group(w * gap),
        gap1=by_group(w * normalised),
        gap2=by_group(w * normalised * normalised),
    )


def fgt(per_capita_income: np.ndarray, line: float | np.ndarray, persons: np.ndarray,
        alpha: int) -> float:
    """FGT(α) for one population: person-weighted mean of ``g^α`` over the poor (0 if empty)."""
    line = np.broadcast_to(np.asarray(line, dtype=np.float64), per_capita_income.shape)
    total = float(np.sum(persons))
    if total == 0:
        return 0.0
    shortfall = np.maximum(line - per_capita_income, 0.0)
    poor = shortfall >= FEN
    shortfall = np.where(poor, shortfall, 0.0)
    g = np.divide(shortfall, line, out=np.zeros_like(shortfall), where=line > 0)
    return float(np.sum(persons * poor * g**alpha) / total)


def poverty_sums(pre_pc: np.ndarray, post_pc: np.ndarray, lines: dict[str, np.ndarray],
                 persons: np.ndarray, group: np.ndarray, n_groups: int) -> dict[str, np.ndarray]:
    """``poor_``, ``gap_yuan_``, ``gap1_`` and ``gap2_`` sums by group, before and after transfers
    (``pre``/``post``), for each named line (``{"pl": poverty line, "dl": dibao line}``)."""
    out = {}
    for line_name, line in lines.items():
        for when, pc in (("pre", pre_pc), ("post", post_pc)):
            g = gap_sums(pc, line, persons, group, n_groups)
            out[f"poor_{when}_{line_name}"] = g.poor
            out[f"gap_yuan_{when}_{line_name}"] = g.gap_yuan
            out[f"gap1_{when}_{line_name}"] = g.gap1
            out[f"gap2_{when}_{line_name}"] = g.gap2
    return out


@numba.njit(cache=True)
def _add_gap(out: np.ndarray, row: int, area: int, line: float, income: float, persons: float) -> None:
    """One household's part of :func:`gap_sums` (rows ``row`` … ``row + 3`` of ``out``), computed
    with the same operations in the same order; without a branch on whether it is poor (random
    after transfers): a household not poor has the weight 0, and adds ±0.0 to each sum (its
    terms are finite), which leaves it as it was, bit for bit."""
    shortfall = line - income
    normalised = shortfall / line if line > 0 else 0.0
    w = persons * np.float64(shortfall >= FEN)  # poor or not: a product, not a select (a branch)
    out[row, area] += w
    out[row + 1, area] += w * shortfall
    out[row + 2, area] += w * normalised
    out[row + 3, area] += w * normalised * normalised


@numba.njit(cache=True)
def _add_cash(cash: np.ndarray, households: np.ndarray, fen: np.ndarray) -> None:
    """``cash[households] += fen`` (one payment's households, unique), in whole fen (wrapping
    around where ``cash`` held no number: those are never read)."""
    for k in range(households.shape[0]):
        cash[households[k]] += fen[k]


@numba.njit(cache=True)
def poor_before(pre_pc: np.ndarray, persons: np.ndarray, urban: np.ndarray, pl_urban: float, pl_rural: float,
                dl: np.ndarray) -> np.ndarray:
    """The households with a member that are poor before transfers against the higher of the
    poverty line (by hukou) and the dibao line, increasing: the only ones :func:`poverty_sums_paid`
    looks at. Found in a loop the compiler vectorises, then listed without a branch."""
    flag = np.empty(pre_pc.shape[0], np.uint8)
    for i in range(pre_pc.shape[0]):
        flag[i] = (max(pl_urban if urban[i] else pl_rural, dl[i]) - pre_pc[i] >= FEN) & (persons[i] > 0)
    return flagged(flag)


@numba.njit(cache=True)
def _poverty_kernel(poor: np.ndarray, pre_pc: np.ndarray, persons: np.ndarray, urban: np.ndarray, pl_urban: float,
                    pl_rural: float, dl: np.ndarray, area: np.ndarray, n_areas: int, cash: np.ndarray) -> np.ndarray:
    """FGT sums by area against the poverty line (by hukou) and the dibao line, before and after
    cash transfers: rows ``8 × line + 4 × after + (poor, gap_yuan, gap1, gap2)``. Post-transfer
    income is ``pre_pc + cash / (100 × max(persons, 1))`` with the household's ``cash`` fen (not
    negative), so no household-sized income array is built. A household poor against neither line
    before transfers is poor against neither after them (cash only adds), so only the households
    ``poor`` before (:func:`poor_before`) are looked at, in row order: each sum adds the
    households in the order of the bincounts of :func:`gap_sums`."""
    out = np.zeros((16, n_areas))
    for i in poor:
        n = persons[i]
        c = cash[i]
        w = np.float64(n)
        a = area[i]
        pre = pre_pc[i]
        post = pre + np.float64(c) / (100.0 * np.float64(max(n, 1)))  # pre + 0.0 without cash
        pl = pl_urban if urban[i] else pl_rural
        _add_gap(out, 0, a, pl, pre, w)
        _add_gap(out, 4, a, pl, post, w)
        _add_gap(out, 8, a, dl[i], pre, w)
        _add_gap(out, 12, a, dl[i], post, w)
    return out


def poverty_sums_paid(pre_pc: np.ndarray, cash: list[tuple[np.ndarray, np.ndarray]], persons: np.ndarray,
                      urban: np.ndarray, pl_urban: float, pl_rural: float, dl: np.ndarray,
                      group: np.ndarray, n_groups: int, poor: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """:func:`poverty_sums` for the poverty line (``pl_urban``/``pl_rural`` by hukou) and the
    dibao line ``dl``, with post-transfer income ``pre_pc + cash / (100 × max(persons, 1))`` made
    from ``cash``: ``(households, fen)`` pairs of the month's cash payments (households increasing
    within a pair). The same sums, with one household-sized array (the cash in fen). ``poor``: the
    households :func:`poor_before` finds, when already listed."""
    cash = [(np.asarray(h, dtype=np.intp), np.asarray(f, dtype=np.int64)) for h, f in cash]
    negative = False
    for h, f in cash:
        if h.shape[0]:
            if not _increasing(h):
                raise ValueError("a payment's households are not increasing")
            negative |= bool(f.min() < 0)
    if negative:  # a negative payment: post-transfer income may fall
        # Each household's cash in whole fen (exact whatever the order they are added in).
        total = np.zeros(pre_pc.shape[0], np.int64)
        for h, f in cash:
            _add_cash(total, h, f)
        paid = np.flatnonzero(total)
        post_pc = pre_pc.copy()
        post_pc[paid] += total[paid] / (100.0 * np.maximum(persons[paid], 1))
        pl = np.where(urban, pl_urban, pl_rural)
        return poverty_sums(pre_pc, post_pc, {"pl": pl, "dl": dl}, persons, group, n_groups)
    if poor is None:
        poor = poor_before(pre_pc, persons, urban, pl_urban, pl_rural, dl)
    # Cash only adds, so only the households poor before can be poor after (_poverty_kernel), and
    # only their cash is read: those start from 0 and the others' are never read (the array is
    # not zeroed whole, which took longer than the rest of these sums).
    total = np.empty(pre_pc.shape[0], np.int64)
    total[poor] = 0
    for h, f in cash:
        _add_cash(total, h, f)
    out = _poverty_kernel(poor, pre_pc, persons, urban, pl_urban, pl_rural, dl, group, n_groups, total)
    names = [f"{measure}_{when}_{line}" for line in ("pl", "dl") for when in ("pre", "post")
             for measure in ("poor", "gap_yuan", "gap1", "gap2")]
    return dict(zip(names, out, strict=True))


@numba.njit(cache=True)
def _increasing(a: np.ndarray) -> bool:
    for k in range(1, a.shape[0]):
        if a[k] <= a[k - 1]:
            return False
    return True
