"""Tables for people: numbers formatted (thousands separators, percent, yuan, never scientific
notation), titles that state the period and whether a figure is a total, a monthly average or a
share, and widths that fit 100 columns.

Used by the command line (rich tables), the HTML report and the notebooks (pandas Stylers).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd
from rich import box
from rich.table import Table

from aidsim.metrics.indicators import Catalogue, catalogue
from aidsim.reports.dictionary import moves_with_standard
from aidsim.results import HEADLINE

WIDTH = 100
MOVES = "† moves with the dibao standard: it rises when the standard rises, with no household changing."


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _clean(value: float, digits: int) -> float:
    """Rounded to what is shown, without a negative zero (``-0.0`` shows as ``0.0``)."""
    return round(float(value), digits) + 0.0


def yuan(value: float, signed: bool = False) -> str:
    """Whole yuan with thousands separators: ``42,060,440``."""
    if _missing(value):
        return "–"
    return f"{_clean(value, 0):{'+' if signed else ''},.0f}"


def million(value: float, signed: bool = False, digits: int = 2) -> str:
    """Millions of yuan: ``42.06``."""
    if _missing(value):
        return "–"
    return f"{_clean(value / 1e6, digits):{'+' if signed else ''},.{digits}f}"


def share(value: float, signed: bool = False, digits: int = 2) -> str:
    """A share as percent (``7.03%``) or, ``signed``, a change in percentage points (``+0.21 pp``)."""
    if _missing(value):
        return "–"
    if signed:
        return f"{_clean(value * 100, digits):+.{digits}f} pp"
    return f"{_clean(value * 100, digits):.{digits}f}%"


def count(value: float, signed: bool = False) -> str:
    """A count: whole numbers from 100 up, one decimal below (monthly averages)."""
    if _missing(value):
        return "–"
    sign = "+" if signed else ""
    return f"{_clean(value, 0):{sign},.0f}" if abs(value) >= 100 else f"{_clean(value, 1):{sign},.1f}"


def figure(value: float, unit: str, signed: bool = False) -> str:
    """A figure in its unit: shares as percent, yuan whole, counts and averages readable."""
    if unit.startswith("share"):
        return share(value, signed)
    if unit == "yuan":
        return yuan(value, signed)
    if "/" in unit or unit in ("days",):
        if _missing(value):
            return "–"
        return f"{value:{'+' if signed else ''},.1f}"
    return count(value, signed)


def kind_of(measure: str, cat: Catalogue | None = None) -> str:
    """``total``, ``monthly average``, ``share`` or ``average`` for a column of the run tables."""
    cat = cat or catalogue()
    if measure in ("total_cost", "months"):
        return "total"
    if measure in cat.measures:
        return "total" if cat.measures[measure].kind == "flow" else "monthly average"
    ratio = cat.ratios.get(measure)
    if ratio is not None:
        return "share" if ratio.unit == "share" else "average"
    raise KeyError(measure)


_SHORT_UNIT = {"yuan/person/month": "yuan/pers./mo.", "households": "househ."}


def unit_cell(unit: str, kind: str) -> str:
    """The unit and kind in a narrow cell: ``yuan, total``, ``persons, avg``, ``%``."""
    if kind == "share" or unit == "share":
        return "%"
    short = _SHORT_UNIT.get(unit, unit)
    return f"{short}, total" if kind == "total" else f"{short}, avg" if kind == "monthly average" else short


def label_cell(measure: str, label: str) -> str:
    return f"{label} †" if moves_with_standard(measure) else label


def period_text(period: Mapping[str, Any]) -> str:
    """``2020-01 … 2021-12 (24 months)``."""
    return f"{period['first']} … {period['last']} ({period['months']} months)"


def _table(title: str, caption: str | None = None) -> Table:
    return Table(title=title, caption=caption, box=box.SIMPLE_HEAD, title_justify="left",
                 caption_justify="left", pad_edge=False, expand=False)


def span(low: float, high: float, fmt: Any) -> str:
    """A 90% interval in a narrow cell: ``0.94…0.97``."""
    if _missing(low) or _missing(high):
        return ""
    return f"{fmt(low)}…{fmt(high)}"


def overview_table(overview: pd.DataFrame, period: Mapping[str, Any], replications: int,
                   area_type: str = "all") -> Table:
    """One line per reform: extra cost a year, extra recipients, coverage, gap closed, cost per
    yuan of gap closed and the share of the extra spending reaching the pre-transfer poor; a
    second line with the 90% interval when replicated."""
    rows = overview[overview["area_type"] == area_type]
    interval = replications > 1
    reps = (f"mean of {replications} replications, 90% interval below" if interval
            else "1 replication, common random numbers; coverage: change below")
    base = rows["coverage_baseline"].iloc[0] if len(rows) else float("nan")
    title = (f"Reforms against the baseline, {area_type} areas, {period_text(period)}; {reps}. "
             f"Money: million yuan a year (the period's total × 12 ÷ {period['months']}); "
             f"recipients: monthly averages.")
    caption = (f"Recipients: dibao and tekun persons. Coverage: dibao recipients, share of residents "
               f"(baseline {share(base)}). Gap: to the poverty line, after transfers (%: of the "
               f"baseline's gap); cost per yuan: extra cost per yuan of gap closed (–: none closed). "
               f"To the poor: share of the extra spending (of the saving, for a cut) that reaches "
               f"households poor before transfers (–: the bill changes by under 0.1%).")
    table = _table(title, caption)
    table.box = box.MINIMAL_HEAVY_HEAD
    table.padding = (0, 1)
    table.show_edge = False
    table.add_column("reform", max_width=26, overflow="fold")
    for header in ("extra cost\nM yuan/yr", "extra\nrecipients", "dibao\ncoverage", "gap closed\nM yuan/yr (%)",
                   "cost per\nyuan", "to the\npoor"):
        table.add_column(header, justify="right", no_wrap=True)
    for _, r in rows.iterrows():
        change = r["coverage_reform"] - r["coverage_baseline"]
        cells = [str(r["reform"]), million(r["extra_cost_year"], True), count(r["extra_recipients"], True),
                 share(r["coverage_reform"]),
                 f"{million(r['gap_closed_year'], True)} ({share(r['gap_closed_share'], digits=1)})",
                 "–" if _missing(r["cost_per_yuan_closed"]) else f"{r['cost_per_yuan_closed']:,.1f}",
                 share(r["extra_to_poor_share"], digits=0)]
        second = ["", span(r["extra_cost_year_low"], r["extra_cost_year_high"], million),
                  span(r["extra_recipients_low"], r["extra_recipients_high"], count),
                  f"{change * 100:+.2f} pp", span(r["gap_closed_year_low"], r["gap_closed_year_high"], million),
                  "", span(r["extra_to_poor_share_low"], r["extra_to_poor_share_high"], lambda v: f"{v * 100:.0f}")]
        if not interval:
            second = ["" if i != 3 else text for i, text in enumerate(second)]
        table.add_row(*[c + "\n" + extra if extra else c for c, extra in zip(cells, second, strict=True)])
    return table


def detail_table(rows: pd.DataFrame, reform: str, area_type: str, period: Mapping[str, Any],
                 replications: int) -> Table:
    """Baseline, reform and difference for one reform (a slice of ``Comparison.table``)."""
    interval = replications > 1
    months = period["months"]
    title = (f"{reform} against the baseline, {area_type} areas, {period_text(period)}; "
             + (f"mean of {replications} replications, 90% interval of the difference below. "
                if interval else "1 replication. ")
             + f"total: over the {months} months; avg: monthly average; %: shares.")
    table = _table(title, MOVES)
    table.add_column("indicator", no_wrap=True, max_width=36)
    table.add_column("unit", no_wrap=True)
    for header in ("baseline", "reform", "difference"):
        table.add_column(header, justify="right", no_wrap=True)
    cat = catalogue()
    for _, r in rows.iterrows():
        unit, measure = r["unit"], r["measure"]
        diff = figure(r["difference"], unit, signed=True)
        if interval:
            diff += "\n" + span(r["low"], r["high"], lambda v, u=unit: figure(v, u, signed=True))
        table.add_row(label_cell(measure, r["label"]), unit_cell(unit, kind_of(measure, cat)),
                      figure(r["baseline"], unit), figure(r["reform_value"], unit), diff)
    return table


def summary_table(summary: Mapping[str, Mapping[str, float]], title: str) -> Table:
    """A run's headline figures for all, urban and rural areas."""
    table = _table(title, MOVES)
    table.add_column("indicator", no_wrap=True, max_width=36)
    table.add_column("unit", no_wrap=True)
    for header in ("all", "urban", "rural"):
        table.add_column(header, justify="right", no_wrap=True)
    cat = catalogue()
    for measure, label, unit in HEADLINE:
        table.add_row(label_cell(measure, label), unit_cell(unit, kind_of(measure, cat)),
                      *[figure(summary[k][measure], unit) if k in summary else "–"
                        for k in ("all", "urban", "rural")])
    return table


