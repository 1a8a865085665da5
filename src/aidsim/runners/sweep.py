"""Parameter sweeps: a grid, or a Latin-hypercube or Sobol sample when there are many parameters.

A sweep runs a base scenario at every point (a value for each swept parameter, addressed by its
dotted path in the scenario catalogue, e.g. ``dibao.standard.rural``) and every replication, on
common random numbers: replication *r* of every point uses the same streams, so the difference
between two points is the parameters'. A swept value replaces the whole parameter (for a dated
parameter, in every month).

**Resumable.** The folder of a sweep holds ``sweep.json`` (what was asked), one file per finished
(point, replication) in ``points/``, and, once all are done, the tables and ``manifest.json``.
Each point file is written through a temporary file and a rename as soon as its run finishes, and
is named by a hash of what decides its numbers (the point's resolved scenario, the seed, the
replication, the summarised months), so running the same command again, after an interruption
(even ``kill -9``) or not, runs only the points that have no file yet, and a changed base scenario
never reuses a stale point. The numbers are the same on one process, a process pool and dask.

The table (``sweep.csv`` / ``sweep.parquet``) is tidy: one row per point × area type (all, urban,
rural) × measure, with the mean over replications and a 90% interval (5th–95th percentile across
replications; empty with one replication). Measures: every headline figure of a run (cost by
programme, recipients, coverage, poverty before and after, targeting errors) plus the poverty
gap closed by transfers (``gap_closed_pl``, yuan, and ``gap_closed_pl_share``, its share of the
gap before transfers).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from aidsim.errors import AidsimError, ArgumentError, OutputFolderError, ScenarioError
from aidsim.results import HEADLINE, check_output_folder, write_parquet_atomic, write_text_atomic
from aidsim.runners.compare import check_period
from aidsim.runners.execute import Progress, Task, TaskOutcome, completed, run_task
from aidsim.runners.executors import executor
from aidsim.runners.memory import check_memory
from aidsim.scenario.catalog import catalogue
from aidsim.scenario.load import merge_overrides, validate_scenario
from aidsim.scenario.schema import Scenario

#: A grid or sample larger than this is refused (ask for a sample, or a coarser grid).
MAX_POINTS = 100_000
SPEC_FILE = "sweep.json"
AREA_TYPES = ("all", "urban", "rural")
POINTS = "points"

#: Figures derived from the headline ones: (name, label, unit).
DERIVED: tuple[tuple[str, str, str], ...] = (
    ("gap_closed_pl", "Poverty gap closed by transfers", "yuan"),
    ("gap_closed_pl_share", "Share of the poverty gap closed by transfers", "share"),
)


def derived(values: dict[str, float]) -> dict[str, float]:
    """Add the derived figures to one area type's headline figures."""
    pre, post = values["gap_yuan_pre_pl"], values["gap_yuan_post_pl"]
    return values | {"gap_closed_pl": pre - post,
                     "gap_closed_pl_share": (pre - post) / pre if pre > 0 else float("nan")}


def measure_units() -> dict[str, tuple[str, str]]:
    """Every measure a sweep or a solve reports → (label, unit)."""
    return {m: (label, unit) for m, label, unit in (*HEADLINE, *DERIVED)}


# -- parameters ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Param:
    """One swept parameter: its dotted path, and its grid values or its range."""

    path: str
    low: float
    high: float
    values: tuple[float, ...] | None  # None: a range, to be sampled
    integer: bool = False

    def cast(self, value: float) -> float | int:
        return int(round(value)) if self.integer else float(value)


def numeric_parameters(base: Scenario) -> dict[str, tuple[Any, bool]]:
    """The parameters a sweep or a solve may move: path → (value in ``base``, is an integer)."""
    out = {}
    for row in catalogue(base):
        value = row["value"]
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            out[row["path"]] = (value, isinstance(value, int))
        elif isinstance(value, dict) and value and all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in value.values()):
            out[row["path"]] = (value, False)  # dated: month → value
    return out


def check_path(path: str, base: Scenario, flag: str = "--param") -> bool:
    """Refuse a path that is not a numeric scenario parameter; return whether it is an integer."""
    known = numeric_parameters(base)
    if path not in known:
        close = difflib.get_close_matches(path, list(known), n=3, cutoff=0.6)
        hint = f" (did you mean {', '.join(close)}?)" if close else " (`aidsim params` lists them)"
        raise ArgumentError(f"{flag} {path}: not a numeric scenario parameter{hint}")
    return known[path][1]


