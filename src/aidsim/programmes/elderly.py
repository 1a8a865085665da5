"""Old-age allowance (高龄津贴) for people 80 and over, and purchased home-care services for poor
dependent elders (政府购买居家养老服务, seed 000)."""

from __future__ import annotations

import numba
import numpy as np

from aidsim.population.arrays import Persons
from aidsim.population.categories import elderly_months
from aidsim.prefetch import AHEAD, prefetch, prefetch_households, prefetch_rows
from aidsim.programmes.base import LedgerLine, Payment, Programme, Row, _fen, person_payment

#: The age of the oldest group the month's measures count (``persons_80_plus``), months.
OLDEST_FROM = 80 * 12


def allowance(age_months: np.ndarray, alive: np.ndarray, band_ages: list[int],
              amounts: list[float]) -> np.ndarray:
    """The allowance of each person by age band (0 below the first band)."""
    table = np.concatenate(([0.0], np.asarray(amounts, dtype=np.float64)))
    # The band is how many band ages a person has reached (``searchsorted(..., side="right")`` on
    # the increasing ages): a few whole-array comparisons are faster than a binary search each.
    band = np.zeros(age_months.shape[0], dtype=np.intp)
    for age in band_ages:
        band += age_months >= 12 * int(age)
    return np.where(alive, table[band], 0.0)


def home_care_places(per_10k_residents: float, residents: int) -> int:
    """Places bought: ``per_10k_residents`` per 10,000 residents, rounded to whole places."""
    return int(np.floor(per_10k_residents * residents / 10_000 + 0.5))


def home_care_served(eligible_index: np.ndarray, priority_income: np.ndarray,
                     capacity: int) -> np.ndarray:
    """The eligible people served when places are limited: the lowest incomes first.

    ``eligible_index`` are person rows, ``priority_income`` their household per-capita income.
    A stable sort keeps the choice reproducible among equal incomes. When there are places for
    all, all are served, in the order given (no sort).
    """
    if capacity >= eligible_index.shape[0]:
        return eligible_index.copy()
    order = np.argsort(priority_income, kind="stable")
    return eligible_index[order[:capacity]]


@numba.njit(cache=True)
def _old_persons(elderly: np.ndarray, age_months: np.ndarray, selfcare: np.ndarray, allowance_from: float,
                 banded: np.ndarray, dependent: np.ndarray) -> tuple[int, int]:
    """Persons the two rules look at, among the living elderly ``elderly`` (increasing rows): those
    at or above the first allowance band (``allowance_from`` months, at or above the elderly age),
    and the dependent (self-care not full): written to ``banded`` and ``dependent`` (each one
    longer than ``elderly``: the loop writes each row before deciding to keep it), returns how
    many of each. One pass over the elderly."""
    nb = nd = 0
    for k in range(elderly.shape[0]):
        i = elderly[k]
        banded[nb] = i
        dependent[nd] = i
        nb += age_months[i] >= allowance_from
        nd += selfcare[i] > 0
    return nb, nd


@numba.njit(cache=True)
def _living_from(alive: np.ndarray, age_months: np.ndarray, allowance_from: float, out: np.ndarray) -> int:
    """Rows of the living at or above ``allowance_from`` months, increasing, written to ``out``;
    returns how many (count first with an empty ``out``, then write to one of the count + 1).
    For a first allowance band below the elderly age, whose persons the elderly's list lacks."""
    k, write = 0, out.shape[0] > 0
    for i in range(alive.shape[0]):
        if write:
            out[k] = i
        k += alive[i] & (age_months[i] >= allowance_from)
    return k


