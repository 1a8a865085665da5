"""The charts: matplotlib figures shared by the HTML report, the notebooks and the dashboard.

Every function takes tidy tables (as written to an output folder, or held by
:class:`~aidsim.results.Results` and :class:`~aidsim.runners.compare.Comparison`) and returns a
:class:`matplotlib.figure.Figure`. Figures are made without pyplot, so they work in a server
thread and in any backend; in Jupyter a returned figure is shown as the cell's output.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

#: Programme colours, one per ledger line, stable across charts.
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf", "#393b79", "#637939")
BASELINE_COLOUR, REFORM_COLOUR = "#444444", "#d62728"


def _yuan_axis(ax, axis: str = "y", scale: float = 1.0, suffix: str = "") -> None:
    def label(v: float, _pos) -> str:
        # as few decimals as the tick needs (values already in millions tick at 0.25, 0.5, …)
        text = f"{v / scale:,.2f}".rstrip("0").rstrip(".")
        return ("0" if text in ("-0", "") else text) + suffix

    fmt = FuncFormatter(label)
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(fmt)


def _scale(values: np.ndarray) -> tuple[float, str]:
    """Yuan in a readable unit: yuan, thousand or million."""
    top = float(np.nanmax(np.abs(values))) if len(values) and np.isfinite(values).any() else 0.0
    if top >= 1e6:
        return 1e6, "million yuan"
    if top >= 1e4:
        return 1e3, "thousand yuan"
    return 1.0, "yuan"


def _figure(width: float = 8.0, height: float = 4.0, ncols: int = 1) -> tuple[Figure, np.ndarray]:
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, axes


def cost_against_gap(overview: pd.DataFrame, area_type: str = "all") -> Figure:
    """Extra cost a year against the gap to the poverty line closed a year, one point per reform
    (90% intervals as error bars when replicated), with the line where a yuan spent closes a yuan."""
    rows = overview[overview["area_type"] == area_type].reset_index(drop=True)
    fig, (ax,) = _figure(8, 5)
    x, y = rows["gap_closed_year"].to_numpy(float), rows["extra_cost_year"].to_numpy(float)
    scale, unit = _scale(np.concatenate([x, y]))
    has_interval = rows["extra_cost_year_low"].notna().any()
    if has_interval:
        xerr = np.abs(np.vstack([x - rows["gap_closed_year_low"], rows["gap_closed_year_high"] - x])) / scale
        yerr = np.abs(np.vstack([y - rows["extra_cost_year_low"], rows["extra_cost_year_high"] - y])) / scale
        ax.errorbar(x / scale, y / scale, xerr=xerr, yerr=yerr, fmt="o", color=REFORM_COLOUR, ecolor="#999999",
                    capsize=3)
    else:
        ax.plot(x / scale, y / scale, "o", color=REFORM_COLOUR)
    for xi, yi, name in zip(x / scale, y / scale, rows["reform"], strict=True):
        ax.annotate(str(name), (xi, yi), textcoords="offset points", xytext=(4, 3), fontsize=7)
    top = max(float(np.nanmax(np.abs(x))) if len(x) else 0, 1e-9) / scale
    ax.plot([0, top], [0, top], ls="--", color="#999999", lw=1, label="one yuan spent closes one yuan of gap")
    ax.axhline(0, color="#cccccc", lw=0.8)
    ax.axvline(0, color="#cccccc", lw=0.8)
    ax.set_xlabel(f"gap to the poverty line closed, {unit} a year")
    ax.set_ylabel(f"extra cost, all programmes, {unit} a year")
    ax.set_title(f"Cost against poverty gap closed ({area_type} areas)", loc="left")
    ax.legend(loc="upper left", fontsize=8)
    return fig


def paths(baseline: pd.DataFrame, reform: pd.DataFrame | None = None, *, name: str = "reform",
          area_type: str = "all") -> Figure:
    """Monthly caseload (dibao and tekun recipients) and cost (all programmes), baseline against a
    reform (the ``monthly`` tables of two runs); the baseline alone when ``reform`` is None."""
    fig, axes = _figure(10, 3.6, ncols=2)
    series = [("baseline", baseline, BASELINE_COLOUR)] + ([(name, reform, REFORM_COLOUR)] if reform is not None else [])
    costs = np.concatenate([t[t["area_type"] == area_type]["total_cost"].to_numpy(float) for _, t, _ in series])
    scale, unit = _scale(costs)
    for label, table, colour in series:
        t = table[table["area_type"] == area_type]
        months = pd.PeriodIndex(t["month"], freq="M").to_timestamp()
        axes[0].plot(months, t["dibao_persons"] + t["tekun_persons"], label=label, color=colour)
        axes[1].plot(months, t["total_cost"] / scale, label=label, color=colour)
    axes[0].set_title("Caseload: dibao and tekun recipients, persons", loc="left", fontsize=10)
    axes[1].set_title(f"Cost a month, all programmes, {unit}", loc="left", fontsize=10)
    _yuan_axis(axes[0])
    for ax in axes:
        ax.legend(fontsize=8)
        ax.tick_params(axis="x", labelsize=8, rotation=30)
    return fig


def bill(yearly: Mapping[str, pd.DataFrame], lines: list[str], labels: Mapping[str, str] | None = None,
         area_type: str = "all") -> Figure:
    """The bill stacked by programme: yuan a year (average over the reported years) per scenario
    (``yearly``: scenario name → its ``yearly`` table)."""
    labels = labels or {}
    names = list(yearly)
    per_year = pd.DataFrame({
        n: t[t["area_type"] == area_type][[f"{line}_cost" for line in lines]].sum() / max(
            t[t["area_type"] == area_type]["months"].sum() / 12, 1e-9)
        for n, t in yearly.items()}).T
    per_year.columns = lines
    scale, unit = _scale(per_year.sum(axis=1).to_numpy(float))
    fig, (ax,) = _figure(9, max(2.6, 1.2 + 0.32 * len(names)))
    left = np.zeros(len(names))
    for i, line in enumerate(lines):
        values = per_year[line].to_numpy(float) / scale
        if not values.any():
            continue
        ax.barh(names, values, left=left, color=PALETTE[i % len(PALETTE)], label=labels.get(line, line))
        left += values
    ax.invert_yaxis()
    ax.set_xlabel(f"{unit} a year (the reported period's total ÷ its years)")
    ax.set_title(f"The bill by programme ({area_type} areas)", loc="left")
    ax.legend(fontsize=7, ncols=3, loc="lower center", bbox_to_anchor=(0.5, 1.04 + 0.9 / (1 + len(names))),
              frameon=False)
    _yuan_axis(ax, "x")
    ax.tick_params(axis="y", labelsize=7)
    return fig


def targeting(targeting_tables: Mapping[str, pd.DataFrame], area_type: str = "all") -> Figure:
    """Dibao's targeting errors split by cause, one bar per scenario: exclusion (share of the
    eligible households not paid) and inclusion (share of the recipient households not eligible)."""
    names = list(targeting_tables)
    fig, axes = _figure(10, max(3.2, 1.8 + 0.3 * len(names)), ncols=2)
    for ax, error in zip(axes, ("exclusion", "inclusion"), strict=True):
        left = np.zeros(len(names))
        first = next(iter(targeting_tables.values()))
        causes = [c for c in first[(first["error"] == error)]["cause"].unique() if c != "total"]
        for i, cause in enumerate(causes):
            values = []
            for n in names:
                t = targeting_tables[n]
                row = t[(t["area_type"] == area_type) & (t["error"] == error) & (t["cause"] == cause)]
                values.append(float(row["share"].iloc[0]) if len(row) and pd.notna(row["share"].iloc[0]) else 0.0)
            ax.barh(names, values, left=left, color=PALETTE[i % len(PALETTE)], label=cause.replace("_", " "))
            left += np.array(values)
        ax.invert_yaxis()
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_title(f"{error.capitalize()} error by cause", loc="left", fontsize=10)
        ax.legend(fontsize=7, ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.28), frameon=False)
        ax.tick_params(axis="y", labelsize=7)
    axes[1].tick_params(axis="y", labelleft=False)
    axes[0].set_xlabel("share of eligible households not paid (monthly average)")
    axes[1].set_xlabel("share of recipient households not eligible (monthly average)")
    return fig


def deciles(table: pd.DataFrame) -> Figure:
    """Who gains: extra payments per person and month by decile of income before transfers per
    head (1: poorest), one row per reform, as an annotated heat map."""
    reforms = list(dict.fromkeys(table["reform"]))
    grid = table.pivot(index="reform", columns="decile", values="gain_pc_month").reindex(reforms)
    fig, (ax,) = _figure(10, max(2.4, 1.0 + 0.34 * len(reforms)))
    values = grid.to_numpy(float)
    top = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
    image = ax.imshow(values, aspect="auto", cmap="RdBu", vmin=-max(top, 1e-9), vmax=max(top, 1e-9))
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(j, i, f"{v:,.1f}", ha="center", va="center", fontsize=6.5)
    ax.set_xticks(range(values.shape[1]), [str(d) for d in grid.columns])
    ax.set_yticks(range(len(reforms)), reforms, fontsize=7)
    ax.set_xlabel("decile of income before transfers per head (1: poorest tenth of residents)")
    ax.set_title("Who gains: extra payments, yuan per person and month, by decile", loc="left")
    fig.colorbar(image, ax=ax, label="yuan/person/month", shrink=0.8)
    return fig


def decile_bars(table: pd.DataFrame, reform: str) -> Figure:
    """One reform's gains by decile: yuan per person and month, with each decile's share of the
    extra payments (90% interval of the total when replicated)."""
    t = table[table["reform"] == reform]
    fig, (ax,) = _figure(8, 3.6)
    ax.bar(t["decile"], t["gain_pc_month"], color=REFORM_COLOUR)
    for d, v, s in zip(t["decile"], t["gain_pc_month"], t["gain_share"], strict=True):
        if np.isfinite(s):
            ax.annotate(f"{s:.0%}", (d, v), textcoords="offset points", xytext=(0, 3), ha="center", fontsize=8)
    ax.set_xticks(range(1, 11))
    ax.set_xlabel("decile of income before transfers per head (1: poorest)")
    ax.set_ylabel("yuan per person and month")
    ax.set_title(f"{reform}: who gains (labels: share of the extra payments)", loc="left")
    return fig


def budget_interval(runs: pd.DataFrame, months: int, area_type: str = "all") -> Figure:
    """The budget with its uncertainty: cost a year of every scenario, all programmes, mean and
    5th–95th percentile across replications (``runs``: the replications table)."""
    t = runs[(runs["area_type"] == area_type) & (runs["measure"] == "total_cost")]
    per = t.groupby("scenario", sort=False)["value"]
    names = list(per.groups)
    year = 12.0 / months
    mean = per.mean().reindex(names).to_numpy(float) * year
    low = per.quantile(0.05).reindex(names).to_numpy(float) * year
    high = per.quantile(0.95).reindex(names).to_numpy(float) * year
    reps = int(t["replication"].nunique())
    scale, unit = _scale(mean)
    fig, (ax,) = _figure(9, max(2.4, 0.9 + 0.3 * len(names)))
    ax.errorbar(mean / scale, names, xerr=np.vstack([mean - low, high - mean]) / scale, fmt="o",
                color=REFORM_COLOUR, ecolor="#555555", capsize=3)
    ax.invert_yaxis()
    ax.set_xlabel(f"{unit} a year, all programmes")
    ax.set_title(f"Budget a year with its 90% interval ({reps} replications, {area_type} areas)", loc="left")
    ax.tick_params(axis="y", labelsize=7)
    return fig


def fan(monthly_by_replication: list[pd.DataFrame], column: str = "total_cost", area_type: str = "all",
        title: str = "Cost a month, all programmes") -> Figure:
    """A fan chart: the median month across replications with the 50% and 90% bands."""
    frames = [m[m["area_type"] == area_type].set_index("month")[column] for m in monthly_by_replication]
    wide = pd.concat(frames, axis=1)
    months = pd.PeriodIndex(wide.index, freq="M").to_timestamp()
    scale, unit = _scale(wide.to_numpy(float).ravel())
    q = wide.quantile([0.05, 0.25, 0.5, 0.75, 0.95], axis=1).T / scale
    fig, (ax,) = _figure(8, 3.6)
    ax.fill_between(months, q[0.05], q[0.95], color=REFORM_COLOUR, alpha=0.15, label="90% of replications")
    ax.fill_between(months, q[0.25], q[0.75], color=REFORM_COLOUR, alpha=0.3, label="50%")
    ax.plot(months, q[0.5], color=REFORM_COLOUR, label="median")
    ax.set_title(f"{title}, {unit} ({len(frames)} replications)", loc="left")
    ax.legend(fontsize=8)
    ax.tick_params(axis="x", labelsize=8, rotation=30)
    return fig


def lines(frame: pd.DataFrame, x: str, columns: Mapping[str, str], *, title: str, ylabel: str = "",
          percent: bool = False) -> Figure:
    """Several columns of ``frame`` against ``x`` (``columns``: column → legend label)."""
    fig, (ax,) = _figure(7, 3.6)
    for column, label in columns.items():
        ax.plot(frame[x], frame[column], marker="o", label=label)
    if percent:
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(x)
    ax.set_ylabel(ylabel)
    ax.set_title(title, loc="left")
    ax.legend(fontsize=8)
    return fig


def programme_interval(costs: pd.DataFrame, title: str) -> Figure:
    """Each programme's cost with its 90% interval across replications (``costs``: one row per
    replication, one column per programme, yuan), largest first."""
    mean = costs.mean().sort_values(ascending=False)
    mean = mean[mean > 0]
    low, high = costs.quantile(0.05)[mean.index], costs.quantile(0.95)[mean.index]
    scale, unit = _scale(mean.to_numpy(float))
    fig, (ax,) = _figure(8, max(2.4, 0.8 + 0.3 * len(mean)))
    ax.barh(list(mean.index), mean / scale, color=PALETTE[0], alpha=0.7)
    ax.errorbar(mean / scale, list(mean.index), xerr=np.vstack([mean - low, high - mean]) / scale, fmt="none",
                ecolor="#222222", capsize=3)
    ax.invert_yaxis()
    ax.set_xlabel(f"{unit} (bars: mean; whiskers: 5th–95th percentile of {len(costs)} replications)")
    ax.set_title(title, loc="left")
    ax.tick_params(axis="y", labelsize=8)
    return fig


#: A sweep's chart, panel by panel: title, measures (legend labels) and whether they are shares.
SWEEP_PANELS: tuple[tuple[str, Mapping[str, str], bool], ...] = (
    ("Cost over the period", {"total_cost": "all programmes", "dibao_cost": "dibao"}, False),
    ("Dibao coverage", {"dibao_coverage": "recipients ÷ residents"}, True),
    ("Poverty gap closed by transfers", {"gap_closed_pl_share": "share of the gap before transfers"}, True),
    ("Dibao targeting errors", {"dibao_exclusion_error": "exclusion", "dibao_inclusion_error": "inclusion"}, True),
)


def sweep(table: pd.DataFrame, parameter: str, area_type: str = "all", *, swept: int = 1) -> Figure:
    """A sweep's cost, coverage, gap closed and targeting errors against one swept ``parameter``
    (``table``: the sweep's tidy table, ``sweep.parquet``). With one swept parameter, each measure
    is a line through the points' means with its 90% band across replications (when replicated);
    with ``swept`` > 1 parameters, each point is a dot, the other parameters varying among them."""
    rows = table[table["area_type"] == area_type]
    fig = Figure(figsize=(9, 6.2), layout="constrained")
    axes = fig.subplots(2, 2).ravel()
    for ax, (title, measures, is_share) in zip(axes, SWEEP_PANELS, strict=True):
        values = rows[rows["measure"].isin(list(measures))]
        scale, unit = (1.0, "") if is_share else _scale(values["mean"].to_numpy(float))
        for colour, (measure, label) in zip(PALETTE, measures.items(), strict=False):
            r = values[values["measure"] == measure].sort_values(parameter)
            x, y = r[parameter].to_numpy(float), r["mean"].to_numpy(float) / scale
            if swept > 1:
                ax.scatter(x, y, s=14, color=colour, label=label)
                continue
            ax.plot(x, y, marker="o", color=colour, label=label)
            if r["low"].notna().any():
                ax.fill_between(x, r["low"].to_numpy(float) / scale, r["high"].to_numpy(float) / scale,
                                color=colour, alpha=0.2, linewidth=0)
        if is_share:
            ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        else:
            _yuan_axis(ax)
            ax.set_ylabel(unit)
        ax.set_title(title, loc="left", fontsize=10)
        ax.set_xlabel(parameter, fontsize=8)
        ax.legend(fontsize=7)
    return fig