def number_argument(text: str, what: str) -> float:
    """A finite number written on the command line (``what`` names the argument in the error)."""
    try:
        value = float(text)
    except ValueError:
        raise ArgumentError(f"{what}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise ArgumentError(f"{what}: {text!r} is not a finite number")
    return value


def parse_param(text: str, base: Scenario) -> Param:
    """Read ``PATH=LOW:HIGH:STEP`` (a grid, both ends included), ``PATH=V1,V2,…`` (values) or
    ``PATH=LOW:HIGH`` (a range, for ``sample``); refuse anything else with
    :class:`~aidsim.errors.ArgumentError` naming ``--param``."""
    form = "expected PATH=LOW:HIGH:STEP, PATH=LOW:HIGH (with --sample) or PATH=V1,V2,..."
    if "=" not in text:
        raise ArgumentError(f"--param {text!r}: {form}")
    path, spec = (part.strip() for part in text.split("=", 1))
    integer = check_path(path, base)
    what = f"--param {path}"
    if ":" in spec:
        parts = spec.split(":")
        if len(parts) not in (2, 3):
            raise ArgumentError(f"{what}={spec}: {form}")
        low, high = (number_argument(p, what) for p in parts[:2])
        if high < low:
            raise ArgumentError(f"{what}={spec}: the high end {high:g} is below the low end {low:g}")
        if len(parts) == 2:
            return Param(path, low, high, None, integer)
        step = number_argument(parts[2], what)
        if step <= 0:
            raise ArgumentError(f"{what}={spec}: the step must be above 0; got {step:g}")
        count = math.floor((high - low) / step + 1e-9) + 1
        if count > MAX_POINTS:
            raise ArgumentError(f"{what}={spec}: {count:,} values; at most {MAX_POINTS:,}")
        values = tuple(round(low + i * step, 10) for i in range(count))
    else:
        values = tuple(number_argument(v, what) for v in spec.split(","))
        if len(set(values)) != len(values):
            raise ArgumentError(f"{what}={spec}: a value is given twice")
    if integer and any(v != int(v) for v in values):
        raise ArgumentError(f"{what}={spec}: this parameter takes whole numbers")
    return Param(path, min(values), max(values), values, integer)


def points_of(params: Sequence[Param], *, sample: int | None = None, method: str = "lhs",
              seed: int = 0) -> list[dict[str, float | int]]:
    """The points of a sweep: the full grid of the parameters' values, or ``sample`` points of a
    Latin hypercube (``method="lhs"``) or a scrambled Sobol sequence (``"sobol"``) over their
    ranges, drawn from ``seed``."""
    if not params:
        raise ArgumentError("--param: give at least one parameter to sweep")
    paths = [p.path for p in params]
    if len(set(paths)) != len(paths):
        raise ArgumentError(f"--param: a parameter is given twice ({', '.join(paths)})")
    if sample is None:
        ranges = [p.path for p in params if p.values is None]
        if ranges:
            raise ArgumentError(f"--param {ranges[0]}: a range LOW:HIGH needs a step (LOW:HIGH:STEP) "
                                f"or --sample N")
        count = math.prod(len(p.values or ()) for p in params)
        if count > MAX_POINTS:
            raise ArgumentError(f"--param: the grid has {count:,} points; at most {MAX_POINTS:,} "
                                f"(use --sample N)")
        grids = np.meshgrid(*[np.array(p.values) for p in params], indexing="ij")
        return [{p.path: p.cast(g.flat[i]) for p, g in zip(params, grids, strict=True)}
                for i in range(count)]
    if sample < 1 or sample > MAX_POINTS:
        raise ArgumentError(f"--sample must be 1 … {MAX_POINTS:,}; got {sample}")
    from scipy.stats import qmc

    if method == "lhs":
        engine: Any = qmc.LatinHypercube(d=len(params), rng=seed)
    elif method == "sobol":
        engine = qmc.Sobol(d=len(params), scramble=True, rng=seed)
    else:
        raise ArgumentError(f"--method must be lhs or sobol; got {method!r}")
    unit = engine.random(sample)
    low = np.array([p.low for p in params])
    high = np.array([p.high for p in params])
    scaled = low + unit * (high - low)
    return [{p.path: p.cast(round(float(row[j]), 10)) for j, p in enumerate(params)} for row in scaled]


def point_scenario(base: Scenario, values: dict[str, float | int], label: str) -> dict[str, Any]:
    """The resolved scenario of one point (validated: a value out of its range is refused)."""
    data = merge_overrides(base.resolved(), values)
    try:
        return validate_scenario(data, source=label).resolved()
    except ScenarioError as exc:
        raise ScenarioError([(label, None, path, message) for _, _, path, message in exc.problems]) from None


def _sha(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def task_key(task: Task) -> str:
    """What decides a task's numbers, hashed: its resolved scenario, seed, replication and
    summarised months (the name of the file that holds its result)."""
    return _sha({"scenario": task.scenario, "seed": task.seed, "replication": task.replication,
                 "first": task.first, "last": task.last})[:24]


# -- the sweep -------------------------------------------------------------------------------------

@dataclass
class Sweep:
    """A finished sweep."""

    table: pd.DataFrame    # point, <parameters>, area_type, measure, label, unit, mean, low, high
    runs: pd.DataFrame     # point, <parameters>, replication, area_type, measure, value
    points: list[dict[str, float | int]]
    replications: int
    reused: int            # (point, replication) results found from an earlier run of the sweep
    ran: int               # … and run now
    folder: Path | None = None
    parameters: list[str] = field(default_factory=list)

    def wide(self, area_type: str = "all", measures: Sequence[str] | None = None) -> pd.DataFrame:
        """One row per point, one column per measure (means)."""
        t = self.table[self.table["area_type"] == area_type]
        if measures is not None:
            t = t[t["measure"].isin(measures)]
        out = t.pivot_table(index=["point", *self.parameters], columns="measure", values="mean",
                            sort=False)
        return out.reset_index()


def _read_point(path: Path, key: str) -> dict[str, Any] | None:
    """A finished point's file, or None when it is missing or not what this task needs."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("key") == key and "summary" in data else None


def _prepare_folder(out: Path) -> Path:
    """An existing sweep folder is resumed; anything else must pass the output-folder checks."""
    if (out / SPEC_FILE).is_file() and (out / POINTS).is_dir():
        return out
    try:
        check_output_folder(out)
    except OutputFolderError as exc:
        raise OutputFolderError(f"--out {exc}") from None
    if out.exists() and any(out.iterdir()):
        raise OutputFolderError(f"--out {out} holds another command's output (no {SPEC_FILE}); "
                                f"choose an empty or new folder")
    return out


def sweep(base: Scenario, params: Sequence[Param | str], *, out: str | Path | None = None,
          replications: int = 1, seed: int | None = None, sample: int | None = None,
          method: str = "lhs", workers: int = 1, dask: bool = False, scheduler: str | None = None,
          first: str | None = None, last: str | None = None,
          progress: Progress | None = None,
          on_point: Callable[[int, int], None] | None = None) -> Sweep:
    """Run ``base`` at every point of a grid or sample, ``replications`` times each.

    Parameters
    ----------
    params
        :class:`Param` objects or their text (``"dibao.standard.rural=400:600:20"``, see
        :func:`parse_param`).
    out
        The sweep's folder (resumable; see the module's docstring). Without it nothing is written
        and nothing can be resumed.
    sample, method
        Instead of the full grid, ``sample`` points of a Latin hypercube (``"lhs"``) or a Sobol
        sequence (``"sobol"``) over each parameter's LOW:HIGH.
    workers, dask, scheduler
        Where the runs execute (:func:`aidsim.runners.executors.executor`).
    first, last
        The months summarised (YYYY-MM), by default the whole reported period.

    Raises
    ------
    ArgumentError, ScenarioError, OutputFolderError, InsufficientMemoryError
        Before any run starts: a malformed ``--param``, an unknown parameter, a value outside the
        parameter's range, a refused folder, runs that will not fit in memory.
    """
    if replications < 1:
        raise ArgumentError(f"--replications must be at least 1; got {replications}")
    parsed = [p if isinstance(p, Param) else parse_param(p, base) for p in params]
    seed = base.simulation.seed if seed is None else seed
    check_period([base], first, last)
    points = points_of(parsed, sample=sample, method=method, seed=seed)
    names = [p.path for p in parsed]
    scenarios = [point_scenario(base, values, f"--param point {i} ({_show(values)})")
                 for i, values in enumerate(points)]
    check_memory([validate_scenario(scenarios[0])], workers=min(workers, len(points) * replications))
    tasks = [Task(key=str(i), scenario=s, seed=seed, replication=r, first=first, last=last)
             for i, s in enumerate(scenarios) for r in range(replications)]
    folder = _prepare_folder(Path(out)) if out is not None else None
    summaries: dict[int, dict[str, dict[str, float]]] = {}
    keys = [task_key(t) for t in tasks]
    for i, key in enumerate(keys):  # the points an earlier run of this sweep finished
        found = _read_point(folder / POINTS / f"{key}.json", key) if folder is not None else None
        if found is not None:
            summaries[i] = found["summary"]
    todo = [i for i in range(len(tasks)) if i not in summaries]
    reused = len(tasks) - len(todo)
    spec = {"command": "sweep", "base": base.name, "base_sha256": _sha(base.resolved()),
            "parameters": names, "sample": sample, "method": method if sample else "grid",
            "seed": seed, "replications": replications, "first": first, "last": last, "points": points}
    what = f"sweep with {'dask' if dask or scheduler else f'{workers} workers'}"
    # The executor first (a cluster that cannot be reached, a script that cannot spawn workers is
    # refused before anything is written), then the folder, then the runs.
    with executor(workers if len(todo) > 1 or dask or scheduler else 1, dask=dask and bool(todo),
                  scheduler=scheduler if todo else None, what=what) as pool:
        if folder is not None:
            _start_folder(folder, spec)
        if progress:
            progress(reused, len(tasks))
        batch = [tasks[i] for i in todo]
        for done, (j, outcome) in enumerate(completed(pool, run_task, batch), start=1):
            i = todo[j]
            summaries[i] = outcome.summary
            if folder is not None:
                _write_point(folder, keys[i], tasks[i], points[int(tasks[i].key)], outcome)
            if progress:
                progress(reused + done, len(tasks))
            if on_point:
                on_point(reused + done, len(tasks))
    result = _tables(tasks, summaries, points, names, replications)
    swept = Sweep(table=result[0], runs=result[1], points=points, replications=replications,
                  reused=reused, ran=len(todo), folder=folder, parameters=names)
    if folder is not None:
        _write_tables(swept, folder)
    return swept


def _start_folder(folder: Path, spec: dict[str, Any]) -> None:
    try:
        (folder / POINTS).mkdir(parents=True, exist_ok=True)
        (folder / "manifest.json").unlink(missing_ok=True)  # complete again only when the tables are
        write_text_atomic(json.dumps(spec, indent=2, sort_keys=True) + "\n", folder / SPEC_FILE)
    except OSError as exc:
        raise AidsimError(f"cannot write the sweep to {folder}: {exc.strerror or exc}") from None


def _show(values: dict[str, float | int]) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in values.items())


def _write_point(folder: Path, key: str, task: Task, values: dict[str, float | int],
                 outcome: TaskOutcome) -> None:
    data = {"key": key, "point": int(task.key), "parameters": values, "replication": task.replication,
            "seed": task.seed, "first": task.first, "last": task.last, "summary": outcome.summary}
    try:
        write_text_atomic(json.dumps(data, sort_keys=True, allow_nan=True) + "\n",
                          folder / POINTS / f"{key}.json")
    except OSError as exc:
        raise AidsimError(f"cannot write a point of the sweep to {folder}: {exc.strerror or exc}") from None


def _tables(tasks: list[Task], summaries: dict[int, dict[str, dict[str, float]]],
            points: list[dict[str, float | int]], names: list[str],
            replications: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    units = measure_units()
    rows = []
    for i, task in enumerate(tasks):
        point = int(task.key)
        summary = summaries[i]
        for area_type in [a for a in AREA_TYPES if a in summary]:  # a fixed order, whatever the source
            values = derived({k: v for k, v in summary[area_type].items() if k != "months"})
            for measure in units:
                value = values[measure]
                rows.append((point, *(points[point][n] for n in names), task.replication, area_type,
                             measure, float(value) if value is not None else float("nan")))
    runs = pd.DataFrame(rows, columns=["point", *names, "replication", "area_type", "measure", "value"])
    runs = runs.sort_values(["point", "replication"], kind="stable").reset_index(drop=True)
    grouped = runs.groupby(["point", *names, "area_type", "measure"], sort=False)["value"]
    table = grouped.mean().rename("mean").to_frame()
    if replications > 1:
        table["low"] = grouped.quantile(0.05)
        table["high"] = grouped.quantile(0.95)
    else:
        table["low"] = table["high"] = np.nan
    table = table.reset_index()
    table.insert(len(names) + 3, "label", [units[m][0] for m in table["measure"]])
    table.insert(len(names) + 4, "unit", [units[m][1] for m in table["measure"]])
    table["replications"] = replications
    return table, runs


def _write_tables(swept: Sweep, folder: Path) -> None:
    try:
        files = {"sweep.parquet": write_parquet_atomic(swept.table, folder / "sweep.parquet"),
                 "replications.parquet": write_parquet_atomic(swept.runs, folder / "replications.parquet")}
        text = swept.table.to_csv(index=False)
        write_text_atomic(text, folder / "sweep.csv")
        files["sweep.csv"] = hashlib.sha256(text.encode()).hexdigest()
        manifest = {"command": "sweep", "parameters": swept.parameters, "points": len(swept.points),
                    "replications": swept.replications, "files": files}
        write_text_atomic(json.dumps(manifest, indent=2, sort_keys=True) + "\n", folder / "manifest.json")
    except OSError as exc:
        raise AidsimError(f"cannot write the sweep's tables to {folder}: {exc.strerror or exc}") from None