def old_persons(persons: Persons, elderly: np.ndarray, allowance_from: float,
                elderly_from: float) -> tuple[np.ndarray, np.ndarray]:
    """The living at or above the first allowance band (``allowance_from`` months) and the living
    dependent elderly (self-care not full), increasing rows (intp), found in ``elderly`` (the
    living at or above ``elderly_from`` months, increasing); the whole population is scanned for
    the banded only when the first band starts below the elderly age."""
    p = persons
    # Below the elderly age, the banded come from a scan of every person: the elderly's pass
    # then keeps none of them (a band from infinity) and only lists the dependent.
    below = allowance_from < elderly_from
    # as the group's rows (4 bytes each); the few kept are made intp
    banded, dependent = np.empty(elderly.shape[0] + 1, np.int32), np.empty(elderly.shape[0] + 1, np.int32)
    nb, nd = _old_persons(elderly, p.age_months, p.selfcare, np.inf if below else allowance_from, banded, dependent)
    dependent = dependent[:nd].astype(np.intp)
    if not below:
        return banded[:nb].astype(np.intp), dependent
    banded = np.empty(_living_from(p.alive, p.age_months, allowance_from, np.empty(0, np.intp)) + 1, np.intp)
    return banded[:_living_from(p.alive, p.age_months, allowance_from, banded)], dependent


@numba.njit(cache=True)
def _elderly_lists(elderly: np.ndarray, age_months: np.ndarray, selfcare: np.ndarray, person_area: np.ndarray,
                   first_band: int, cells: np.ndarray, banded: np.ndarray, candidates: np.ndarray
                   ) -> tuple[np.uint64, np.uint64]:
    """:func:`_elderly_month`'s pass over every elderly person: counted into ``cells`` by area and
    whether at or above :data:`OLDEST_FROM`, listed in ``banded`` when at or above ``first_band``
    and in ``candidates`` when their self-care is not full; returns how many of each."""
    # unsigned rows and counts: the loads and stores at them need no negative-index check
    n_banded = n_candidates = np.uint64(0)
    for k in range(elderly.shape[0]):  # without branches on the data
        i = np.uint64(elderly[k])
        age = age_months[i]
        cells[np.uint64(2 * person_area[i]) + np.uint64(age >= OLDEST_FROM)] += 1
        banded[n_banded] = i
        n_banded += np.uint64(age >= first_band)
        candidates[n_candidates] = i
        n_candidates += np.uint64(selfcare[i] > 0)
    return n_banded, n_candidates


@numba.njit(cache=True)
def _allowance_paid(n_banded: np.uint64, households: np.ndarray, age_months: np.ndarray, household: np.ndarray,
                    band_from: np.ndarray, table: np.ndarray, alive: np.ndarray, person_area: np.ndarray,
                    recipients: np.ndarray, fen: np.ndarray) -> int:
    """:func:`_elderly_month`'s allowance of the first ``n_banded`` rows of ``households``, in row
    order: each paid household written over them (household k' over row k >= k'), its fen in
    ``fen``, the recipients counted by area in ``recipients``; returns how many households. The
    rows are one person in fifteen: each asks for the rows of the one :data:`~aidsim.prefetch.AHEAD`
    of it (with the candidates' loop, 0.9 of the month's time of the elderly)."""
    living = alive.view(np.uint8)
    n_paid = np.uint64(0)
    last = np.int64(-1)
    paid_fen = np.int64(0)  # the fen of the household being paid, so far
    for k in range(n_banded):
        # written out: through prefetch_rows this loop, which overwrites the list it reads, took
        # twice as long (the other loops did not)
        if k + np.uint64(AHEAD) < n_banded:  # unsigned, as the count
            ahead = households[k + np.uint64(AHEAD)]
            prefetch(age_months, ahead)
            prefetch(household, ahead)
            prefetch(alive, ahead)
            prefetch(person_area, ahead)
        i = np.uint64(households[k])
        age = age_months[i]
        hh = np.int64(household[i])
        band = 0  # below the first band: table[0], 0, not paid
        for b in range(band_from.shape[0]):
            band += age >= band_from[b]
        f = _fen(table[band] if living[i] else 0.0)
        paid = f > 0
        recipients[np.uint64(person_area[i])] += paid
        households[n_paid] = hh  # kept when a new household is paid
        new = np.uint64(paid & (hh != last))
        n_paid += new
        paid_fen = paid_fen * np.int64(1 - new) + f  # a new household's fen starts from its first
        if n_paid > 0:
            fen[n_paid - np.uint64(1)] = paid_fen
        last = hh if paid else last
    return np.int64(n_paid)