def deciles_table(deciles: pd.DataFrame, reform: str, period: Mapping[str, Any]) -> Table:
    """Who gains from one reform, by decile of income before transfers per head."""
    rows = deciles[deciles["reform"] == reform]
    table = _table(f"{reform}: who gains, by decile of income before transfers per head (baseline, "
                   f"person-weighted), {period_text(period)}; gains are totals over the reported months.")
    for header in ("decile", "income, yuan/pers./mo.", "persons, avg", "gain, yuan total",
                   "yuan/pers./mo.", "share of gain"):
        table.add_column(header, justify="right", no_wrap=True)
    for _, r in rows.iterrows():
        table.add_row(str(int(r["decile"])), f"{r['income_low']:,.0f} – {r['income_high']:,.0f}",
                      count(r["persons"]), yuan(r["gain_yuan"], True), f"{r['gain_pc_month']:+,.2f}",
                      share(r["gain_share"], digits=1))
    return table


# -- pandas, for the report and the notebooks ----------------------------------------------------

def comparison_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """A slice of ``Comparison.table`` as text: label († when it moves with the standard), unit
    and kind, baseline, reform, difference and the interval."""
    cat = catalogue()
    out = []
    for _, r in rows.iterrows():
        unit, measure = r["unit"], r["measure"]
        interval = "" if _missing(r["low"]) else (f"[{figure(r['low'], unit, True)}, "
                                                  f"{figure(r['high'], unit, True)}]")
        out.append({"indicator": label_cell(measure, r["label"]), "unit": unit_cell(unit, kind_of(measure, cat)),
                    "baseline": figure(r["baseline"], unit), "reform": figure(r["reform_value"], unit),
                    "difference": figure(r["difference"], unit, True), "90% interval": interval})
    return pd.DataFrame(out)


