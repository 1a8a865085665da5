"""One month of the simulation: shocks → incomes → programmes in the registry's order → ledger →
measures. No step loops over households in Python; the loops here are over programmes.

Each programme draws its declared streams for every unit every month, whatever the policy, so a
baseline and a reform run with the same seed meet the same shocks and take-up draws (common
random numbers).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numba
import numpy as np

from aidsim.admin.offices import default_plan
from aidsim.admin.process import OfficePlan
from aidsim.engine.events import month_keys, start_keys
from aidsim.engine.state import SimState
from aidsim.metrics.burden import medical_burden
from aidsim.metrics.indicators import catalogue, cell_dtype, line_sums
from aidsim.metrics.poverty import FEN, poverty_sums_paid
from aidsim.metrics.targeting import dibao_targeting, tekun_targeting
from aidsim.population.groups import age_counts
from aidsim.programmes.base import Frame, Payment
from aidsim.programmes.elderly import OLDEST_FROM
from aidsim.rng import Streams
from aidsim.rows import flagged
from aidsim.scenario.schema import Scenario


@dataclass
class MonthResult:
    """What one month produced: indicator sums and ledger entries by area."""

    month: int
    sums: np.ndarray          # float64 (n_measures, n_areas), rows in the catalogue's order
    fen: np.ndarray           # int64 (n_lines, n_areas)
    recipients: np.ndarray    # int64 (n_lines, n_areas): in each line's unit
    # By area, every month (warm-up included), for the office agents: residents, dibao_cost,
    # work_done, utilisation.
    office: dict[str, np.ndarray] = field(default_factory=dict)

    names: tuple[str, ...] = ()  # the measures of the rows of ``sums``

    def row(self, measure: str) -> np.ndarray:
        """One measure by area, ``(n_areas,)``."""
        return self.sums[self.names.index(measure)]

    def total(self, measure: str) -> float:
        return float(self.row(measure).sum())


def _draw(state: SimState, scenario: Scenario, streams: Streams, month: int, start: bool) -> dict:
    """Every programme's stream draws for this month (or the start), keyed by their frame keys."""
    pop = state.population
    out = {}
    for s in state.registry.draws(start):
        if s.when is None or s.when(scenario, month):
            n = pop.n_persons if s.per == "persons" else pop.n_households
            out[s.key] = s.draw(streams[s.name.format(month=month)], n)
    return out


def _carry(state: SimState, frame: Frame) -> None:
    """Put the values programmes carry from earlier months in the frame."""
    for prog in state.registry:
        for key, value in prog.carry(state.programmes[prog.name]).items():
            frame[key] = value


def start_rolls(state: SimState, scenario: Scenario, streams: Streams, month: int) -> Frame:
    """The rolls when the simulation begins: each programme's ``start``, in the registry's order."""
    frame = Frame(month, scenario, state, start_keys(state, scenario, month)
                  | _draw(state, scenario, streams, month, start=True))
    order = state.registry.start_order
    release = _last_readers(frame.keys(), [(*p.start_needs, *(s.key for s in p.start_streams)) for p in order])
    frame.release(release[-1])
    _carry(state, frame)
    for i, prog in enumerate(order):
        own = {s.key for s in prog.start_streams}
        prog.start(frame.view(prog.name, (*prog.start_needs, *own), prog.provides), state.programmes[prog.name])
        frame.release(release[i])  # the start's draws and person-level incomes, once read
    return frame


#: Person- or household-sized frame keys that only programmes read (never the measures, metrics or
#: ledger): with ``keep_frame`` false each is dropped once the last programme that reads it (its
#: needs, or its own draws) has run, which lowers the month's peak memory. Every draw (``draws.*``)
#: is such a key too.
RELEASED_AFTER_USE: tuple[str, ...] = ("incomes.person_own", "incomes.earned", "incomes.household_total",
                                       "incomes.other", "assessed.person_own", "assessed.earned",
                                       "assessed.household_total", "assessed.other", "assessed.hidden_earnings",
                                       "groups.disabled", "groups.chronic")