@numba.njit(cache=True)
def _poor_dependent(n_candidates: np.uint64, candidates: np.ndarray, household: np.ndarray,
                    unit_member: np.ndarray, dibao_paid: np.ndarray, margin: np.ndarray, tekun_paid: np.ndarray,
                    tekun_institutional: np.ndarray) -> int:
    """:func:`_elderly_month`'s dependent of a poor household (a dibao unit member of a paid
    household, a margin household, or tekun at home) among the first ``n_candidates`` rows of
    ``candidates``, kept in place; returns how many. The rows are scattered: each asks for the
    rows, then the household's flags, of those ahead (:func:`~aidsim.prefetch.prefetch`)."""
    member, paid, low, tekun, institution = (unit_member.view(np.uint8), dibao_paid.view(np.uint8),
                                             margin.view(np.uint8), tekun_paid.view(np.uint8),
                                             tekun_institutional.view(np.uint8))
    n_dependent = np.uint64(0)
    for k in range(n_candidates):
        prefetch_rows(candidates, k, n_candidates, household, unit_member, tekun_paid, tekun_institutional)
        prefetch_households(candidates, k, n_candidates, household, dibao_paid, margin)
        i = np.uint64(candidates[k])
        hh = np.uint64(household[i])
        candidates[n_dependent] = i
        n_dependent += np.uint64((member[i] & paid[hh]) | low[hh] | (tekun[i] & (institution[i] ^ np.uint8(1))))
    return np.int64(n_dependent)


@numba.njit(cache=True)
def _elderly_month(elderly: np.ndarray, age_months: np.ndarray, alive: np.ndarray, selfcare: np.ndarray,
                   household: np.ndarray, person_area: np.ndarray, n_areas: int, band_from: np.ndarray,
                   table: np.ndarray, unit_member: np.ndarray, dibao_paid: np.ndarray,
                   margin: np.ndarray, tekun_paid: np.ndarray, tekun_institutional: np.ndarray,
                   households: np.ndarray, fen: np.ndarray,
                   poor_dependent: np.ndarray) -> tuple[int, int, np.ndarray, np.ndarray]:
    """The month of both rules over the living elderly ``elderly`` (increasing rows), when the
    first allowance band is not below the elderly age: the allowance (:func:`allowance`: ``table``
    at the number of ``band_from`` reached, 0 if not alive) booked as
    :func:`~aidsim.programmes.base.person_payment` books it (rounded to the fen, the paid added up
    by household into ``households`` and ``fen``, recipients counted by area), and the dependent
    (self-care not full) of a poor household (a dibao unit member of a paid household, a margin
    household, or tekun at home) written to ``poor_dependent``; and the elderly counted by area for
    the month's measures (as :func:`~aidsim.population.groups.age_counts` counts them: int64
    ``(n_areas, 2)``, under and at or above :data:`OLDEST_FROM`). Returns how many households were
    paid and how many poor dependent, the recipients by area and those counts. ``households``,
    ``fen`` and ``poor_dependent`` are one longer than ``elderly`` (each row is written before it
    is known to be kept; each paid household's fen is written, so ``fen`` need not be zeros).

    One pass over every elderly person counts them and lists the few that each rule looks at
    (about a quarter in an allowance band, a tenth dependent) into ``households`` and
    ``poor_dependent``; each rule then reads its own list and compacts it in place. One loop doing
    both rules for every elderly person took about 60% longer. Each loop is a function of its own,
    with unsigned rows and counts and flags read as bytes: 0.80 of the time of the three loops in
    one function with signed counts."""
    first_band = np.iinfo(np.int64).max  # below it no band is reached and nothing is paid
    for b in range(band_from.shape[0]):
        first_band = min(first_band, band_from[b])
    cells = np.zeros(2 * n_areas, dtype=np.int64)
    n_banded, n_candidates = _elderly_lists(elderly, age_months, selfcare, person_area, first_band, cells,
                                            households, poor_dependent)
    recipients = np.zeros(n_areas)
    n_paid = _allowance_paid(n_banded, households, age_months, household, band_from, table, alive, person_area,
                             recipients, fen)
    n_dependent = _poor_dependent(n_candidates, poor_dependent, household, unit_member, dibao_paid, margin,
                                  tekun_paid, tekun_institutional)
    return n_paid, n_dependent, recipients, cells.reshape(n_areas, 2)


