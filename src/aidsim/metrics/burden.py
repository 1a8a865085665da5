"""The medical burden: what new hospital episodes left to households, and whom they pushed below
the poverty line (因病致贫), before and after medical assistance."""

from __future__ import annotations

import numpy as np

from aidsim.programmes.base import Frame, Measure, Ratio, area_sums, flow

MEASURES: dict[str, Measure] = {
    "hospital_episodes": flow("episodes", "Serious illness episodes that started."),
    "hospital_cost": flow("yuan", "In-policy inpatient cost of new episodes."),
    "medical_out_of_pocket": flow("yuan", "Cost left after basic medical insurance."),
    "medical_episode_aid": flow("yuan", "Medical assistance paid on new episodes (inpatient and catastrophic)."),
    "medical_out_of_pocket_after_aid": flow("yuan", "Out-of-pocket cost of new episodes after medical assistance."),
    "medical_impoverished_before_aid": flow(
        "persons", "Persons whose year's income less a new episode's cost after insurance falls below the poverty line."),
    "medical_impoverished_after_aid": flow(
        "persons", "The same after medical assistance (catastrophic health spending, 因病致贫)."),
}
RATIOS: dict[str, Ratio] = {
    "medical_aid_share_of_out_of_pocket": Ratio(
        "medical_episode_aid", "medical_out_of_pocket", "share",
        "Share of new episodes' out-of-pocket cost (after insurance) that medical assistance paid."),
}


def medical_burden(frame: Frame, poverty_line_h: np.ndarray) -> dict[str, np.ndarray]:
    """Episodes, their cost and out-of-pocket rest, the aid on them, and the persons whose year's
    income less the episode's cost falls below the line (households above it before), by area."""
    sim = frame.sim
    pop = sim.population
    p, n_h, n_areas = pop.persons, pop.n_households, pop.n_areas
    illness = frame["shocks.illness"]
    onset, after = frame["medical.onset"], frame["medical.out_of_pocket_after_aid"]
    alive_count, pre_pc = frame["household.alive_count"], frame["household.pre_pc"]
    hh = p.household[onset]
    oop_h = np.bincount(hh, weights=illness.out_of_pocket[onset], minlength=n_h)
    after_h = np.bincount(hh, weights=after, minlength=n_h)
    above = pre_pc >= poverty_line_h
    size = np.maximum(alive_count, 1)
    sums = area_sums(
        sim.person_area[onset], n_areas,
        hospital_episodes=np.ones(onset.shape[0]), hospital_cost=illness.cost[onset],
        medical_out_of_pocket=illness.out_of_pocket[onset],
        medical_episode_aid=frame["medical.episode_aid"],
        medical_out_of_pocket_after_aid=after,
    )
    # Pushed below the line: a year's income less the cost, per member and month, under the line.
    touched = np.flatnonzero(oop_h > 0)
    yearly = 12 * size[touched]
    pc, line = pre_pc[touched], poverty_line_h[touched]
    sums |= area_sums(
        sim.household_area[touched], n_areas,
        medical_impoverished_before_aid=np.where(
            above[touched] & (pc - oop_h[touched] / yearly < line), alive_count[touched], 0),
        medical_impoverished_after_aid=np.where(
            above[touched] & (pc - after_h[touched] / yearly < line), alive_count[touched], 0),
    )
    return sums
