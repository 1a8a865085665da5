"""aidsim: simulate households under China's social-assistance rules.

The public API::

    from aidsim import load_scenario, run, compare
    base = load_scenario("scenarios/baseline.yaml")
    reform = load_scenario("scenarios/reforms/rural_500_july.yaml")
    results = run(base)                   # Results: tidy tables, summary(), write()
    comparison = compare(base, [reform])  # common random numbers; intervals with replications>1
"""

from aidsim.engine.model import AidModel
from aidsim.population.synth import build_population
from aidsim.results import Results
from aidsim.runners.compare import Comparison, compare
from aidsim.runners.execute import run
from aidsim.scenario.load import load_scenario
from aidsim.scenario.schema import Scenario

__version__ = "0.1.0"

__all__ = [
    "AidModel",
    "Comparison",
    "Results",
    "Scenario",
    "__version__",
    "build_population",
    "compare",
    "load_scenario",
    "run",
]
