"""The ``aidsim`` command line: validate, params, run, compare, targeting, validation, explain,
report, columns, dashboard, sweep, solve, province, calibrate, budget, backtest.

Every error a user can cause (a wrong scenario, a bad option value, an unwritable folder) is
printed as one paragraph on standard error with exit status 2 and no traceback. Arguments, the
output folder, scenario name clashes and the memory needed are all checked before any run starts.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from aidsim import __version__
from aidsim.calendar import format_month
from aidsim.errors import AidsimError, ArgumentError, OutputFolderError
from aidsim.runners.memory import check_memory
from aidsim.scenario.catalog import catalogue
from aidsim.scenario.load import load_scenario
from aidsim.scenario.schema import Scenario
from aidsim.scenario.window import check_reform


def _simulation_side() -> None:
    """Import the simulation side (Mesa, pandas, the engine) only for the commands that need it,
    so that `aidsim validate`, `aidsim params` and refusals of a bad file answer at once."""
    global pd, HEADLINE, Results, check_output_folder, output_folder, slug, write_parquet_atomic
    global write_text_atomic, Comparison, check_names, check_period, compare, run, explain, validation
    global json_safe
    import pandas as pd

    from aidsim.metrics import validation
    from aidsim.results import (
        HEADLINE,
        Results,
        check_output_folder,
        json_safe,
        output_folder,
        slug,
        write_parquet_atomic,
        write_text_atomic,
    )
    from aidsim.runners.compare import Comparison, check_names, check_period, compare
    from aidsim.runners.execute import run
    from aidsim.runners.explain import explain
    global tables
    from aidsim.reports import tables


app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True,
                  help="aidsim: simulate households under China's social-assistance rules.")


def _width() -> int:
    """Tables fit 100 columns, or the terminal when it is narrower; ``COLUMNS`` sets the width."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    probe = Console()
    return min(probe.width, 100) if probe.is_terminal else 100


out_console = Console(width=_width())
err_console = Console(stderr=True)


def message(console: Console, text: Text) -> None:
    """Print one message (not a table) as plain text, wrapped at spaces only: a path or a name in it
    stays whole, on a line of its own when it is longer than the console is wide (rich would cut
    it)."""
    lines = []
    for paragraph in text.split("\n", allow_blank=True):
        plain, cuts, at = paragraph.plain, [], 0
        for line in textwrap.wrap(plain, console.width, expand_tabs=False, replace_whitespace=False,
                                  break_long_words=False, break_on_hyphens=False):
            at = plain.index(line, at)
            cuts.append(at)
            at += len(line)
        for part in paragraph.divide(cuts[1:]) if cuts else [Text()]:
            part.rstrip()
            lines.append(part)
    console.print(Text("\n").join(lines), highlight=False, soft_wrap=True)


ScenarioArg = Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)]
MonthsOpt = Annotated[int | None, typer.Option("--months", min=1, help="Override simulation.months.")]
SeedOpt = Annotated[int | None, typer.Option("--seed", min=0, help="Override the random seed.")]
HouseholdsOpt = Annotated[int | None, typer.Option(
    "--households", min=1, help="Override population.households (smaller is faster).")]
WorkersOpt = Annotated[int, typer.Option(
    "--workers", min=1, help="Worker processes (with --dask: the local cluster's workers).")]
DaskOpt = Annotated[bool, typer.Option(
    "--dask", help="Run on dask.distributed: a LocalCluster, or the cluster of --scheduler.")]
SchedulerOpt = Annotated[str | None, typer.Option(
    "--scheduler", help="Address of an existing dask scheduler, e.g. tcp://10.0.0.5:8786 (implies --dask).")]


