"""aidsim's vectorised month agrees with a plain Mesa agent-per-household reference.

``benchmarks/mesa_reference.py`` re-implements the month in plain Python, one Mesa agent per
household, from the same population and initial roll; only the monthly random draws differ. So
each figure must agree within Monte Carlo error, and this test derives that error as follows.

Design (paired by initial roll). For each roll ``r`` (``Streams(seed, r)``, same population):
one reference run ``ref_r`` and ``DRAWS`` aidsim runs ``vec_rj`` that differ only in their
monthly draws. Under "same rules", ``d_r = ref_r − mean_j vec_rj`` has mean 0 and variance
``σ_r² (1 + 1/DRAWS)``, where ``σ_r²`` is the variance of one run over monthly draws given the
roll, which the aidsim runs estimate (pooled over rolls, ``ROLLS × (DRAWS − 1)`` degrees of
freedom). The test asks ``|mean_r d_r| ≤ 4 SE`` with ``SE = sqrt(σ² (1 + 1/DRAWS) / ROLLS)``:
a false alarm has a probability of about 6e-5 per figure (and the seeds are fixed, so the test
is deterministic). Pairing by roll removes the roll-to-roll spread, which dominates otherwise.

The variance assumption was checked: over 80 rolls the spread of ``d_r`` matched
``σ_r² (1 + 1/DRAWS)`` within about ±15 % for every figure. Power, checked by breaking the
reference on purpose: a tekun multiplier of 1.5 instead of 1.3 moves ``tekun_avg_support`` by
about 24 SE (``tekun_cost`` 10 SE); dropping the dibao supplements moves ``dibao_avg_subsidy``
by about 19 SE (``dibao_cost`` 11 SE); no gradual exit, no approval delay, an elderly
supplement from 60 instead of 70, or ignoring the outside supporter also fail (5 to 70 SE).
Rules that change the figures by 1 % or less (the 10-yuan minimum payment, the refuses-work
exclusion) are below this test's resolution.
"""

from __future__ import annotations

import importlib.util
import math
import statistics
import sys
from pathlib import Path
from types import ModuleType

import pytest

from aidsim.scenario.schema import Scenario

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "mesa_reference.py"
HOUSEHOLDS, MONTHS, WARMUP = 1_500, 12, 2
ROLLS = 30      # reference runs, one per initial roll
DRAWS = 8       # aidsim runs per roll, differing only in their monthly draws
Z_MAX = 4.0


def _load_benchmark() -> ModuleType:
    """Import benchmarks/mesa_reference.py (the benchmarks folder is not a package)."""
    spec = importlib.util.spec_from_file_location("mesa_reference", BENCHMARK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being created
    spec.loader.exec_module(module)
    return module


ref_module = _load_benchmark()
Figures = dict[str, float]


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return ref_module.with_overrides(Scenario(), {
        "population.households": HOUSEHOLDS, "simulation.warmup_months": WARMUP})


@pytest.fixture(scope="module")
def runs(scenario: Scenario) -> tuple[list[Figures], list[list[Figures]]]:
    """``ROLLS`` reference runs and, for each, ``DRAWS`` aidsim runs with the same roll."""
    reference = [ref_module.run_reference(scenario, MONTHS, replication=r) for r in range(ROLLS)]
    vectorised = [[ref_module.run_vectorised(scenario, MONTHS, replication=r,
                                             monthly_replication=10_000 + DRAWS * r + j)
                   for j in range(DRAWS)] for r in range(ROLLS)]
    return reference, vectorised


def test_same_population_and_initial_roll(scenario: Scenario) -> None:
    """Before any month, the reference holds aidsim's population and roll, household by household."""
    reference = ref_module.build_reference(scenario, MONTHS, replication=3)
    model = ref_module.build_vectorised(scenario, MONTHS, replication=3)
    state = model.state
    pop = state.population
    agents = sorted(reference.agents, key=lambda a: a.unique_id)
    assert len(agents) == pop.n_households
    assert [len(a.members) for a in agents] == pop.household_count(pop.persons.alive).tolist()
    assert [a.dibao.status for a in agents] == state.programmes["dibao"].status.tolist()
    tekun = [p.tekun.status for a in agents for p in a.members]
    assert tekun == state.programmes["tekun"].roll.status.tolist()  # persons are stored household by household
    assert sum(p.institutional for a in agents for p in a.members) == state.programmes["tekun"].institutional.sum()


def test_figures_are_not_trivial(runs: tuple[list[Figures], list[list[Figures]]]) -> None:
    """Enough recipients for the comparison to mean something."""
    reference, _ = runs
    assert statistics.fmean(r["dibao_households"] for r in reference) > 30
    assert statistics.fmean(r["tekun_persons"] for r in reference) > 5
    assert statistics.fmean(r["poor_post_pl"] for r in reference) > 30


@pytest.mark.parametrize("name", list(ref_module.FIGURES))
def test_figure_agrees_within_monte_carlo_error(
        runs: tuple[list[Figures], list[list[Figures]]], name: str) -> None:
    reference, vectorised = runs
    diffs = [ref[name] - statistics.fmean(v[name] for v in vecs)
             for ref, vecs in zip(reference, vectorised, strict=True)]
    variance = statistics.fmean(statistics.variance([v[name] for v in vecs]) for vecs in vectorised)
    se = math.sqrt(variance * (1 + 1 / DRAWS) / ROLLS)
    diff = statistics.fmean(diffs)
    level = statistics.fmean(v[name] for vecs in vectorised for v in vecs)
    assert abs(diff) <= Z_MAX * se + 1e-9 * max(1.0, abs(level)), (
        f"{name}: Mesa reference − aidsim = {diff:.4g} (aidsim level {level:.6g}), "
        f"{diff / se if se else math.inf:.1f} standard errors (SE {se:.3g}); allowed {Z_MAX}"
    )
