"""Medical assistance (医疗救助): what basic medical insurance leaves to the poor.

- Premium subsidy (资助参保): a share of the yearly premium for each person in a category.
- Inpatient aid: a share (by category: 70% dibao and tekun in seed 000, lower for margin
  households) of the in-policy out-of-pocket cost left after insurance, above a deductible, up to
  an annual cap per person.
- Outpatient aid for chronic illness: a monthly amount.
- Catastrophic-illness aid (大病): a share of the yearly out-of-pocket cost above a threshold, for
  households below an income limit.

Categories per person are given as a rate array (the best rate of the categories a person is in,
0 for none), so the rules stay independent of how categories are decided.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numba
import numpy as np

from aidsim.calendar import calendar_month
from aidsim.prefetch import AHEAD, prefetch, prefetch_households, prefetch_rows
from aidsim.programmes.base import (
    F32,
    LedgerLine,
    Payment,
    Programme,
    Row,
    non_decreasing,
    person_payment,
    yuan,
)


def inpatient_aid(out_of_pocket: np.ndarray, rate: np.ndarray, deductible: float,
                  used_this_year: np.ndarray, annual_cap: float) -> np.ndarray:
    """``min(cap left this year, rate × max(out_of_pocket − deductible, 0))`` per episode."""
    wanted = rate * np.maximum(out_of_pocket - deductible, 0)
    return np.minimum(wanted, np.maximum(annual_cap - used_this_year, 0))


def catastrophic_aid(out_of_pocket: np.ndarray, spent_before: np.ndarray, threshold: float,
                     rate: float, qualifies: np.ndarray) -> np.ndarray:
    """A share of the part of this month's cost that takes the year's total above the threshold.

    ``spent_before`` is what the person paid earlier this year (after all aid); the aid never
    exceeds this month's out-of-pocket cost.
    """
    above_after = np.maximum(spent_before + out_of_pocket - threshold, 0)
    above_before = np.maximum(spent_before - threshold, 0)
    return np.where(qualifies, rate * (above_after - above_before), 0.0)


def premium_subsidy(premium: float, share: np.ndarray) -> np.ndarray:
    """The part of the yearly premium paid for each person (``share`` 0 outside the categories)."""
    return premium * share


def category_rate(frame, idx: np.ndarray, rates) -> np.ndarray:
    """The best rate of the categories each person in ``idx`` belongs to (dibao unit member of a
    paid household, tekun, orphan, margin household member), float64: in numpy
    ``max(where(unit member & dibao paid, dibao, 0), where(tekun, tekun, 0), where(orphan, orphan,
    0), where(margin household, margin, 0))``."""
    return _category_rate(idx, frame.sim.population.persons.household,
                          frame["dibao.unit_member"], frame["tekun.paid"], frame["orphans.covered"],
                          frame["dibao.paid"], frame["margin.household"],
                          (float(rates.dibao), float(rates.tekun), float(rates.orphan), float(rates.margin)))


@numba.njit(cache=True)
def _category_rate(idx: np.ndarray, household: np.ndarray, unit_member: np.ndarray, tekun: np.ndarray,
                   orphan: np.ndarray, dibao_paid: np.ndarray, margin: np.ndarray, rates: tuple) -> np.ndarray:
    """:func:`category_rate` person by person (``rates``: dibao, tekun, orphan, margin), in place of
    four gathers and masks for each category. The persons are scattered (the month's episodes, the
    premium month's categories): each asks for its rows, then its household's, ahead of use."""
    dibao_rate, tekun_rate, orphan_rate, margin_rate = rates
    n = idx.shape[0]
    out = np.empty(n)
    for j in range(n):
        prefetch_rows(idx, j, n, household, unit_member, tekun, orphan)
        prefetch_households(idx, j, n, household, dibao_paid, margin)
        i = idx[j]
        h = household[i]
        rate = dibao_rate if unit_member[i] and dibao_paid[h] else 0.0
        rate = max(rate, tekun_rate if tekun[i] else 0.0)
        rate = max(rate, orphan_rate if orphan[i] else 0.0)
        out[j] = max(rate, margin_rate if margin[h] else 0.0)
    return out


@numba.njit(cache=True)
def _add_household_sums(total: np.ndarray, household: np.ndarray, amounts: np.ndarray) -> None:
    """``total += bincount(household, weights=amounts).astype(float32)`` over the households
    concerned only: ``household`` is non-decreasing (episodes' persons in row order), so each
    household's amounts are one run, summed in float64 in order and added as float32 (adding 0 to
    the others changes nothing)."""
    j, m = 0, household.shape[0]
    while j < m:
        h = household[j]
        acc = 0.0
        while j < m and household[j] == h:
            acc += amounts[j]
            j += 1
        total[h] += np.float32(acc)


@numba.njit(cache=True)
def _distinct_recipients(persons: np.ndarray, amount: np.ndarray, person_area: np.ndarray, n_persons: int,
                         n_areas: int) -> np.ndarray:
    """Persons with a positive ``amount`` counted once by area however many of their rows are paid
    (numpy: mark them in a person-sized mask, then ``bincount(person_area[mask])``), looking only
    at the rows paid."""
    seen = np.zeros(n_persons, dtype=np.bool_)
    out = np.zeros(n_areas)
    n = persons.shape[0]
    for j in range(n):
        if j + AHEAD < n:  # the persons are scattered: ask for the rows of those ahead
            prefetch(seen, persons[j + AHEAD])
            prefetch(person_area, persons[j + AHEAD])
        i = persons[j]
        if amount[j] > 0 and not seen[i]:
            seen[i] = True
            out[person_area[i]] += 1.0
    return out


@numba.njit(cache=True)
def _chronic_in_categories(chronic: np.ndarray, orphan: np.ndarray, tekun: np.ndarray, unit_member: np.ndarray,
                           dibao_paid: np.ndarray, household: np.ndarray, out: np.ndarray) -> int:
    """The chronically ill ``chronic`` (increasing rows) entitled to outpatient aid: orphans on the
    allowance, tekun recipients and dibao unit members of a paid household; written to ``out``,
    returns how many (numpy: the gathers and the mask on ``chronic``). ``out`` is one longer
    than ``chronic`` (the loop writes each row before deciding to keep it): one pass, not a
    count and a second pass, as the list is short next to the persons. The flags are read as bytes
    and the rows and the count are unsigned (no negative-index checks): 0.66 of the time."""
    on_allowance, on_tekun, member, paid = (orphan.view(np.uint8), tekun.view(np.uint8), unit_member.view(np.uint8),
                                            dibao_paid.view(np.uint8))
    k = np.uint64(0)
    for j in range(chronic.shape[0]):
        i = np.uint64(chronic[j])
        out[k] = i
        k += np.uint64(on_allowance[i] | on_tekun[i] | (member[i] & paid[np.uint64(household[i])]))
    return np.int64(k)


@numba.njit(cache=True)
def _merged_totals(rows: np.ndarray, values: np.ndarray, new_rows: np.ndarray,
                   amounts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:meth:`PersonTotals.add` of increasing, distinct ``new_rows``: the two increasing lists
    merged, a row in both getting its total plus its amount, a new row 0 plus its amount (float32,
    as ``totals[rows] + amounts``): what the concatenation and its stable sort give, in one pass."""
    n, m = rows.shape[0], new_rows.shape[0]
    out_rows = np.empty(n + m, np.intp)
    out_values = np.empty(n + m, np.float32)
    i = j = k = 0
    while i < n or j < m:
        if j == m or (i < n and rows[i] < new_rows[j]):
            out_rows[k], out_values[k] = rows[i], values[i]
            i += 1
        else:
            here = i < n and rows[i] == new_rows[j]
            out_rows[k] = new_rows[j]
            out_values[k] = (values[i] if here else np.float32(0)) + amounts[j]
            i += here
            j += 1
        k += 1
    return out_rows[:k].copy(), out_values[:k].copy()


@dataclass
class PersonTotals:
    """Float32 totals of the few persons who have one, every other person's being 0: a calendar
    year's counter over a million persons holds only those with a hospital episode this year
    (about 2%), not a float per person. ``rows`` is increasing; reads and additions give what a
    float32 array per person would (``totals[rows]``, ``totals[rows] += amounts``)."""

    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, np.intp))
    values: np.ndarray = field(default_factory=lambda: np.zeros(0, F32))

    def __getitem__(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows)
        out = np.zeros(rows.shape, dtype=F32)
        if self.rows.shape[0]:
            pos = np.minimum(np.searchsorted(self.rows, rows), self.rows.shape[0] - 1)
            found = self.rows[pos] == rows
            out[found] = self.values[pos[found]]
        return out

    def add(self, rows: np.ndarray, amounts: np.ndarray) -> None:
        """``totals[rows] += amounts`` for distinct ``rows``, in float32. Increasing ``rows`` (the
        month's episodes) are merged with the totals' in one pass (:func:`_merged_totals`)."""
        rows = np.asarray(rows, dtype=np.intp)
        amounts = np.asarray(amounts, dtype=F32)
        if rows.shape == amounts.shape and non_decreasing(rows):
            self.rows, self.values = _merged_totals(self.rows, self.values, rows, amounts)
            return
        total = self[rows] + amounts
        keep = ~np.isin(self.rows, rows, assume_unique=True)
        all_rows = np.concatenate([self.rows[keep], rows])
        order = np.argsort(all_rows, kind="stable")
        self.rows, self.values = all_rows[order], np.concatenate([self.values[keep], total])[order]

    def __setitem__(self, row: int, value: float) -> None:
        """One person's total (a hand-written case states it)."""
        rows = np.array([row], dtype=np.intp)
        self.add(rows, np.array([value], dtype=F32) - self[rows])

    def clear(self) -> None:
        self.rows, self.values = np.zeros(0, np.intp), np.zeros(0, F32)


