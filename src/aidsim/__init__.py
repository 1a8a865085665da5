"""aidsim: simulate households under China's social-assistance rules.

The public API::

    from aidsim import load_scenario, run, compare
    base = load_scenario("scenarios/baseline.yaml")
    reform = load_scenario("scenarios/reforms/rural_500_july.yaml")
    results = run(base)                   # Results: tidy tables, summary(), write()
    comparison = compare(base, [reform])  # common random numbers; intervals with replications>1
    grid = sweep(base, ["dibao.standard.rural=400:600:20"], out="out/sweep")  # resumable
    answer = solve(base, "dibao.standard.rural", "dibao_cost:+5e6/year", replications=5)

    profile = load_profile("profiles/example_county.yaml")
    fit = calibrate(profile)              # FitResult: .report, .values(), .scenario
    fit.write("calibrated.yaml", "profiles/example_county.yaml")
    bill = budget(load_scenario("calibrated.yaml"), 2026, macro=(0.03, 0.07))  # BudgetForecast
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from aidsim.scenario.load import load_scenario
from aidsim.scenario.schema import Scenario

if TYPE_CHECKING:
    from aidsim.engine.model import AidModel
    from aidsim.population.synth import build_population
    from aidsim.results import Results
    from aidsim.runners.backtest import backtest
    from aidsim.runners.budget import budget
    from aidsim.runners.calibrate import calibrate
    from aidsim.runners.compare import Comparison, compare
    from aidsim.runners.execute import run
    from aidsim.runners.solve import solve
    from aidsim.runners.sweep import sweep
    from aidsim.scenario.load import load_profile

#: The simulation side (Mesa, pandas, the engine) is imported on first use, so that reading and
#: checking scenario files, and the command line's refusals, do not wait for it.
_LAZY = {"AidModel": "aidsim.engine.model", "build_population": "aidsim.population.synth",
         "Results": "aidsim.results", "Comparison": "aidsim.runners.compare",
         "compare": "aidsim.runners.compare", "run": "aidsim.runners.execute",
         "sweep": "aidsim.runners.sweep", "solve": "aidsim.runners.solve",
         "calibrate": "aidsim.runners.calibrate", "budget": "aidsim.runners.budget",
         "backtest": "aidsim.runners.backtest", "load_profile": "aidsim.scenario.load"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'aidsim' has no attribute {name!r}")

__version__ = "0.1.0"

__all__ = [
    "AidModel",
    "Comparison",
    "Results",
    "Scenario",
    "__version__",
    "backtest",
    "budget",
    "build_population",
    "calibrate",
    "compare",
    "load_profile",
    "load_scenario",
    "run",
    "solve",
    "sweep",
]
