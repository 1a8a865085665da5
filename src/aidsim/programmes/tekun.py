"""Extreme-poverty support (特困人员救助供养; the rural 五保 before 2014).

For people with no ability to work, no income and no one able to support them (三无). The
support is the basic living standard (a multiple of the local dibao standard, 1.3 in seed 002)
plus a care standard that is a share of the local minimum wage by self-care ability (30% or 60%
in seed 002), at home (分散供养) or in an institution (集中供养).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from aidsim.admin import pipeline, sparse_roll
from aidsim.calendar import format_month
from aidsim.prefetch import prefetch_members
from aidsim.programmes.base import (
    F32,
    LedgerLine,
    Payment,
    Programme,
    Ratio,
    Row,
    Stream,
    by_hukou,
    by_selfcare,
    flow,
    person_payment,
    stock,
    to_fen,
    yuan,
)
from aidsim.rows import flagged


def eligible(alive: np.ndarray, able_to_work: np.ndarray, own_income: np.ndarray,
             income_threshold: np.ndarray, has_supporter: np.ndarray) -> np.ndarray:
    """三无: alive, unable to work, own income below the threshold, and no supporter."""
    return alive & ~able_to_work & (own_income < income_threshold) & ~has_supporter


def amount(dibao_standard: np.ndarray, basic_multiplier: float, minimum_wage: np.ndarray,
           care_share: np.ndarray) -> np.ndarray:
    """Monthly support per person in yuan: ``multiplier × dibao standard + care share × minimum wage``.

    ``care_share`` is the share for each person's self-care ability, ``(n,)``.
    """
    return basic_multiplier * dibao_standard + care_share * minimum_wage


def eligible_persons(sim, scenario, own_income: np.ndarray, standards: tuple[float, float],
                     orphan_paid: np.ndarray, able: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Who is truly eligible (三无) this month, ``(n_persons,)``, and their rows (increasing): a
    supporter is an able member of the household or a legal supporter elsewhere. Children on the
    orphan allowance are not also supported as tekun. ``standards``: the urban and rural dibao
    standards (each person's by hukou)."""
    pop, tk = sim.population, scenario.tekun
    out = np.zeros(pop.n_persons, dtype=bool)
    rows = np.empty(pop.n_persons, np.intp)  # only the part written is touched
    n = _eligible_persons(pop.member_offsets, pop.persons.alive, orphan_paid, able, own_income,
                          np.float32(tk.income_threshold), sim.person_urban, F32(standards[0]), F32(standards[1]),
                          pop.households.outside_supporter, out, rows)
    return out, rows[:n].copy()


@numba.njit(cache=True)
def _eligible_persons(member_offsets: np.ndarray, alive: np.ndarray, orphan_paid: np.ndarray, able: np.ndarray,
                      own_income: np.ndarray, threshold: np.float32, urban: np.ndarray, std_urban: np.float32,
                      std_rural: np.float32, outside_supporter: np.ndarray, out: np.ndarray, rows: np.ndarray) -> int:
    """:func:`eligible` for every person, household by household: no able member and no outside
    supporter, alive and not on the orphan allowance, unable to work, own income below
    ``threshold × standard`` (float32, as the array rule), the standard of the person's hukou
    (``urban``: no person-sized array of standards). One loop in place of the running count,
    the gather of each person's household flag and the mask chain. Marks them in ``out`` (false
    on entry, allocated by the caller: numpy's large allocations fault in fewer pages) and their
    rows, increasing, in ``rows`` (as long as ``out``; only the part written is touched); returns
    how many.

    Most households have an outside supporter (the synthetic county: 96 %): those without one
    are listed first (a pass the compiler vectorises, then :func:`~aidsim.rows.flagged`), and
    only they are looked at, their members' rows asked for ahead
    (:func:`~aidsim.prefetch.prefetch_members`): at 10^6 households about half the time of a
    loop over every household that skipped the supported."""
    unsupported = np.empty(outside_supporter.shape[0], np.uint8)
    supporter = outside_supporter.view(np.uint8)
    for h in range(unsupported.shape[0]):
        unsupported[h] = supporter[h] ^ np.uint8(1)
    listed = flagged(unsupported)
    m = 0
    for j in range(listed.shape[0]):
        prefetch_members(member_offsets, listed, j, able, alive, own_income, urban)
        h = listed[j]
        first, end = member_offsets[h], member_offsets[h + 1]
        supported = False
        for i in range(first, end):
            if able[i]:
                supported = True
                break
        if supported:
            continue
        for i in range(first, end):
            std = std_urban if urban[i] else std_rural
            v = alive[i] & (not orphan_paid[i]) & (own_income[i] < threshold * std)
            out[i] = v
            if v:
                rows[m] = i
                m += 1
    return m


