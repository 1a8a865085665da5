"""The programme interface: what a programme declares, and the month frame it reads and writes.

A programme (in the spirit of Starsim's modules and OpenFisca's variables) is one module with one
:class:`Programme` subclass. It declares:

- ``section``: the scenario section holding its parameters (defaults, units and sources live in
  :mod:`aidsim.scenario.schema`, or in a section the module registers itself);
- ``lines``: the ledger lines it pays (most pay one; the disability module pays two subsidies);
- ``streams``: the random streams drawn for every unit every month, whether or not the policy
  uses them, so that a baseline and a reform meet the same draws (common random numbers), and
  ``start_streams`` for the initial roll;
- ``needs`` and ``provides``: the keys of the month :class:`Frame` it reads and writes, for example
  ``orphans.covered`` or ``dibao.unit_member``; ``carries``: keys it exposes from earlier months
  (available to every programme from the month's start);
- its ``step`` (eligibility, amount, payment), its ``measures`` (additive sums by area, recorded
  by ``measure``) and ``ratios``, and its rows for ``aidsim explain``. Every ledger line also gets
  ``<line>_cost``, ``<line>_cost_to_poor``, its recipients, an average and a share to the poor.

The registry (:mod:`aidsim.programmes.registry`) orders the programmes by what they need and checks
at import that every need is provided. The frame refuses a read that a programme did not declare,
so the declared dependencies are the real ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numba
import numpy as np

from aidsim.deferred import DeferredUniforms, DeferredWords
from aidsim.population.arrays import by_hukou
from aidsim.prefetch import AHEAD, prefetch
from aidsim.rng import raw_words, uniform32

__all__ = ["MONTH_KEYS", "START_KEYS", "Frame", "FrameError", "FrameView", "LedgerLine", "Measure",
           "Payment", "Programme", "Ratio", "Row", "Stream", "area_sums", "by_hukou", "by_selfcare", "flow",
           "for_loops", "household_payment", "person_payment", "stock", "to_fen", "yuan", "zeros_view"]

if TYPE_CHECKING:  # the engine's state and the scenario are only passed through
    from aidsim.scenario.schema import Scenario

F32 = np.float32
Unit = Literal["households", "persons", "cases"]
#: One row of ``aidsim explain``: (label, value as text).
Row = tuple[str, str]


def zeros_view(n: int, dtype: type = np.float64) -> np.ndarray:
    """``n`` read-only zeros held in the memory of one (a view with stride 0): what a month
    passes for a household-sized value when nothing happened (no disaster, no spending-type
    poverty), without keeping a household-sized array of zeros for the run."""
    return np.broadcast_to(np.zeros(1, dtype=dtype), (n,))


def for_loops(values: np.ndarray) -> np.ndarray:
    """``values`` as the compiled loops take them: a view with stride 0 (:func:`zeros_view`) as its
    one value, in a contiguous array of one, which the loops read for every row; anything else as
    it is. numba compiles a zero-stride view as an array of any layout, and the loops that read
    one were not vectorised (dibao's means test: 6.9 → 5.2 ms at 10^6 households)."""
    if values.ndim == 1 and values.shape[0] > 1 and values.strides[0] == 0:
        return np.ascontiguousarray(values[:1])
    return values


def to_fen(yuan: np.ndarray) -> np.ndarray:
    """Round yuan amounts to whole fen (int64)."""
    return np.rint(np.asarray(yuan, dtype=np.float64) * 100.0).astype(np.int64)


@dataclass(frozen=True)
class Measure:
    """An additive monthly sum recorded by area: a ``stock`` (averaged over months in tables) or
    a ``flow`` (summed)."""

    kind: Literal["stock", "flow"]
    unit: str
    description: str


def stock(unit: str, description: str) -> Measure:
    return Measure("stock", unit, description)


def flow(unit: str, description: str) -> Measure:
    return Measure("flow", unit, description)


@dataclass(frozen=True)
class Ratio:
    """A ratio of two measures, computed after they are added over the cells of a table."""

    numerator: str
    denominator: str
    unit: str
    description: str


@dataclass(frozen=True)
class LedgerLine:
    """One line of the payments ledger.

    ``cash``: the payment is cash income of the household (medical reimbursements and services are
    not, so they do not enter post-transfer income). ``recipients_measure``: the measure that
    records the payments' recipients (``""``: ``<name>_recipients``; ``None``: none, the programme
    counts its recipients in a measure of its own).
    """

    name: str
    unit: Unit
    label: str
    cash: bool = True
    recipients_measure: str | None = ""


@dataclass(frozen=True)
class Stream:
    """A random stream drawn for every unit (``per`` persons or households) each month.

    ``name`` is the stream's key in :class:`aidsim.rng.Streams`; it may contain ``{month}`` for a
    stream keyed by month. Several draws may share one stream: they are made in ``slot`` order.
    ``kind``: float32 uniforms, or two raw 64-bit words per unit (``raw2``, decoded into several
    16-bit uniforms). ``key`` is the frame key the draws are stored under. A stream with ``when``
    is drawn only in the months where ``when(scenario, month)`` is true. A ``deferred`` stream
    (:mod:`aidsim.deferred`), for draws of which rules read a few units, puts in the frame a draw
    made when read: the same numbers, indexed as the array would be (``uniform16`` decodes a
    ``raw2`` draw); the others put the array.
    """

    key: str
    name: str
    per: Literal["persons", "households"]
    kind: Literal["uniform", "raw2"] = "uniform"
    slot: int = 0
    when: Any = None  # Callable[[Scenario, int], bool] | None
    deferred: bool = False

    def draw(self, generator: np.random.Generator, n: int) -> np.ndarray | DeferredUniforms | DeferredWords:
        if self.kind == "raw2":
            return (DeferredWords.draw(generator, n, 2) if self.deferred
                    else raw_words(generator.bit_generator, 2 * n).reshape(2, n))
        return DeferredUniforms.draw(generator, n) if self.deferred else uniform32(generator, n)


@dataclass
class Payment:
    """One ledger line's payments this month, kept sparse: most households receive nothing."""

    households: np.ndarray   # intp, increasing: the households paid
    fen: np.ndarray          # int64, same length: what each was paid
    recipients: np.ndarray   # float64 (n_areas,): recipients by area, in the line's unit

    @classmethod
    def nothing(cls, n_areas: int) -> Payment:
        return cls(np.zeros(0, np.intp), np.zeros(0, np.int64), np.zeros(n_areas))

    def dense(self, n_households: int) -> np.ndarray:
        """Fen per household, ``(n_households,)``."""
        out = np.zeros(n_households, dtype=np.int64)
        out[self.households] = self.fen
        return out


class FrameError(LookupError):
    """A programme read a frame key it did not declare, or wrote one twice."""


class Frame:
    """The month's shared values: what happened (shocks, incomes, draws) and what each programme
    found, keyed by ``"<provider>.<name>"``. A key is written once, by the programme that provides
    it; ``sim`` is the engine's state (population, areas, caches), ``scenario`` the policy."""

    def __init__(self, month: int, scenario: Scenario, sim: Any, values: Mapping[str, Any] | None = None):
        self.month = month
        self.scenario = scenario
        self.sim = sim
        self._values: dict[str, Any] = dict(values or {})
        # key → the programme that reads it last, for the keys the engine releases after their
        # last reader (set by the engine when the frame is not kept; see FrameView.done)
        self.last_reader: dict[str, str] = {}

    def __getitem__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            raise FrameError(f"the month frame has no {key!r} (not provided yet)") from None

    def __setitem__(self, key: str, value: Any) -> None:
        if key in self._values:
            raise FrameError(f"frame key {key!r} is written twice")
        self._values[key] = value

    def __contains__(self, key: str) -> bool:
        return key in self._values

    def keys(self) -> Iterable[str]:
        return self._values.keys()

    def release(self, keys: Iterable[str]) -> None:
        """Forget ``keys`` (those present), so their arrays are freed once nobody reads them."""
        for key in keys:
            self._values.pop(key, None)

    def done(self, owner: str, keys: Iterable[str]) -> None:
        """``owner`` has read ``keys`` for the last time this month: forget those of them it is
        the last reader of (:attr:`last_reader`), before its step ends."""
        self.release([key for key in keys if self.last_reader.get(key) == owner])

    def view(self, owner: str, reads: Iterable[str], writes: Iterable[str]) -> FrameView:
        """The frame as one programme may use it: it reads only ``reads`` and its own keys and
        writes only ``writes``."""
        return FrameView(self, owner, frozenset(reads) | frozenset(writes), frozenset(writes))


class FrameView:
    """A programme's window on the :class:`Frame` (see :meth:`Frame.view`)."""

    def __init__(self, frame: Frame, owner: str, reads: frozenset[str], writes: frozenset[str]):
        self._frame, self._owner, self._reads, self._writes = frame, owner, reads, writes
        self.month, self.scenario, self.sim = frame.month, frame.scenario, frame.sim

    def __getitem__(self, key: str) -> Any:
        if key not in self._reads:
            raise FrameError(f"{self._owner} reads {key!r} but does not declare it in its needs")
        return self._frame[key]

    def __setitem__(self, key: str, value: Any) -> None:
        if key not in self._writes:
            raise FrameError(f"{self._owner} writes {key!r} but does not declare it in its provides")
        self._frame[key] = value

    def __contains__(self, key: str) -> bool:
        return key in self._reads and key in self._frame

    def done(self, *keys: str) -> None:
        """This programme will not read ``keys`` again this month: the month may free those no
        later programme reads (only when the frame is not kept for ``aidsim explain``)."""
        self._frame.done(self._owner, keys)


class Programme:
    """Base of every programme. Subclasses set the class attributes and override the hooks."""

    name: ClassVar[str]
    section: ClassVar[str]
    label: ClassVar[str]
    lines: ClassVar[tuple[LedgerLine, ...]] = ()
    streams: ClassVar[tuple[Stream, ...]] = ()
    start_streams: ClassVar[tuple[Stream, ...]] = ()
    needs: ClassVar[tuple[str, ...]] = ()
    start_needs: ClassVar[tuple[str, ...]] = ()
    provides: ClassVar[Mapping[str, str]] = {}
    carries: ClassVar[Mapping[str, str]] = {}
    measures: ClassVar[Mapping[str, Measure]] = {}
    ratios: ClassVar[Mapping[str, Ratio]] = {}

    def params(self, scenario: Scenario) -> Any:
        """This programme's section of the scenario."""
        return scenario.section(self.section)

    def enabled(self, scenario: Scenario) -> bool:
        """Whether the programme pays at all (its section's ``enabled`` switch)."""
        return bool(getattr(self.params(scenario), "enabled", True))

    def init_state(self, sim: Any) -> Any:
        """The programme's own arrays for a run (``None`` when it keeps none)."""
        return None

    def new_month(self, state: Any, month: int) -> None:
        """Called first each month (yearly counters start again in January)."""

    def carry(self, state: Any) -> dict[str, Any]:
        """Values from earlier months, declared in ``carries``."""
        return {}

    def start(self, frame: FrameView, state: Any) -> None:
        """The roll when the simulation begins (before the first month)."""

    def step(self, frame: FrameView, state: Any) -> dict[str, Payment]:
        """One month: eligibility, amounts and payments, one :class:`Payment` per ledger line."""
        raise NotImplementedError

    def measure(self, frame: FrameView, state: Any) -> dict[str, np.ndarray]:
        """This month's sums by area for the declared ``measures`` (after every programme ran)."""
        return {}

    def explain(self, frame: FrameView, state: Any, household: int) -> list[Row]:
        """Rows for ``aidsim explain``: the values this month's rules used for ``household``."""
        return []


@numba.njit(cache=True)
def _fen(yuan: float) -> int:
    """``to_fen`` of one amount; 0 for amounts that round to no fen (or are not finite), which are
    not paid."""
    x = np.rint(np.float64(yuan) * 100.0)
    return np.int64(x) if 1.0 <= x < 9.2e18 else 0


@numba.njit(cache=True)
def non_decreasing(a: np.ndarray) -> bool:
    """Whether ``a`` is sorted (each element at least the one before)."""
    for k in range(1, a.shape[0]):
        if a[k] < a[k - 1]:
            return False
    return True


@numba.njit(cache=True)
def _person_payment(persons: np.ndarray, yuan: np.ndarray, household: np.ndarray, person_area: np.ndarray,
                    n_areas: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Payments to persons booked by household (persons in row order, so a household's members are
    consecutive): round each amount to the fen, keep those paid, add them up by household and count
    the recipients by area. Replaces numpy's to_fen, mask, gathers, reduceat and bincount. One
    loop without branches on the data: an amount not paid is 0 fen (added to the last household
    or, before the first, to the extra slot), and each household's slot is written before it is
    known to be kept."""
    n = persons.shape[0]
    households = np.empty(n + 1, np.intp)
    total = np.zeros(n + 1, np.int64)
    recipients = np.zeros(n_areas)
    n_households, last = 0, -1
    for k in range(n):
        if k + AHEAD < n:  # the persons are scattered: ask for the rows of those ahead
            prefetch(household, persons[k + AHEAD])
            prefetch(person_area, persons[k + AHEAD])
        i = np.uint64(persons[k])  # unsigned: the loads at it need no negative-index check
        f = _fen(yuan[k])
        paid = f > 0
        hh = household[i]
        recipients[np.uint64(person_area[i])] += paid
        households[n_households] = hh
        n_households += paid & (hh != last)
        total[n_households - 1] += f
        last = hh if paid else last
    return households[:n_households].copy(), total[:n_households].copy(), recipients


def person_payment(sim: Any, persons: np.ndarray, yuan: np.ndarray) -> Payment:
    """Book yuan amounts paid to ``persons`` (row indices): fen per household, recipients by area."""
    pop = sim.population
    persons = np.asarray(persons)
    yuan = np.broadcast_to(np.asarray(yuan), persons.shape)
    if not non_decreasing(persons):  # rows are stored household by household
        order = np.argsort(persons, kind="stable")
        persons, yuan = persons[order], yuan[order]
    households, fen, recipients = _person_payment(persons, yuan, pop.persons.household, sim.person_area,
                                                  pop.n_areas)
    return Payment(households=households, fen=fen, recipients=recipients)


@numba.njit(cache=True)
def _household_payment(households: np.ndarray, fen: np.ndarray, area: np.ndarray,
                       n_areas: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The households with a positive payment, their fen and their count by area (numpy: a mask,
    two gathers and a bincount)."""
    n = 0
    for k in range(fen.shape[0]):
        n += fen[k] > 0
    kept = np.empty(n, np.intp)
    kept_fen = np.empty(n, np.int64)
    recipients = np.zeros(n_areas)
    j = 0
    for k in range(fen.shape[0]):
        if fen[k] > 0:
            kept[j], kept_fen[j] = households[k], fen[k]
            recipients[area[households[k]]] += 1.0
            j += 1
    return kept, kept_fen, recipients


def household_payment(sim: Any, households: np.ndarray, fen: np.ndarray) -> Payment:
    """Book fen paid to ``households`` (increasing rows; one recipient each)."""
    fen = np.asarray(fen)
    if fen.dtype != np.int64:
        keep = fen > 0
        households, fen = households[keep], fen[keep].astype(np.int64)
    return Payment(*_household_payment(np.asarray(households), fen, sim.household_area, sim.population.n_areas))


@numba.njit(cache=True)
def _count_by_area(area: np.ndarray, mask: np.ndarray, n_areas: int) -> np.ndarray:
    """``np.bincount(area[mask], minlength=n_areas)`` as float, without the gathered copy."""
    out = np.zeros(n_areas)
    for k in range(mask.shape[0]):
        if mask[k]:
            out[area[k]] += 1.0
    return out


@numba.njit(cache=True)
def _sum_by_area(area: np.ndarray, values: np.ndarray, n_areas: int) -> np.ndarray:
    """``np.bincount(area, weights=values, minlength=n_areas)`` (float64, added in the same
    order), without converting ``values`` to a float64 copy first."""
    out = np.zeros(n_areas)
    for k in range(values.shape[0]):
        out[area[k]] += np.float64(values[k])
    return out


def area_sums(area: np.ndarray, n_areas: int, **values: np.ndarray) -> dict[str, np.ndarray]:
    """Sum each of ``values`` by ``area`` (all arrays of one length) → ``{name: (n_areas,)}``.
    Masks are counted over their true elements only (they are mostly sparse)."""
    out = {}
    for name, v in values.items():
        v = np.asarray(v)
        if v.shape != area.shape:
            raise ValueError(f"{name}: {v.shape[0] if v.ndim else 0} values for {area.shape[0]} areas")
        out[name] = _count_by_area(area, v, n_areas) if v.dtype == bool else _sum_by_area(area, v, n_areas)
    return out


def by_selfcare(selfcare: np.ndarray, shares: Any) -> np.ndarray:
    """Look up a :class:`~aidsim.scenario.schema.BySelfCare` value for each person (float32)."""
    return np.array([shares.full, shares.partial, shares.none], dtype=F32)[selfcare]


def yuan(x: float) -> str:
    """An amount for ``aidsim explain``."""
    return f"{x:,.2f} yuan"


#: What the engine puts in every month's frame before the programmes run.
MONTH_KEYS: dict[str, str] = {
    "household.alive_count": "int64 (n_households,): living members",
    "household.pre_pc": "float64 (n_households,): per-capita income before transfers (inf: none alive)",
    "incomes.person_own": "float32 (n_persons,): earnings + pension, yuan/month",
    "incomes.earned": "float32 (n_persons,): earnings, yuan/month",
    "incomes.household_total": "float64 (n_households,): all members' own income + other income",
    "incomes.other": "float32 (n_households,): other household income",
    "assessed.person_own": "float32 (n_persons,): the own income the means test counts (dibao.income_months)",
    "assessed.earned": "float32 (n_persons,): the earnings the means test counts",
    "assessed.household_total": "float64 (n_households,): the household income the means test counts",
    "assessed.other": "float32 (n_households,): the other income the means test counts",
    "assessed.hidden_earnings": "float64 (n_households,) or None: declaring.hidden_sums of assessed.earned "
                                "(None: no earnings hidden); the dibao casework works on it in place",
    "lines.dibao_h": "float64 (n_households,): dibao standard in force (the dibao line)",
    "lines.dibao": "(float, float): the urban and rural standards; a person's is that of their hukou "
                   "(sim.person_urban), compared in float32",
    "shocks.illness": "IllnessOutcome: this month's hospital episodes and their cost",
    "shocks.died": "bool (n_persons,): died this month",
    "shocks.lost_work": "intp: persons who lost work this month (the dead among them)",
    "shocks.lost_earnings": "float64 (len(lost_work),): their usual monthly earnings",
    "shocks.able": "bool (n_persons,): alive and able to work (劳动能力) after this month's shocks",
    "disaster.hit": "bool (n_households,): struck by a disaster this month",
    "disaster.asset_loss": "float64 (n_households,): the disaster's one-off asset loss, yuan",
    "offices.plan": "OfficePlan: what each office can do this month (capacity, quota, budget)",
    "groups.minors": "int32, increasing: the living under the age of majority (definitions.age_of_majority)",
    "groups.elderly": "int32, increasing: the living at or above the elderly age (definitions.elderly_age)",
    "groups.disabled": "int32, increasing: the living with a disability (any grade)",
    "groups.chronic": "int32, increasing: the living with a chronic illness",
}
#: What the engine puts in the frame of the initial roll (incomes without transitory noise).
START_KEYS: tuple[str, ...] = ("household.alive_count", "incomes.person_own", "incomes.earned",
                               "incomes.household_total", "incomes.other", "assessed.person_own",
                               "assessed.earned", "assessed.household_total", "assessed.other",
                               "assessed.hidden_earnings", "lines.dibao_h", "lines.dibao", "shocks.able")