class Elderly(Programme):
    """The old-age allowance (by age band) and home care for poor dependent elders, up to capacity."""

    name = "elderly"
    section = "elderly"
    label = "Old-age allowance and home care (高龄津贴, 居家养老服务)"
    lines = (LedgerLine("old_age_allowance", "persons", "Old-age allowance, 80+ (高龄津贴)"),
             LedgerLine("home_care", "persons", "Purchased home-care services for poor dependent elders",
                        cash=False))
    needs = ("dibao.unit_member", "dibao.paid", "margin.household", "tekun.paid", "tekun.institutional",
             "household.pre_pc", "groups.elderly")
    provides = {"elderly.by_age": "int64 (n_areas, 2): the living elderly by area, under and at or above "
                                  "OLDEST_FROM months (when one pass over them made the allowance)"}

    def step(self, frame, state: None) -> dict[str, Payment]:
        sim, el = frame.sim, frame.scenario.elderly
        p = sim.population.persons
        # Only persons in an allowance band can be paid it (others' allowance is 0, and a payment
        # of 0 is not booked), and only dependent elders (definitions.elderly_age) can be served;
        # an allowance band may start earlier than the elderly age.
        first_band = 12 * min(el.allowance_ages) if el.allowance_ages else np.inf
        elderly_from = elderly_months(frame.scenario.definitions, frame.month)
        if el.enabled and first_band >= elderly_from:
            # One pass over the elderly for both rules.
            elderly = frame["groups.elderly"]
            households, fen = np.empty(elderly.shape[0] + 1, np.intp), np.empty(elderly.shape[0] + 1, np.int64)
            dependent = np.empty(elderly.shape[0] + 1, np.intp)
            n_paid, n_dependent, recipients, frame["elderly.by_age"] = _elderly_month(
                elderly, p.age_months, p.alive, p.selfcare, p.household, sim.person_area, sim.population.n_areas,
                np.array([12 * int(age) for age in el.allowance_ages], np.int64),
                np.concatenate(([0.0], np.asarray(el.allowance, dtype=np.float64))),
                frame["dibao.unit_member"], frame["dibao.paid"], frame["margin.household"], frame["tekun.paid"],
                frame["tekun.institutional"], households, fen, dependent)
            allowance_paid = Payment(households[:n_paid].copy(), fen[:n_paid].copy(), recipients)
            dependent = dependent[:n_dependent].copy()
            return {"old_age_allowance": allowance_paid, "home_care": self._home_care(frame, dependent)}
        if el.enabled:
            banded, dependent = old_persons(p, frame["groups.elderly"], float(first_band), elderly_from)
        else:
            banded = dependent = np.zeros(0, np.intp)
        paid = allowance(p.age_months[banded], p.alive[banded], el.allowance_ages, el.allowance)
        hh = p.household[dependent]
        poor = ((frame["dibao.unit_member"][dependent] & frame["dibao.paid"][hh]) | frame["margin.household"][hh]
                | (frame["tekun.paid"][dependent] & ~frame["tekun.institutional"][dependent]))
        return {"old_age_allowance": person_payment(sim, banded, paid),
                "home_care": self._home_care(frame, dependent[poor])}

    def _home_care(self, frame, dependent: np.ndarray) -> Payment:
        """Home care for the poor ``dependent`` elders, the lowest incomes first up to the places."""
        sim, el = frame.sim, frame.scenario.elderly
        p = sim.population.persons
        served = home_care_served(dependent, frame["household.pre_pc"][p.household[dependent]],
                                  home_care_places(el.home_care_places_per_10k, np.count_nonzero(p.alive)))
        return person_payment(sim, served, np.full(served.shape[0], el.home_care_cost))

    def explain(self, frame, state: None, household: int) -> list[Row]:
        p = frame.sim.population.persons
        elderly = elderly_months(frame.scenario.definitions, frame.month)
        rows = [(f"member {i}", f"age {p.age_months[i] // 12}, self-care {('full', 'partial', 'none')[p.selfcare[i]]}")
                for i in frame.sim.population.members_of(np.array([household]))
                if p.alive[i] and p.age_months[i] >= elderly]
        return rows or [("elderly members", "none")]
