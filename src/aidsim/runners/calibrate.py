"""Calibration: choose the parameters a county profile cannot observe so that the model matches
the figures it publishes (simulated method of moments on common random numbers).

Two steps:

1. **Set directly** from the profile, on the population alone (no simulation of months): the
   households from the residents and persons per household, the urban share, the disability
   grades (:func:`aidsim.scenario.profile.scenario_tree`); then, by bisection on drawn
   populations, the age structure (shares 60+ and 80+ tilt the age bands of household heads and
   people living alone), the disability prevalence (certified disabled persons) and the orphan
   share (orphans ÷ minors).
2. **Fitted** by ``scipy.optimize.least_squares`` on simulated years: each evaluation runs the
   model with the same seed and replication (common random numbers), so the objective is a
   deterministic function of the parameters; every residual is
   ``(model − published) / (uncertainty × published)``, so each target weighs by its stated
   uncertainty, and a weak prior row per parameter, ``(x − default) / prior_sd``, keeps the
   parameters that no figure pins down at their defaults. The Jacobian is taken by forward
   differences with steps large enough to see through the small steps that single households
   make (a household applies or not), evaluated in parallel.

The fitted parameters (:data:`PARAMETERS`) and why each is identified:

- ``admin.applying.area_factor.urban`` / ``.rural`` (take-up, urban and rural separately): the
  dibao caseloads (persons, households, coverage) and spending of each area. Given the income
  distribution, how many of the eligible are on the roll is what take-up decides; one rate
  cannot match an urban and a rural caseload together.
- ``shocks.income.mean_log_earnings.urban`` / ``.rural`` (the income distribution's location):
  the per-capita disposable income of each area and, through the depth of poverty, the average
  subsidy.
- ``shocks.income.persistent_sd`` (its spread): the poorest fifth's income, and the average
  dibao subsidy (how far below the standard recipients are), given the location.
- ``population.outside_supporter_share.rural`` (tekun's 三无 pool; nearly all recipients are
  rural, so the urban share keeps its default): the tekun caseload. With a monthly take-up of
  0.15 and yearly reviews, the tekun roll is almost the whole eligible pool, so the count pins
  the pool, not the take-up rate; tekun's take-up is therefore not fitted.
- ``temporary.take_up`` (temporary assistance): the cases a year and the spending.

Not fitted: the hidden-income shares (``admin.declaring.hidden_share``). No published figure
measures concealment: what it does to caseloads and spending, more households on the roll and
deeper top-ups, is what take-up and the income spread do too, so with a bureau's figures it is
not identified separately. It keeps its default. After the fit, a parameter counts as pinned
down when its posterior standard error is under half its prior's; the report names the others.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import least_squares

from aidsim.calendar import format_month
from aidsim.engine.model import AidModel
from aidsim.errors import CalibrationError
from aidsim.metrics.indicators import summarise
from aidsim.population.synth import build_population
from aidsim.results import Results
from aidsim.rng import Streams
from aidsim.scenario.load import merge_overrides, validate_scenario
from aidsim.scenario.profile import CountyProfile, Figure, scenario_tree, uncertainty
from aidsim.scenario.schema import Scenario

Message = Callable[[str], None]


@dataclass(frozen=True)
class Parameter:
    """A parameter the fit may move: its dotted path, the scale it is fitted on, its prior and
    bounds on that scale, the profile figures that inform it, and why."""

    path: str
    transform: str                  # identity | log | logit
    prior_sd: float                 # on the fit scale
    step: float                     # finite-difference step on the fit scale
    lower: float
    upper: float
    informed_by: tuple[str, ...]    # profile key prefixes
    why: str


PARAMETERS: tuple[Parameter, ...] = (
    Parameter("admin.applying.area_factor.urban", "log", 1.0, 0.08, math.log(0.02), math.log(50),
              ("caseloads.dibao_persons.urban", "caseloads.dibao_households.urban",
               "caseloads.dibao_coverage.urban", "spending.dibao.urban", "spending.dibao.total"),
              "urban take-up: urban dibao caseload and spending"),
    Parameter("admin.applying.area_factor.rural", "log", 1.0, 0.08, math.log(0.02), math.log(50),
              ("caseloads.dibao_persons.rural", "caseloads.dibao_households.rural",
               "caseloads.dibao_coverage.rural", "spending.dibao.rural", "spending.dibao.total"),
              "rural take-up: rural dibao caseload and spending"),
    Parameter("shocks.income.mean_log_earnings.urban", "identity", 0.5, 0.04, 5.0, 11.5,
              ("incomes.disposable_income.urban", "incomes.bottom_quintile.urban",
               "caseloads.dibao_average_subsidy.urban", "spending.dibao.urban", "spending.dibao.total"),
              "urban income level: urban disposable income, and the depth of urban poverty"),
    Parameter("shocks.income.mean_log_earnings.rural", "identity", 0.5, 0.04, 5.0, 11.5,
              ("incomes.disposable_income.rural", "incomes.bottom_quintile.rural",
               "caseloads.dibao_average_subsidy.rural", "spending.dibao.rural", "spending.dibao.total"),
              "rural income level: rural disposable income, and the depth of rural poverty"),
    Parameter("shocks.income.persistent_sd", "log", 0.3, 0.04, math.log(0.1), math.log(2.5),
              ("incomes.bottom_quintile", "caseloads.dibao_average_subsidy", "spending.dibao"),
              "income spread: the poorest fifth's income and the average subsidy, given the level"),
    Parameter("population.outside_supporter_share.rural", "logit", 1.0, 0.15, -6.0, 9.0,
              ("caseloads.tekun_persons", "spending.tekun"),
              "tekun's 三无 pool (no supporter elsewhere): the tekun caseload"),
    Parameter("temporary.take_up", "logit", 1.0, 0.15, -7.0, 7.0,
              ("caseloads.temporary_cases", "spending.temporary"),
              "temporary-assistance take-up: cases a year and spending"),
)

NOT_FITTED = {
    "admin.declaring.hidden_share": "no published figure measures concealment; its effect on caseloads and "
                                    "spending is what take-up and the income spread do too",
    "admin.tekun.take_up_rate": "the tekun roll is almost the whole eligible pool, so its count pins the pool "
                                "(population.outside_supporter_share.rural), not the monthly take-up",
}


def to_fit(value: float, transform: str) -> float:
    if transform == "log":
        return math.log(max(value, 1e-12))
    if transform == "logit":
        v = min(max(value, 1e-9), 1 - 1e-9)
        return math.log(v / (1 - v))
    return value


def from_fit(x: float, transform: str) -> float:
    if transform == "log":
        return math.exp(x)
    if transform == "logit":
        return 1 / (1 + math.exp(-x))
    return x


def get_path(tree: dict[str, Any], dotted: str) -> Any:
    node: Any = tree
    for part in dotted.split("."):
        node = node[part]
    return node


# -- targets -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Target:
    key: str          # profile key path
    value: float      # published
    sd: float         # relative standard error
    unit: str
    source: str
    year: int


def targets_of(profile: CountyProfile) -> tuple[list[Target], dict[str, str]]:
    """The profile's figures the model can be compared with, and the figures it cannot, with the
    reason. Residents and standards are inputs, not targets."""
    figures = profile.figures()
    targets, skipped = [], {}
    tekun = [figures.get("caseloads.tekun_persons.dispersed"), figures.get("caseloads.tekun_persons.institutional")]
    for key, fig in figures.items():
        if key.startswith(("population.residents", "policy.", "population.households",
                           "population.household_size", "population.disabled_severe")):
            continue  # inputs the scenario takes directly
        if key.startswith("caseloads.tekun_persons"):
            continue
        if key == "caseloads.margin_households" or key in MODEL_FIGURES:
            targets.append(_target(key, fig))
        else:
            skipped[key] = "the model has no figure to compare it with"
    if all(tekun):
        total = tekun[0].value + tekun[1].value
        sd = math.hypot(tekun[0].value * uncertainty("c", tekun[0]), tekun[1].value * uncertainty("c", tekun[1]))
        targets.append(Target("caseloads.tekun_persons", total, sd / total if total else 0.03, "persons",
                              f"{tekun[0].source}; {tekun[1].source}", tekun[0].year))
        targets.append(_target("caseloads.tekun_persons.institutional", tekun[1]))
    elif tekun[1] is not None:  # institutions only: the model reports them
        targets.append(_target("caseloads.tekun_persons.institutional", tekun[1]))
    elif tekun[0] is not None:
        skipped["caseloads.tekun_persons.dispersed"] = (
            "the model reports all tekun recipients and those in institutions; give both parts")
    return targets, skipped


def _target(key: str, fig: Figure) -> Target:
    return Target(key, fig.value, uncertainty(key, fig), MODEL_FIGURES.get(key, ("", ""))[1], fig.source, fig.year)


#: Profile figures the model reports: key → (how the model gives it, unit).
MODEL_FIGURES: dict[str, tuple[str, str]] = {
    **{f"caseloads.dibao_persons.{a}": ("dibao_persons", "persons") for a in ("urban", "rural")},
    **{f"caseloads.dibao_households.{a}": ("dibao_households", "households") for a in ("urban", "rural")},
    **{f"caseloads.dibao_coverage.{a}": ("dibao_coverage", "share") for a in ("urban", "rural")},
    **{f"caseloads.dibao_average_subsidy.{a}": ("dibao_avg_subsidy", "yuan/person/month") for a in ("urban", "rural")},
    **{f"spending.dibao.{a}": ("dibao_cost", "yuan") for a in ("urban", "rural", "total")},
    **{f"incomes.disposable_income.{a}": ("income", "yuan/person/year") for a in ("urban", "rural")},
    **{f"incomes.bottom_quintile.{a}": ("income_q1", "yuan/person/year") for a in ("urban", "rural")},
    "caseloads.tekun_persons": ("tekun_persons", "persons"),
    "caseloads.tekun_persons.institutional": ("tekun_institutional", "persons"),
    "caseloads.orphans": ("orphans_recipients", "persons"),
    "caseloads.margin_households": ("margin_households", "households"),
    "caseloads.temporary_cases": ("temporary_recipients", "cases/year"),
    "spending.tekun": ("tekun_cost", "yuan"),
    "spending.temporary": ("temporary_cost", "yuan"),
    "spending.medical": ("medical_cost", "yuan"),
    "spending.orphans": ("orphans_cost", "yuan"),
    "spending.disability": ("disability_cost", "yuan"),
    "spending.total": ("total_cost", "yuan"),
    "population.share_60_plus": ("share_elderly", "share"),
    "population.share_80_plus": ("share_80_plus", "share"),
    "population.disabled_persons": ("disabled", "persons"),
}


# -- one evaluation ------------------------------------------------------------------------------

def simulate(scenario: dict[str, Any], seed: int, replication: int, residents: dict[str, float],
             first: str | None = None, last: str | None = None) -> dict[str, float]:
    """Run a scenario (resolved data) and return every profile figure the model gives, scaled to
    the county's ``residents`` (``{"urban": …, "rural": …}``) over the months ``first``…``last``
    (default: all reported months). Top level, so that process pools can run it."""
    s = validate_scenario(scenario, source="calibration")
    model = AidModel(s, seed=seed, replication=replication)
    first = first or format_month(s.simulation.start_month)
    last = last or format_month(s.simulation.start_month + s.simulation.months - 1)
    incomes: dict[str, list[np.ndarray]] = {"urban": [], "rural": []}
    weights: dict[str, list[np.ndarray]] = {"urban": [], "rural": []}
    urban_h = model.state.population.households.urban
    disabled = []
    model.keep_frame = True
    while model.running:
        model.step()
        month = format_month(model.month - 1)
        if first <= month <= last and model.frame is not None:
            pc = np.asarray(model.frame["household.pre_pc"], dtype=np.float64)
            n = np.asarray(model.frame["household.alive_count"], dtype=np.float64)
            ok = n > 0
            for area, mask in (("urban", urban_h & ok), ("rural", ~urban_h & ok)):
                incomes[area].append(pc[mask])
                weights[area].append(n[mask])
            p = model.state.population.persons
            disabled.append(float(np.count_nonzero(p.alive & (p.disability > 0) & p.certified)))
    results = Results.from_model(model)
    sums = results.sums[(results.sums["month"] >= first) & (results.sums["month"] <= last)]
    table = summarise(sums, ["area_type"], results.catalogue).set_index("area_type")
    total = summarise(sums, [], results.catalogue).iloc[0]
    persons = {a: float(table.loc[a, "persons"]) if a in table.index else 0.0 for a in ("urban", "rural")}
    scale = {a: residents[a] / persons[a] if persons[a] > 0 else 0.0 for a in ("urban", "rural")}
    all_persons = persons["urban"] + persons["rural"]
    scale_all = (residents["urban"] + residents["rural"]) / all_persons if all_persons else 0.0
    years = max(int(total["months"]), 1) / 12
    out: dict[str, float] = {}
    for key, (measure, unit) in MODEL_FIGURES.items():
        area = key.rsplit(".", 1)[-1]
        row, k = (table.loc[area], scale[area]) if area in ("urban", "rural") and area in table.index else (total, scale_all)
        if measure == "income" or measure == "income_q1":
            if area not in incomes or not incomes[area]:
                continue
            pc, w = np.concatenate(incomes[area]), np.concatenate(weights[area])
            out[key] = 12 * (_bottom_mean(pc, w, 0.2) if measure == "income_q1" else float(np.average(pc, weights=w)))
            continue
        if measure == "disabled":
            out[key] = float(np.mean(disabled)) * scale_all
            continue
        if measure == "disability_cost":
            value = float(row["disability_living_cost"] + row["disability_care_cost"])
        else:
            value = float(row[measure])
        if unit in ("share", "yuan/person/month"):
            out[key] = value
        elif unit == "cases/year":  # a monthly average (cases a month) → cases a year
            out[key] = value * 12 * k
        elif unit == "yuan":
            out[key] = value * k / years
        else:
            out[key] = value * k
    out["_simulated_persons"] = all_persons
    return out


def _bottom_mean(values: np.ndarray, weights: np.ndarray, share: float) -> float:
    """Person-weighted mean of the poorest ``share`` of persons."""
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    cum = np.cumsum(w)
    cut = share * cum[-1]
    take = np.minimum(w, np.maximum(cut - (cum - w), 0))
    return float(np.sum(v * take) / np.sum(take))


# -- the direct step -----------------------------------------------------------------------------

def _population_shares(tree: dict[str, Any], seed: int) -> dict[str, float]:
    s = validate_scenario(tree, source="calibration")
    pop = build_population(s, Streams(seed, 0), capacity=False)
    p = pop.persons
    years = p.age_months / 12
    n = p.n if hasattr(p, "n") else len(years)
    minors = float(np.count_nonzero(years < 18))
    return {"share_60_plus": float(np.mean(years >= 60)), "share_80_plus": float(np.mean(years >= 80)),
            # the profile counts certificate holders (持证残疾人), a share of the disabled
            "disabled": float(np.count_nonzero((p.disability > 0) & p.certified)) / n, "minors": minors / n,
            "persons": n}


def _tilt(bands: dict[str, Any], old: float, very_old: float) -> dict[str, Any]:
    """Age bands with the shares of bands from 60 multiplied by ``old`` and from 80 by ``very_old``."""
    starts, shares = bands["starts"], bands["shares"]
    w = [s * (old if a >= 60 else 1.0) * (very_old if a >= 80 else 1.0) for a, s in zip(starts, shares, strict=True)]
    total = sum(w)
    out = [round(x / total, 6) for x in w]
    out[out.index(max(out))] += round(1.0 - sum(out), 6)
    return {**bands, "shares": out}


def _bisect(f: Callable[[float], float], target: float, low: float, high: float, steps: int = 14) -> float:
    """Solve f(x) = target for an increasing f on a log scale between ``low`` and ``high``."""
    lo, hi = math.log(low), math.log(high)
    for _ in range(steps):
        mid = (lo + hi) / 2
        if f(math.exp(mid)) < target:
            lo = mid
        else:
            hi = mid
    return math.exp((lo + hi) / 2)


def set_directly(profile: CountyProfile, tree: dict[str, Any], seed: int,
                 message: Message | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """The population values the profile sets directly (ages, disability, orphans), found on
    drawn populations (no months simulated); returns the tree with them and a note per value."""
    say = message or (lambda _m: None)
    pop = profile.population
    notes: dict[str, str] = {}
    small = merge_overrides(tree, {"population.households": min(20_000, tree["population"]["households"])})
    defaults = Scenario().population
    head = tree["population"].get("head_age", defaults.head_age.model_dump())
    single = tree["population"].get("single_age", defaults.single_age.model_dump())

    def shares_with(old: float, very_old: float) -> dict[str, float]:
        t = merge_overrides(small, {"population.head_age": _tilt(head, old, very_old),
                                    "population.single_age": _tilt(single, old, very_old)})
        return _population_shares(t, seed)

    old = very_old = 1.0
    if pop.share_60_plus is not None or pop.share_80_plus is not None:
        say("setting the age structure from the shares 60+ and 80+")
        for _ in range(2):
            if pop.share_60_plus is not None:
                old = _bisect(lambda a, b=very_old: shares_with(a, b)["share_60_plus"], pop.share_60_plus.value, 0.05, 20)
            if pop.share_80_plus is not None:
                very_old = _bisect(lambda b, a=old: shares_with(a, b)["share_80_plus"], pop.share_80_plus.value, 0.05, 20)
        tree = merge_overrides(tree, {"population.head_age": _tilt(head, old, very_old),
                                      "population.single_age": _tilt(single, old, very_old)})
        small = merge_overrides(small, {"population.head_age": _tilt(head, old, very_old),
                                        "population.single_age": _tilt(single, old, very_old)})
        notes["population.head_age, population.single_age"] = (
            f"age bands from 60 × {old:.3f}, from 80 × {very_old:.3f} (shares 60+ and 80+, on the drawn population)")
    base = _population_shares(small, seed)
    if pop.disabled_persons is not None and profile.residents > 0:
        target = pop.disabled_persons.value / profile.residents
        d = defaults
        k = target / base["disabled"] if base["disabled"] > 0 else 1.0
        k = min(k, 1 / max(d.disability_prevalence_60_plus, d.disability_prevalence.rural, 1e-9))
        tree = merge_overrides(tree, {
            "population.disability_prevalence": {"urban": round(d.disability_prevalence.urban * k, 6),
                                                 "rural": round(d.disability_prevalence.rural * k, 6)},
            "population.disability_prevalence_60_plus": round(d.disability_prevalence_60_plus * k, 6)})
        notes["population.disability_prevalence"] = (
            f"default prevalences × {k:.3f} (certified disabled persons ÷ the certified share)")
    if profile.caseloads.orphans is not None and base["minors"] > 0:
        share = profile.caseloads.orphans.value / (base["minors"] * profile.residents)
        tree = merge_overrides(tree, {"population.orphan_share": round(min(share, 1.0), 6)})
        notes["population.orphan_share"] = f"{share:.5f}: orphans ÷ minors of the drawn population"
    return tree, notes


# -- the fit -------------------------------------------------------------------------------------

@dataclass
class FitResult:
    """What ``calibrate`` found."""

    profile: CountyProfile
    scenario: dict[str, Any]                 # the calibrated scenario (resolved data)
    overrides: dict[str, Any]                # the values calibration set (dotted path → value)
    notes: dict[str, str]                    # how each directly-set value was found
    parameters: list[Parameter]              # fitted
    estimate: np.ndarray                     # fit scale
    covariance: np.ndarray                   # fit scale
    pinned: dict[str, bool]                  # parameter → pinned down by the figures
    unused: dict[str, str]                   # parameters not fitted → why
    report: list[dict[str, Any]]             # one row per target
    skipped: dict[str, str]                  # profile figures not compared → why
    seconds: float
    evaluations: int
    simulated_households: int
    message: str = ""
    history: list[float] = field(default_factory=list)

    def values(self) -> dict[str, float]:
        return {p.path: from_fit(x, p.transform) for p, x in zip(self.parameters, self.estimate, strict=True)}

    def write(self, path: str | Path, profile: str | Path, name: str | None = None) -> Path:
        """Write the calibrated scenario to ``path`` (naming ``profile``, the profile's file, by
        its path relative to ``path``'s folder) and the fit report beside it (``.fit.csv``);
        what ``aidsim calibrate`` writes. Returns ``path``."""
        import os

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        ref = os.path.relpath(Path(profile).resolve(), path.resolve().parent)
        path.write_text(calibrated_yaml(self, ref, name), encoding="utf-8")
        report_frame(self).to_csv(path.with_suffix(".fit.csv"), index=False)
        return path


class _Evaluator:
    """Model figures at parameter vectors, cached, evaluated in parallel when asked."""

    def __init__(self, tree: dict[str, Any], params: list[Parameter], seed: int, residents: dict[str, float],
                 workers: int, message: Message):
        self.tree, self.params, self.seed, self.residents = tree, params, seed, residents
        self.cache: dict[tuple, dict[str, float]] = {}
        self.pool = ProcessPoolExecutor(max_workers=workers) if workers > 1 else None
        self.message = message
        self.evaluations = 0

    def scenario(self, x: np.ndarray) -> dict[str, Any]:
        return merge_overrides(self.tree, {p.path: float(from_fit(v, p.transform))
                                           for p, v in zip(self.params, x, strict=True)})

    def many(self, xs: list[np.ndarray]) -> list[dict[str, float]]:
        keys = [tuple(np.round(x, 12)) for x in xs]
        todo = [(k, x) for k, x in zip(keys, xs, strict=True) if k not in self.cache]
        todo = list(dict(todo).items())
        args = [(self.scenario(np.array(k)), self.seed, 0, self.residents) for k, _ in todo]
        if self.pool is not None and len(args) > 1:
            outs = list(self.pool.map(simulate, *zip(*args, strict=True)))
        else:
            outs = [simulate(*a) for a in args]
        for (k, _), out in zip(todo, outs, strict=True):
            self.cache[k] = out
        self.evaluations += len(todo)
        return [self.cache[k] for k in keys]

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()


def calibrate(profile: CountyProfile, *, base: dict[str, Any] | None = None, seed: int = 20200101,
              households: int | None = None, workers: int = 2, max_evaluations: int = 120,
              start: dict[str, float] | None = None, fit: tuple[str, ...] | None = None,
              noise_replications: int = 4, message: Message | None = None) -> FitResult:
    """Calibrate a scenario to a county profile (see the module's docstring).

    Parameters
    ----------
    base
        Scenario data the profile's values are merged onto (default: the default scenario).
    households
        Simulate this many households instead of the county's (faster; the figures are scaled
        to the county's residents). The fitted scenario keeps the county's own households.
    start
        Start values of fitted parameters (dotted path → value), instead of the base's.
    fit
        Restrict the fitted parameters to these paths.
    noise_replications
        Runs at the fitted values on other random streams, to measure each figure's simulation
        noise: the fit matched one set of streams, so its estimate carries that noise as well as
        the figures' own, and the covariance counts both (0: the figures' uncertainty only).
    message
        Called with a line of progress (the CLI prints it).
    """
    say = message or (lambda _m: None)
    began = time.monotonic()
    tree = merge_overrides(Scenario().resolved() if base is None else base, {})
    tree = _merge_tree(tree, scenario_tree(profile))
    full_households = tree["population"]["households"]
    tree, notes = set_directly(profile, tree, seed, say)
    targets, skipped = targets_of(profile)
    if not targets:
        raise CalibrationError(
            f"profile {profile.name!r} gives no figure the model can be fitted to (caseloads, spending, "
            f"incomes or age shares); it sets the population and the standards only")
    fit_tree = merge_overrides(tree, {"population.households": households}) if households else tree
    fit_tree = merge_overrides(fit_tree, {"simulation.seed": seed})
    residents = {"urban": profile.population.residents.urban.value,
                 "rural": profile.population.residents.rural.value}
    keys = [t.key for t in targets]
    params = [p for p in PARAMETERS if any(k.startswith(prefix) for k in keys for prefix in p.informed_by)]
    if fit is not None:
        params = [p for p in params if p.path in fit]
    unused = {p.path: "no figure in the profile informs it" for p in PARAMETERS if p not in params}
    unused |= NOT_FITTED
    x0 = np.array([to_fit(float(get_path(fit_tree, p.path)), p.transform) for p in params])
    prior = x0.copy()
    if start:
        x0 = np.array([to_fit(start.get(p.path, from_fit(x, p.transform)), p.transform)
                       for p, x in zip(params, x0, strict=True)])
    x0 = np.clip(x0, [p.lower + 1e-9 for p in params], [p.upper - 1e-9 for p in params])
    value = np.array([t.value for t in targets])
    sd = np.array([max(t.sd * abs(t.value), 1e-9) for t in targets])
    prior_sd = np.array([p.prior_sd for p in params])
    ev = _Evaluator(fit_tree, params, seed, residents, workers, say)
    history: list[float] = []

    def residuals_of(out: dict[str, float], x: np.ndarray) -> np.ndarray:
        model = np.array([out.get(k, np.nan) for k in keys])
        r = (model - value) / sd
        return np.concatenate([np.nan_to_num(r, nan=0.0), (x - prior) / prior_sd])

    def fun(x: np.ndarray) -> np.ndarray:
        r = residuals_of(ev.many([x])[0], x)
        history.append(float(r @ r))
        say(f"evaluation {ev.evaluations}: weighted squared error {r @ r:,.2f}")
        return r

    def jac(x: np.ndarray) -> np.ndarray:
        steps = [np.where(np.arange(len(x)) == j, p.step, 0.0) for j, p in enumerate(params)]
        trial = [np.clip(x + s, [p.lower for p in params], [p.upper for p in params]) for s in steps]
        outs = ev.many([x, *trial])
        f0 = residuals_of(outs[0], x)
        cols = [(residuals_of(o, t) - f0) / (t[j] - x[j]) if t[j] != x[j] else np.zeros_like(f0)
                for j, (o, t) in enumerate(zip(outs[1:], trial, strict=True))]
        say(f"evaluation {ev.evaluations}: gradient taken ({len(params)} parameters)")
        return np.column_stack(cols)

    try:
        if params:
            say(f"fitting {len(params)} parameters to {len(targets)} figures "
                f"({fit_tree['population']['households']:,} households simulated)")
            res = least_squares(fun, x0, jac=jac, bounds=([p.lower for p in params], [p.upper for p in params]),
                                method="trf", x_scale=prior_sd, max_nfev=max(3, max_evaluations // (len(params) + 1)),
                                xtol=1e-3, ftol=1e-3, gtol=1e-4)
            x, status = res.x, res.message
            j = jac(x)
        else:
            x, status, j = x0, "nothing to fit", np.zeros((len(targets), 0))
        out = ev.many([x])[0]
        noise = np.zeros(len(targets))
        if noise_replications > 0 and params:
            say(f"measuring simulation noise: {noise_replications} runs on other random streams")
            scenario = ev.scenario(x)
            args = [(scenario, seed, r, residents) for r in range(1, noise_replications + 1)]
            runs = list(ev.pool.map(simulate, *zip(*args, strict=True))) if ev.pool else [simulate(*a) for a in args]
            ev.evaluations += len(runs)
            model = np.array([[o.get(k, np.nan) for k in keys] for o in [out, *runs]])
            noise = np.nan_to_num(np.std(model, axis=0, ddof=1))
    finally:
        ev.close()
    # Each target's error is the published figure's and the simulation's: the residual rows
    # (weighted by the published uncertainty) are rescaled to both.
    weight = np.concatenate([sd / np.sqrt(sd**2 + noise**2), np.ones(len(params))])
    jw = j * weight[:, None] if params else j
    covariance = np.linalg.pinv(jw.T @ jw) if params else np.zeros((0, 0))
    se = np.sqrt(np.clip(np.diag(covariance), 0, None))
    pinned = {p.path: bool(s < 0.5 * p.prior_sd) for p, s in zip(params, se, strict=True)}
    report = []
    for t in targets:
        model = out.get(t.key, float("nan"))
        error = (model - t.value) / t.value if t.value else float("nan")
        report.append({"figure": t.key, "published": t.value, "model": model, "error": error,
                       "uncertainty": t.sd, "simulation_noise": float(noise[keys.index(t.key)] / t.value)
                       if t.value else float("nan"), "met": bool(abs(error) <= 2 * t.sd), "unit": t.unit,
                       "year": t.year, "source": t.source, "why_not": "" if abs(error) <= 2 * t.sd
                       else _why_not(t.key, params) + _depth(t.key, profile, out)})
    overrides = {p.path: from_fit(v, p.transform) for p, v in zip(params, x, strict=True)}
    final = merge_overrides(tree, overrides)
    final = merge_overrides(final, {"population.households": full_households, "simulation.seed": seed})
    return FitResult(profile=profile, scenario=final, overrides=overrides, notes=notes, parameters=params,
                     estimate=x, covariance=covariance, pinned=pinned, unused=unused, report=report,
                     skipped=skipped, seconds=time.monotonic() - began, evaluations=ev.evaluations,
                     simulated_households=int(fit_tree["population"]["households"]), message=status,
                     history=history)


def _depth(key: str, profile: CountyProfile, out: dict[str, float]) -> str:
    """For a dibao spending figure with its caseload: the average subsidy the figures imply and the
    model's, the usual reason the two cannot be met together."""
    if not key.startswith("spending.dibao."):
        return ""
    area = key.rsplit(".", 1)[1]
    areas = ("urban", "rural") if area == "total" else (area,)
    persons = [getattr(profile.caseloads.dibao_persons, a) for a in areas]
    if any(p is None for p in persons) or not sum(p.value for p in persons):
        return ""
    published = getattr(profile.spending.dibao, area).value
    count = sum(p.value for p in persons)
    std = sum(p.value * getattr(profile.policy.dibao_standard, a).value for p, a in zip(persons, areas, strict=True))
    model_persons = sum(out.get(f"caseloads.dibao_persons.{a}", 0.0) for a in areas)
    if not model_persons:
        return ""
    implied, model = published / count / 12, out.get(key, 0.0) / model_persons / 12
    return (f"; the figures imply an average subsidy of {implied:,.0f} yuan a recipient and month "
            f"({implied / (std / count):.0%} of the standard), the model's recipients get {model:,.0f}")


def _why_not(key: str, params: list[Parameter]) -> str:
    movers = [p.path for p in params if any(key.startswith(prefix) for prefix in p.informed_by)]
    if not movers:
        return ("no fitted parameter moves it: it follows from the rules (amounts, standards) and the "
                "population, which the profile fixes")
    return ("not met together with the other figures: " + ", ".join(movers) +
            " cannot move it further without missing them more (or a bound was reached)")


def _leaves(tree: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted paths of a tree's values; a dated value (months as keys) is one value."""
    out: dict[str, Any] = {}
    for key, value in tree.items():
        if isinstance(value, dict) and value and not _dated(value):
            out |= _leaves(value, f"{prefix}{key}.")
        else:
            out[f"{prefix}{key}"] = value
    return out


def set_values(tree: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``tree`` with each dotted path set to its value (replaced whole, not merged)."""
    import copy

    out = copy.deepcopy(tree)
    for dotted, value in values.items():
        node = out
        *parents, last = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = value
    return out


def _merge_tree(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``base`` with every value of ``over`` set in place (dated values replaced whole)."""
    return set_values(base, _leaves(over))


def _dated(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and all(isinstance(k, str) and len(k) == 7 and k[4] == "-"
                                                           for k in value)


# -- output --------------------------------------------------------------------------------------

def calibrated_yaml(result: FitResult, profile_ref: str, name: str | None = None) -> str:
    """The calibrated scenario as a YAML file that names the profile (``profile: …``) and sets
    the values calibration chose, with comments on how each was found and the fit report."""
    import yaml

    lines = [f"# Calibrated by `aidsim calibrate` to the county profile {profile_ref}",
             f"# ({result.profile.name}, {result.profile.year}): {len(result.parameters)} parameters fitted by "
             f"scipy.optimize.least_squares",
             "# on common random numbers (seed below), each figure weighted by its uncertainty, with a weak prior",
             "# at each parameter's default; the figures matched, the model's values and the errors:",
             "#"]
    for row in result.report:
        lines.append(f"#   {row['figure']}: published {row['published']:,.4g}, model {row['model']:,.4g}, "
                     f"error {row['error']:+.1%}" + ("" if row["met"] else "  (NOT MET)"))
    lines.append("#")
    for p, x in zip(result.parameters, result.estimate, strict=True):
        k = result.parameters.index(p)
        se = math.sqrt(max(result.covariance[k, k], 0.0))
        state = "pinned down" if result.pinned[p.path] else "NOT pinned down by these figures"
        lines.append(f"#   {p.path} = {from_fit(x, p.transform):.6g} ({state}; s.e. {se:.3g} on its "
                     f"{p.transform} scale; {p.why})")
    for path, note in result.notes.items():
        lines.append(f"#   {path}: set directly: {note}")
    for path, why in result.unused.items():
        lines.append(f"#   {path}: not fitted: {why}")
    for key, why in result.skipped.items():
        lines.append(f"#   figure {key}: not compared: {why}")
    lines.append(f"# {result.evaluations} simulations of {result.simulated_households:,} households, "
                 f"{result.seconds:.0f} s.")
    data: dict[str, Any] = {"profile": profile_ref, "name": name or f"{result.profile.name}-calibrated",
                            "description": f"{result.profile.name} calibrated to its profile ({result.profile.year})."}
    values = dict(result.overrides)
    for path in result.notes:
        for part in path.split(", "):
            values[part] = get_path(result.scenario, part)
    values["simulation.seed"] = result.scenario["simulation"]["seed"]
    tree: dict[str, Any] = {}
    for path, value in sorted(values.items()):
        node = tree
        *parents, last = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = float(value) if isinstance(value, float | np.floating) else value
    data |= tree
    data["calibration"] = {
        "method": "scipy.optimize.least_squares (trf), common random numbers, targets weighted by uncertainty",
        "profile": profile_ref,
        "parameters": [p.path for p in result.parameters],
        "transforms": [p.transform for p in result.parameters],
        "estimate": [float(x) for x in result.estimate],
        "covariance": [[float(v) for v in row] for row in result.covariance],
        "misfit": {row["figure"]: float(row["error"]) for row in result.report
                   if row["figure"].startswith("spending.") and math.isfinite(row["error"])},
    }
    return "\n".join(lines) + "\n" + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def report_frame(result: FitResult):
    """The fit report as a table: one row per figure."""
    import pandas as pd

    return pd.DataFrame(result.report)
