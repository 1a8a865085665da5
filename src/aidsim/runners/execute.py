"""Running scenarios: one run, or many (scenario × replication) tasks on a process pool or dask.

A task is ``(scenario, seed, replication)``. Its random streams depend only on the seed and the
replication, never on the scenario or on which worker runs it, so a batch gives the same numbers
serially and on any number of processes, and a baseline and a reform with the same seed and
replication share their draws (common random numbers).

Before any population is built, the memory the runs will need is checked against the memory the
machine has available (:mod:`aidsim.runners.memory`).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from aidsim.engine.model import AidModel
from aidsim.programmes import REGISTRY
from aidsim.programmes.registry import Registry
from aidsim.results import Results
from aidsim.runners.executors import SerialExecutor, executor
from aidsim.runners.memory import check_memory
from aidsim.scenario.load import validate_scenario
from aidsim.scenario.schema import Scenario

Progress = Callable[[int, int], None]


def run(scenario: Scenario, *, seed: int | None = None, replication: int = 0,
        progress: Progress | None = None, registry: Registry = REGISTRY) -> Results:
    """Run one scenario to its end and return its :class:`~aidsim.results.Results` (``registry``:
    the programmes to run, by default every shipped programme)."""
    check_memory([scenario])  # refuses, with the estimate, a run that will not fit
    model = AidModel(scenario, seed=seed, replication=replication, registry=registry)
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
    #: Per household over the reported months (:meth:`Results.household_totals`): what the
    #: comparison splits by decile of income before transfers.
    households: pd.DataFrame | None = None
    #: Paid to households poor before transfers over the compared months, yuan, by area type.
    to_poor: dict[str, float] = field(default_factory=dict)


def run_task(task: Task) -> TaskOutcome:
    """Run a task (top level, so that process pools can pickle it) and return its summary,
    the households' totals and what reached the poor, with the full results when the task asks
    to keep them."""
    scenario = validate_scenario(task.scenario, source=task.key)
    results = run(scenario, seed=task.seed, replication=task.replication)
    names = [f"{line}_cost_to_poor" for line in results.catalogue.lines]
    to_poor = {area: sum(values.values())
               for area, values in results.period_totals(names, task.first, task.last).items()}
    outcome = TaskOutcome(task.key, task.replication, results.checked_summary(task.first, task.last),
                          results if task.keep_results else None, results.household_totals(), to_poor)
    del results
    # The finished model (its Mesa agents and the model refer to each other) is freed now: a
    # worker running many tasks would otherwise hold several dead models' arrays at once.
    gc.collect()
    return outcome


def run_tasks(tasks: Iterable[Task], *, workers: int = 1, progress: Progress | None = None,
              dask: bool = False, scheduler: str | None = None,
              what: str = "the runs") -> list[TaskOutcome]:
    """Run tasks in this process (``workers=1``), on a process pool or on dask
    (:func:`~aidsim.runners.executors.executor`); outcomes in task order, the same on every
    back-end."""
    tasks = list(tasks)
    outcomes: list[TaskOutcome | None] = [None] * len(tasks)
    if len(tasks) <= 1 and not (dask or scheduler):
        workers = 1
    with executor(workers, dask=dask, scheduler=scheduler, what=what) as pool:
        for done, (i, outcome) in enumerate(completed(pool, run_task, tasks), start=1):
            outcomes[i] = outcome
            if progress:
                progress(done, len(tasks))
    return [o for o in outcomes if o is not None]


def completed(pool: Executor, fn: Callable[[Any], Any], items: list[Any]) -> Iterator[tuple[int, Any]]:
    """Submit ``fn(item)`` for every item and yield ``(index, result)`` as each finishes; the
    first failure is raised (the tasks not yet started are then cancelled). In this process
    (:class:`~aidsim.runners.executors.SerialExecutor`) each item runs only when the previous one
    has been handed over, so a caller can save each result as it comes."""
    if isinstance(pool, SerialExecutor):
        for i, item in enumerate(items):
            yield i, fn(item)
        return
    futures = {pool.submit(fn, item): i for i, item in enumerate(items)}
    try:
        for future in as_completed(futures):
            yield futures[future], future.result()
    finally:
        for future in futures:
            future.cancel()
