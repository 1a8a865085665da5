"""The ``aidsim`` command line: validate, params, run, compare, targeting, explain, calibrate,
budget, backtest.

Every error a user can cause (a wrong scenario, a bad option value, an unwritable folder) is
printed as one paragraph on standard error with exit status 2 and no traceback. Arguments, the
output folder, scenario name clashes and the memory needed are all checked before any run starts.
"""

from __future__ import annotations

import hashlib
import json
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
from aidsim.errors import AidsimError, OutputFolderError
from aidsim.runners.memory import check_memory
from aidsim.scenario.catalog import catalogue
from aidsim.scenario.load import load_scenario
from aidsim.scenario.schema import Scenario
from aidsim.scenario.window import check_reform


def _simulation_side() -> None:
    """Import the simulation side (Mesa, pandas, the engine) only for the commands that need it,
    so that `aidsim validate`, `aidsim params` and refusals of a bad file answer at once."""
    global pd, HEADLINE, Results, check_output_folder, output_folder, slug, write_parquet_atomic
    global write_text_atomic, Comparison, check_names, check_period, compare, run, explain
    import pandas as pd

    from aidsim.results import (
        HEADLINE,
        Results,
        check_output_folder,
        output_folder,
        slug,
        write_parquet_atomic,
        write_text_atomic,
    )
    from aidsim.runners.compare import Comparison, check_names, check_period, compare
    from aidsim.runners.execute import run
    from aidsim.runners.explain import explain


app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True,
                  help="aidsim: simulate households under China's social-assistance rules.")
out_console = Console()
err_console = Console(stderr=True)

ScenarioArg = Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)]
MonthsOpt = Annotated[int | None, typer.Option("--months", min=1, help="Override simulation.months.")]
SeedOpt = Annotated[int | None, typer.Option("--seed", min=0, help="Override the random seed.")]
HouseholdsOpt = Annotated[int | None, typer.Option(
    "--households", min=1, help="Override population.households (smaller is faster).")]


