"""The dashboard: a Mesa SolaraViz page for :class:`~aidsim.engine.model.AidModel`, offline.

``aidsim dashboard`` (or ``make dashboard``) serves it with ``solara run aidsim.viz.app``. The
sidebar's sliders set a reform of the baseline: the urban and rural dibao standards, the tekun
multiplier, the monthly application rate (take-up) and how much hidden income the household
survey finds (verification, a multiple of the baseline's detection). Reset builds the county with those values; Step and Play advance it
month by month. The model is the reform county, an :class:`AidModel`; beside it the same county
runs under the baseline on the same random draws (common random numbers), so every chart shows
baseline against reform. Page 0 charts caseload, cost, coverage, poverty after transfers and
targeting errors month by month; page 1 compares the reform with the baseline so far.
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

import mesa
import solara
from mesa.visualization import Slider, SolaraViz, make_plot_component
from mesa.visualization.utils import update_counter

from aidsim.engine.model import AidModel
from aidsim.metrics.indicators import catalogue
from aidsim.reports import tables
from aidsim.scenario.load import load_scenario

os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")

#: The baseline scenario the sliders change (``AIDSIM_DASHBOARD_SCENARIO`` names another).
SCENARIO = Path(os.environ.get("AIDSIM_DASHBOARD_SCENARIO",
                               Path(__file__).resolve().parents[3] / "scenarios" / "baseline.yaml"))
HOUSEHOLDS = int(os.environ.get("AIDSIM_DASHBOARD_HOUSEHOLDS", "3000"))

#: Series charted, each for the reform and the baseline: (name, label).
SERIES = (("caseload", "dibao and tekun recipients"), ("cost", "cost a month, yuan"),
          ("coverage", "dibao coverage"), ("poor_after", "poor after transfers"),
          ("exclusion", "dibao exclusion error"), ("inclusion", "dibao inclusion error"))


def _month_figures(model: AidModel) -> dict[str, float]:
    """The charted figures of the model's last reported month (all areas)."""
    result = model.last
    if result is None:
        return {name: float("nan") for name, _ in SERIES}
    cat = catalogue(model.state.registry)

    def ratio(name: str) -> float:
        r = cat.ratios[name]
        den = result.total(r.denominator)
        return result.total(r.numerator) / den if den > 0 else float("nan")

    return {"caseload": result.total("dibao_persons") + result.total("tekun_persons"),
            "cost": sum(result.total(f"{line}_cost") for line in cat.lines),
            "coverage": ratio("dibao_coverage"), "poor_after": ratio("fgt0_post_pl"),
            "exclusion": ratio("dibao_exclusion_error"), "inclusion": ratio("dibao_inclusion_error")}


class DashboardModel(AidModel):
    """The county under a reform set by the sliders, stepping beside its baseline twin.

    Parameters are the sliders': yuan per person per month for the standards (from the first
    reported month), the tekun basic standard as a multiple of dibao, the monthly application
    rate, and a multiple of the baseline's probabilities that the survey finds hidden formal,
    informal and other income (each at most 1).
    The warm-up runs when the model is built, so Step 1 is the first reported month.
    """

    def __init__(self, urban_standard: float = 750, rural_standard: float = 433,
                 tekun_multiplier: float = 1.3, take_up: float = 0.04, verification: float = 1.0,
                 households: int = HOUSEHOLDS, seed: int | None = None, scenario: str | Path = SCENARIO):
        size = {"population.households": int(households)}
        baseline = load_scenario(scenario, size)
        start = baseline.simulation.start
        found = baseline.admin.verification.detection
        reform = load_scenario(scenario, size | {
            "dibao.standard.urban": {start: float(urban_standard)},
            "dibao.standard.rural": {start: float(rural_standard)},
            "tekun.basic_multiplier": float(tekun_multiplier),
            "admin.applying.monthly_rate": float(take_up),
            **{f"admin.verification.detection.{kind}": min(1.0, getattr(found, kind) * float(verification))
               for kind in ("formal", "informal", "other")},
        })
        super().__init__(reform, seed=seed)
        self.twin = AidModel(baseline, seed=seed)
        self.settings = {"urban standard": urban_standard, "rural standard": rural_standard,
                         "tekun multiplier": tekun_multiplier, "take-up": take_up, "verification": verification}
        self.datacollector = mesa.DataCollector(model_reporters={
            **{f"{name} (reform)": _reporter(name, twin=False) for name, _ in SERIES},
            **{f"{name} (baseline)": _reporter(name, twin=True) for name, _ in SERIES}})
        while self.month < self.start_month:  # the warm-up, unreported
            self.twin.step()
            AidModel.step(self)
        self.steps = 0
        self.extra_cost = 0.0

    def step(self) -> None:
        """One reported month of the baseline twin and of the reform county."""
        self.twin.step()
        super().step()
        if self.last is not None and self.twin.last is not None:
            self.extra_cost += _month_figures(self)["cost"] - _month_figures(self.twin)["cost"]


def _reporter(name: str, twin: bool):
    def report(model: DashboardModel) -> float:
        return _month_figures(model.twin if twin else model)[name]

    return report


def _style(title: str, percent: bool = False):
    def post_process(ax: Any) -> None:
        ax.set_title(title, loc="left", fontsize=10)
        ax.set_xlabel("month")
        if percent:
            from matplotlib.ticker import PercentFormatter

            ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        else:
            from matplotlib.ticker import FuncFormatter

            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))

    return post_process


