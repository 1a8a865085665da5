"""Running scenarios: one run, or many (scenario × replication) tasks on a process pool.

A task is ``(scenario, seed, replication)``. Its random streams depend only on the seed and the
replication, never on the scenario or on which worker runs it, so a batch gives the same numbers
serially and on any number of processes, and a baseline and a reform with the same seed and
replication share their draws (common random numbers).

Before any population is built, the memory the runs will need is checked against the memory the
machine has available (:mod:`aidsim.runners.memory`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from aidsim.engine.model import AidModel
from aidsim.programmes import REGISTRY
from aidsim.programmes.registry import Registry
from aidsim.results import Results
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
    return TaskOutcome(task.key, task.replication, results.checked_summary(task.first, task.last),
                       results if task.keep_results else None, results.household_totals(), to_poor)


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
