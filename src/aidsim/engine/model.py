"""AidModel: the Mesa model that holds the state and advances it one month per step."""

from __future__ import annotations

from collections.abc import Callable

import mesa
import numpy as np

from aidsim.admin.offices import CASELOAD_FIELDS, OFFICE_BOOKS, County, Office
from aidsim.admin.process import OfficePlan
from aidsim.engine.allocator import huge_pages, keep_freed_memory, small_pages_for_temporaries
from aidsim.engine.ledger import Ledger
from aidsim.engine.state import SimState
from aidsim.engine.step import MonthResult, run_month, start_rolls
from aidsim.population.arrays import Population
from aidsim.population.synth import build_population
from aidsim.programmes import REGISTRY
from aidsim.programmes.base import Frame
from aidsim.programmes.registry import Registry
from aidsim.rng import Streams
from aidsim.scenario.schema import Scenario

#: Series the model's DataCollector records each reported month (national totals).
MODEL_SERIES: tuple[str, ...] = (
    "dibao_households", "dibao_persons", "dibao_cost", "tekun_persons", "tekun_cost",
    "poor_pre_pl", "poor_post_pl", "persons",
)


class AidModel(mesa.Model):
    """A county's households under China's social-assistance programmes, one month per step.

    The model's agents are the civil-affairs offices (one :class:`~aidsim.admin.offices.Office` per
    township or street office) and the county bureau (:class:`~aidsim.admin.offices.County`): each
    month the offices plan their capacity, quota and budget, the vectorised month acts on the
    household arrays within that plan, and the offices book the result.

    Parameters
    ----------
    scenario
        A validated :class:`~aidsim.scenario.schema.Scenario`.
    seed
        Root seed of the random streams; defaults to ``scenario.simulation.seed``.
    replication
        Monte Carlo replication number (independent streams for the same seed).
    population
        A ready population (it is modified in place); by default one is drawn from the profile.
    registry
        The programmes to run (by default every shipped programme).
    shard
        The county's number when this model is one county of a province: its streams (and so its
        population) are its own (:class:`~aidsim.rng.Streams`).

    The first ``warmup_months`` steps are not reported. ``running`` turns false after the last
    reported month, so ``while model.running: model.step()`` runs the whole scenario.
    """

    def __init__(self, scenario: Scenario, *, seed: int | None = None, replication: int = 0,
                 population: Population | None = None, registry: Registry = REGISTRY,
                 shard: int | None = None):
        seed = scenario.simulation.seed if seed is None else int(seed)
        super().__init__(seed=seed)
        keep_freed_memory()  # the month's arrays reuse the last month's memory
        with huge_pages():  # the state in huge pages, the months' temporaries not
            self._build(scenario, seed, replication, population, registry, shard)
        small_pages_for_temporaries()

    def _build(self, scenario: Scenario, seed: int, replication: int, population: Population | None,
               registry: Registry, shard: int | None) -> None:
        """The model's state, rolls, offices and data collection (see :mod:`aidsim.engine.allocator`
        for why this runs in huge pages)."""
        self.scenario = scenario
        # The warm-up runs under the policy of the first reported month (simulation.warmup_policy).
        self.warmup_scenario = (scenario.policy_at(scenario.simulation.start_month)
                                if scenario.simulation.warmup_policy == "first_reported" else scenario)
        self.seed_value = seed
        self.replication = replication
        self.streams = Streams(seed, replication, shard)
        pop = population if population is not None else build_population(scenario, self.streams)
        self.state = SimState.start(pop, registry)
        sim = scenario.simulation
        self.start_month = sim.start_month
        self.end_month = sim.start_month + sim.months
        self.month = sim.start_month - sim.warmup_months
        self.ledger = Ledger(pop.n_areas, registry.line_names)
        self.history: list[MonthResult] = []
        residents = np.bincount(self.state.household_area, weights=pop.household_count(pop.persons.alive),
                                minlength=pop.n_areas)
        self.offices = [Office(self, area, bool(pop.area_urban[area]), residents[area], scenario)
                        for area in range(pop.n_areas)]
        self.county = County(self, scenario)
        # Mesa 3.3 numbers agents from a class-level dict keyed by model (``Agent._ids``), which
        # keeps every model that ever made an agent alive: a process running many models (a
        # sweep's or a province's worker) would keep each one's arrays. All of this model's agents
        # exist now, so its counter is no longer needed.
        for cls in {type(a) for a in (*self.offices, self.county)} | {mesa.Agent}:
            getattr(cls, "_ids", {}).pop(self, None)
        self.last: MonthResult | None = None
        # Set keep_frame to keep the next months' frames in `frame` (what `aidsim explain` reads);
        # off by default, so a month's arrays are freed before the next month runs.
        self.keep_frame = False
        self.frame: Frame | None = None
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _total(name) for name in MODEL_SERIES}
            | {"month": "month", "county_top_up": _county_top_up},
            agenttype_reporters={Office: {"area": "area", "area_type": "area_type"}
                                 | {name: name for name in CASELOAD_FIELDS + OFFICE_BOOKS}},
        )
        start_rolls(self.state, self.warmup_scenario, self.streams, self.month)

    @property
    def months_total(self) -> int:
        return self.end_month - (self.start_month - self.scenario.simulation.warmup_months)

    def step(self) -> None:
        """Simulate one month; book and record it if it is a reported month."""
        record = self.month >= self.start_month
        plans = [office.plan_month(self.month) for office in self.offices]
        plan = OfficePlan(*(np.array(column, dtype=float) for column in zip(*plans, strict=True)))
        policy = self.scenario if record else self.warmup_scenario
        result, frame = run_month(self.state, policy, self.streams, self.month, record=record, plan=plan,
                                  keep_frame=self.keep_frame)
        self.frame = frame if self.keep_frame else None
        self.county.top_up(self.offices, [office.close_month(result.office) for office in self.offices])
        if record:
            self.ledger.record(result.month, result.fen, result.recipients)
            self.history.append(result)
            self.last = result
            caseload = {name: result.row(name) for name in CASELOAD_FIELDS}
            for office in self.offices:
                office.take_caseload(caseload)
            self.datacollector.collect(self)
        self.month += 1
        if self.month >= self.end_month:
            self.running = False

    def run_to_end(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Step until the last reported month; ``progress(done, total)`` is called after each."""
        done = 0
        while self.running:
            self.step()
            done += 1
            if progress is not None:
                progress(done, self.months_total)


def _total(name: str) -> Callable[[AidModel], float]:
    def report(model: AidModel) -> float:
        return model.last.total(name) if model.last is not None else float(np.nan)

    return report


def _county_top_up(model: AidModel) -> float:
    return model.county.top_up_this_month
