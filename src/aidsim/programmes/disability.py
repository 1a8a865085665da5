"""Disability subsidies (困难残疾人生活补贴 and 重度残疾人护理补贴, seed 004).

The living subsidy goes to disabled members of dibao and low-income margin households; the care
subsidy to everyone with a severe disability (grades 1–2, ``definitions.severe_disability_grades``).
Both require a disability certificate (残疾证): about 44% of disabled people hold one
(``population.disability_certified_share``).
"""

from __future__ import annotations

import numba
import numpy as np

from aidsim.prefetch import AHEAD, prefetch, prefetch_households, prefetch_rows
from aidsim.programmes.base import LedgerLine, Payment, Programme, Row, _fen, stock


def living_subsidy(disability: np.ndarray, poor_household: np.ndarray, amount: float) -> np.ndarray:
    """``amount`` for each disabled person (any grade) in a dibao or margin household, else 0."""
    return np.where((disability > 0) & poor_household, amount, 0.0)


def care_subsidy(severely_disabled: np.ndarray, amount: float) -> np.ndarray:
    """``amount`` for each severely disabled person (grades 1–2, ``definitions``), else 0."""
    return np.where(severely_disabled, amount, 0.0)


@numba.njit(cache=True)
def _subsidies(disabled: np.ndarray, certified: np.ndarray, household: np.ndarray, grade: np.ndarray,
               severe_grades: np.ndarray, unit_member: np.ndarray, dibao_paid: np.ndarray, margin: np.ndarray,
               living_amount: float, care_amount: float, person_area: np.ndarray, n_areas: int,
               households: np.ndarray, fen: np.ndarray, recipients: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both subsidies for the living disabled ``disabled`` (increasing rows) who hold
    a certificate: :func:`living_subsidy` and :func:`care_subsidy` (severe: a grade in
    ``severe_grades``), each booked as :func:`~aidsim.programmes.base.person_payment` books it
    (rounded to the fen, added up by household into ``households[line]`` and ``fen[line]``, zeros
    on entry, recipients counted by area), and the persons paid either written to
    ``recipients``. Returns ``(households paid by line, persons paid either)`` and the count of
    recipients by area (rows 0 and 1: living, care; row 2: either, each person once). Without
    branches on the data (an amount not paid is 0 fen, added to the last slot or the extra one):
    the outputs are one longer than ``disabled``, as each slot is written before it is known to
    be kept. A first pass lists the certificate holders (about 44%) into ``recipients``, which
    the second reads and compacts in place; each subsidy is rounded to the fen once. The rows
    are scattered: each loop asks for the rows of those ahead (:func:`~aidsim.prefetch.prefetch`;
    0.7 of the time)."""
    # unsigned rows and counts: the loads and stores at them need no negative-index check
    n_certified = np.uint64(0)
    n_disabled = disabled.shape[0]
    for k in range(n_disabled):
        if k + 4 * AHEAD < n_disabled:  # the rows are one in fourteen: ask for them ahead
            prefetch(certified, disabled[k + 4 * AHEAD])
        i = np.uint64(disabled[k])
        recipients[n_certified] = i
        n_certified += np.uint64(certified[i])
    living_fen, care_fen = _fen(living_amount), _fen(care_amount)
    by_area = np.zeros((3, n_areas))
    n_living = n_care = 0
    last_living = last_care = -1
    n_recipients = 0
    for k in range(n_certified):
        prefetch_rows(recipients, k, n_certified, household, grade, unit_member, person_area)
        prefetch_households(recipients, k, n_certified, household, dibao_paid, margin)
        i = np.uint64(recipients[k])  # then written at n_recipients <= k
        hh = household[i]
        g = grade[i]
        severe = False
        for s in severe_grades:
            severe |= g == s
        poor = (unit_member[i] & dibao_paid[hh]) | margin[hh]
        f_living = living_fen * ((g > 0) & poor)
        f_care = care_fen * severe
        living, care = f_living > 0, f_care > 0
        area = person_area[i]
        by_area[0, area] += living
        by_area[1, area] += care
        by_area[2, area] += living | care
        households[0, n_living] = hh  # kept when a new household is paid
        households[1, n_care] = hh
        n_living += living & (hh != last_living)
        n_care += care & (hh != last_care)
        fen[0, n_living - 1] += f_living  # 0 fen when not paid (the extra slot before the first)
        fen[1, n_care - 1] += f_care
        last_living = hh if living else last_living
        last_care = hh if care else last_care
        recipients[n_recipients] = i
        n_recipients += living | care
    counts = np.empty(3, np.int64)
    counts[0], counts[1], counts[2] = n_living, n_care, n_recipients
    return counts, by_area


class DisabilitySubsidies(Programme):
    """The two disability subsidies: living (poor households) and care (grades 1–2), for holders
    of a disability certificate."""

    name = "disability"
    section = "disability"
    label = "Disability subsidies (残疾人两项补贴)"
    lines = (LedgerLine("disability_living", "persons", "Living subsidy for poor disabled people (困难残疾人生活补贴)"),
             LedgerLine("disability_care", "persons", "Care subsidy for the severely disabled (重度残疾人护理补贴)"))
    needs = ("dibao.unit_member", "dibao.paid", "margin.household", "groups.disabled")
    provides = {"disability.recipients": "intp: persons receiving one of the two subsidies or both this month, "
                                         "increasing",
                "disability.recipients_by_area": "float64 (n_areas,): those persons by area"}
    measures = {"disability_subsidy_persons": stock(
        "persons", "Persons receiving either disability subsidy or both (seed 002 counts them once).")}

    def step(self, frame, state: None) -> dict[str, Payment]:
        """Living subsidy (disabled members of dibao and margin households) and care subsidy."""
        sim, params = frame.sim, frame.scenario.disability
        p = sim.population.persons
        if params.enabled:  # one pass over the disabled
            disabled = frame["groups.disabled"]
            m = disabled.shape[0] + 1
            households, fen, recipients = np.empty((2, m), np.intp), np.zeros((2, m), np.int64), np.empty(m, np.intp)
            counts, by_area = _subsidies(
                disabled, p.certified, p.household, p.disability,
                np.asarray(frame.scenario.definitions.severe_disability_grades, dtype=p.disability.dtype),
                frame["dibao.unit_member"], frame["dibao.paid"], frame["margin.household"],
                float(params.living_subsidy), float(params.care_subsidy), sim.person_area, sim.population.n_areas,
                households, fen, recipients)
            frame["disability.recipients"] = recipients[:counts[2]].copy()
            frame["disability.recipients_by_area"] = by_area[2]
            return {name: Payment(households[line, :counts[line]].copy(), fen[line, :counts[line]].copy(),
                                  by_area[line])
                    for line, name in enumerate(("disability_living", "disability_care"))}
        frame["disability.recipients"] = np.zeros(0, np.intp)
        frame["disability.recipients_by_area"] = np.zeros(sim.population.n_areas)
        return {line.name: Payment.nothing(sim.population.n_areas) for line in self.lines}

    def measure(self, frame, state: None) -> dict[str, np.ndarray]:
        return {"disability_subsidy_persons": frame["disability.recipients_by_area"]}

    def explain(self, frame, state: None, household: int) -> list[Row]:
        p = frame.sim.population.persons
        rows = [(f"member {i}", f"disability grade {int(p.disability[i])}")
                for i in frame.sim.population.members_of(np.array([household]))
                if p.alive[i] and p.disability[i] > 0]
        return rows or [("disabled members", "none")]
