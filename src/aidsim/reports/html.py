"""``aidsim report DIR``: one self-contained HTML file from a run or compare folder.

The figures are matplotlib SVG written into the page and the styles are inline, so the file
opens offline: it loads nothing from anywhere. A compare folder gives the overview table, cost
against gap closed, caseload and cost paths of each reform against the baseline, the bill by
programme, targeting errors by cause, who gains by decile, the budget interval (with
replications), the data dictionary and the run metadata; a run folder gives its headline, paths,
bill, targeting, dictionary and metadata.
"""

from __future__ import annotations

import html
import io
import json
from pathlib import Path
from typing import Any

import matplotlib
import pandas as pd
from matplotlib.figure import Figure

from aidsim.errors import ArgumentError
from aidsim.programmes import REGISTRY
from aidsim.reports import charts, dictionary, tables
from aidsim.results import HEADLINE

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1100px;color:#222;
line-height:1.4;padding:0 1em}h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}th,td{padding:.25em .6em;border-bottom:1px solid
#eee;text-align:right;vertical-align:top}th{background:#f5f5f5}td:first-child,th:first-child{text-align:left}
.note{color:#555;font-size:.9em}figure{margin:1em 0}svg{max-width:100%;height:auto}details{margin:.5em 0}
summary{cursor:pointer;font-weight:600}.dict td{text-align:left}code{background:#f3f3f3;padding:0 .2em}
"""


def svg(fig: Figure) -> str:
    """A figure as inline SVG (text kept as text), without the XML prologue."""
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "aidsim"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _figure(fig: Figure, caption: str) -> str:
    return f"<figure>{svg(fig)}<figcaption class='note'>{html.escape(caption)}</figcaption></figure>"


def _table(frame: pd.DataFrame, cls: str = "") -> str:
    return frame.to_html(index=False, escape=True, border=0, classes=cls or None, na_rep="–")


def _read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _line_labels() -> dict[str, str]:
    """Ledger lines in plain words for a chart legend (the charts' font has no Chinese glyphs)."""
    return {line: line.replace("_", " ") for line in REGISTRY.line_names}


def _dictionary_section(tables_shown: list[str]) -> str:
    rows = [c for c in dictionary.columns() if c.table in tables_shown]
    frame = pd.DataFrame([{"table": c.table, "column": c.name + (" †" if c.moves_with_standard else ""),
                           "meaning": c.meaning, "unit": c.unit, "kind": c.kind} for c in rows])
    return ("<h2>Data dictionary</h2><p class='note'>Every column of the tables in this folder, from "
            "the measure definitions (also <code>aidsim columns</code>). " + html.escape(tables.MOVES)
            + "</p><details><summary>" + f"{len(frame)} columns</summary>" + _table(frame, "dict")
            + "</details>")


def _metadata_section(meta: dict[str, Any]) -> str:
    rows = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>" for k, v in meta.items())
    return f"<h2>Run metadata</h2><table class='dict'>{rows}</table>"


def _page(title: str, body: list[str]) -> str:
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body>"
            f"<h1>{html.escape(title)}</h1>" + "\n".join(body) + "</body></html>\n")


def compare_report(folder: Path) -> str:
    manifest = _read_json(folder / "manifest.json")
    if not (folder / "overview.parquet").exists():
        raise ArgumentError(f"{folder} was written by an earlier aidsim compare (no overview.parquet): "
                            f"run the comparison again")
    period = manifest["period"]
    replications = int(manifest["replications"])
    overview = pd.read_parquet(folder / "overview.parquet")
    deciles = pd.read_parquet(folder / "deciles.parquet")
    runs = pd.read_parquet(folder / "replications.parquet")
    names = [manifest["baseline"], *manifest["reforms"]]
    run_dirs = {n: folder / manifest["runs"][n]["folder"] for n in names}
    monthly = {n: pd.read_parquet(d / "monthly.parquet") for n, d in run_dirs.items()}
    yearly = {n: pd.read_parquet(d / "yearly.parquet") for n, d in run_dirs.items()}
    targeting = {n: pd.read_parquet(d / "targeting.parquet") for n, d in run_dirs.items()}
    summaries = {n: _read_json(d / "summary.json") for n, d in run_dirs.items()}
    base = manifest["baseline"]
    reps = (f"mean of {replications} replications with 90% intervals" if replications > 1
            else "one replication (common random numbers: differences are the policy's)")
    body = [f"<p>{len(manifest['reforms'])} reforms against <b>{html.escape(base)}</b>, "
            f"{html.escape(tables.period_text(period))}, {reps}; seed {manifest['seed']}, "
            f"{manifest['households']:,} households.</p>",
            "<h2>Overview</h2><p class='note'>Money in yuan a year (the period's total × 12 ÷ "
            f"{period['months']}); recipients (dibao and tekun persons) are monthly averages; coverage is "
            "dibao recipients as a share of residents; the gap is to the poverty line after transfers.</p>",
            _table(tables.overview_frame(overview))]
    body.append("<h2>Cost against gap closed</h2>" + _figure(
        charts.cost_against_gap(overview), "Each point is a reform. Below the dashed line a yuan of extra "
        "spending closes more than a yuan of poverty gap (spending on the non-poor, or above the line, "
        "closes none)."))
    if replications > 1:
        body.append("<h2>Budget interval</h2>" + _figure(
            charts.budget_interval(runs, int(period["months"])),
            "Cost a year of each scenario, all programmes: mean and 5th–95th percentile across replications."))
    else:
        body.append("<h2>Budget interval</h2><p class='note'>One replication: run <code>aidsim compare "
                    "--replications R</code> for intervals.</p>")
    body.append("<h2>The bill by programme</h2>" + _figure(
        charts.bill(yearly, list(REGISTRY.line_names), _line_labels()),
        "Yuan a year by programme, the reported period's total divided by its years (replication 0)."))
    body.append("<h2>Who gains</h2>" + _figure(
        charts.deciles(deciles), "Extra payments (reform − baseline, every programme) per person and month, "
        "by decile of the baseline's income before transfers per head, person-weighted, over the reported "
        "months. The overview's last column gives the share of the extra spending reaching households "
        "poor before transfers."))
    body.append("<h2>Targeting errors by cause</h2>" + _figure(
        charts.targeting(targeting), "Dibao: exclusion (eligible, not paid) and inclusion (paid, not "
        "eligible), each split by cause; monthly averages over the reported period (replication 0)."))
    body.append("<h2>Caseload and cost, month by month</h2><p class='note'>Baseline against each reform "
                "(replication 0, all areas).</p>")
    for reform in manifest["reforms"]:
        body.append(f"<details><summary>{html.escape(reform)}</summary>" + _figure(
            charts.paths(monthly[base], monthly[reform], name=reform), f"{reform}: dibao and tekun recipients, "
            "and cost a month, all programmes.") + "</details>")
    body.append("<h2>Detail per reform</h2><p class='note'>" + html.escape(tables.MOVES) + "</p>")
    comparison = pd.read_parquet(folder / "comparison.parquet")
    for reform in manifest["reforms"]:
        rows = comparison[(comparison["reform"] == reform) & (comparison["area_type"] == "all")]
        body.append(f"<details><summary>{html.escape(reform)}</summary>"
                    + _table(tables.comparison_frame(rows)) + "</details>")
    body.append(_dictionary_section(["monthly", "comparison", "overview", "deciles", "replications", "targeting"]))
    meta: dict[str, Any] = {"command": "aidsim compare", "period": tables.period_text(period),
                            "seed": manifest["seed"], "replications": replications,
                            "households": f"{manifest['households']:,}",
                            "versions": ", ".join(f"{k} {v}" for k, v in manifest["versions"].items())}
    for n in names:
        meta[f"scenario {n}"] = f"sha256 {summaries[n]['scenario_sha256']}"
    body.append(_metadata_section(meta))
    return _page(f"aidsim: {len(manifest['reforms'])} reforms against {base}", body)


def run_report(folder: Path) -> str:
    summary = _read_json(folder / "summary.json")
    monthly = pd.read_parquet(folder / "monthly.parquet")
    yearly = pd.read_parquet(folder / "yearly.parquet")
    targeting = pd.read_parquet(folder / "targeting.parquet")
    name = summary["scenario_name"]
    months = int(summary["summary"]["all"]["months"])
    period = {"first": summary["first_month"], "last": summary["last_month"], "months": months}
    headline = pd.DataFrame([{
        "indicator": tables.label_cell(m, label), "unit": tables.unit_cell(unit, tables.kind_of(m)),
        **{a: tables.figure(float("nan") if summary["summary"][a][m] is None else summary["summary"][a][m], unit)
           for a in ("all", "urban", "rural") if a in summary["summary"]}}
        for m, label, unit in HEADLINE])
    body = [f"<p>{html.escape(name)}, {html.escape(tables.period_text(period))}; seed {summary['seed']}, "
            f"{summary['households_simulated']:,} households.</p>",
            "<h2>Headline</h2><p class='note'>total: over the period; avg: monthly average; %: shares. "
            + html.escape(tables.MOVES) + "</p>", _table(headline),
            "<h2>Caseload and cost, month by month</h2>" + _figure(
                charts.paths(monthly), "Dibao and tekun recipients; cost a month, all programmes."),
            "<h2>The bill by programme</h2>" + _figure(
                charts.bill({name: yearly}, list(REGISTRY.line_names), _line_labels()),
                "Yuan a year by programme (the period's total ÷ its years)."),
            "<h2>Targeting errors by cause</h2>" + _figure(
                charts.targeting({name: targeting}), "Dibao's exclusion and inclusion errors split by cause."),
            _dictionary_section(["monthly", "yearly", "by_area", "ledger", "households", "offices", "targeting"]),
            _metadata_section({"command": "aidsim run", "period": tables.period_text(period), "seed": summary["seed"],
                               "replication": summary["replication"],
                               "households": f"{summary['households_simulated']:,}",
                               "versions": ", ".join(f"{k} {v}" for k, v in summary["versions"].items()),
                               "scenario": f"sha256 {summary['scenario_sha256']}"})]
    return _page(f"aidsim: {name}", body)


#: The columns of a sweep report's table (area "all"), with the points' parameter values.
SWEEP_TABLE = ("total_cost", "dibao_cost", "dibao_persons", "dibao_coverage", "gap_closed_pl",
               "gap_closed_pl_share", "dibao_exclusion_error", "dibao_inclusion_error")


def sweep_report(folder: Path) -> str:
    """A sweep folder's report: what was swept, a table of the points, and for each swept parameter
    the chart of cost, coverage, gap closed and targeting errors (all areas, then urban and rural)."""
    manifest = _read_json(folder / "manifest.json")
    spec = _read_json(folder / "sweep.json")
    table = pd.read_parquet(folder / "sweep.parquet")
    parameters, replications = list(manifest["parameters"]), int(manifest["replications"])
    units = {m: (label, unit) for m, label, unit in table[["measure", "label", "unit"]].drop_duplicates().itertuples(index=False)}
    how = (f"{spec['method']} of {manifest['points']} points" if spec.get("method") != "grid"
           else f"a grid of {manifest['points']} points")
    reps = (f"mean of {replications} replications; bands and brackets: 5th–95th percentile" if replications > 1
            else "one replication per point (run with --replications R for intervals)")
    period = "the whole reported period" if not (spec.get("first") or spec.get("last")) else \
        f"{spec.get('first') or 'start'} … {spec.get('last') or 'end'}"
    body = [f"<p>{html.escape(spec['base'])}: {html.escape(how)} over "
            + ", ".join(f"<code>{html.escape(p)}</code>" for p in parameters)
            + f"; {html.escape(reps)}; seed {spec['seed']}; money and flows summed over {html.escape(period)}.</p>"]
    wide = table[(table["area_type"] == "all") & table["measure"].isin(SWEEP_TABLE)]
    rows = []
    for _point, r in wide.groupby("point", sort=True):
        row = {p: f"{r[p].iloc[0]:g}" for p in parameters}
        for m in SWEEP_TABLE:
            cell = r[r["measure"] == m]
            if cell.empty:
                continue
            unit = units[m][1]
            text = tables.figure(float(cell["mean"].iloc[0]), unit)
            if replications > 1:
                text += (f" [{tables.figure(float(cell['low'].iloc[0]), unit)} – "
                         f"{tables.figure(float(cell['high'].iloc[0]), unit)}]")
            row[units[m][0]] = text
        rows.append(row)
    body += ["<h2>Points</h2><p class='note'>All areas. Cost and gap closed are totals over the period.</p>",
             _table(pd.DataFrame(rows))]
    for parameter in parameters:
        caption = (f"Against {parameter}" + (", the other swept parameters varying among the points"
                                             if len(parameters) > 1 else "") + ".")
        body.append(f"<h2>{html.escape(parameter)}</h2>" + _figure(
            charts.sweep(table, parameter, swept=len(parameters)), "All areas. " + caption))
        for area in ("urban", "rural"):
            if (table["area_type"] == area).any():
                body.append(f"<details><summary>{area}</summary>" + _figure(
                    charts.sweep(table, parameter, area, swept=len(parameters)), f"{area.capitalize()} areas. "
                    + caption) + "</details>")
    body.append(_dictionary_section(["sweep"]))
    body.append(_metadata_section({"command": "aidsim sweep", "base": spec["base"],
                                   "base scenario": f"sha256 {spec['base_sha256']}", "seed": spec["seed"],
                                   "replications": replications, "points": manifest["points"],
                                   "files": ", ".join(sorted(manifest["files"]))}))
    return _page(f"aidsim: sweep of {spec['base']}", body)


def report(folder: str | Path) -> str:
    """The HTML report of a compare folder (``manifest.json``), a sweep folder (``manifest.json``
    of a sweep) or a run folder (``summary.json``)."""
    folder = Path(folder)
    command = (_read_json(folder / "manifest.json").get("command")
               if (folder / "manifest.json").is_file() else None)
    if command == "compare":
        return compare_report(folder)
    if command == "sweep":
        return sweep_report(folder)
    if (folder / "summary.json").is_file():
        return run_report(folder)
    raise ArgumentError(f"{folder} is not an aidsim output folder: it holds neither a compare or sweep "
                        f"manifest.json nor a run's summary.json (a sweep writes its manifest when it finishes)")