class LazyProgress:
    """A rich progress bar that appears only once work has lasted more than a second."""

    def __init__(self, description: str, quiet: bool = False):
        self.description, self.quiet = description, quiet
        self.started = time.monotonic()
        self.progress: Progress | None = None
        self.task: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self.quiet:
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
        out_console.print(Text("ok ", style="green") + Text(
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
        err_console.print("error: --format must be table, csv or json-schema")
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
    summary = results.summary()
    table = Table("indicator", "unit", "all", "urban", "rural", title=escape(title))
    for measure, label, unit in HEADLINE:
        table.add_row(label, unit, *[_fmt(summary[k][measure], unit) if k in summary else "–"
                                     for k in ("all", "urban", "rural")])
    return table


def _run_and_write(path: Path, overrides: dict[str, Any], out: Path, quiet: bool,
                   targeting: bool = False) -> tuple[Scenario, Results]:
    """Check ``out``, load, run (with a progress bar unless ``quiet``) and write one scenario's
    results to ``out`` as a whole (with ``targeting.csv`` when ``targeting``)."""
    _check_out(out)
    s = load_scenario(path, overrides)
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
        out_console.print(_summary_table(results, f"{s.name}: {sim.start}, {sim.months} months, "
                                                  f"seed {results.metadata['seed']}"))
    out_console.print(Text(f"wrote {out}/ ({', '.join(sorted(p.name for p in out.glob('*.*')))})"))


def _comparison_tables(comparison: Comparison, area_type: str) -> list[Table]:
    tables = []
    interval = comparison.replications > 1
    for reform in comparison.table["reform"].unique():
        rows = comparison.for_reform(reform, area_type)
        title = f"{reform} vs baseline ({area_type}; "
        title += (f"mean of {comparison.replications} replications, 90% interval of the difference)"
                  if interval else "1 replication, common random numbers)")
        columns = ["indicator", "unit", "baseline", "reform", "difference"]
        table = Table(*columns, *(["90% interval"] if interval else []), title=escape(title))
        for _, r in rows.iterrows():
            cells = [r["label"], r["unit"], _fmt(r["baseline"], r["unit"]),
                     _fmt(r["reform_value"], r["unit"]), _fmt(r["difference"], r["unit"], signed=True)]
            if interval:
                cells.append(f"[{_fmt(r['low'], r['unit'], signed=True)}, {_fmt(r['high'], r['unit'], signed=True)}]")
            table.add_row(*[escape(c) for c in cells])
        tables.append(table)
    return tables


@app.command("compare")
def compare_command(
    baseline: ScenarioArg,
    reforms: Annotated[list[Path], typer.Argument(help="Reform scenario files.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", help="Folder for comparison tables and runs.")] = Path("out/compare"),
    replications: Annotated[int, typer.Option("--replications", min=1, help="Monte Carlo replications.")] = 1,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Worker processes.")] = 1,
    first: Annotated[str | None, typer.Option("--from", help="First compared month (YYYY-MM).")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last compared month (YYYY-MM).")] = None,
    area: Annotated[str, typer.Option("--area", help="Rows shown: all, urban or rural.")] = "all",
    months: MonthsOpt = None, seed: SeedOpt = None, households: HouseholdsOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar.")] = False,
) -> None:
    """Compare a baseline with reforms on common random numbers; print and save the differences."""
    _simulation_side()
    if area not in ("all", "urban", "rural"):
        err_console.print("error: --area must be all, urban or rural")
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
                err_console.print(Text(f"warning: {warning}"))
        check_memory(scenarios, workers=min(workers, replications * len(scenarios)), kept=scenarios)
        bar = LazyProgress("runs", quiet)
        try:
            comparison = compare(scenarios[0], scenarios[1:], replications=replications, workers=workers,
                                 first=first, last=last, keep_results=True, progress=bar)
        finally:
            bar.close()
        _write_comparison(comparison, scenarios, out, first, last)
    except AidsimError as exc:
        _fail(exc)
    except OSError as exc:
        _fail(AidsimError(f"cannot write to {out}: {exc.strerror or exc}"))
    for table in _comparison_tables(comparison, area):
        out_console.print(table)
    out_console.print(Text(f"wrote {out}/comparison.csv, comparison.parquet, replications.parquet and runs/"))


def _write_comparison(comparison: Comparison, scenarios: list[Scenario], out: Path,
                      first: str | None, last: str | None) -> None:
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
        files = {"comparison.parquet": write_parquet_atomic(comparison.table, folder / "comparison.parquet"),
                 "replications.parquet": write_parquet_atomic(comparison.runs, folder / "replications.parquet")}
        text = comparison.table.to_csv(index=False)
        write_text_atomic(text, folder / "comparison.csv")
        files["comparison.csv"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
        manifest = {"command": "compare", "aidsim": __version__, "baseline": scenarios[0].name,
                    "reforms": [s.name for s in scenarios[1:]], "replications": comparison.replications,
                    "first": first, "last": last, "runs": runs, "files": files}
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
    out_console.print(Text(f"wrote {out}/targeting.csv and the run's tables"))


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
    out_console.print(Text(f"total paid to household {household} in {explanation.month}: {total:,.2f} yuan"))


def _say(quiet: bool):
    """A progress printer for the long commands (lines on standard error, with the time)."""
    began = time.monotonic()

    def say(message: str) -> None:
        if not quiet:
            err_console.print(Text(f"[{time.monotonic() - began:6.1f} s] {message}"), highlight=False)

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
        out_console.print(Text(f"ok {profile}: {p.name} ({p.year}), {p.residents:,.0f} residents, "
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
        out_console.print(Text(f"  {path} = {value:.4g} ({state})"))
    for path, why in result.unused.items():
        out_console.print(Text(f"  {path}: not fitted ({why})"))
    for row in result.report:
        if not row["met"]:
            out_console.print(Text(f"  not met: {row['figure']}: {row['why_not']}"))
    for key, why in result.skipped.items():
        out_console.print(Text(f"  not compared: {key}: {why}"))
    out_console.print(Text(f"{result.evaluations} simulations of {result.simulated_households:,} households in "
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
        err_console.print("error: give both --growth-low and --growth-high, or neither")
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
    out_console.print(Text(f"wrote {out}/budget.csv, runs.parquet and manifest.json"))


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
    out_console.print(Text(f"mean absolute error {result.mean_absolute_error:.1%} over {len(result.table)} "
                           f"figures; {result.seconds:.0f} s"))


@app.callback(invoke_without_command=True)
def main_options(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        out_console.print(f"aidsim {__version__}")
        raise typer.Exit()


def main() -> None:
    app()
