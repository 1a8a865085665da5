"""Throughput and memory of aidsim's vectorised month, by population size.

Run from the project root::

    .venv/bin/python benchmarks/throughput.py [--sizes 10000 100000 1000000] [--months N]
                                              [--json [PATH]]

For each size the script builds the default scenario with ``population.households`` overridden
(warm-up 2 months), builds :class:`~aidsim.engine.model.AidModel`, steps the warm-up months
untimed and then times ``model.step()`` over the reported months (a whole year by default,
6 months from 10^7 households) with :func:`time.perf_counter`, on one core: BLAS/OpenMP thread pools
are limited to one thread before numpy is imported and, on Linux, the process is pinned to one
CPU (numpy's element-wise operations are single-threaded anyway). Before anything is measured, a
2,000-household model runs a year untimed so that every compiled kernel is loaded (a fixed,
once-per-process cost: see :func:`load_kernels`); its time is printed.

Memory is measured in a separate pass, in a fresh subprocess per size so that sizes do not
pollute each other: :mod:`tracemalloc` (numpy reports its array allocations to it) traces
building the model and stepping 2 reported months, and the peak traced memory divided by the
number of households is reported. It includes the persons (about 2.9 per household), the rolls,
the step's temporaries and the population builder's temporaries, not the compiled kernels
(loaded before tracing starts: a fixed 14–18 MB, not per household). The state's own arrays
(``model.state.nbytes()``) are shown alongside.

The rate is given by the wall clock and by the process's CPU time (``time.process_time``): on a
shared machine the wall clock also counts the time spent waiting for the core.

Targets: at least 5,000,000 household-months per second at 10^6 households on one core, and at
most 500 bytes of peak memory per household (see the README for where the month stands).

The last lines of the output are machine-readable, one per size::

    households=N household_months_per_s=X bytes_per_household=Y

10^7 households is accepted (``--sizes 10000000``) when the machine has the memory for it
(roughly 2 KB per household); it is never run by default.
"""

from __future__ import annotations

import os

# One thread for any BLAS/OpenMP pool, set before numpy is first imported (here or in a child).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from dataclasses import asdict, dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from aidsim.engine.model import AidModel  # noqa: E402
from aidsim.scenario.load import merge_overrides, validate_scenario  # noqa: E402
from aidsim.scenario.schema import Scenario  # noqa: E402

TARGET_HH_MONTHS_PER_S = 5_000_000   # at 10^6 households, one core
TARGET_BYTES_PER_HH = 500
WARMUP_MONTHS = 2
MEMORY_MONTHS = 2
#: The small model that loads the compiled kernels before anything is measured (load_kernels).
KERNEL_HOUSEHOLDS = 2_000
#: Generous estimate of the memory one run needs per household, to refuse sizes that cannot fit.
NEEDED_BYTES_PER_HH = 2048
DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "throughput.json"


@dataclass
class Timing:
    """The timed pass of one size."""

    households: int
    persons: int
    months: int
    build_s: float
    seconds: float
    state_bytes: int
    cpu_seconds: float = float("nan")  # process CPU time of the same steps

    @property
    def household_months_per_s(self) -> float:
        return self.households * self.months / self.seconds

    @property
    def household_months_per_cpu_s(self) -> float:
        """The rate by CPU time: on a shared machine the wall clock also counts the time this
        process waited for its core, the CPU time does not."""
        return self.households * self.months / self.cpu_seconds


@dataclass
class Memory:
    """The tracemalloc pass of one size (bytes)."""

    households: int
    build_peak: int
    step_peak: int
    max_rss: int

    @property
    def peak(self) -> int:
        return max(self.build_peak, self.step_peak)


def default_months(households: int) -> int:
    """Reported months to time: a whole year (its January carries the yearly premium subsidy and
    the Spring Festival payment), 6 months from 10^7 households."""
    return 12 if households < 10_000_000 else 6


def make_scenario(households: int, months: int, warmup: int) -> Scenario:
    """The default scenario with the population size and run length overridden."""
    data = merge_overrides(Scenario().resolved(), {
        "population.households": households,
        "simulation.months": months,
        "simulation.warmup_months": warmup,
    })
    return validate_scenario(data, source="benchmark")


def pin_to_one_cpu() -> None:
    """Pin this process (and its future children) to one CPU, where the OS allows it."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def load_kernels() -> float:
    """Run a small model through a whole year (untimed) so that every compiled kernel (numba,
    cached on disk after its first compilation) is loaded before anything is measured; returns
    the seconds it took. Loading them is a once-per-process cost, about 14–18 MB and a second or
    two whatever the population's size, which would otherwise land in whichever timed month, or
    traced peak, first calls each kernel."""
    start = time.perf_counter()
    model = AidModel(make_scenario(KERNEL_HOUSEHOLDS, 12, 2))
    while model.running:
        model.step()
    return time.perf_counter() - start


def time_size(households: int, months: int) -> Timing:
    """Build a model, step the warm-up untimed, then time each reported month's ``step()``."""
    scenario = make_scenario(households, months, WARMUP_MONTHS)
    start = time.perf_counter()
    model = AidModel(scenario)
    build_s = time.perf_counter() - start
    for _ in range(WARMUP_MONTHS):
        model.step()
    gc.collect()
    seconds = cpu = 0.0
    for _ in range(months):
        start, cpu_start = time.perf_counter(), time.process_time()
        model.step()
        seconds += time.perf_counter() - start
        cpu += time.process_time() - cpu_start
    assert not model.running and len(model.history) == months
    return Timing(households, model.state.population.n_persons, months, build_s, seconds,
                  model.state.nbytes(), cpu)


