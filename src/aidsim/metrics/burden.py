"""The medical burden: what new hospital episodes left to households, and whom they pushed below
the poverty line (因病致贫), before and after medical assistance."""

from __future__ import annotations

import numba
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


@numba.njit(cache=True)
def _by_household(household: np.ndarray, oop: np.ndarray,
                  after: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each touched household's episodes' out-of-pocket cost before and after aid, summed in the
    episodes' order (``household`` non-decreasing); households whose cost is not positive are
    left out. Replaces two household-sized bincounts and a mask."""
    n = 0
    for k in range(household.shape[0]):
        n += k == 0 or household[k] != household[k - 1]
    rows = np.empty(n, np.intp)
    oop_h = np.zeros(n)
    after_h = np.zeros(n)
    j = -1
    for k in range(household.shape[0]):
        if k == 0 or household[k] != household[k - 1]:
            j += 1
            rows[j] = household[k]
        oop_h[j] += np.float64(oop[k])
        after_h[j] += np.float64(after[k])
    keep = oop_h > 0
    return rows[keep], oop_h[keep], after_h[keep]


def medical_burden(frame: Frame, line_urban: float, line_rural: float) -> dict[str, np.ndarray]:
    """Episodes, their cost and out-of-pocket rest, the aid on them, and the persons whose year's
    income less the episode's cost falls below the poverty line (``line_urban``/``line_rural``,
    yuan per person and month, by hukou; households above it before), by area."""
    sim = frame.sim
    pop = sim.population
    p, n_areas = pop.persons, pop.n_areas
    illness = frame["shocks.illness"]
    onset, after = frame["medical.onset"], frame["medical.out_of_pocket_after_aid"]
    alive_count, pre_pc = frame["household.alive_count"], frame["household.pre_pc"]
    oop = illness.out_of_pocket  # per episode; medical.onset is illness.episodes
    sums = area_sums(
        sim.person_area[onset], n_areas,
        hospital_episodes=np.ones(onset.shape[0]), hospital_cost=illness.cost,
        medical_out_of_pocket=oop,
        medical_episode_aid=frame["medical.episode_aid"],
        medical_out_of_pocket_after_aid=after,
    )
    # Pushed below the line: a year's income less the cost, per member and month, under the line.
    # Only the households with an episode are looked at (their sums in the episodes' order, as a
    # bincount by household would add them).
    hh = p.household[onset]
    order = None if np.all(hh[1:] >= hh[:-1]) else np.argsort(hh, kind="stable")
    if order is not None:
        hh, oop, after = hh[order], oop[order], np.asarray(after)[order]
    touched, oop_h, after_h = _by_household(hh, oop, np.asarray(after))
    yearly = 12 * np.maximum(alive_count[touched], 1)
    pc = pre_pc[touched]
    line = np.where(pop.households.urban[touched], line_urban, line_rural)
    above = pc >= line
    members = alive_count[touched]
    sums |= area_sums(
        sim.household_area[touched], n_areas,
        medical_impoverished_before_aid=np.where(above & (pc - oop_h / yearly < line), members, 0),
        medical_impoverished_after_aid=np.where(above & (pc - after_h / yearly < line), members, 0),
    )
    return sums
