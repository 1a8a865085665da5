"""The population as struct-of-arrays: one numpy array per attribute, persons linked to households.

Households are rows ``0 … n_households-1``; persons are rows ``0 … n_persons-1`` with
``persons.household`` giving each person's household row. Nobody is ever removed: a death clears
``alive``, so indices stay valid for the whole run and every array keeps its shape (no copies).

Room for renewal (births, households that form, households that move in) is reserved when the
population is drawn: the last ``vacant[h]`` rows of household ``h``'s block are empty person rows
(never alive), filled from the front as people are born or move in; a household whose rows are all
vacant is a reserve household (not yet formed, or an in-migrant household not yet arrived, whose
members wait in those rows). See :mod:`aidsim.population.renewal`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cached_property

import numpy as np

from aidsim.errors import PopulationDataError
from aidsim.shocks import kernels

# Self-care ability codes (生活自理能力).
SELFCARE_FULL, SELFCARE_PARTIAL, SELFCARE_NONE = 0, 1, 2


def by_hukou(urban: np.ndarray, urban_value: float, rural_value: float,
             dtype: type = np.float64) -> np.ndarray:
    """The urban or rural value for each element of ``urban`` (hukou), as ``dtype``."""
    return np.where(urban, dtype(urban_value), dtype(rural_value))


@dataclass
class Persons:
    """Person attributes, each an array of shape ``(n_persons,)``.

    Money is yuan per month (float32: cents are not needed per person, and it halves memory).
    """

    household: np.ndarray        # int32: row of the person's household (4 bytes, not 8)
    age_months: np.ndarray       # int16: age in completed months
    female: np.ndarray           # bool
    alive: np.ndarray            # bool
    disability: np.ndarray       # int8: 0 none, 1 (most severe) … 4
    chronic: np.ndarray          # bool: chronic illness
    ill: np.ndarray              # bool: in a serious illness episode this month
    selfcare: np.ndarray         # int8: SELFCARE_FULL / PARTIAL / NONE
    employed: np.ndarray         # bool
    earnings_level: np.ndarray   # float32: persistent log-earnings component
    pension: np.ndarray          # float32: yuan/month
    public_sector: np.ndarray    # bool: works in the public sector or a state enterprise
    refuses_work: np.ndarray     # bool: able-bodied and refusing work without cause
    orphan: np.ndarray           # bool: a child recorded as orphan or without de facto carers
    formal_job: np.ndarray       # bool: when employed, works for a formal employer (verifiable wages)
    certified: np.ndarray        # bool: holds (or, once disabled, would hold) a disability certificate (残疾证)

    @property
    def n(self) -> int:
        return int(self.household.shape[0])


@dataclass
class Households:
    """Household attributes, each an array of shape ``(n_households,)``."""

    area: np.ndarray              # int16: area (street office or township) id
    urban: np.ndarray             # bool: urban hukou
    vehicle: np.ndarray           # bool: owns a car or business vehicle
    business: np.ndarray          # bool: runs a business or shop
    two_dwellings: np.ndarray     # bool: owns two or more dwellings
    outside_supporter: np.ndarray  # bool: a legal supporter lives elsewhere and could support
    other_income_level: np.ndarray  # float32: persistent log other-income component
    has_other_income: np.ndarray  # bool
    office_km: np.ndarray         # float32: distance to the civil-affairs office, km
    connection_u: np.ndarray      # float32: fixed uniform draw; connected to officials when below the share
    honesty_u: np.ndarray         # float32: fixed uniform draw that sets how much income it hides

    @property
    def n(self) -> int:
        return int(self.area.shape[0])


@dataclass
class Population:
    """Persons and households of one simulated area."""

    persons: Persons
    households: Households
    n_areas: int
    area_urban: np.ndarray        # bool (n_areas,): the area is urban (street office)
    # int16 (n_households,): empty person rows at the end of each household's block (never alive)
    vacant: np.ndarray | None = None
    # first reserve household (households from here were empty when drawn); default: none reserved
    reserve_from: int | None = None
    # first in-migrant household (drawn with its members, who live from the month it arrives);
    # households from ``reserve_from`` to here are empty, for young adults leaving home
    migrants_from: int | None = None
    # bool: whether each person row of the in-migrant households (from the first one's first row)
    # has work when the household arrives (kept aside: a row not yet alive cannot hold a job)
    arrival_employed: np.ndarray | None = None
    # int16: members each in-migrant household arrives with (the first rows of its block)
    arrival_size: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.persons.household.dtype != np.int32 and self.households.n < 2**31:
            self.persons.household = self.persons.household.astype(np.int32)
        if self.vacant is None:
            self.vacant = np.zeros(self.households.n, dtype=np.int16)
        if self.reserve_from is None:
            self.reserve_from = self.households.n
        if self.migrants_from is None:
            self.migrants_from = self.households.n
        if self.arrival_employed is None:
            self.arrival_employed = np.zeros(0, dtype=bool)
        if self.arrival_size is None:
            self.arrival_size = np.zeros(self.households.n - self.migrants_from, dtype=np.int16)

    @property
    def n_households(self) -> int:
        return self.households.n

    @property
    def n_persons(self) -> int:
        return self.persons.n

    def household_sum(self, values: np.ndarray) -> np.ndarray:
        """Sum a person array over households → float64 ``(n_households,)``: each household's rows
        added in row order, as ``np.bincount(household, weights=values)`` adds them."""
        if values.shape != self.persons.household.shape:
            raise ValueError(f"household_sum needs one value per person, got shape {values.shape}")
        return kernels.segment_sum(values, self.persons.household, self.n_households)

    @cached_property
    def member_offsets(self) -> np.ndarray:
        """Row of each household's first member, and one past the last row at the end
        (``(n_households + 1,)``): persons are stored household by household and never removed."""
        return np.searchsorted(self.persons.household, np.arange(self.n_households + 1))

    def members_with_owner(self, households: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Person rows of the given households and, for each row, its household's position in
        ``households``."""
        offsets = self.member_offsets
        first = offsets[households]
        counts = offsets[households + 1] - first
        owner = np.repeat(np.arange(households.shape[0]), counts)
        rows = np.arange(owner.shape[0]) + np.repeat(first - (np.cumsum(counts) - counts), counts)
        return rows, owner

    def members_of(self, households: np.ndarray) -> np.ndarray:
        """Person rows of the given households (persons are stored household by household)."""
        return self.members_with_owner(households)[0]

    def household_count(self, mask: np.ndarray) -> np.ndarray:
        """Count persons with ``mask`` in each household → int64 ``(n_households,)`` (one pass)."""
        if mask.shape != self.persons.household.shape:
            raise ValueError(f"household_count needs one flag per person, got shape {mask.shape}")
        return kernels.segment_count(mask, self.persons.household, self.n_households)

    def nbytes(self) -> int:
        """Memory held by the population's arrays."""
        total = sum(getattr(self.persons, f.name).nbytes for f in fields(self.persons))
        total += sum(getattr(self.households, f.name).nbytes for f in fields(self.households))
        return (total + self.area_urban.nbytes + self.vacant.nbytes + self.arrival_employed.nbytes
                + self.arrival_size.nbytes)

    def block_sizes(self) -> np.ndarray:
        """Person rows of each household's block, vacant rows included → ``(n_households,)``."""
        return np.diff(self.member_offsets)

    def formed(self) -> np.ndarray:
        """Households that exist (have had a member): every household but the unused reserve."""
        return self.vacant < self.block_sizes()

    def check(self) -> None:
        """Check the invariants; raise :class:`PopulationDataError` naming the first broken one."""
        p, h = self.persons, self.households
        for f in fields(p):
            if getattr(p, f.name).shape != (p.n,):
                raise PopulationDataError(f"person attribute {f.name!r} has the wrong length")
        for f in fields(h):
            if getattr(h, f.name).shape != (h.n,):
                raise PopulationDataError(f"household attribute {f.name!r} has the wrong length")
        if p.n and (p.household.min() < 0 or p.household.max() >= h.n):
            raise PopulationDataError("a person points to a household that does not exist")
        if np.any(np.diff(p.household) < 0):
            raise PopulationDataError("persons must be stored household by household (sorted by household)")
        if h.n and (h.area.min() < 0 or h.area.max() >= self.n_areas):
            raise PopulationDataError("a household's area is outside 0 … n_areas-1")
        if self.vacant.shape != (h.n,) or np.any(self.vacant < 0) or np.any(self.vacant > self.block_sizes()):
            raise PopulationDataError("vacant rows must be between 0 and the household's rows")
        vacant_row = np.arange(p.n) >= np.repeat(self.member_offsets[1:] - self.vacant, self.block_sizes())
        if np.any(p.alive & vacant_row):
            raise PopulationDataError("a vacant person row (not yet born or moved in) is alive")
        if np.any((self.household_count(p.alive) == 0) & self.formed()):
            raise PopulationDataError("every household must have at least one living member "
                                      "(unless it is a reserve household, all of its rows vacant)")
        if np.any((p.disability < 0) | (p.disability > 4)):
            raise PopulationDataError("disability grades must be 0 (none) or 1 … 4")
        if np.any(p.age_months < 0):
            raise PopulationDataError("ages must be non-negative")