class LazyProgress:
    """Progress of long work on standard error: on a terminal, a rich bar that appears once the
    work has lasted more than a second; otherwise (a log, a pipe, CI) a plain line at most every
    ``every`` seconds and at the end: ``aidsim: runs 3/20 (15%), 12 s elapsed, about 68 s left``."""

    def __init__(self, description: str, quiet: bool = False, every: float = 5.0):
        self.description, self.quiet, self.every = description, quiet, every
        self.started = time.monotonic()
        self.progress: Progress | None = None
        self.task: Any = None
        self.last_line = self.started

    def _line(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last_line < self.every:
            return
        self.last_line = now
        elapsed = now - self.started
        left = f", about {elapsed / done * (total - done):.0f} s left" if 0 < done < total else ""
        err_console.print(Text(f"aidsim: {self.description} {done}/{total} ({done / total:.0%}), "
                               f"{elapsed:.0f} s elapsed{left}"), highlight=False, soft_wrap=True)

    def __call__(self, done: int, total: int) -> None:
        if self.quiet:
            return
        if not err_console.is_terminal:
            self._line(done, total)
            return
        if self.progress is None:
            if time.monotonic() - self.started < 1.0:
                return
            self.progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                     MofNCompleteColumn(), TimeElapsedColumn(),
                                     console=err_console, transient=True)
            self.progress.start()
            self.task = self.progress.add_task(self.description, total=total)
        self.progress.update(self.task, completed=done, total=total)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def _overrides(months: int | None, seed: int | None, households: int | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if months is not None:
        out["simulation.months"] = months
    if seed is not None:
        out["simulation.seed"] = seed
    if households is not None:
        out["population.households"] = households
    return out


def _report(exc: AidsimError) -> None:
    # The message may quote user text (keys, values), so it is printed as plain text, never markup.
    err_console.print(Text("error: ", style="bold red") + Text(str(exc)), highlight=False, soft_wrap=True)


def _fail(exc: AidsimError) -> None:
    _report(exc)
    raise typer.Exit(code=2)


def _fmt(value: float, unit: str, signed: bool = False) -> str:
    """A figure for a table: shares as percent (percentage points when ``signed``), yuan and large
    counts without decimals."""
    if value != value:  # NaN
        return "–"
    sign = "+" if signed else ""
    if unit == "share":
        return f"{value * 100:{sign}.2f}" + (" pp" if signed else "%")
    if unit == "yuan" or abs(value) >= 1000:
        return f"{value:{sign},.0f}"
    return f"{value:{sign},.1f}"


def _compact(value: float, unit: str) -> str:
    """A figure for a narrow column: whole percent, whole numbers."""
    if value != value:
        return "–"
    return f"{value * 100:.0f}%" if unit == "share" else f"{value:,.0f}"


def _check_out(out: Path) -> None:
    """Refuse a dangerous or foreign --out folder before any work is done."""
    try:
        check_output_folder(out)
    except OutputFolderError as exc:
        raise OutputFolderError(f"--out {exc}") from None


@contextmanager
def _output(out: Path) -> Iterator[Path]:
    try:
        with output_folder(out) as folder:
            yield folder
    except OutputFolderError as exc:
        raise OutputFolderError(f"--out {exc}") from None


@app.command()
def validate(scenarios: Annotated[list[Path], typer.Argument(help="Scenario files.")]) -> None:
    """Check scenario files; print each one's name and reported period."""
    failed = False
    for path in scenarios:
        try:
            s = load_scenario(path)
        except AidsimError as exc:
            _report(exc)
            failed = True
            continue
        sim = s.simulation
        message(out_console, Text("ok ", style="green") + Text(
            f"{path}: {s.name} ({sim.start}, {sim.months} months, {s.population.households:,} households)"))
    if failed:
        raise typer.Exit(code=2)


@app.command()
def params(
    scenario: Annotated[Path | None, typer.Argument(help="Show this scenario's values.")] = None,
    fmt: Annotated[str, typer.Option(
        "--format", help="table, csv, or json-schema (the schema editors use to check scenario files).")] = "table",
) -> None:
    """List every scenario parameter with its value (default or the scenario's), unit and meaning."""
    if fmt == "json-schema":
        typer.echo(json.dumps(Scenario.model_json_schema(), indent=2, ensure_ascii=False))
        return
    if fmt not in ("table", "csv"):
        message(err_console, Text("error: --format must be table, csv or json-schema"))
        raise typer.Exit(code=2)
    try:
        rows = catalogue(load_scenario(scenario) if scenario else None)
    except AidsimError as exc:
        _fail(exc)
    if fmt == "csv":
        _simulation_side()
        typer.echo(pd.DataFrame(rows).to_csv(index=False), nl=False)
        return
    table = Table("parameter", "value", "unit", "description", "source", show_lines=False)
    for row in rows:
        table.add_row(*[escape(str(row[k])) for k in ("path", "value", "unit", "description", "source")])
    out_console.print(table)


def _summary_table(results: Results, title: str) -> Table:
    return tables.summary_table(results.summary(), escape(title))


def _run_and_write(path: Path, overrides: dict[str, Any], out: Path, quiet: bool,
                   targeting: bool = False, year: int | None = None) -> tuple[Scenario, Results]:
    """Check ``out``, load, run (with a progress bar unless ``quiet``) and write one scenario's
    results to ``out`` as a whole (with ``targeting.csv`` when ``targeting``, and the seed-002
    comparison of ``year`` in ``validation.csv`` when given)."""
    _check_out(out)
    s = load_scenario(path, overrides)
    first, last = s.simulation.start_month, s.simulation.start_month + s.simulation.months - 1
    if year is not None and not first // 12 <= year <= last // 12:
        raise ArgumentError(f"--year {year} is not reported by {path} (it reports {format_month(first)} "
                            f"to {format_month(last)}): choose a year in that period")
    check_memory([s])
    bar = LazyProgress(f"running {s.name}", quiet)
    try:
        results = run(s, progress=bar)
    finally:
        bar.close()
    results.check_finite()
    with _output(out) as folder:
        if targeting:
            write_text_atomic(results.targeting.to_csv(index=False), folder / "targeting.csv")
        if year is not None:
            write_text_atomic(validation.compare(results.yearly, year).to_csv(index=False),
                              folder / "validation.csv")
        results.write_into(folder)
    return s, results


@app.command("run")
def run_command(
    scenario: ScenarioArg,
    out: Annotated[Path, typer.Option("--out", help="Folder for the tables and summary.json.")] = Path("out/run"),
    months: MonthsOpt = None, seed: SeedOpt = None, households: HouseholdsOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar or table.")] = False,
) -> None:
    """Run one scenario; write Parquet tables and summary.json into OUT and print the headline."""
    _simulation_side()
    try:
        s, results = _run_and_write(scenario, _overrides(months, seed, households), out, quiet)
    except AidsimError as exc:
        _fail(exc)
    if not quiet:
        sim = s.simulation
        meta = results.metadata
        out_console.print(_summary_table(results, (
            f"{s.name}: {meta['first_month']} … {meta['last_month']} ({sim.months} months), seed "
            f"{meta['seed']}. yuan, entries, exits: totals over the {sim.months} months; avg: monthly "
            f"average; %: shares.")))
    message(out_console, Text(f"wrote {out}/ ({', '.join(sorted(p.name for p in out.glob('*.*')))})"))


def _comparison_tables(comparison: Comparison, area_type: str) -> list[Table]:
    """Baseline, reform and difference for each reform (what ``details.txt`` holds)."""
    out = []
    for reform in comparison.table["reform"].unique():
        out.append(tables.detail_table(comparison.for_reform(reform, area_type), escape(str(reform)), area_type,
                                       comparison.period, comparison.replications))
    return out


def _render(items: list[Table]) -> str:
    """Tables as plain text, 100 columns wide."""
    console = Console(width=100, record=True, file=io.StringIO(), color_system=None)
    for item in items:
        console.print(item)
    return console.export_text()


@app.command("compare")
def compare_command(
    baseline: ScenarioArg,
    reforms: Annotated[list[Path], typer.Argument(help="Reform scenario files.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", help="Folder for comparison tables and runs.")] = Path("out/compare"),
    replications: Annotated[int, typer.Option("--replications", min=1, help="Monte Carlo replications.")] = 1,
    workers: WorkersOpt = 1, dask: DaskOpt = False, scheduler: SchedulerOpt = None,
    first: Annotated[str | None, typer.Option("--from", help="First compared month (YYYY-MM).")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last compared month (YYYY-MM).")] = None,
    area: Annotated[str, typer.Option("--area", help="Rows shown: all, urban or rural.")] = "all",
    months: MonthsOpt = None, seed: SeedOpt = None, households: HouseholdsOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
    details: Annotated[bool, typer.Option(
        "--details", help="Also print each reform's table (always written to OUT/details.txt).")] = False,
) -> None:
    """Compare a baseline with reforms on common random numbers: print one overview line per
    reform (extra cost a year, recipients, coverage, gap closed, cost per yuan closed, share to the
    poor); write every reform's detail, the deciles and the runs into OUT."""
    _simulation_side()
    if area not in ("all", "urban", "rural"):
        message(err_console, Text("error: --area must be all, urban or rural"))
        raise typer.Exit(code=2)
    try:
        _check_out(out)
        check_period([], first, last)  # the form of --from/--to, before reading any file
        overrides = _overrides(months, seed, households)
        paths = [baseline, *reforms]
        scenarios: list[Scenario] = [load_scenario(path, overrides) for path in paths]
        check_names(scenarios, [str(p) for p in paths])
        check_period(scenarios, first, last)
        for path, reform in zip(reforms, scenarios[1:], strict=True):
            for warning in check_reform(scenarios[0], reform, str(path)):
                message(err_console, Text(f"warning: {warning}"))
        check_memory(scenarios, workers=min(workers, replications * len(scenarios)), kept=scenarios)
        bar = LazyProgress("runs", quiet)
        try:
            comparison = compare(scenarios[0], scenarios[1:], replications=replications, workers=workers,
                                 first=first, last=last, keep_results=True, progress=bar,
                                 dask=dask, scheduler=scheduler)
        finally:
            bar.close()
        _write_comparison(comparison, scenarios, out, first, last, area)
    except AidsimError as exc:
        _fail(exc)
    except OSError as exc:
        _fail(AidsimError(f"cannot write to {out}: {exc.strerror or exc}"))
    out_console.print(tables.overview_table(comparison.overview, comparison.period, comparison.replications, area))
    if details:
        for table in _comparison_tables(comparison, area):
            out_console.print(table)
    message(out_console, Text(f"wrote {out}/: overview.csv, details.txt (each reform, all indicators), "
                              f"deciles.csv (who gains), comparison.csv, replications.parquet, runs/; "
                              f"`aidsim report {out}` makes the HTML report"))


def _write_comparison(comparison: Comparison, scenarios: list[Scenario], out: Path,
                      first: str | None, last: str | None, area: str = "all") -> None:
    """Write a comparison as a whole: each run in runs/<slug>/, the tables, and manifest.json
    last, with every file's and every run's SHA-256."""
    for results in comparison.results.values():
        results.check_finite()
    with _output(out) as folder:
        runs = {}
        for s in scenarios:
            run_folder = folder / "runs" / slug(s.name)
            run_folder.mkdir(parents=True)
            summary_sha = comparison.results[s.name].write_into(run_folder)
            runs[s.name] = {"folder": f"runs/{slug(s.name)}", "summary_sha256": summary_sha,
                            "scenario_sha256": comparison.results[s.name].metadata["scenario_sha256"]}
        files = {}
        for name, frame in (("comparison", comparison.table), ("replications", comparison.runs),
                            ("overview", comparison.overview), ("deciles", comparison.deciles)):
            files[f"{name}.parquet"] = write_parquet_atomic(frame, folder / f"{name}.parquet")
            if name != "replications":
                text = frame.to_csv(index=False)
                write_text_atomic(text, folder / f"{name}.csv")
                files[f"{name}.csv"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
        text = _render(_comparison_tables(comparison, "all") + (
            _comparison_tables(comparison, area) if area != "all" else []))
        write_text_atomic(text, folder / "details.txt")
        files["details.txt"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
        base = comparison.results[scenarios[0].name].metadata
        manifest = {"command": "compare", "aidsim": __version__, "baseline": scenarios[0].name,
                    "reforms": [s.name for s in scenarios[1:]], "replications": comparison.replications,
                    "first": first, "last": last, "period": comparison.period,
                    "seed": comparison.period["seed"], "households": base["households_simulated"],
                    "versions": base["versions"], "runs": runs, "files": files}
        write_text_atomic(json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n",
                          folder / "manifest.json")


def _targeting_tables(results: Results, title: str) -> list[Table]:
    """The targeting decomposition (share of the error's base, by cause) and the offices' work."""
    t = results.targeting
    tables = []
    for error, base in (("exclusion", "eligible households not paid"),
                        ("inclusion", "recipient households not eligible")):
        rows = t[t["error"] == error]
        table = Table("cause", "all", "urban", "rural", "households",
                      *(["yuan", "of dibao"] if error == "inclusion" else []),
                      title=escape(f"{title}: {error} error ({base}), by cause; shares of the "
                                   f"error's base, households and yuan for all"))
        for cause in rows["cause"].unique():
            by = rows[rows["cause"] == cause].set_index("area_type")
            cells = [cause.replace("_", " "),
                     *(_fmt(by.loc[a, "share"], "share") if a in by.index else "–"
                       for a in ("all", "urban", "rural")),
                     _fmt(by.loc["all", "households"], "households")]
            if error == "inclusion":
                cells += [_fmt(by.loc["all", "yuan"], "yuan"), _fmt(by.loc["all", "leakage_share"], "share")]
            table.add_row(*[escape(c) for c in cells])
        tables.append(table)
    offices = results.table(["area", "area_type"], with_total=False)
    columns = [("dibao_applications", "applied", "households"), ("dibao_refusals", "refused", "households"),
               ("dibao_entries", "entered", "households"), ("dibao_backlog", "backlog", "households"),
               ("dibao_overdue_reviews", "overdue", "households"),
               ("dibao_avg_days_to_payment", "days", "days"), ("dibao_utilisation", "used", "share"),
               ("dibao_inclusion_error", "incl.", "share"), ("dibao_exclusion_error", "excl.", "share")]
    table = Table("office", *(label for _, label, _ in columns),
                  title=escape(f"{title}: offices over the period (applied, refused, entered: totals; "
                               f"backlog and overdue reviews: monthly averages; days to first payment; "
                               f"capacity used; inclusion and exclusion errors)"))
    for _, row in offices.iterrows():
        table.add_row(f"{int(row['area'])} {str(row['area_type'])[0]}",
                      *[escape(_compact(row[c], unit)) for c, _, unit in columns])
    tables.append(table)
    return tables


@app.command("targeting")
def targeting_command(
    scenario: ScenarioArg,
    out: Annotated[Path, typer.Option("--out", help="Folder for the run's tables and targeting.csv.")] = Path(
        "out/targeting"),
    months: MonthsOpt = None, seed: SeedOpt = None, households: HouseholdsOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
) -> None:
    """Run one scenario and report dibao's targeting: inclusion and exclusion errors and leakage,
    each split by cause (not applied, refused, backlog, delay, quota, budget; gradual exit, favour,
    verification, review lag), and each office's applications, backlog and days to payment."""
    _simulation_side()
    try:
        s, results = _run_and_write(scenario, _overrides(months, seed, households), out, quiet,
                                    targeting=True)
    except AidsimError as exc:
        _fail(exc)
    sim = s.simulation
    for table in _targeting_tables(results, f"{s.name} ({sim.start}, {sim.months} months)"):
        out_console.print(table)
    message(out_console, Text(f"wrote {out}/targeting.csv and the run's tables"))


_UNITS = {"share": lambda v: f"{v:.2%}", "yuan": lambda v: f"{v:,.0f}",
          "per 10,000": lambda v: f"{v:,.1f}", "ratio": lambda v: f"{v:.3f}"}


@app.command("validation")
def validation_command(
    scenario: ScenarioArg,
    year: Annotated[int, typer.Option("--year", help="The reported year to compare (seed 002's figures are of "
                                                     "2016–2020, next to its 2020 standards).")] = 2020,
    out: Annotated[Path, typer.Option("--out", help="Folder for the run's tables and validation.csv.")] = Path(
        "out/validation"),
    seed: SeedOpt = None, households: HouseholdsOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
) -> None:
    """Run one scenario and compare a year of it with the figures seed 002 publishes for its city
    (coverage, average subsidies, extreme-poverty support, temporary assistance, entries and exits,
    disability subsidies), each with the tolerance fixed for it; writes validation.csv."""
    _simulation_side()
    try:
        s, results = _run_and_write(scenario, _overrides(None, seed, households), out, quiet, year=year)
    except AidsimError as exc:
        _fail(exc)
    table = validation.compare(results.yearly, year)
    view = Table("figure", "seed 002", "model", "tolerance", "", title=escape(
        f"{s.name}, {year} (stocks: monthly averages; flows: the year's totals) against seed 002"))
    for _, row in table.iterrows():
        fmt = _UNITS[row["unit"]]
        mark = ("within" if row["within"] else "OUTSIDE") + (" (calibrated)" if row["calibrated"] else "")
        view.add_row(escape(row["figure"]), fmt(row["published"]), fmt(row["model"]),
                     f"{fmt(row['low'])} … {fmt(row['high'])}", mark)
    out_console.print(view)
    message(out_console, Text(f"{int(table['within'].sum())} of {len(table)} figures within their tolerance; "
                              f"wrote {out}/validation.csv and the run's tables"))


@app.command("explain")
def explain_command(
    scenario: ScenarioArg,
    household: Annotated[int, typer.Option("--household", help="Household row (0 … households−1).")],
    month: Annotated[str, typer.Option("--month", help="A reported month, YYYY-MM.")],
    households: HouseholdsOpt = None, seed: SeedOpt = None,
) -> None:
    """Show, for one household and month, each programme's test with the values it used."""
    _simulation_side()
    try:
        s = load_scenario(scenario, _overrides(None, seed, households))
        check_memory([s])
        explanation = explain(s, household, month)
    except AidsimError as exc:
        _fail(exc)
    for title, rows in explanation.sections:
        table = Table("", "", title=escape(f"{title} — household {household}, {explanation.month}"),
                      show_header=False)
        for label, value in rows:
            table.add_row(escape(label), escape(value))
        out_console.print(table)
    total = sum(explanation.payments_yuan.values())
    message(out_console, Text(f"total paid to household {household} in {explanation.month}: {total:,.2f} yuan"))


@app.command("report")
def report_command(
    folder: Annotated[Path, typer.Argument(help="A run, compare or sweep output folder.", show_default=False)],
    out: Annotated[Path | None, typer.Option("--out", help="The HTML file (default FOLDER/report.html).")] = None,
) -> None:
    """Turn a run, compare or sweep folder into one self-contained HTML report (opens offline):
    overview, charts, who gains by decile (compare), the sweep's chart against each swept
    parameter (sweep), the data dictionary and the run metadata."""
    _simulation_side()
    from aidsim.reports.html import report

    target = out or folder / "report.html"
    try:
        text = report(folder)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(text, target)
    except AidsimError as exc:
        _fail(exc)
    except OSError as exc:
        _fail(AidsimError(f"cannot write {target}: {exc.strerror or exc}"))
    message(out_console, Text(f"report: {target} ({target.stat().st_size / 1024:,.0f} KB)"))


@app.command("columns")
def columns_command(
    table: Annotated[str | None, typer.Argument(help="One table (monthly, ledger, overview, …).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or markdown (docs/outputs.md).")] = "table",
) -> None:
    """The data dictionary: every output column with its meaning, unit and kind (total, monthly
    average, share, average, key), from the measure definitions."""
    from aidsim.reports import dictionary

    if table is not None and table not in dictionary.TABLE_FILES:
        message(err_console, Text(f"error: no table {table!r}; tables: {', '.join(dictionary.TABLE_FILES)}"))
        raise typer.Exit(code=2)
    if fmt == "markdown":
        typer.echo(dictionary.markdown(), nl=False)
        return
    rows = dictionary.records(table)
    if fmt == "csv":
        import csv

        writer = csv.DictWriter(out_console.file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
        return
    if fmt != "table":
        message(err_console, Text("error: --format must be table, csv or markdown"))
        raise typer.Exit(code=2)
    view = Table("table", "column", "meaning", "unit", "kind",
                 caption=escape(f"† {dictionary.MOVES_NOTE}"), caption_justify="left")
    for row in rows:
        view.add_row(str(row["table"]), escape(str(row["name"])) + (" †" if row["moves_with_standard"] else ""),
                     escape(str(row["meaning"])), escape(str(row["unit"])), str(row["kind"]))
    out_console.print(view)


@app.command("dashboard")
def dashboard_command(
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1.")] = 8765,
    host: Annotated[str, typer.Option("--host", help="Address to serve on.")] = "127.0.0.1",
) -> None:
    """Serve the Mesa SolaraViz dashboard (offline, no version check): sliders for the standards, the tekun
    multiplier, take-up and verification; the county month by month against the baseline."""
    import os
    import shutil
    import subprocess
    import sys

    solara = shutil.which("solara", path=str(Path(sys.executable).parent)) or shutil.which("solara")
    if solara is None:
        message(err_console, Text("error: the dashboard needs the viz extra: pip install 'aidsim[viz]'"))
        raise typer.Exit(code=2)
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    message(out_console, Text(f"dashboard: http://{host}:{port}/ (Ctrl-C stops it)"))
    raise typer.Exit(subprocess.call([solara, "run", "aidsim.viz.app", "--host", host, "--port", str(port),
                                      "--production", "--no-open", "--no-check-version"], env=env))


ParamsOpt = Annotated[list[str], typer.Option(
    "--param", help="A parameter and its values: PATH=LOW:HIGH:STEP (a grid), PATH=V1,V2,... or, with "
                    "--sample, PATH=LOW:HIGH. Repeat for more parameters.", show_default=False)]


@app.command("sweep")
def sweep_command(
    base: ScenarioArg,
    param: ParamsOpt,
    out: Annotated[Path, typer.Option("--out", help="The sweep's folder (run again to resume).")] = Path("out/sweep"),
    replications: Annotated[int, typer.Option("--replications", min=1, help="Replications per point.")] = 1,
    sample: Annotated[int | None, typer.Option(
        "--sample", min=1, help="Run N points of a sample over the ranges instead of the full grid.")] = None,
    method: Annotated[str, typer.Option("--method", help="Sample: lhs (Latin hypercube) or sobol.")] = "lhs",
    workers: WorkersOpt = 1, dask: DaskOpt = False, scheduler: SchedulerOpt = None,
    first: Annotated[str | None, typer.Option("--from", help="First summarised month (YYYY-MM).")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last summarised month (YYYY-MM).")] = None,
    months: MonthsOpt = None, seed: SeedOpt = None, households: HouseholdsOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar or table.")] = False,
) -> None:
    """Run BASE at every point of a grid (or a sample) of parameter values, with replications; write
    one tidy table (cost, coverage, gap closed, targeting, with intervals). Each finished point is
    saved at once: the same command run again skips the finished points."""
    _simulation_side()
    from aidsim.runners.sweep import sweep

    try:
        s = load_scenario(base, _overrides(months, seed, households))
        bar = LazyProgress("points", quiet)
        try:
            swept = sweep(s, param, out=out, replications=replications, sample=sample, method=method,
                          workers=workers, dask=dask, scheduler=scheduler, first=first, last=last,
                          progress=bar)
        finally:
            bar.close()
    except AidsimError as exc:
        _fail(exc)
    except OSError as exc:
        _fail(AidsimError(f"cannot write to {out}: {exc.strerror or exc}"))
    if not quiet:
        shown = ["total_cost", "dibao_cost", "dibao_coverage", "gap_closed_pl", "fgt0_post_pl",
                 "dibao_inclusion_error", "dibao_exclusion_error"]
        wide = swept.wide("all", shown)
        units = {m: u for m, _, u in HEADLINE} | {"gap_closed_pl": "yuan"}
        heads = ["total cost", "dibao cost", "dibao coverage", "gap closed", "poor after", "inclusion error",
                 "exclusion error"]
        table = Table(*(p.rsplit(".", 2)[-2] + "." + p.rsplit(".", 1)[-1] if p.count(".") else p
                        for p in swept.parameters), *heads, title=escape(
            f"{s.name}: sweep of {len(swept.points)} points × {replications} replications (all areas; means)"))
        for _, row in wide.iterrows():
            table.add_row(*[f"{row[p]:g}" for p in swept.parameters],
                          *[_fmt(row[m], units[m]) for m in shown])
        out_console.print(table)
    message(out_console, Text(f"{swept.ran} runs now, {swept.reused} from earlier; wrote {out}/sweep.csv, "
                              f"sweep.parquet, replications.parquet; `aidsim report {out}` charts it"))


@app.command("solve")
def solve_command(
    base: ScenarioArg,
    param: Annotated[list[str], typer.Option(
        "--param", help="The parameter to solve for (dotted path); twice to split one budget between "
                        "two levers.", show_default=False)],
    target: Annotated[str, typer.Option(
        "--target", help="MEASURE:+AMOUNT[/year] (change from the baseline) or MEASURE:=LEVEL, e.g. "
                         "dibao_cost:+5e6/year, dibao_coverage:=0.08, gap_yuan_post_pl:-1e6/year.",
        show_default=False)],
    year: Annotated[int | None, typer.Option("--year", help="Summarise this reported year only.")] = None,
    replications: Annotated[int, typer.Option("--replications", min=1, help="Replications (interval).")] = 1,
    area: Annotated[str, typer.Option("--area", help="Measure over all, urban or rural areas.")] = "all",
    bracket: Annotated[str | None, typer.Option(
        "--bracket", help="LOW:HIGH, values between which the answer lies (default: searched).")] = None,
    shares: Annotated[str, typer.Option(
        "--shares", help="With two --param: shares of the amount given to the first lever.")] = "0,0.25,0.5,0.75,1",
    out: Annotated[Path | None, typer.Option("--out", help="Folder for solve.json and the table.")] = None,
    workers: WorkersOpt = 1, dask: DaskOpt = False, scheduler: SchedulerOpt = None,
    months: MonthsOpt = None, seed: SeedOpt = None, households: HouseholdsOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress display.")] = False,
) -> None:
    """Find the value of a parameter that meets a target (a budget, a coverage, a poverty gap), with
    an interval from the replications; with two --param, split the amount between two levers and
    compare the poverty gap each closes."""
    _simulation_side()
    from aidsim.runners.solve import solve, solve_split, year_window

    try:
        if out is not None:
            _check_out(out)
        s = load_scenario(base, _overrides(months, seed, households))
        first, last = year_window(year, s)
        bar = LazyProgress("runs", quiet)
        if len(param) == 2:
            try:
                split_shares = [float(x) for x in shares.split(",")]
            except ValueError:
                raise ArgumentError(f"--shares must be numbers between 0 and 1, e.g. 0,0.5,1; got {shares!r}") from None
            try:
                split = solve_split(s, param, target, shares=split_shares, replications=replications,
                                    area_type=area, first=first, last=last, workers=workers, dask=dask,
                                    scheduler=scheduler)
            finally:
                bar.close()
            _print_split(split, area)
            if out is not None:
                with _output(out) as folder:
                    write_text_atomic(split.table.to_csv(index=False), folder / "split.csv")
                    write_text_atomic(json.dumps({"command": "solve", "parameters": split.parameters,
                                                  "target": split.target, "replications": replications,
                                                  "runs": split.runs}, indent=2) + "\n",
                                      folder / "manifest.json")
            return
        if len(param) != 1:
            raise ArgumentError(f"--param: give one parameter (or two to split a budget); got {len(param)}")
        lohi = None
        if bracket is not None:
            parts = bracket.split(":")
            try:
                lohi = (float(parts[0]), float(parts[1])) if len(parts) == 2 else None
            except ValueError:
                lohi = None
            if lohi is None:
                raise ArgumentError(f"--bracket must be LOW:HIGH, two numbers; got {bracket!r}")
        try:
            solution = solve(s, param[0], target, replications=replications, area_type=area, first=first,
                             last=last, bracket=lohi, workers=workers, dask=dask, scheduler=scheduler)
        finally:
            bar.close()
        if out is not None:
            with _output(out) as folder:
                write_text_atomic(solution.evaluations.to_csv(index=False), folder / "evaluations.csv")
                write_text_atomic(json.dumps(json_safe(solution.as_dict() | {"command": "solve"}), indent=2,
                                             ensure_ascii=False, allow_nan=False) + "\n", folder / "manifest.json")
    except AidsimError as exc:
        _fail(exc)
    except OSError as exc:
        _fail(AidsimError(f"cannot write to {out}: {exc.strerror or exc}"))
    unit = {m: u for m, _, u in HEADLINE}.get(solution.target.split(":")[0], "")
    interval = (f" (90% interval across {replications} replications: {solution.low:,.2f} … {solution.high:,.2f})"
                if replications > 1 else " (one replication: no interval; use --replications)")
    window = f"in {year}" if year else "over the reported period"
    measure = solution.target.split(":")[0]
    message(out_console, Text(
        f"{solution.parameter} = {solution.value:,.2f}{interval}\n"
        f"meets {solution.target} ({area} areas, {window}): {measure} {_fmt(solution.baseline, unit)} → "
        f"{_fmt(solution.achieved, unit)} (goal {_fmt(solution.goal, unit)}); the parameter was "
        f"{solution.start:g}; {solution.runs} runs"))


def _print_split(split: Any, area: str) -> None:
    a, b = split.parameters
    measure = split.target.split(":")[0]
    table = Table("share to first", a, b, f"{measure} change", "gap closed, yuan", "poor after, pp",
                  "coverage, pp", "avg subsidy", title=escape(
                      f"{split.target} split between {a} and {b} ({area}; mean of {split.replications} "
                      f"replications; changes from the baseline)"))
    for _, r in split.table.iterrows():
        table.add_row(f"{r['share_first']:.0%}", f"{r[a]:,.3f}", f"{r[b]:,.3f}",
                      f"{r[f'{measure}_change']:+,.0f}", f"{r['gap_closed_pl_change']:+,.0f}",
                      f"{r['fgt0_post_pl_change'] * 100:+.3f}", f"{r['dibao_coverage_change'] * 100:+.3f}",
                      f"{r['dibao_avg_subsidy_change']:+,.1f}")
    out_console.print(table)


@app.command("province")
def province_command(
    county: Annotated[Path, typer.Argument(help="The county scenario each county is drawn from.",
                                           show_default=False)],
    counties: Annotated[int, typer.Option("--counties", min=1, help="Number of counties.")] = 10,
    per_task: Annotated[int | None, typer.Option(
        "--counties-per-task", min=1, help="Counties a worker runs one after another per task "
                                           "(the results do not depend on it).")] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for the merged tables.")] = Path("out/province"),
    workers: WorkersOpt = 1, dask: DaskOpt = False, scheduler: SchedulerOpt = None,
    months: MonthsOpt = None, seed: SeedOpt = None,
    households: Annotated[int | None, typer.Option(
        "--households", min=1, help="Households per county (default: the scenario's).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar or table.")] = False,
) -> None:
    """Run a province: COUNTIES counties drawn from one county scenario, each with its own offices
    and random streams, partitioned across workers (a process pool or dask) and merged."""
    _simulation_side()
    from aidsim.runners.province import run_province, summary_rows

    try:
        _check_out(out)
        s = load_scenario(county, _overrides(months, seed, households))
        bar = LazyProgress("counties", quiet)
        try:
            province = run_province(s, counties, counties_per_task=per_task, workers=workers, dask=dask,
                                    scheduler=scheduler, progress=bar)
        finally:
            bar.close()
        by_county = province.by_county()
        facts = {"command": "province", "scenario": s.name, "counties": counties,
                 "households_per_county": s.population.households, "households": province.households,
                 "seed": s.simulation.seed if seed is None else seed, "wall_seconds": province.seconds,
                 "worker_seconds": province.worker_seconds, "household_months": province.household_months,
                 "household_months_per_second_per_worker": province.rate_per_worker,
                 "worker_peak_rss_bytes": province.worker_peak_rss, "worker_processes": province.workers}
        with _output(out) as folder:
            files = {"province.parquet": write_parquet_atomic(province.sums, folder / "province.parquet"),
                     "counties.parquet": write_parquet_atomic(by_county, folder / "counties.parquet")}
            summary = facts | {"summary": json_safe(province.summary()), "files": files}
            write_text_atomic(json.dumps(summary, indent=2, ensure_ascii=False, sort_keys=True,
                                         allow_nan=False) + "\n", folder / "summary.json")
    except AidsimError as exc:
        _fail(exc)
    except OSError as exc:
        _fail(AidsimError(f"cannot write to {out}: {exc.strerror or exc}"))
    if not quiet:
        table = Table("indicator", "unit", "all", "urban", "rural", title=escape(
            f"{s.name} × {counties} counties ({province.households:,} households)"))
        for label, unit, *values in summary_rows(province):
            table.add_row(label, unit, *[_fmt(v, unit) for v in values])
        out_console.print(table)
    message(out_console, Text(
        f"{province.households:,} households in {province.seconds:,.1f} s on {province.workers} worker "
        f"process(es): {province.rate_per_worker:,.0f} household-months per second per worker; peak "
        f"memory of a worker {province.worker_peak_rss / 1e6:,.0f} MB; wrote {out}/"))


def _say(quiet: bool):
    """A progress printer for the long commands (lines on standard error, with the time)."""
    began = time.monotonic()

    def say(line: str) -> None:
        if not quiet:
            message(err_console, Text(f"[{time.monotonic() - began:6.1f} s] {line}"))

    return say


def _short_key(key: str) -> str:
    """A profile key without its section (``caseloads.dibao_persons.rural`` → ``dibao_persons.rural``)."""
    return key.split(".", 1)[1] if key.startswith(("caseloads.", "incomes.")) else key


def _fit_table(report: list[dict], title: str) -> Table:
    table = Table("figure", "year", "published", "model", "error", "met", title=escape(title))
    for row in report:
        unit = "share" if row["unit"] == "share" else "yuan"
        table.add_row(escape(_short_key(row["figure"])), str(row["year"]), _fmt(row["published"], unit),
                      _fmt(row["model"], unit), f"{row['error']:+.1%}", "yes" if row["met"] else "NO")
    return table


#: Households simulated while fitting, by default (a larger county is fitted on this many, its
#: figures scaled to its residents; the calibrated scenario keeps the county's own households).
FIT_HOUSEHOLDS = 50_000


@app.command("calibrate")
def calibrate_command(
    profile: Annotated[Path, typer.Argument(help="County profile YAML file.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", help="The calibrated scenario file to write.")] = Path(
        "calibrated.yaml"),
    households: Annotated[int | None, typer.Option(
        "--households", min=1000, help="Simulate this many households while fitting (figures scaled to the "
                                       "county's residents; default: the county's, at most 50,000).")] = None,
    full: Annotated[bool, typer.Option("--full", help="Fit on the county's own households, however many.")] = False,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Worker processes.")] = 2,
    seed: SeedOpt = None,
    max_evaluations: Annotated[int, typer.Option("--max-evaluations", min=5, help="Most simulations.")] = 120,
    check: Annotated[bool, typer.Option("--check", help="Only check the profile.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress lines.")] = False,
) -> None:
    """Fit the parameters a county profile cannot observe (take-up by area, the income distribution,
    tekun's pool, temporary assistance's take-up) to the figures it publishes; write a scenario
    file that names the profile and sets the fitted values, and print the fit report."""
    from aidsim.scenario.load import load_profile

    try:
        p = load_profile(profile)
    except AidsimError as exc:
        _fail(exc)
    if check:
        message(out_console, Text(f"ok {profile}: {p.name} ({p.year}), {p.residents:,.0f} residents, "
                                  f"{len(p.figures())} figures"))
        return
    _simulation_side()
    import os

    from aidsim.runners.calibrate import calibrate, calibrated_yaml, report_frame

    if out.exists() and not out.is_file():
        _fail(OutputFolderError(f"--out {out} is not a file"))
    if households is None and not full:
        from aidsim.scenario.profile import households_for

        county = households_for(p)[0]
        households = county if county <= FIT_HOUSEHOLDS else FIT_HOUSEHOLDS
    try:
        result = calibrate(p, seed=20200101 if seed is None else seed, households=households, workers=workers,
                           max_evaluations=max_evaluations, message=_say(quiet))
    except AidsimError as exc:
        _fail(exc)
    ref = os.path.relpath(profile.resolve(), out.resolve().parent)
    report = out.with_suffix(".fit.csv")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(calibrated_yaml(result, ref), out)
        write_text_atomic(report_frame(result).to_csv(index=False), report)
    except OSError as exc:
        _fail(AidsimError(f"cannot write {out}: {exc.strerror or exc}"))
    out_console.print(_fit_table(result.report, f"{p.name}: fit to its {p.year} figures"))
    for path, value in result.values().items():
        state = "pinned down" if result.pinned[path] else "not pinned down by these figures"
        message(out_console, Text(f"  {path} = {value:.4g} ({state})"))
    for path, why in result.unused.items():
        message(out_console, Text(f"  {path}: not fitted ({why})"))
    for row in result.report:
        if not row["met"]:
            message(out_console, Text(f"  not met: {row['figure']}: {row['why_not']}"))
    for key, why in result.skipped.items():
        message(out_console, Text(f"  not compared: {key}: {why}"))
    message(out_console, Text(f"{result.evaluations} simulations of {result.simulated_households:,} households in "
                              f"{result.seconds:.0f} s; wrote {out} and {report}"))


@app.command("budget")
def budget_command(
    scenario: ScenarioArg,
    year: Annotated[int, typer.Option("--year", help="The budget year.")],
    reform: Annotated[Path | None, typer.Option("--reform", help="A reform extending the scenario.")] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for budget.csv and runs.")] = Path("out/budget"),
    replications: Annotated[int, typer.Option("--replications", min=2, help="Monte Carlo replications.")] = 10,
    draws: Annotated[int, typer.Option("--draws", min=0, help="Parameter sets from the fit.")] = 10,
    growth_low: Annotated[float | None, typer.Option("--growth-low", help="Low income growth a year.")] = None,
    growth_high: Annotated[float | None, typer.Option("--growth-high", help="High income growth a year.")] = None,
    households: Annotated[int | None, typer.Option(
        "--households", min=1000, help="Simulate fewer households (costs scaled up).")] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Worker processes.")] = 2,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress lines.")] = False,
) -> None:
    """Each programme's bill for YEAR and the whole bill, with a 90% interval from Monte Carlo
    noise, the calibrated parameters' uncertainty and (with --growth-low/--growth-high) income
    growth; prints how much of the width each source contributes."""
    _simulation_side()
    from aidsim.runners.budget import budget, difference

    if (growth_low is None) != (growth_high is None):
        message(err_console, Text("error: give both --growth-low and --growth-high, or neither"))
        raise typer.Exit(code=2)
    macro = None if growth_low is None else (growth_low, growth_high)
    try:
        _check_out(out)
        scenarios = [load_scenario(scenario)] + ([load_scenario(reform)] if reform else [])
        say = _say(quiet)
        forecasts = [budget(s, year, replications=replications, draws=draws, macro=macro, workers=workers,
                            households=households, message=say) for s in scenarios]
        if len(forecasts) == 2:
            forecasts.append(difference(forecasts[0], forecasts[1], scenarios[1]))
        with _output(out) as folder:
            frames = [f.table.assign(scenario=f.scenario) for f in forecasts]
            text = pd.concat(frames).to_csv(index=False)
            write_text_atomic(text, folder / "budget.csv")
            files = {"budget.csv": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                     "runs.parquet": write_parquet_atomic(
                         pd.concat([f.runs.assign(scenario=f.scenario) for f in forecasts]), folder / "runs.parquet")}
            manifest = {"command": "budget", "aidsim": __version__, "year": year,
                        "scenarios": [f.scenario for f in forecasts], "replications": replications,
                        "draws": draws, "macro": macro, "files": files}
            write_text_atomic(json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n",
                              folder / "manifest.json")
    except AidsimError as exc:
        _fail(exc)
    for i, f in enumerate(forecasts):
        what = "difference of the bills" if i == 2 else "bill"
        table = Table("programme", what + ", yuan", "90% interval", "MC", "params", "misfit", "macro",
                      title=escape(f"{f.scenario}: {what} for {f.year} (mean of {replications} replications; "
                                   f"share of the interval's variance from each source)"))
        for _, r in f.table.iterrows():
            if r["mean"] == 0 and r["high"] == 0:
                continue
            table.add_row(escape(r["label"]), _fmt(r["mean"], "yuan", signed=i == 2),
                          f"[{_fmt(r['low'], 'yuan', signed=i == 2)}, {_fmt(r['high'], 'yuan', signed=i == 2)}]",
                          *[f"{r[f'share_{k}']:.0%}" if r[f"share_{k}"] == r[f"share_{k}"] else "–"
                            for k in ("monte_carlo", "parameters", "misfit", "macro")])
        out_console.print(table)
    message(out_console, Text(f"wrote {out}/budget.csv, runs.parquet and manifest.json"))


@app.command("backtest")
def backtest_command(
    spec: Annotated[Path, typer.Argument(help="Back-test specification.")] = Path(
        "profiles/backtests/seed002_2015_2020.yaml"),
    workers: Annotated[int, typer.Option("--workers", min=1, help="Worker processes.")] = 2,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress lines.")] = False,
) -> None:
    """Calibrate on one year's figures, forecast a later year under its known standards, and
    report the error against that year's published figures."""
    _simulation_side()
    from aidsim.runners.backtest import backtest

    try:
        result = backtest(spec, workers=workers, message=_say(quiet))
    except AidsimError as exc:
        _fail(exc)
    fit = result.fit
    out_console.print(_fit_table(fit.report, f"calibration on {fit.profile.name} ({fit.profile.year})"))
    table = Table("figure", "published", "forecast", "error", "range over replications",
                  title=escape(f"{result.spec.name}: forecast of {result.spec.forecast_year} against its "
                               f"published figures"))
    for _, r in result.table.iterrows():
        unit = "share" if "coverage" in r["figure"] else "yuan"
        table.add_row(escape(_short_key(r["figure"])), _fmt(r["published"], unit), _fmt(r["forecast"], unit),
                      f"{r['error']:+.1%}", f"[{_fmt(r['low'], unit)}, {_fmt(r['high'], unit)}]")
    out_console.print(table)
    message(out_console, Text(f"mean absolute error {result.mean_absolute_error:.1%} over {len(result.table)} "
                              f"figures; {result.seconds:.0f} s"))


@app.callback(invoke_without_command=True)
def main_options(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    out_console.width = _width()  # for this invocation (COLUMNS, the terminal)
    if version:
        out_console.print(f"aidsim {__version__}")
        raise typer.Exit()


def main() -> None:
    app()