def _pair(name: str) -> dict[str, str]:
    return {f"{name} (baseline)": "#444444", f"{name} (reform)": "#d62728"}


def _html_table(header: list[str], rows: list[list[str]]) -> str:
    """A small HTML table (solara.Markdown would fetch KaTeX from a CDN; this page stays offline)."""
    head = "".join(f"<th style='padding:2px 10px'>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td style='padding:2px 10px;text-align:{'left' if i == 0 else 'right'}'>"
                                    f"{html.escape(c)}</td>" for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table style='border-collapse:collapse'><tr>{head}</tr>{body}</table>"


@solara.component
def Figures(model: DashboardModel) -> None:
    """The current month's figures, reform against baseline."""
    update_counter.get()
    month = model.history[-1].month if model.history else None
    now, base = _month_figures(model), _month_figures(model.twin)
    rows = [["dibao and tekun recipients", tables.count(base["caseload"]), tables.count(now["caseload"])],
            ["cost this month, yuan", tables.yuan(base["cost"]), tables.yuan(now["cost"])],
            ["dibao coverage", tables.share(base["coverage"]), tables.share(now["coverage"])],
            ["poor after transfers", tables.share(base["poor_after"]), tables.share(now["poor_after"])],
            ["exclusion error", tables.share(base["exclusion"]), tables.share(now["exclusion"])],
            ["inclusion error", tables.share(base["inclusion"]), tables.share(now["inclusion"])]]
    when = "not started" if month is None else _month_text(month)
    solara.HTML(tag="div", unsafe_innerHTML=(
        f"<p><b>Month {model.steps}</b> ({when})</p>" + _html_table(["figure", "baseline", "reform"], rows)
        + f"<p>Extra cost so far: <b>{tables.yuan(model.extra_cost, signed=True)} yuan</b></p>"
        + "<p style='color:#555'>Reform: " + html.escape(", ".join(f"{k} {v:g}" for k, v in model.settings.items()))
        + ". Standards in yuan per person and month.</p>"))


@solara.component
def Comparison(model: DashboardModel) -> None:
    """Page 1: the reform against the baseline over the months run so far."""
    update_counter.get()
    frame = model.datacollector.get_model_vars_dataframe()
    if frame.empty:
        solara.HTML(tag="div", unsafe_innerHTML="<h3>Reform against the baseline</h3><p>Step the model to "
                                                "compare.</p>")
        return
    months = len(frame)
    settings = ", ".join(f"{k} {v:g}" for k, v in model.settings.items())
    rows = []
    for name, label in SERIES:
        b, r = frame[f"{name} (baseline)"], frame[f"{name} (reform)"]
        if name == "cost":
            rows.append(["cost, yuan, total over the months", tables.yuan(b.sum()), tables.yuan(r.sum()),
                         tables.yuan(r.sum() - b.sum(), True)])
        elif name == "caseload":
            rows.append([f"{label}, monthly average", tables.count(b.mean()), tables.count(r.mean()),
                         tables.count(r.mean() - b.mean(), True)])
        else:
            rows.append([f"{label}, monthly average", tables.share(b.mean()), tables.share(r.mean()),
                         tables.share(r.mean() - b.mean(), True)])
    solara.HTML(tag="div", unsafe_innerHTML=(
        "<h3>Reform against the baseline</h3>"
        f"<p>Over the {months} months run so far (totals: sums over the months; others: monthly averages). "
        f"Settings: {html.escape(settings)}.</p>" + _html_table(["figure", "baseline", "reform", "difference"], rows)))


def _month_text(month: int) -> str:
    from aidsim.calendar import format_month

    return format_month(month)


MODEL_PARAMS = {
    # Labels stay short: the sidebar is narrow (units: yuan per person and month; × dibao standard;
    # applications per eligible-looking household and month; × the baseline's detection).
    "urban_standard": Slider("Urban standard", 750, 500, 1200, 10),
    "rural_standard": Slider("Rural standard", 433, 303, 803, 10),  # 433 on the slider's steps
    "tekun_multiplier": Slider("Tekun × dibao", 1.3, 1.0, 2.0, 0.1),
    "take_up": Slider("Take-up rate", 0.04, 0.0, 0.5, 0.01),
    "verification": Slider("Verification ×", 1.0, 0.0, 2.5, 0.1),
    "households": HOUSEHOLDS,
}

COMPONENTS = [
    (Figures, 0),
    make_plot_component(_pair("caseload"), post_process=_style("Caseload: dibao and tekun recipients")),
    make_plot_component(_pair("cost"), post_process=_style("Cost a month, yuan")),
    make_plot_component(_pair("coverage"), post_process=_style("Dibao coverage", percent=True)),
    make_plot_component(_pair("poor_after"), post_process=_style("Poor after transfers", percent=True)),
    make_plot_component({**_pair("exclusion"), **{"inclusion (baseline)": "#1f77b4", "inclusion (reform)": "#ff7f0e"}},
                        post_process=_style("Dibao targeting errors", percent=True)),
    (Comparison, 1),
    make_plot_component(_pair("cost"), post_process=_style("Cost a month, yuan"), page=1),
]

model = DashboardModel()
page = SolaraViz(model, components=COMPONENTS, model_params=MODEL_PARAMS, name="aidsim: a county month by month",
                 play_interval=300)
