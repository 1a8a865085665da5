"""The memory a run needs, estimated before any population is built.

:func:`check_memory` compares the estimate (:func:`estimate_bytes`) with the memory available on
the machine (:func:`available_memory`, ``MemAvailable`` of ``/proc/meminfo``) and refuses a run or
a batch that would not fit with :class:`~aidsim.errors.InsufficientMemoryError`, giving the
estimate. ``aidsim.run``, ``aidsim.compare`` and every command call it first.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from aidsim.errors import InsufficientMemoryError
from aidsim.scenario.schema import Scenario

#: Peak memory of a run per simulated household, its members included (about 2.9 persons), in
#: bytes. Measured as the peak resident set of whole runs (population, state, the month's
#: temporaries, the result tables) less the interpreter's: 859 bytes at 10^5 households, 764 at
#: 4·10^5, 757 at 10^6; rounded up for safety.
BYTES_PER_HOUSEHOLD = 1_000
#: Bytes per household of a run's results kept in memory: the payments table, 8 bytes for each
#: of its columns (4 of description and one per programme: 15 today, 32 allowed for).
KEPT_BYTES_PER_HOUSEHOLD = 8 * (4 + 32)
#: Columns of the monthly sums allowed for (106 measures today).
MEASURE_COLUMNS = 256


def _table_bytes(scenario: Scenario) -> int:
    """The monthly tables: one row of every measure per reported month and area, with copies."""
    pop, sim = scenario.population, scenario.simulation
    areas = pop.street_offices + pop.townships
    return 4 * 8 * MEASURE_COLUMNS * areas * (sim.months + sim.warmup_months)


def estimate_bytes(scenario: Scenario) -> int:
    """Estimated peak memory of one run of ``scenario``, in bytes."""
    return scenario.population.households * BYTES_PER_HOUSEHOLD + _table_bytes(scenario)


def available_memory() -> int | None:
    """Memory available to new work on this machine, in bytes (``MemAvailable`` of
    ``/proc/meminfo``; else free physical pages; ``None`` when the system does not say)."""
    try:
        with Path("/proc/meminfo").open(encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _gb(n: float) -> str:
    return f"{n / 1e9:,.1f} GB"


def check_memory(scenarios: Sequence[Scenario], *, workers: int = 1,
                 kept: Sequence[Scenario] = ()) -> int:
    """Refuse, before anything is built, runs that will not fit in the available memory.

    ``workers`` runs of the largest scenario may be in memory at once (pass the number of
    processes that will really run, at most the number of runs), plus the results kept of
    ``kept``. Return the estimate in bytes; raise :class:`~aidsim.errors.InsufficientMemoryError`
    when it exceeds :func:`available_memory`."""
    if not scenarios:
        return 0
    largest = max(scenarios, key=estimate_bytes)
    at_once = max(1, workers)
    estimate = at_once * estimate_bytes(largest) + sum(
        s.population.households * KEPT_BYTES_PER_HOUSEHOLD + _table_bytes(s) for s in kept)
    available = available_memory()
    if available is not None and estimate > available:
        households = largest.population.households
        what = f"{at_once} runs at once of " if at_once > 1 else ""
        fit = max(0, (available // at_once - _table_bytes(largest)) // BYTES_PER_HOUSEHOLD)
        raise InsufficientMemoryError(
            f"{what}{largest.name!r} with population.households = {households:,} would need about "
            f"{_gb(estimate)} of memory (about {BYTES_PER_HOUSEHOLD:,} bytes a household), but this "
            f"machine has {_gb(available)} available. Use fewer households (about {fit:,} fit), "
            f"fewer workers, or a machine with more memory.")
    return estimate
