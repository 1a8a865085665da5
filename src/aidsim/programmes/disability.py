"""Disability subsidies (困难残疾人生活补贴 and 重度残疾人护理补贴, seed 004).

The living subsidy goes to disabled members of dibao and low-income margin households; the care
subsidy to everyone with a severe disability (grades 1–2, ``definitions.severe_disability_grades``).
Both require a disability certificate (残疾证): about 44% of disabled people hold one
(``population.disability_certified_share``).
"""

from __future__ import annotations

import numba
import numpy as np

from aidsim.population.categories import severely_disabled
from aidsim.programmes.base import LedgerLine, Payment, Programme, Row, person_payment, stock


def living_subsidy(disability: np.ndarray, poor_household: np.ndarray, amount: float) -> np.ndarray:
    """``amount`` for each disabled person (any grade) in a dibao or margin household, else 0."""
    return np.where((disability > 0) & poor_household, amount, 0.0)


def care_subsidy(severely_disabled: np.ndarray, amount: float) -> np.ndarray:
    """``amount`` for each severely disabled person (grades 1–2, ``definitions``), else 0."""
    return np.where(severely_disabled, amount, 0.0)


@numba.njit(cache=True)
def _certified_disabled(disabled: np.ndarray, certified: np.ndarray, out: np.ndarray) -> int:
    """Rows of the living disabled ``disabled`` (increasing) who hold a certificate, written to
    ``out``; returns how many. Called twice: with an empty ``out`` it only counts; then with
    ``out`` of the count + 1 (the loop writes each row before deciding to keep it)."""
    k, write = 0, out.shape[0] > 0
    for j in range(disabled.shape[0]):
        i = disabled[j]
        if write:
            out[k] = i
        k += certified[i]
    return k


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
                                         "increasing"}
    measures = {"disability_subsidy_persons": stock(
        "persons", "Persons receiving either disability subsidy or both (seed 002 counts them once).")}

    def step(self, frame, state: None) -> dict[str, Payment]:
        """Living subsidy (disabled members of dibao and margin households) and care subsidy."""
        sim, params = frame.sim, frame.scenario.disability
        p = sim.population.persons
        disabled = np.zeros(0, np.intp)
        if params.enabled:
            args = (frame["groups.disabled"], p.certified)
            disabled = np.empty(_certified_disabled(*args, np.empty(0, np.intp)) + 1, dtype=np.intp)
            disabled = disabled[:_certified_disabled(*args, disabled)]
        hh = p.household[disabled]
        poor = (frame["dibao.unit_member"][disabled] & frame["dibao.paid"][hh]) | frame["margin.household"][hh]
        grade = p.disability[disabled]
        living = living_subsidy(grade, poor, params.living_subsidy)
        care = care_subsidy(severely_disabled(grade, frame.scenario.definitions), params.care_subsidy)
        frame["disability.recipients"] = disabled[(living > 0) | (care > 0)]
        return {"disability_living": person_payment(sim, disabled, living),
                "disability_care": person_payment(sim, disabled, care)}

    def measure(self, frame, state: None) -> dict[str, np.ndarray]:
        sim = frame.sim
        return {"disability_subsidy_persons": np.bincount(
            sim.person_area[frame["disability.recipients"]], minlength=sim.population.n_areas).astype(float)}

    def explain(self, frame, state: None, household: int) -> list[Row]:
        p = frame.sim.population.persons
        rows = [(f"member {i}", f"disability grade {int(p.disability[i])}")
                for i in frame.sim.population.members_of(np.array([household]))
                if p.alive[i] and p.disability[i] > 0]
        return rows or [("disabled members", "none")]
