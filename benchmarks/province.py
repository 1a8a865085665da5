"""A province-sized run: time, peak memory per worker, and what the country would take.

Run from the project root::

    .venv/bin/python benchmarks/province.py [--counties 100] [--households 100000]
                                            [--workers 2] [--months 12] [--warmup 12]
                                            [--machines 1 10 50 100] [--cores 32] [--json [PATH]]

It runs ``counties`` counties of ``households`` households each (the default county scenario:
its townships and street offices, every programme and the whole administrative process), one
county at a time per worker process (:func:`aidsim.runners.province.run_province`), and reports:

- the wall time and the household-months simulated;
- the rate of one worker: household-months per second of simulating time in a worker (population
  built, warm-up and reported months stepped, results tabulated), by its wall clock and by its
  CPU time; the CPU-time rate, that of a worker with a core to itself as on a cluster, is the one
  extrapolated (on a shared machine the wall clock also counts the time spent waiting for a core);
- the peak resident memory of a worker process (``ru_maxrss``), and of this process, which merges
  the counties' sums;
- what ``--country`` households (default 1.5×10^8) for the same months would take on clusters of
  ``--machines`` machines of ``--cores`` cores each, one worker per core, at the measured rate
  (counties never split, so this holds when there are many more counties than workers, and it
  leaves out the cluster's start-up and the transfer of results, a few MB a county).

Never part of the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

from aidsim.runners.province import extrapolate, run_province
from aidsim.scenario.load import merge_overrides, validate_scenario
from aidsim.scenario.schema import Scenario

DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "province.json"


def _duration(hours: float) -> str:
    seconds = hours * 3600
    if seconds < 10:  # a cluster's second or less: not "0 s"
        return f"{seconds:.1f} s"
    if seconds < 120:
        return f"{seconds:,.0f} s"
    return f"{seconds / 60:,.1f} min" if seconds < 7200 else f"{hours:,.1f} h"


def print_extrapolation(rate: float, country: float, months: int, machines: list[int],
                        cores: int) -> list[dict[str, float]]:
    rows = extrapolate(rate, country, months, machines, cores)
    print(f"{country:,.0f} households x {months} months at {rate:,.0f} household-months/s per worker "
          f"(one per core; start-up and result transfer not included):")
    for row in rows:
        print(f"  {row['machines']:>4} machines x {cores} cores ({row['workers']:>5} workers): "
              f"{_duration(row['hours'])}")
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counties", type=int, default=100)
    parser.add_argument("--households", type=int, default=100_000, help="households per county")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--months", type=int, default=12, help="reported months")
    parser.add_argument("--warmup", type=int, default=12, help="warm-up months")
    parser.add_argument("--country", type=float, default=1.5e8, help="households to extrapolate to")
    parser.add_argument("--machines", type=int, nargs="+", default=[1, 10, 50, 100])
    parser.add_argument("--cores", type=int, default=32, help="cores per machine of the cluster")
    parser.add_argument("--json", type=Path, nargs="?", const=DEFAULT_JSON, default=None, metavar="PATH")
    parser.add_argument("--from-json", type=Path, default=None, metavar="PATH",
                        help="do not run: extrapolate from the rate saved in PATH by an earlier --json")
    args = parser.parse_args(argv)
    months = args.months + args.warmup
    if args.from_json is not None:
        saved = json.loads(args.from_json.read_text(encoding="utf-8"))
        print(f"measured: {saved['households']:,} households, {saved['months']} months, "
              f"{saved['rate_per_core']:,.0f} household-months per second per worker (CPU time), "
              f"peak memory of a worker {saved['worker_peak_rss_bytes'] / 1e6:,.0f} MB")
        print_extrapolation(saved["rate_per_core"], args.country, months, args.machines, args.cores)
        return

    county = validate_scenario(merge_overrides(Scenario().resolved(), {
        "population.households": args.households, "simulation.months": args.months,
        "simulation.warmup_months": args.warmup}), source="benchmark")
    print(f"{args.counties} counties x {args.households:,} households = "
          f"{args.counties * args.households:,} households, {args.warmup} + {args.months} months, "
          f"{args.workers} workers ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    province = run_province(county, args.counties, workers=args.workers)
    wall = time.perf_counter() - started
    parent_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    rate = province.rate_per_core
    summary = province.summary()["all"]
    print(f"households               {province.households:,}")
    print(f"household-months         {province.household_months:,} ({months} months each)")
    print(f"wall time                {wall:,.1f} s on {province.workers} worker processes")
    print(f"rate per worker          {province.rate_per_worker:,.0f} household-months per second of "
          f"its wall clock, {rate:,.0f} per second of its CPU time (the rate of a worker with a core "
          f"to itself: used below)")
    print(f"CPU time of the workers  {province.worker_cpu_seconds:,.1f} s of {province.worker_seconds:,.1f} s")
    base = province.worker_base_rss
    print(f"peak memory of a worker  {province.worker_peak_rss / 1e6:,.0f} MB, of which "
          f"{base / 1e6:,.0f} MB before its first county (interpreter and libraries): "
          f"{(province.worker_peak_rss - base) / args.households:,.0f} bytes per household of a county")
    print(f"peak memory, this process (merging) {parent_rss / 1e6:,.0f} MB")
    print(f"dibao coverage {summary['dibao_coverage']:.2%}, dibao cost {summary['dibao_cost']:,.0f} yuan")
    print()
    rows = print_extrapolation(rate, args.country, months, args.machines, args.cores)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({
            "counties": args.counties, "households_per_county": args.households,
            "households": province.households, "months": months, "workers": province.workers,
            "wall_seconds": wall, "worker_seconds": province.worker_seconds,
            "household_months": province.household_months, "rate_per_worker_wall": province.rate_per_worker,
            "rate_per_core": rate, "worker_cpu_seconds": province.worker_cpu_seconds,
            "worker_peak_rss_bytes": province.worker_peak_rss, "parent_peak_rss_bytes": parent_rss,
            "worker_start_rss_bytes": province.worker_base_rss,
            "extrapolation": rows, "country_households": args.country, "cores_per_machine": args.cores,
            "python": platform.python_version(), "machine": platform.machine(),
        }, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
