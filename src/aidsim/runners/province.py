"""A province: many counties, partitioned across workers, merged into one set of tables.

A province is ``counties`` counties, each drawn from the county scenario (its profile, its
townships and street offices, its households) with streams of its own: county *c* of seed *s*
and replication *r* uses ``SeedSequence(s, spawn_key=(r, crc32(stream), c))``
(:class:`~aidsim.rng.Streams`). A county is simulated whole by one worker, with its own offices,
and returns only its sums by month and area type; a worker simulates the counties of its task
one after another and keeps one county in memory at a time, so the memory of a worker is that of
one county, whatever the size of the province. The sums are additive, so the province's tables
are their sums, and the ratios (coverage, average subsidy, FGT) are computed from the merged
sums, as for one county.

The unit of partition is the county, never a part of one, so the results are identical whatever
the partitioning (``counties_per_task``) and whatever runs the tasks (this process, a process
pool, dask).
"""

from __future__ import annotations

import gc
import math
import os
import resource
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from aidsim.errors import ArgumentError
from aidsim.metrics.indicators import catalogue, summarise
from aidsim.results import HEADLINE, Results
from aidsim.runners.execute import Progress, completed
from aidsim.runners.executors import executor
from aidsim.runners.memory import check_memory
from aidsim.scenario.load import validate_scenario
from aidsim.scenario.schema import Scenario


@dataclass(frozen=True)
class CountyTask:
    """Counties that one worker simulates one after another (top level: it pickles)."""

    scenario: dict[str, Any]
    seed: int
    replication: int
    counties: tuple[int, ...]


@dataclass
class CountyOutcome:
    counties: tuple[int, ...]
    sums: pd.DataFrame        # county, month, year, area_type, <measures>: summed over each type's areas
    seconds: float            # time spent simulating (population built and months stepped)
    cpu_seconds: float        # … of which the worker's CPU time (the rest: waiting for a core)
    household_months: int     # households × months stepped (warm-up included)
    peak_rss: int             # the worker's peak resident memory so far, bytes
    pid: int
    start_rss: int = 0        # its resident memory when the task began (interpreter, libraries)


def _peak_rss() -> int:
    """This process's peak resident memory, in bytes (Linux reports kilobytes, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def _current_rss() -> int:
    """This process's resident memory now, in bytes (Linux; 0 elsewhere)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def run_counties(task: CountyTask) -> CountyOutcome:
    """Simulate each county of ``task`` with its own streams; return their sums by month and area type."""
    from aidsim.engine.model import AidModel

    start_rss = _current_rss()
    scenario = validate_scenario(task.scenario, source="province")
    sim = scenario.simulation
    frames = []
    seconds = 0.0
    household_months = 0
    cpu = 0.0
    for county in task.counties:
        started, cpu_started = time.perf_counter(), time.process_time()
        model = AidModel(scenario, seed=task.seed, replication=task.replication, shard=county)
        model.run_to_end()
        results = Results.from_model(model)
        seconds += time.perf_counter() - started
        cpu += time.process_time() - cpu_started
        household_months += scenario.population.households * (sim.months + sim.warmup_months)
        sums = results.sums.drop(columns=["area"]).groupby(["month", "year", "area_type"], sort=True,
                                                           observed=True).sum().reset_index()
        sums.insert(0, "county", county)
        frames.append(sums)
        del model, results  # one county in memory at a time: the model (Mesa agents and the
        gc.collect()        # model refer to each other) is freed now, not at the collector's leisure
    return CountyOutcome(task.counties, pd.concat(frames, ignore_index=True), seconds, cpu, household_months,
                         _peak_rss(), os.getpid(), start_rss)


@dataclass
class Province:
    """The merged results of a province run."""

    sums: pd.DataFrame        # county, month, year, area_type, <measures>
    counties: int
    households_per_county: int
    seconds: float            # wall time of the whole run
    worker_seconds: float     # time the workers spent simulating, summed
    worker_cpu_seconds: float  # … their CPU time
    household_months: int
    worker_peak_rss: int      # the largest peak resident memory of a worker process
    workers: int
    worker_base_rss: int = 0  # the smallest resident memory of a worker at the start of a task

    @property
    def households(self) -> int:
        return self.counties * self.households_per_county

    @property
    def rate_per_worker(self) -> float:
        """Household-months simulated per second of a worker's time (its wall clock)."""
        return self.household_months / self.worker_seconds if self.worker_seconds else math.nan

    @property
    def rate_per_core(self) -> float:
        """Household-months simulated per second of a worker's CPU time: the rate of a worker
        that has a core to itself."""
        return self.household_months / self.worker_cpu_seconds if self.worker_cpu_seconds else math.nan

    def summary(self) -> dict[str, dict[str, float]]:
        """Headline figures over the reported months, for all, urban and rural households."""
        cat = catalogue()
        out = {}
        total = summarise(self.sums, [], cat).iloc[0]
        by_type = summarise(self.sums, ["area_type"], cat).set_index("area_type")
        for label, row in [("all", total), *by_type.iterrows()]:
            out[str(label)] = {name: float(row[name]) for name, _, _ in HEADLINE}
        return out

    def by_county(self) -> pd.DataFrame:
        return summarise(self.sums, ["county"], catalogue())