def run_month(state: SimState, scenario: Scenario, streams: Streams, month: int, *, record: bool,
              plan: OfficePlan | None = None, keep_frame: bool = True) -> tuple[MonthResult, Frame]:
    """Advance ``state`` by one month; when ``record`` is false (warm-up) nothing is booked.
    ``plan`` is what each office can do this month (by default: from the scenario, no budget limit).
    Returns the month's result and its frame (what ``aidsim explain`` reads); without
    ``keep_frame`` the frame lacks what :func:`apply_rules` released."""
    for prog in state.registry:  # yearly counters start again in January
        prog.new_month(state.programmes[prog.name], month)
    keys = month_keys(state, scenario, streams, month) | _draw(state, scenario, streams, month, start=False)
    return apply_rules(state, scenario, month, keys, record=record, plan=plan, keep_frame=keep_frame)


def _last_readers(keys: Iterable[str], reads: list[tuple[str, ...]]) -> list[list[str]]:
    """For each programme in turn (``reads``: the keys each declares, its needs and its own
    draws), the releasable keys (:data:`RELEASED_AFTER_USE` and draws) that no later programme
    reads; the keys no programme reads come last, one list more."""
    releasable = [k for k in keys if k.startswith("draws.") or k in RELEASED_AFTER_USE]
    last = {k: len(reads) for k in releasable}
    for i, declared in enumerate(reads):
        for key in declared:
            if key in last:
                last[key] = i
    after: list[list[str]] = [[] for _ in range(len(reads) + 1)]
    for key, i in last.items():
        after[i].append(key)
    return after


def apply_rules(state: SimState, scenario: Scenario, month: int, keys: dict, *, record: bool,
                plan: OfficePlan | None = None, keep_frame: bool = True) -> tuple[MonthResult, Frame]:
    """The programmes' month given what happened (``keys``: the engine's frame keys and the
    draws): every programme in order, then the ledger and the measures. Without ``keep_frame``
    the programmes' own inputs are released as soon as their last reader has run, and ``keys``
    is emptied (the frame holds them)."""
    pop, registry = state.population, state.registry
    if record:  # one pass over the households for everything the book counts of them
        counted = count_households(state, scenario, month, keys["household.pre_pc"], keys["household.alive_count"],
                                   keys["lines.dibao_h"], add_income=True)
        residents = counted.persons
    else:
        residents = _living(state.household_area, keys["household.alive_count"], pop.n_areas)[1]
    if plan is None:
        plan = default_plan(scenario, residents, pop.area_urban)
    frame = Frame(month, scenario, state, keys | {"offices.plan": plan})
    if not keep_frame:
        keys.clear()  # the caller's dict would keep every array alive
    release = (_last_readers(frame.keys(), [(*p.needs, *(s.key for s in p.streams)) for p in registry.order])
               if not keep_frame else None)
    if release is not None:
        frame.release(release[-1])
        frame.last_reader = {key: prog.name for prog, keys in zip(registry.order, release, strict=False)
                             for key in keys}
    _carry(state, frame)
    paid: dict[str, Payment] = {}
    for i, prog in enumerate(registry.order):
        own = (*(s.key for s in prog.streams), *prog.carries)
        view = frame.view(prog.name, (*prog.needs, *own), prog.provides)
        payments = prog.step(view, state.programmes[prog.name])
        del view
        if release is not None:
            frame.release(release[i])
        if set(payments) != {line.name for line in prog.lines}:
            raise RuntimeError(f"{prog.name} paid {sorted(payments)}, not its ledger lines")
        paid |= payments
    frame["ledger.payments"] = paid  # for `aidsim explain`
    n_areas = pop.n_areas
    office = {"residents": residents} | frame["dibao.office_books"]
    if not record:
        return MonthResult(month, np.zeros((0, n_areas)), np.zeros((0, n_areas), np.int64),
                           np.zeros((0, n_areas), np.int64), office), frame
    for i, line in enumerate(registry.lines):
        state.add_paid(i, paid[line.name].households, paid[line.name].fen)
    result = book(state, frame, paid, counted=counted)
    result.office = office
    return result, frame