@dataclass
class MedicalState:
    aid_year: PersonTotals     # inpatient aid received this calendar year, by person
    spent_year: PersonTotals   # out-of-pocket paid this year after aid, by person
    spent_recent: np.ndarray  # float32 (n_households,): out-of-pocket of the last months (weighted total)


class Medical(Programme):
    """Medical assistance on this month's hospital episodes, chronic illness and the premium."""

    name = "medical"
    section = "medical"
    label = "Medical assistance (医疗救助)"
    lines = (LedgerLine("medical", "persons", label, cash=False),)
    needs = ("shocks.illness", "household.pre_pc", "lines.dibao_h", "dibao.unit_member", "dibao.paid",
             "dibao.enrolled", "tekun.paid", "orphans.covered", "margin.household", "margin.households",
             "groups.chronic")
    provides = {
        "medical.onset": "intp: persons with a new hospital episode",
        "medical.episode_aid": "float64 (len(onset),): inpatient and catastrophic aid on each episode",
        "medical.out_of_pocket_after_aid": "float64 (len(onset),): what each episode left to pay",
    }
    carries = {"medical.spent_recent": "float32 (n_households,): out-of-pocket cost after aid of the last "
                                       "`spending_poverty.medical_months` (exponentially weighted total), "
                                       "as of the previous month"}

    def init_state(self, sim) -> MedicalState:
        pop = sim.population
        return MedicalState(PersonTotals(), PersonTotals(), np.zeros(pop.n_households, dtype=F32))

    def new_month(self, state: MedicalState, month: int) -> None:
        if calendar_month(month) == 1:  # caps are per calendar year
            state.aid_year.clear()
            state.spent_year.clear()

    def carry(self, state: MedicalState) -> dict[str, np.ndarray]:
        # the step makes a new array (never writes this one), so the frame keeps last month's
        return {"medical.spent_recent": state.spent_recent}

    def step(self, frame, state: MedicalState) -> dict[str, Payment]:
        """Premium subsidy (in the premium month), inpatient and catastrophic aid on this month's
        episodes, outpatient aid for chronic illness. Updates the yearly counters and the
        recent spending."""
        sim, med = frame.sim, frame.scenario.medical
        p = sim.population.persons
        illness = frame["shocks.illness"]
        onset = illness.episodes
        oop = illness.out_of_pocket.astype(np.float64)
        pay = Payment.nothing(sim.population.n_areas)
        episode_aid, after = np.zeros(onset.shape[0]), oop
        if med.enabled:
            rate = category_rate(frame, onset, med.inpatient_rate)
            inpatient = inpatient_aid(oop, rate, med.deductible, state.aid_year[onset], med.annual_cap)
            state.aid_year.add(onset, inpatient.astype(F32))
            hh = p.household[onset]
            qualifies = frame["household.pre_pc"][hh] < med.catastrophic_income_limit * frame["lines.dibao_h"][hh]
            catastrophic = catastrophic_aid(oop - inpatient, state.spent_year[onset],
                                            med.catastrophic_threshold, med.catastrophic_rate, qualifies)
            episode_aid = inpatient + catastrophic
            after = oop - episode_aid
            state.spent_year.add(onset, after.astype(F32))
            pay = self._pay(frame, onset, episode_aid)
        # Out-of-pocket medical spending of the last n months (exponentially weighted), for the
        # spending-type means test of the months that follow.
        n = frame.scenario.spending_poverty.medical_months
        state.spent_recent = state.spent_recent * F32((n - 1) / n)  # a new array: see carry
        _add_household_sums(state.spent_recent, p.household[onset], after)
        frame["medical.onset"] = onset
        frame["medical.episode_aid"] = episode_aid
        frame["medical.out_of_pocket_after_aid"] = after
        return {"medical": pay}

    def _pay(self, frame, onset: np.ndarray, episode_aid: np.ndarray) -> Payment:
        sim, med = frame.sim, frame.scenario.medical
        p = sim.population.persons
        persons, amounts = [onset], [episode_aid]
        chronic = onset[:0]
        if med.outpatient_chronic > 0:
            ill = frame["groups.chronic"]
            out = np.empty(ill.shape[0] + 1, np.int32)  # as the group's rows: 4 bytes each
            chronic = out[:_chronic_in_categories(ill, frame["orphans.covered"], frame["tekun.paid"],
                                                  frame["dibao.unit_member"], frame["dibao.paid"], p.household,
                                                  out)].copy()
            # Both lists go before the premium month's person-sized marks (the month's peak then).
            del ill, out
        frame.done("groups.chronic")
        persons.append(chronic)
        amounts.append(np.full(chronic.shape[0], med.outpatient_chronic))
        if calendar_month(frame.month) == med.premium_month:
            # The categories' members: dibao enrolees, tekun and orphans, and margin households' members.
            # (Marked in a person-sized mask, whose true rows are the sorted union.)
            mark = frame["tekun.paid"] | frame["orphans.covered"]
            mark[frame["dibao.enrolled"]] = True
            mark[sim.population.members_of(frame["margin.households"])] = True
            covered = np.flatnonzero(mark & p.alive)
            share = category_rate(frame, covered, med.premium_share)
            keep = share > 0
            persons.append(covered[keep])
            amounts.append(premium_subsidy(med.premium.at(frame.month), share[keep]))
        idx = np.concatenate(persons)
        amount = np.concatenate(amounts)
        pay = person_payment(sim, idx, amount)
        # A person counts once as a recipient however many parts of the programme paid them.
        pay.recipients = _distinct_recipients(idx, amount, sim.person_area, p.n, sim.population.n_areas)
        return pay

    def explain(self, frame, state: MedicalState, household: int) -> list[Row]:
        p, med = frame.sim.population.persons, frame.scenario.medical
        onset, aid, after = (frame["medical.onset"], frame["medical.episode_aid"],
                             frame["medical.out_of_pocket_after_aid"])
        illness = frame["shocks.illness"]  # its money is per episode, in the order of onset
        rows = []
        for k in np.flatnonzero(p.household[onset] == household):
            rows.append((f"member {onset[k]}: new hospital episode",
                         f"in-policy cost {illness.cost[k]:,.2f}; out-of-pocket after insurance "
                         f"{illness.out_of_pocket[k]:,.2f}; "
                         f"medical assistance {aid[k]:,.2f}; left {after[k]:,.2f}"))
        if calendar_month(frame.month) == med.premium_month:
            rows.append(("premium month", f"premium {med.premium.at(frame.month):g} yuan/person/year"))
        rows.append(("medical cost of recent months (weighted total, before this month)",
                     yuan(float(frame["medical.spent_recent"][household]))))
        return rows