def memory_probe(households: int) -> Memory:
    """Peak traced memory of building a model and stepping 2 reported months (run in a child).

    Both stepped months are reported months (no warm-up), the path with the most temporaries.
    """
    scenario = make_scenario(households, MEMORY_MONTHS, 0)
    load_kernels()
    gc.collect()
    tracemalloc.start()
    model = AidModel(scenario)
    build_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.reset_peak()
    for _ in range(MEMORY_MONTHS):
        model.step()
    step_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    return Memory(households, build_peak, step_peak, max_rss)


def measure_memory(households: int) -> Memory:
    """Run :func:`memory_probe` in a fresh interpreter and read its JSON answer."""
    out = subprocess.run([sys.executable, __file__, "--memory-probe", str(households)],
                         check=True, capture_output=True, text=True)
    return Memory(**json.loads(out.stdout.strip().splitlines()[-1]))


def available_bytes() -> int | None:
    """Memory available to new processes (Linux ``MemAvailable``), or None when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def print_table(timings: list[Timing], memories: list[Memory]) -> None:
    """A readable table of all sizes."""
    header = (f"{'households':>12} {'persons':>12} {'months':>6} {'build s':>8} {'ms/month':>9} "
              f"{'hh-months/s':>13} {'per CPU s':>13} {'peak B/hh':>10} {'build B/hh':>10} {'step B/hh':>10} "
              f"{'state B/hh':>10} {'max RSS MB':>10}")
    print(header)
    print("-" * len(header))
    for t, m in zip(timings, memories, strict=True):
        n = t.households
        print(f"{n:>12,} {t.persons:>12,} {t.months:>6} {t.build_s:>8.2f} "
              f"{1000 * t.seconds / t.months:>9.2f} {t.household_months_per_s:>13,.0f} "
              f"{t.household_months_per_cpu_s:>13,.0f} "
              f"{m.peak // n:>10} {m.build_peak // n:>10} {m.step_peak // n:>10} "
              f"{t.state_bytes // n:>10} {m.max_rss / 2**20:>10.0f}")
    print()
    print(f"Targets: >= {TARGET_HH_MONTHS_PER_S:,} household-months/s at 10^6 households on one "
          f"core; <= {TARGET_BYTES_PER_HH} bytes per household (tracemalloc peak).")
    print("peak = max(build, step): tracemalloc peak while building the model, and while stepping "
          f"{MEMORY_MONTHS} reported months, per household.")


def cpu_model() -> str:
    """The CPU's model name (Linux), else whatever :mod:`platform` knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def write_json(path: Path, timings: list[Timing], memories: list[Memory]) -> None:
    """The same numbers as JSON (no machine paths), for tracking over time."""
    rows = []
    for t, m in zip(timings, memories, strict=True):
        rows.append(asdict(t) | {
            "household_months_per_s": int(t.household_months_per_s),
            "household_months_per_cpu_s": int(t.household_months_per_cpu_s),
            "bytes_per_household": m.peak // t.households,
            "build_peak_bytes": m.build_peak, "step_peak_bytes": m.step_peak,
            "max_rss_bytes": m.max_rss,
        })
    report = {
        "targets": {"household_months_per_s_at_1e6": TARGET_HH_MONTHS_PER_S,
                    "bytes_per_household": TARGET_BYTES_PER_HH},
        "warmup_months": WARMUP_MONTHS, "memory_months": MEMORY_MONTHS,
        "python": platform.python_version(), "numpy": np.__version__,
        "machine": platform.machine(), "cpu": cpu_model(),
        "results": rows,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000],
                        help="household counts (default: 10^4 10^5 10^6)")
    parser.add_argument("--months", type=int, default=None,
                        help="reported months to time (default: 12 up to 10^5, 6 from 10^6)")
    parser.add_argument("--json", type=Path, nargs="?", const=DEFAULT_JSON, default=None,
                        metavar="PATH", help="also write the numbers as JSON "
                        "(default PATH: benchmarks/results/throughput.json)")
    parser.add_argument("--memory-probe", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.memory_probe is not None:  # child process of measure_memory
        print(json.dumps(asdict(memory_probe(args.memory_probe))))
        return

    pin_to_one_cpu()
    available = available_bytes()
    sizes = []
    for n in args.sizes:
        if available is not None and n * NEEDED_BYTES_PER_HH > available:
            print(f"skipping {n:,} households: about {n * NEEDED_BYTES_PER_HH / 2**30:.1f} GiB "
                  f"needed, {available / 2**30:.1f} GiB available", file=sys.stderr)
        else:
            sizes.append(n)

    timings, memories = [], []
    kernels_s = load_kernels()
    print(f"compiled kernels loaded in {kernels_s:.1f} s (once per process, not timed below)",
          file=sys.stderr, flush=True)
    for n in sizes:
        months = args.months or default_months(n)
        print(f"timing {n:,} households, {months} months ...", file=sys.stderr, flush=True)
        timings.append(time_size(n, months))
        gc.collect()
        print(f"memory pass for {n:,} households ...", file=sys.stderr, flush=True)
        memories.append(measure_memory(n))

    print_table(timings, memories)
    if args.json is not None:
        write_json(args.json, timings, memories)
    for t, m in zip(timings, memories, strict=True):
        print(f"households={t.households} household_months_per_s={int(t.household_months_per_s)} "
              f"household_months_per_cpu_s={int(t.household_months_per_cpu_s)} "
              f"bytes_per_household={m.peak // t.households}")


if __name__ == "__main__":
    main()