@numba.njit(cache=True)
def _living(area: np.ndarray, alive_count: np.ndarray, n_areas: int) -> tuple[np.ndarray, np.ndarray]:
    """Households with a living member and living persons by area, float64, in one pass (numpy:
    ``bincount(area[alive_count > 0])`` and ``bincount(area, weights=alive_count)``, same order)."""
    households = np.zeros(n_areas)
    persons = np.zeros(n_areas)
    for i in range(alive_count.shape[0]):
        a = area[i]
        persons[a] += np.float64(alive_count[i])
        if alive_count[i] > 0:
            households[a] += 1.0
    return households, persons


def poverty_lines(scenario: Scenario, month: int) -> tuple[float, float]:
    """The poverty line the measures use, urban and rural (by hukou), yuan per person and month."""
    line = scenario.measures.poverty_line
    return line.urban.at(month) / 12.0, line.rural.at(month) / 12.0


@dataclass
class Counted:
    """What the book counts of the households, made in one pass (:func:`count_households`)."""

    households: np.ndarray  # float64 (n_areas,): households with a living member
    persons: np.ndarray     # float64 (n_areas,): living persons
    cell: np.ndarray        # (n_households,): ``2 × area + poor before transfers`` (indicators._poor_cells)
    poor: np.ndarray        # intp, increasing: the households poverty.poor_before lists


def count_households(state: SimState, scenario: Scenario, month: int, pre_pc: np.ndarray, alive_count: np.ndarray,
                     dl: np.ndarray, *, add_income: bool) -> Counted:
    """The month's :class:`Counted`; with ``add_income`` also each household's income before
    transfers and its person-months added to its totals over the reported months (the income per
    head that ranks households into deciles when reforms are compared)."""
    pop = state.population
    n = alive_count.shape[0]
    cell = np.empty(n, cell_dtype(pop.n_areas))
    households, persons, poor = _household_pass(
        state.household_area, alive_count, pre_pc, pop.households.urban, *poverty_lines(scenario, month), dl,
        pop.n_areas, add_income, state.pre_income_yuan, state.person_months, cell)
    return Counted(households, persons, cell, poor)


