"""Calibration and budget trials whose numbers the README reports (not part of `make test`).

    python benchmarks/calibration.py roundtrip [--households N]
    python benchmarks/calibration.py partial   [--households N]
    python benchmarks/calibration.py coverage  [--trials T --households N]
    python benchmarks/calibration.py timing    [PROFILE]

- roundtrip: the figures of a known parameter set (a county simulated with it) are calibrated from
  the defaults; prints each figure's error and each parameter's recovered value.
- partial: the same with half the figures removed; prints what the fit could and could not pin down.
- coverage: synthetic trials where the truth is known (parameters drawn around the defaults, a
  real-world replication the model never sees, published figures with noise of their stated
  uncertainty, income growth drawn in the macro range); each is calibrated, then budgeted for the
  next year; prints how often the 90% interval covers the true bill.
- timing: `aidsim calibrate` on a 420,000-resident county (the example profile), timed.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from aidsim.runners.budget import budget
from aidsim.runners.calibrate import calibrate, from_fit, set_values, simulate, to_fit
from aidsim.scenario.load import load_profile, validate_scenario
from aidsim.scenario.profile import PROFILE_INDEXATION, PROFILE_SIMULATION, CountyProfile
from aidsim.scenario.schema import Scenario

TRUTH = {
    "admin.applying.area_factor.urban": 0.7,
    "admin.applying.area_factor.rural": 1.4,
    "shocks.income.mean_log_earnings.urban": 8.35,
    "shocks.income.mean_log_earnings.rural": 7.4,
    "shocks.income.persistent_sd": 0.7,
    "population.outside_supporter_share.rural": 0.95,
    "temporary.take_up": 0.35,
}
YEAR = 2025
#: The figures the synthetic county publishes (profile key → unit kind) and which half a partial
#: profile keeps.
FIGURES = ["caseloads.dibao_persons.urban", "caseloads.dibao_persons.rural", "spending.dibao.urban",
           "spending.dibao.rural", "incomes.disposable_income.urban", "incomes.disposable_income.rural",
           "incomes.bottom_quintile.urban", "incomes.bottom_quintile.rural", "caseloads.tekun_persons",
           "caseloads.temporary_cases", "spending.temporary", "spending.total"]
PARTIAL = ["caseloads.dibao_persons.urban", "caseloads.dibao_persons.rural", "spending.dibao.rural",
           "incomes.disposable_income.rural", "caseloads.temporary_cases", "spending.total"]


def county(households: int, values: dict[str, float], seed: int = 20200101) -> dict:
    """The synthetic county simulated with ``values``: run as a county built from its profile is
    (``aidsim.scenario.profile.scenario_tree``: its warm-up, the standards as written, not grown
    with incomes), so that the calibration, at the true values, simulates the same county."""
    data = Scenario().resolved()
    data = set_values(data, {"population.households": households, "simulation.start": f"{YEAR}-01",
                             "simulation.months": 12, "simulation.seed": seed,
                             **{f"simulation.{k}": v for k, v in PROFILE_SIMULATION.items()},
                             "dibao.standard_indexation": PROFILE_INDEXATION,
                             "dibao.standard.urban": {f"{YEAR}-01": 760.0}, "dibao.standard.rural": {f"{YEAR}-01": 520.0}})
    return set_values(data, values)


def profile_from(figures: dict[str, float], keep: list[str], residents: dict[str, float],
                 noise: dict[str, float] | None = None) -> CountyProfile:
    def fig(value: float, sd: float | None = None) -> dict:
        return {"value": float(value), "year": YEAR, "source": "synthetic: simulated with known parameters",
                **({"uncertainty": sd} if sd else {})}

    tree: dict = {"name": "synthetic", "year": YEAR,
                  "population": {"residents": {a: fig(residents[a]) for a in ("urban", "rural")}},
                  "policy": {"dibao_standard": {"urban": fig(760), "rural": fig(520)}}}
    for key in keep:
        value = figures[key] * (1 + (noise or {}).get(key, 0.0))
        if key == "caseloads.tekun_persons":  # published as dispersed and institutional
            inst = figures["caseloads.tekun_persons.institutional"]
            share = inst / figures[key] if figures[key] else 0.0
            node = tree.setdefault("caseloads", {}).setdefault("tekun_persons", {})
            node["institutional"], node["dispersed"] = fig(value * share), fig(value * (1 - share))
            continue
        node = tree
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[last] = fig(value)
    return CountyProfile.model_validate(tree)


def truth_figures(households: int, values: dict[str, float]) -> tuple[dict[str, float], dict[str, float]]:
    """The figures the county simulated with ``values`` publishes, and its residents (the persons
    drawn), so that the profile describes the simulated county exactly."""
    from aidsim.population.synth import build_population
    from aidsim.rng import Streams

    data = county(households, values)
    pop = build_population(validate_scenario(data), Streams(20200101, 0), capacity=False)
    urban = pop.households.urban[pop.persons.household]
    residents = {"urban": float(np.count_nonzero(urban)), "rural": float(np.count_nonzero(~urban))}
    return simulate(data, 20200101, 0, residents), residents


def roundtrip(households: int, keep: list[str], label: str) -> None:
    figures, residents = truth_figures(households, TRUTH)
    profile = profile_from(figures, keep, residents)
    t = time.monotonic()
    result = calibrate(profile, households=households, workers=2, max_evaluations=200)
    print(f"{label}: {len(keep)} figures, {result.evaluations} simulations of {households:,} households, "
          f"{time.monotonic() - t:.0f} s ({result.message})")
    print("  figure: published (truth) → calibrated model, error")
    for row in result.report:
        print(f"    {row['figure']}: {row['published']:,.1f} → {row['model']:,.1f} ({row['error']:+.2%})")
    print("  parameter: truth, start, fitted (pinned down?)")
    default = Scenario().resolved()
    from aidsim.runners.calibrate import get_path

    for p in result.parameters:
        k = result.parameters.index(p)
        se = math.sqrt(max(result.covariance[k, k], 0))
        fitted = from_fit(result.estimate[k], p.transform)
        print(f"    {p.path}: truth {TRUTH[p.path]:.4g}, start {get_path(default, p.path):.4g}, "
              f"fitted {fitted:.4g} (s.e. {se:.3f} on {p.transform} scale; "
              f"{'pinned down' if result.pinned[p.path] else 'NOT pinned down'})")
    for path, why in result.unused.items():
        print(f"    {path}: not fitted ({why})")


def coverage(trials: int, households: int, replications: int, draws: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    default = Scenario().resolved()
    from aidsim.runners.calibrate import PARAMETERS, get_path, targets_of

    hits = {"total_cost": 0, "dibao_cost": 0}
    widths = []
    began = time.monotonic()
    for i in range(trials):
        values = {}
        for p in PARAMETERS:
            x = to_fit(float(get_path(default, p.path)), p.transform)
            values[p.path] = from_fit(x + rng.normal(0, 0.25 if p.transform != "identity" else 0.08), p.transform)
        growth = float(rng.uniform(0.02, 0.08))
        truth = county(households, values)
        truth = set_values(truth, {"simulation.months": 24, "shocks.income.growth.urban": growth,
                                   "shocks.income.growth.rural": growth})
        # The real world: a replication the calibration and the budget never use.
        real = 1000 + i
        from aidsim.runners.execute import run

        results = run(validate_scenario(truth), replication=real)
        s0 = results.summary(f"{YEAR}-01", f"{YEAR}-12")
        s1 = results.summary(f"{YEAR + 1}-01", f"{YEAR + 1}-12")
        persons = {a: s0[a]["dibao_persons"] / s0[a]["dibao_coverage"] for a in ("urban", "rural")}
        published = simulate(set_values(truth, {"simulation.months": 12}), 20200101, real, persons)
        profile = profile_from(published, FIGURES, persons)
        targets, _ = targets_of(profile)
        noise = {t.key: float(rng.normal(0, t.sd)) for t in targets}
        profile = profile_from(published, FIGURES, persons, noise)
        fit = calibrate(profile, households=households, workers=1, max_evaluations=80)
        data = set_values(fit.scenario, {"population.households": households, "calibration": {
            "method": "trial", "profile": "synthetic", "parameters": [p.path for p in fit.parameters],
            "transforms": [p.transform for p in fit.parameters], "estimate": [float(x) for x in fit.estimate],
            "covariance": [[float(v) for v in row] for row in fit.covariance]}})
        scenario = validate_scenario(data)
        forecast = budget(scenario, YEAR + 1, replications=replications, draws=draws, macro=(0.02, 0.08))
        line = []
        for m in hits:
            row = forecast.row(m)
            true = s1["all"][m]
            ok = row["low"] <= true <= row["high"]
            hits[m] += ok
            line.append(f"{m} true {true:,.0f} in [{row['low']:,.0f}, {row['high']:,.0f}] {'yes' if ok else 'NO'} "
                        f"(MC {row['share_monte_carlo']:.0%}, params {row['share_parameters']:.0%}, "
                        f"macro {row['share_macro']:.0%})")
            if m == "total_cost":
                widths.append((row["high"] - row["low"]) / row["mean"])
        print(f"trial {i + 1}: growth {growth:.3f}; " + "; ".join(line), flush=True)
    print(f"{trials} trials, {time.monotonic() - began:.0f} s: the 90% interval covered the true whole bill in "
          f"{hits['total_cost']} ({hits['total_cost'] / trials:.0%}) and the true dibao bill in "
          f"{hits['dibao_cost']} ({hits['dibao_cost'] / trials:.0%}); mean width of the whole bill's interval "
          f"{np.mean(widths):.1%} of the bill")


def timing(path: str, households: int | None) -> None:
    profile = load_profile(path)
    t = time.monotonic()
    result = calibrate(profile, households=households, workers=2, message=print)
    print(f"{profile.name}: {profile.residents:,.0f} residents, {result.simulated_households:,} households "
          f"simulated, {result.evaluations} simulations, {time.monotonic() - t:.0f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["roundtrip", "partial", "coverage", "timing"])
    parser.add_argument("profile", nargs="?", default="profiles/example_county.yaml")
    parser.add_argument("--households", type=int, default=None)
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--replications", type=int, default=8)
    parser.add_argument("--draws", type=int, default=8)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    if args.what == "roundtrip":
        roundtrip(args.households or 20_000, FIGURES, "round trip")
    elif args.what == "partial":
        roundtrip(args.households or 20_000, PARTIAL, "partial profile (half the figures)")
    elif args.what == "coverage":
        coverage(args.trials, args.households or 4_000, args.replications, args.draws, args.seed)
    else:
        timing(args.profile, args.households)