def support(sim, scenario, month: int, persons: np.ndarray, standards: tuple[float, float]) -> np.ndarray:
    """The monthly support of ``persons`` (rows): basic living plus care, yuan. ``standards``:
    the urban and rural dibao standards, each person's by hukou (float32)."""
    tk = scenario.tekun
    urban = sim.person_urban[persons]
    wage = by_hukou(urban, tk.minimum_wage.urban.at(month), tk.minimum_wage.rural.at(month))
    care = by_selfcare(sim.population.persons.selfcare[persons], tk.care_share)
    return amount(by_hukou(urban, *standards, F32), tk.basic_multiplier, wage, care)


@dataclass
class TekunState:
    roll: sparse_roll.SparseRoll  # one unit per person; fields kept for the few on it
    institutional: np.ndarray    # bool (n_persons,): supported in an institution (集中供养)


class Tekun(Programme):
    """Extreme-poverty support, person by person, on the simple roll (take-up, delay, reviews)."""

    name = "tekun"
    section = "tekun"
    label = "Extreme-poverty support (特困人员救助供养)"
    lines = (LedgerLine("tekun", "persons", label, recipients_measure="tekun_persons"),)
    measures = {
        "tekun_institutional": stock("persons", "Of whom supported in an institution (集中供养)."),
        "tekun_applications": flow("persons", "Tekun applications made."),
        "tekun_entries": flow("persons", "Persons who started receiving tekun."),
        "tekun_exits": flow("persons", "Persons who stopped receiving tekun."),
    }
    ratios = {
        "tekun_coverage": Ratio("tekun_persons", "persons", "share", "Share of residents receiving tekun."),
        "tekun_avg_support": Ratio("tekun_cost", "tekun_persons", "yuan/person/month",
                                   "Average tekun per recipient."),
        "tekun_institutional_share": Ratio("tekun_institutional", "tekun_persons", "share",
                                           "Share of tekun recipients in institutions."),
    }
    streams = (Stream("draws.take_up_tekun", "take_up_tekun", "persons", deferred=True),)
    start_streams = (Stream("draws.tekun_enrol", "initial_roll", "persons", slot=0),
                     Stream("draws.tekun_placement", "initial_roll", "persons", slot=1))
    needs = ("orphans.covered", "assessed.person_own", "lines.dibao", "shocks.able")
    start_needs = needs
    provides = {
        "tekun.eligible": "bool (n_persons,): truly eligible (三无) this month",
        "tekun.eligible_rows": "intp: the same persons' rows, increasing",
        "tekun.paid": "bool (n_persons,): paid support this month",
        "tekun.institutional": "bool (n_persons,): supported in an institution",
        "tekun.flows": "sparse_roll.UnitFlows: the persons who applied, entered, were refused and left",
        "tekun.paid_persons": "intp: persons paid, increasing",
        "tekun.paid_person_fen": "int64: what each of them was paid, fen",
    }

    def init_state(self, sim) -> TekunState:
        n = sim.population.n_persons
        return TekunState(sparse_roll.SparseRoll.empty(n), np.zeros(n, dtype=bool))

    def _eligible(self, frame) -> tuple[np.ndarray, np.ndarray]:
        return eligible_persons(frame.sim, frame.scenario, frame["assessed.person_own"],
                                frame["lines.dibao"], frame["orphans.covered"], frame["shocks.able"])

    def start(self, frame, state: TekunState) -> None:
        adm = frame.scenario.admin.tekun
        p = frame.sim.population.persons
        elig = self._eligible(frame)[0]
        if not self.enabled(frame.scenario):
            frame["tekun.paid"] = np.zeros(p.n, dtype=bool)
            return
        sparse_roll.enrol_initial(state.roll, elig, frame["assessed.person_own"], frame["draws.tekun_enrol"],
                               adm.initial_enrolment, frame.month, adm.review_interval_months)
        share = by_selfcare(p.selfcare, frame.scenario.tekun.institutional_share)
        state.institutional[:] = state.roll.paid & (frame["draws.tekun_placement"] < share)
        frame["tekun.paid"] = state.roll.paid & p.alive

    def step(self, frame, state: TekunState) -> dict[str, Payment]:
        scenario, sim, month = frame.scenario, frame.sim, frame.month
        adm, p = scenario.admin.tekun, sim.population.persons
        u_take = frame["draws.take_up_tekun"]
        elig, elig_rows = self._eligible(frame)
        if not self.enabled(scenario):  # nobody on the roll: the state stays empty
            flows = sparse_roll.UnitFlows.none()
        else:
            flows = sparse_roll.advance(
                state.roll, month=month, alive=p.alive & ~frame["orphans.covered"], eligible=elig,
                income=frame["assessed.person_own"], take_up_uniform=u_take, eligible_rows=elig_rows,
                take_up_rate=adm.take_up_rate, delay_months=adm.delay_months, review_interval=adm.review_interval_months, grace_months=0)
        # Placement at application: given take-up (u < rate), u / rate is a fresh uniform.
        applied = flows.applied
        placement_u = u_take[applied] / F32(max(adm.take_up_rate, 1e-12))
        state.institutional[applied] = placement_u < by_selfcare(p.selfcare[applied],
                                                                 scenario.tekun.institutional_share)
        # Every unit on the roll has an entry: the paid are found among the entries.
        roll = state.roll
        on = roll.rows[roll.status[roll.rows] >= pipeline.ON]
        paid_p = on[p.alive[on]]
        paid = np.zeros(p.n, dtype=bool)
        paid[paid_p] = True
        amounts = support(sim, scenario, month, paid_p, frame["lines.dibao"])
        frame["tekun.eligible"] = elig
        frame["tekun.eligible_rows"] = elig_rows
        frame["tekun.paid"] = paid
        frame["tekun.institutional"] = state.institutional
        frame["tekun.flows"] = flows
        frame["tekun.paid_persons"] = paid_p
        frame["tekun.paid_person_fen"] = to_fen(amounts)
        return {"tekun": person_payment(sim, paid_p, amounts)}

    def measure(self, frame, state: TekunState) -> dict[str, np.ndarray]:
        flows, paid_p = frame["tekun.flows"], frame["tekun.paid_persons"]
        persons = {
            "tekun_institutional": paid_p[state.institutional[paid_p]],
            "tekun_applications": flows.applied,
            "tekun_entries": flows.entered,
            "tekun_exits": flows.exited,
        }
        area, n_areas = frame.sim.person_area, frame.sim.population.n_areas
        return {name: np.bincount(area[v], minlength=n_areas).astype(float) for name, v in persons.items()}

    def explain(self, frame, state: TekunState, household: int) -> list[Row]:
        scenario, sim = frame.scenario, frame.sim
        tk, p = scenario.tekun, sim.population.persons
        paid_p, fen = frame["tekun.paid_persons"], frame["tekun.paid_person_fen"]
        rows = []
        for i in sim.population.members_of(np.array([household])):
            elig, on = bool(frame["tekun.eligible"][i]), bool(frame["tekun.paid"][i])
            if not (elig or on):
                continue
            care = (tk.care_share.full, tk.care_share.partial, tk.care_share.none)[p.selfcare[i]]
            urban = bool(sim.person_urban[i])
            wage = (tk.minimum_wage.urban if urban else tk.minimum_wage.rural).at(frame.month)
            std = float(F32(frame["lines.dibao"][0 if urban else 1]))
            k = np.searchsorted(paid_p, i)
            paid = fen[k] / 100 if on else 0.0
            status = pipeline.STATUS_TEXT[int(state.roll.status[i])]
            review = (f", next review {format_month(int(state.roll.value('next_review', i)))}"
                      if state.roll.status[i] >= pipeline.ON else "")
            rows.append((f"member {i}", f"eligible: {'yes' if elig else 'no'}; {status}{review}; "
                                        f"{tk.basic_multiplier:g} × {std:g} + {care:g} × {wage:g} = "
                                        f"{yuan(paid)}"
                                        f"{' (institution)' if state.institutional[i] else ''}"))
        return rows or [("members eligible or supported", "none")]