@numba.njit(cache=True)
def _household_pass(area: np.ndarray, alive_count: np.ndarray, pre_pc: np.ndarray, urban: np.ndarray,
                    pl_urban: float, pl_rural: float, dl: np.ndarray, n_areas: int, add_income: bool,
                    pre_income: np.ndarray, person_months: np.ndarray,
                    cell: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_living`, :func:`~aidsim.metrics.indicators._poor_cells` (into ``cell``),
    :func:`~aidsim.metrics.poverty.poor_before` (returned, listed by :func:`aidsim.rows.flagged`)
    and, with ``add_income``, ``pre_income += pre_pc × alive_count`` (households with a living member) and
    ``person_months += alive_count``: the counts by area in whole numbers (exact, as the float
    sums are) with the totals in the same loop, the cells and the poor's flags in a loop without
    branches, then the poor listed (the counts and totals in loops of their own took 1.2 times
    as long)."""
    flag = np.empty(alive_count.shape[0], np.uint8)
    for i in range(alive_count.shape[0]):
        n = alive_count[i]
        pre = pre_pc[i]
        pl = pl_urban if urban[i] else pl_rural
        cell[i] = area[i] * 2 + (pre < pl)
        flag[i] = (max(pl, dl[i]) - pre >= FEN) & (n > 0)
    counts = np.zeros((n_areas, 2), np.int64)
    for i in range(alive_count.shape[0]):
        a = np.uint64(area[i])  # unsigned: no negative-index check
        n = alive_count[i]
        counts[a, 0] += n
        counts[a, 1] += n > 0
        if add_income:
            pre_income[i] += pre_pc[i] * np.float64(n) if n > 0 else 0.0
            person_months[i] += n
    return counts[:, 1].astype(np.float64), counts[:, 0].astype(np.float64), flagged(flag)


def population_sums(state: SimState, frame: Frame) -> dict[str, np.ndarray]:
    """The population's structure by area (minors, elderly, 80+), counted from the month's groups
    of the living, and this month's renewal (births, households formed, departures from and
    arrivals in the county). The elderly are counted by the elderly programme's pass over them
    when it made one (``elderly.by_age``)."""
    p, n_areas = state.population.persons, state.population.n_areas
    area_p = state.person_area
    by_age = frame["elderly.by_age"] if "elderly.by_age" in frame else None
    elderly_rows = frame["groups.elderly"] if by_age is None else np.zeros(0, np.int32)
    minor, elderly, old = age_counts(frame["groups.minors"], elderly_rows, p.age_months, area_p, n_areas, OLDEST_FROM)
    if by_age is not None:
        elderly, old = (by_age[:, 0] + by_age[:, 1]).astype(np.float64), by_age[:, 1].astype(np.float64)
    out = {"persons_minor": minor, "persons_elderly": elderly, "persons_80_plus": old}
    renewed = state.last_renewal
    none = np.zeros(0, np.intp)
    for name, rows in (("births", none if renewed is None else renewed.born),
                       ("out_migrants", none if renewed is None else renewed.migrated),
                       ("in_migrants", none if renewed is None else renewed.arrivals)):
        out[name] = np.bincount(area_p[rows], minlength=n_areas).astype(float)
    formed = none if renewed is None else renewed.formed
    out["households_formed"] = np.bincount(state.household_area[formed], minlength=n_areas).astype(float)
    return out


def book(state: SimState, frame: Frame, paid: dict[str, Payment], counted: Counted | None = None) -> MonthResult:
    """The month's ledger rows and its measures by area: the engine's, each programme's and the
    metrics' (targeting, medical burden, poverty before and after transfers). ``counted``: the
    month's :func:`count_households`, when already made."""
    pop, registry, scenario, month = state.population, state.registry, frame.scenario, frame.month
    h, n_areas, area_h = pop.households, pop.n_areas, state.household_area
    alive_count, pre_pc, dl = frame["household.alive_count"], frame["household.pre_pc"], frame["lines.dibao_h"]
    if counted is None:
        counted = count_households(state, scenario, month, pre_pc, alive_count, dl, add_income=False)
    sums = {"households": counted.households, "persons": counted.persons}
    sums |= population_sums(state, frame)
    for prog in registry:
        view = frame.view(prog.name, frame.keys(), ())
        own = prog.measure(view, state.programmes[prog.name])
        if set(own) != set(prog.measures):
            raise RuntimeError(f"{prog.name} recorded {sorted(own)}, not its declared measures {sorted(prog.measures)}")
        sums |= own
    sums |= dibao_targeting(frame, state.programmes["dibao"]) | tekun_targeting(frame)
    pl = poverty_lines(scenario, month)
    sums |= medical_burden(frame, *pl)

    lines, fen_by_area = line_sums(registry, paid, pre_pc, h.urban, pl, area_h, n_areas, counted.cell)
    sums |= lines
    cash = [(paid[ln.name].households, paid[ln.name].fen) for ln in registry.lines if ln.cash]
    sums |= poverty_sums_paid(pre_pc, cash, alive_count, h.urban, *pl, dl, area_h, n_areas, counted.poor)

    names = catalogue(registry).names
    if len(sums) != len(names):
        raise RuntimeError(f"measures recorded but not declared: {sorted(set(sums) - set(names))}; "
                           f"declared but not recorded: {sorted(set(names) - set(sums))}")
    matrix = np.stack([sums[name] for name in names])
    return MonthResult(month, matrix, fen_by_area,
                       np.stack([paid[ln.name].recipients for ln in registry.lines]).astype(np.int64), names=names)
