"""The scenario's administrative settings in force in a given month, as plain numbers."""

from __future__ import annotations

import numpy as np

from aidsim.admin.process import Levers
from aidsim.calendar import parse_month
from aidsim.scenario.schema import Admin, Scenario
from aidsim.shocks.income import growth_index


def _from(month: int, start: str | None) -> bool:
    """A switch dated ``start`` (``None``: never) is on in ``month``."""
    return start is not None and month >= parse_month(start)


def inspection_month(adm: Admin, month: int, first_reported: int) -> bool:
    """A special inspection takes place in ``month`` (listed, or every ``every_months`` counted
    from the first reported month, warm-up included)."""
    insp = adm.inspections
    if any(parse_month(m) == month for m in insp.months):
        return True
    return insp.every_months > 0 and (month - first_reported) % insp.every_months == 0


def campaign_factor(adm: Admin, month: int, n_areas: int, street_offices: int = 0) -> np.ndarray:
    """Multiplier of the application probability in each area: ``applying.area_factor`` of its
    kind (urban for the first ``street_offices`` areas), times the campaigns in force."""
    factor = np.ones(n_areas)
    urban = np.arange(n_areas) < street_offices  # street offices come first
    factor[urban] = adm.applying.area_factor.urban
    factor[~urban] = adm.applying.area_factor.rural
    for c in adm.applying.campaigns:
        start = parse_month(c.start)
        if start <= month < start + c.months:
            areas = np.arange(n_areas) if c.areas is None else np.asarray(c.areas)
            factor[areas] *= c.factor
    return factor


def benefit_scale(scenario: Scenario, month: int, n_areas: int) -> np.ndarray:
    """Income growth since the first reported month for each office (street offices urban,
    townships rural, as the population is drawn): the application rule's yuan amounts are in
    yuan of the first reported month and grow with incomes (``shocks.income.growth``)."""
    rate, first = scenario.shocks.income.growth, scenario.simulation.start_month
    urban = np.arange(n_areas) < scenario.population.street_offices
    return np.where(urban, growth_index(rate.urban, first, month), growth_index(rate.rural, first, month))


def levers(scenario: Scenario, month: int, n_areas: int) -> Levers:
    """Every administrative parameter of ``month`` (dated switches applied)."""
    adm = scenario.admin
    ap, ver, apr = adm.applying, adm.verification, adm.approval
    online = _from(month, ap.online_from)
    det = ver.data_matching_detection if _from(month, ver.data_matching_from) else ver.detection
    limit = np.inf if apr.township_limit is None else float(apr.township_limit)
    return Levers(
        apply_rate=ap.monthly_rate, reference_benefit=ap.reference_benefit,
        benefit_elasticity=ap.benefit_elasticity, stigma=ap.stigma,
        distance_cost=ap.distance_cost_per_km * (1 - ap.online_distance_cut if online else 1.0),
        hopeful_multiple=ap.hopeful_multiple, hopeful_benefit=ap.hopeful_benefit,
        favour_ceiling_multiple=adm.favour.income_ceiling_multiple,
        campaign_factor=campaign_factor(adm, month, n_areas, scenario.population.street_offices), reapply_wait=ap.reapply_wait_months,
        detection=(det.formal, det.informal, det.other, det.assets), load_penalty=ver.load_penalty,
        wrongful_refusal=ver.wrongful_refusal_rate, favour_probability=adm.favour.approval_probability,
        township_limit=limit,
        township_days=(apr.routes.township.minimum_days, apr.routes.township.mean_days),
        county_days=(apr.routes.county.minimum_days, apr.routes.county.mean_days),
        days_saved=apr.incomplete_files_days_saved if _from(month, apr.incomplete_files_from) else 0.0,
        grace_months=scenario.dibao.gradual_exit_months, review_effort=adm.capacity.review_effort,
        inspect=inspection_month(adm, month, scenario.simulation.start_month),
        inspection_detection=adm.inspections.detection,
        inspection_favour_detection=adm.inspections.favour_detection,
        benefit_scale=benefit_scale(scenario, month, n_areas),
    )