def partition(counties: int, per_task: int) -> list[tuple[int, ...]]:
    """Counties 0 … counties−1 in consecutive groups of ``per_task``."""
    return [tuple(range(i, min(i + per_task, counties))) for i in range(0, counties, per_task)]


def run_province(county: Scenario, counties: int, *, seed: int | None = None, replication: int = 0,
                 counties_per_task: int | None = None, workers: int = 1, dask: bool = False,
                 scheduler: str | None = None, progress: Progress | None = None) -> Province:
    """Run ``counties`` counties drawn from the ``county`` scenario, partitioned across workers.

    Parameters
    ----------
    counties
        How many counties; each has ``county.population.households`` households.
    counties_per_task
        Counties simulated one after another by one task (default: the counties shared evenly,
        about four tasks per worker). The results do not depend on it.

    Raises
    ------
    ArgumentError, InsufficientMemoryError
        Before any run: fewer than one county or worker; ``workers`` counties at once would not fit.
    """
    if counties < 1:
        raise ArgumentError(f"--counties must be at least 1; got {counties}")
    if counties_per_task is not None and counties_per_task < 1:
        raise ArgumentError(f"--counties-per-task must be at least 1; got {counties_per_task}")
    workers_used = min(workers, counties)
    check_memory([county], workers=workers_used)  # one county per worker in memory at a time
    seed = county.simulation.seed if seed is None else seed
    per_task = counties_per_task or max(1, math.ceil(counties / (4 * max(workers, 1))))
    tasks = [CountyTask(county.resolved(), seed, replication, group) for group in partition(counties, per_task)]
    started = time.perf_counter()
    outcomes: list[CountyOutcome | None] = [None] * len(tasks)
    done_counties = 0
    what = f"province with {'dask' if dask or scheduler else f'{workers} workers'}"
    with executor(workers_used if len(tasks) > 1 or dask or scheduler else 1, dask=dask,
                  scheduler=scheduler, what=what) as pool:
        for i, outcome in completed(pool, run_counties, tasks):
            outcomes[i] = outcome
            done_counties += len(outcome.counties)
            if progress:
                progress(done_counties, counties)
    seconds = time.perf_counter() - started
    done = [o for o in outcomes if o is not None]
    sums = pd.concat([o.sums for o in done], ignore_index=True).sort_values(
        ["county", "month", "area_type"], kind="stable").reset_index(drop=True)
    return Province(sums=sums, counties=counties, households_per_county=county.population.households,
                    seconds=seconds, worker_seconds=sum(o.seconds for o in done),
                    worker_cpu_seconds=sum(o.cpu_seconds for o in done),
                    household_months=sum(o.household_months for o in done),
                    worker_peak_rss=max(o.peak_rss for o in done),
                    workers=len({o.pid for o in done}),
                    worker_base_rss=min(o.start_rss for o in done))


def extrapolate(rate_per_worker: float, households: float, months: int,
                machines: Sequence[int], cores_per_machine: int) -> list[dict[str, float]]:
    """Hours to simulate ``households`` for ``months`` on each number of ``machines`` of
    ``cores_per_machine`` cores, one worker per core, at ``rate_per_worker`` household-months a
    second (a county is never split, so this assumes many more counties than workers)."""
    work = households * months
    return [{"machines": n, "workers": n * cores_per_machine,
             "hours": work / (rate_per_worker * n * cores_per_machine) / 3600.0} for n in machines]


def summary_rows(province: Province) -> list[tuple[str, str, float, float, float]]:
    s = province.summary()
    return [(label, unit, *(s.get(a, {}).get(m, np.nan) for a in ("all", "urban", "rural")))
            for m, label, unit in HEADLINE]