def overview_frame(overview: pd.DataFrame, area_type: str = "all") -> pd.DataFrame:
    """The overview as text, one row per reform (intervals in brackets when replicated)."""
    rows = overview[overview["area_type"] == area_type]
    out = []
    for _, r in rows.iterrows():
        def with_span(name: str, fmt: Any, r: pd.Series = r) -> str:
            text = fmt(r[name])
            if not _missing(r.get(f"{name}_low")):
                text += f" [{fmt(r[f'{name}_low'])}, {fmt(r[f'{name}_high'])}]"
            return text
        out.append({
            "reform": r["reform"],
            "extra cost, yuan a year": with_span("extra_cost_year", lambda v: yuan(v, True)),
            "extra recipients (monthly average)": with_span("extra_recipients", lambda v: count(v, True)),
            "dibao coverage, baseline → reform": f"{share(r['coverage_baseline'])} → {share(r['coverage_reform'])}",
            "gap closed, yuan a year": with_span("gap_closed_year", lambda v: yuan(v, True)),
            "share of the gap closed": share(r["gap_closed_share"]),
            "extra cost per yuan of gap closed": "–" if _missing(r["cost_per_yuan_closed"])
            else f"{r['cost_per_yuan_closed']:,.1f}",
            "extra spending to the pre-transfer poor": with_span("extra_to_poor_share", share),
        })
    return pd.DataFrame(out)
