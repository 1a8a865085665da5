"""Running scenarios: one run, or many (scenario × replication) tasks on a process pool.

A task is ``(scenario, seed, replication)``. Its random streams depend only on the seed and the
replication, never on the scenario or on which worker runs it, so a batch gives the same numbers
serially and on any number of processes, and a baseline and a reform with the same seed and
replication share their draws (common random numbers).

Before any population is built, the memory the runs will need is estimated
(:func:`estimate_bytes`) and compared with the memory available on the machine
(:func:`available_memory`, ``MemAvailable`` of ``/proc/meminfo``); a batch that would not fit is
refused with :class:`~aidsim.errors.InsufficientMemoryError`, giving the estimate.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aidsim.engine.model import AidModel
from aidsim.errors import InsufficientMemoryError
from aidsim.metrics.indicators import MEASURE_NAMES
from aidsim.programmes import PROGRAMMES
from aidsim.results import Results
from aidsim.scenario.load import validate_scenario
from aidsim.scenario.schema import Scenario

Progress = Callable[[int, int], None]

#: Peak memory of a run per simulated household, its members included (about 2.9 persons), in
#: bytes. Measured as the peak resident set of whole runs (population, state, the month's
#: temporaries, the result tables) less the interpreter's: 859 bytes at 10^5 households, 764 at
#: 4·10^5, 757 at 10^6; rounded up for safety.
BYTES_PER_HOUSEHOLD = 1_000
#: Bytes per household of a run's results kept in memory (the payments table).
KEPT_BYTES_PER_HOUSEHOLD = 8 * (4 + len(PROGRAMMES))


def _table_bytes(scenario: Scenario) -> int:
    """The monthly tables: one row of every measure per reported month and area, with copies."""
    pop, sim = scenario.population, scenario.simulation
    areas = pop.street_offices + pop.townships
    return 4 * 8 * (len(MEASURE_NAMES) + 16) * areas * (sim.months + sim.warmup_months)


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


def run(scenario: Scenario, *, seed: int | None = None, replication: int = 0,
        progress: Progress | None = None) -> Results:
    """Run one scenario to its end and return its :class:`~aidsim.results.Results`.

    Raises :class:`~aidsim.errors.InsufficientMemoryError` before building anything when the
    run would not fit in the available memory."""
    check_memory([scenario])
    model = AidModel(scenario, seed=seed, replication=replication)
    model.run_to_end(progress)
    return Results.from_model(model)


@dataclass(frozen=True)
class Task:
    """One run of a batch: the scenario (as resolved data, so that it pickles), seed, replication."""

    key: str
    scenario: dict[str, Any]
    seed: int
    replication: int
    first: str | None = None
    last: str | None = None
    keep_results: bool = False


@dataclass
class TaskOutcome:
    key: str
    replication: int
    summary: dict[str, dict[str, float]]
    results: Results | None


def run_task(task: Task) -> TaskOutcome:
    """Run a task (top level, so that process pools can pickle it) and return its summary,
    with the full results when the task asks to keep them."""
    scenario = validate_scenario(task.scenario, source=task.key)
    results = run(scenario, seed=task.seed, replication=task.replication)
    return TaskOutcome(task.key, task.replication, results.summary(task.first, task.last),
                       results if task.keep_results else None)


def run_tasks(tasks: Iterable[Task], *, workers: int = 1,
              progress: Progress | None = None) -> list[TaskOutcome]:
    """Run tasks serially (``workers=1``) or on a process pool; outcomes in task order."""
    tasks = list(tasks)
    outcomes: list[TaskOutcome | None] = [None] * len(tasks)
    if workers <= 1 or len(tasks) <= 1:
        for i, task in enumerate(tasks):
            outcomes[i] = run_task(task)
            if progress:
                progress(i + 1, len(tasks))
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            _collect(pool, tasks, outcomes, progress)
    return [o for o in outcomes if o is not None]


def _collect(pool: Executor, tasks: list[Task], outcomes: list, progress: Progress | None) -> None:
    futures = {pool.submit(run_task, task): i for i, task in enumerate(tasks)}
    for done, future in enumerate(as_completed(futures), start=1):
        outcomes[futures[future]] = future.result()
        if progress:
            progress(done, len(tasks))
