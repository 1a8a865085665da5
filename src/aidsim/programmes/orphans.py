"""Basic living allowance for orphans and children without de facto carers (孤儿基本生活费; seed 002).

A minor (under 18, ``definitions.age_of_majority``) is covered when recorded as an orphan or when
no adult is alive in the household. The standard differs for children living with relatives (分散供养, 900 yuan in seed 002)
and in institutions (集中供养, 1,300).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from aidsim.population.groups import living_groups
from aidsim.programmes.base import (
    LedgerLine,
    Payment,
    Programme,
    Row,
    Stream,
    person_payment,
    stock,
)


def eligible(alive: np.ndarray, age_months: np.ndarray, orphan: np.ndarray,
             adults_in_household: np.ndarray, minor_months: float) -> np.ndarray:
    """Living minors (under ``minor_months``, 18 years by default) who are orphans or have no
    living adult in their household."""
    return alive & (age_months < minor_months) & (orphan | (adults_in_household == 0))


def amount(institutional: np.ndarray, dispersed: float, institutional_standard: float) -> np.ndarray:
    """The monthly allowance of each covered child by placement."""
    return np.where(institutional, institutional_standard, dispersed)


def covered(sim, scenario, alive_count: np.ndarray, minors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Children covered by the allowance this month: a mask ``(n_persons,)`` and its rows,
    increasing (checked on ``minors``, the living minors' increasing rows, only; nobody when the
    programme is off)."""
    p = sim.population.persons
    if not scenario.orphans.enabled:
        return np.zeros(p.n, dtype=bool), np.zeros(0, np.intp)
    out = np.zeros(p.n, dtype=bool)
    rows = np.empty(minors.shape[0], dtype=np.intp)
    # a copy of the few covered: the buffer is as long as the minors
    return out, rows[:_cover_children(minors, p.household, p.orphan, alive_count, out, rows)].copy()


@numba.njit(cache=True)
def _cover_children(children: np.ndarray, household: np.ndarray, orphan: np.ndarray, alive_count: np.ndarray,
                    out: np.ndarray, rows: np.ndarray) -> int:
    """:func:`eligible` for the living minors ``children`` (increasing rows, so each household's
    children are one run): a child is covered when an orphan or when the household's living
    members are all children (no adult). Marks them in ``out`` and writes their rows to ``rows``
    (as long as ``children``); returns how many. In place of a household-sized bincount, the
    gathers and a ``flatnonzero`` over every person. Each child is booked as an orphan or not
    without branches; a run whose length is its household's living count (rare: no adult) is
    booked again, all covered, once it ends."""
    k, run, last = 0, 0, 0
    for q in range(children.shape[0]):
        c = children[q]
        h = household[c]
        if (h != last) & (alive_count[last] == run):  # the run just ended had no adult
            k = _cover_run(children, orphan, q - run, q, out, rows, k)
        run = run + 1 if h == last else 1
        last = h
        v = orphan[c]
        out[c] = v
        rows[k] = c
        k += v
    if alive_count[last] == run:
        k = _cover_run(children, orphan, children.shape[0] - run, children.shape[0], out, rows, k)
    return k


@numba.njit(cache=True)
def _cover_run(children: np.ndarray, orphan: np.ndarray, start: int, end: int, out: np.ndarray, rows: np.ndarray,
               k: int) -> int:
    """Cover all of ``children[start:end]``, the last children written to ``rows`` (its orphans
    are the last rows, up to ``k``): they are written again, every one of them; returns the new
    count."""
    for j in range(start, end):
        k -= orphan[children[j]]
    for j in range(start, end):
        out[children[j]] = True
        rows[k] = children[j]
        k += 1
    return k


@dataclass
class OrphanState:
    institutional: np.ndarray  # bool (n_persons,): placed in an institution (drawn at the start)


class Orphans(Programme):
    """The orphan allowance: covered children leave the dibao and tekun units."""

    name = "orphans"
    section = "orphans"
    label = "Orphans' basic living allowance (孤儿基本生活费)"
    lines = (LedgerLine("orphans", "persons", label),)
    start_streams = (Stream("draws.orphan_placement", "initial_roll", "persons", slot=3),)
    needs = ("household.alive_count", "groups.minors")
    start_needs = ("household.alive_count",)
    provides = {"orphans.covered": "bool (n_persons,): children on the orphan allowance",
                "orphans.covered_rows": "intp: the same children's rows, increasing"}
    measures = {"orphans_eligible": stock("persons", "Orphans and children without carers.")}

    def init_state(self, sim) -> OrphanState:
        return OrphanState(np.zeros(sim.population.n_persons, dtype=bool))

    def start(self, frame, state: OrphanState) -> None:
        state.institutional[:] = frame["draws.orphan_placement"] < frame.scenario.orphans.institutional_share
        # the start's frame has no groups (no shocks yet): listed here, once a run
        minors = living_groups(frame.sim.population.persons, frame.scenario.definitions, frame.month)["groups.minors"]
        frame["orphans.covered"] = covered(frame.sim, frame.scenario, frame["household.alive_count"], minors)[0]

    def step(self, frame, state: OrphanState) -> dict[str, Payment]:
        paid, idx = covered(frame.sim, frame.scenario, frame["household.alive_count"], frame["groups.minors"])
        frame["orphans.covered"] = paid
        frame["orphans.covered_rows"] = idx
        params = frame.scenario.orphans
        amounts = amount(state.institutional[idx], params.dispersed.at(frame.month),
                         params.institutional.at(frame.month))
        return {"orphans": person_payment(frame.sim, idx, amounts)}

    def measure(self, frame, state: OrphanState) -> dict[str, np.ndarray]:
        idx = frame["orphans.covered_rows"]
        sim = frame.sim
        return {"orphans_eligible": np.bincount(sim.person_area[idx],
                                                minlength=sim.population.n_areas).astype(float)}

    def explain(self, frame, state: OrphanState, household: int) -> list[Row]:
        pop = frame.sim.population
        rows = []
        for i in pop.members_of(np.array([household])):
            if frame["orphans.covered"][i]:
                place = "institution" if state.institutional[i] else "with relatives"
                rows.append((f"member {i}", f"covered ({place})"))
        return rows or [("covered children", "none")]
