"""A county profile: the figures a civil-affairs bureau and the statistical yearbook publish.

A profile is a YAML file of published figures, each with its year and source (and, optionally, its
uncertainty as a relative standard error), in six sections::

    name: my-county
    year: 2025                      # the year the caseloads and spending describe
    population:
      residents:
        urban: {value: 168000, year: 2025, source: "county statistical yearbook 2025, table 3-1"}
        rural: {value: 252000, year: 2025, source: "county statistical yearbook 2025, table 3-1"}
    policy:
      dibao_standard:
        urban: {value: 760, year: 2025, source: "county civil-affairs bureau notice"}
        rural: {value: 520, year: 2025, source: "county civil-affairs bureau notice"}
    caseloads:
      dibao_persons:
        rural: {value: 18300, year: 2025, source: "bureau's year-end report"}

Every figure is optional except the residents (urban and rural) and the dibao standards. A
profile is validated like a scenario (same errors: file, line, key path, what is expected), and
figures that cannot all be true are refused with the reason: more recipients than residents, more
households than persons on the roll, dibao spending below the caseload × the minimum payment (or
above twice the standard for every recipient all year), a bottom quintile richer than the
average, and so on (:func:`impossible`).

A scenario builds its population from a profile with a top-level ``profile:`` key (read by
:mod:`aidsim.scenario.load`): the households are the residents divided by the persons per
household, urban and rural residents give the urban share, the standards and the minimum wage
become the scenario's, and the share of severe disability among the disabled sets the grades
(:func:`scenario_tree`). The figures a population cannot take directly (ages, disability,
orphans) and the behaviour behind the caseloads are fitted by ``aidsim calibrate``.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: Relative standard error assumed for a figure that does not state its own ``uncertainty``, by
#: kind: counts from registers are exact up to timing, survey-based incomes and shares are not.
DEFAULT_UNCERTAINTY = {
    "residents": 0.02, "count": 0.03, "spending": 0.03, "income": 0.05, "share": 0.05, "quintile": 0.08,
    "average": 0.03,
}

#: How a county built from its profile is run (:func:`scenario_tree`): the roll takes about three
#: years to settle from its first month (README, seed 002), and the standards stay as the profile
#: gives them (a budget for a later year uses the standard the bureau writes for it).
PROFILE_SIMULATION = {"warmup_months": 36}
PROFILE_INDEXATION = "none"

#: The household sizes the synthetic population draws (1 … 6 persons) and their default shares.
DEFAULT_HOUSEHOLD_SIZE = (0.17, 0.29, 0.22, 0.16, 0.11, 0.05)


def _field(description: str, unit: str, default: Any = None) -> Any:
    return Field(default, description=description, json_schema_extra={"unit": unit})


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _empty_is_absent(cls, data: Any) -> Any:
        # A section left empty in the file (every figure commented out) reads as null: absent.
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v is not None}
        return data


class Figure(_Part):
    """One published figure: its value, the year it describes and where it was published."""

    value: float = Field(ge=0, le=1e13, description="The figure, in the unit of its key.")
    year: int = Field(ge=1950, le=2100, description="The year the figure describes.")
    source: str = Field(min_length=1, max_length=500,
                        description="Where it was published (document, table, page), or how it was derived.")
    uncertainty: float | None = Field(
        None, gt=0, le=1,
        description="Relative standard error of the figure (0.03 for ±3%); by default by kind "
                    "(DEFAULT_UNCERTAINTY). Calibration weighs each target by it.")

    @field_validator("source")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must say where the figure was published")
        return value


class UrbanRuralFigures(_Part):
    """A figure for urban and for rural residents; either may be missing."""

    urban: Figure | None = _field("Urban (城镇/城市) figure.", "see parent")
    rural: Figure | None = _field("Rural (农村) figure.", "see parent")


class RequiredUrbanRural(_Part):
    """A figure for urban and for rural residents; both are required."""

    urban: Figure = _field("Urban (城镇/城市) figure.", "see parent", ...)
    rural: Figure = _field("Rural (农村) figure.", "see parent", ...)


class PopulationFigures(_Part):
    residents: RequiredUrbanRural = _field("Resident population (常住人口), urban and rural.", "persons", ...)
    households: Figure | None = _field("Resident households (户).", "households")
    household_size: Figure | None = _field("Average persons per household (户均人口).", "persons/household")
    share_60_plus: Figure | None = _field("Share of residents aged 60 and over.", "share 0–1")
    share_80_plus: Figure | None = _field("Share of residents aged 80 and over.", "share 0–1")
    disabled_persons: Figure | None = _field("Persons holding a disability certificate (持证残疾人).", "persons")
    disabled_severe: Figure | None = _field("Certified disabled persons of grades 1–2 (一、二级).", "persons")


class IncomeFigures(_Part):
    disposable_income: UrbanRuralFigures = _field(
        "Per-capita disposable income (人均可支配收入).", "yuan/person/year", UrbanRuralFigures())
    bottom_quintile: UrbanRuralFigures = _field(
        "Per-capita disposable income of the poorest fifth of households (低收入组).", "yuan/person/year",
        UrbanRuralFigures())


class PolicyFigures(_Part):
    dibao_standard: RequiredUrbanRural = _field("Dibao standard (低保标准).", "yuan/person/month", ...)
    minimum_wage: Figure | None = _field("Local minimum wage (最低工资标准), the base of tekun's care standard.",
                                         "yuan/month")
    dibao_minimum_payment: Figure | None = _field(
        "Smallest dibao payment per member (default: the scenario's, 10).", "yuan/person/month")


class TekunFigures(_Part):
    dispersed: Figure | None = _field("Supported at home (分散供养).", "persons")
    institutional: Figure | None = _field("Supported in an institution (集中供养).", "persons")


class CaseloadFigures(_Part):
    dibao_households: UrbanRuralFigures = _field("Dibao households on the roll (year average or year end).",
                                                 "households", UrbanRuralFigures())
    dibao_persons: UrbanRuralFigures = _field("Dibao recipients (保障人数).", "persons", UrbanRuralFigures())
    dibao_coverage: UrbanRuralFigures = _field(
        "Dibao recipients as a share of residents (低保覆盖率).", "share 0–1", UrbanRuralFigures())
    dibao_average_subsidy: UrbanRuralFigures = _field(
        "Average dibao subsidy (月人均补助水平).", "yuan/person/month", UrbanRuralFigures())
    tekun_persons: TekunFigures = _field("Extreme-poverty support recipients (特困人员).", "persons", TekunFigures())
    orphans: Figure | None = _field("Orphans and children without de facto carers supported.", "persons")
    margin_households: Figure | None = _field("Low-income margin households (低保边缘户).", "households")
    temporary_cases: Figure | None = _field("Temporary-assistance cases in the year (临时救助人次).", "cases/year")


class DibaoSpending(_Part):
    """Dibao paid in the year: urban, rural, or only the total."""

    urban: Figure | None = _field("Urban dibao paid.", "yuan/year")
    rural: Figure | None = _field("Rural dibao paid.", "yuan/year")
    total: Figure | None = _field("Urban and rural dibao paid (when the split is not published).", "yuan/year")


class SpendingFigures(_Part):
    dibao: DibaoSpending = _field("Dibao paid in the year.", "yuan/year", DibaoSpending())
    tekun: Figure | None = _field("Extreme-poverty support paid in the year.", "yuan/year")
    temporary: Figure | None = _field("Temporary assistance paid in the year.", "yuan/year")
    medical: Figure | None = _field("Medical assistance paid in the year.", "yuan/year")
    orphans: Figure | None = _field("Orphans' allowance paid in the year.", "yuan/year")
    disability: Figure | None = _field("Disability subsidies (两项补贴) paid in the year.", "yuan/year")
    total: Figure | None = _field("All the programmes aidsim models, paid in the year.", "yuan/year")


class CountyProfile(_Part):
    """A county's published figures (see the module's docstring)."""

    name: str = Field("county", min_length=1, max_length=200, description="Short name of the county.")
    description: str = Field("", max_length=2000, description="What the profile describes.")
    year: int = Field(ge=1950, le=2100, description="The year the caseloads and spending describe.")
    population: PopulationFigures
    incomes: IncomeFigures = Field(default_factory=IncomeFigures)
    policy: PolicyFigures
    caseloads: CaseloadFigures = Field(default_factory=CaseloadFigures)
    spending: SpendingFigures = Field(default_factory=SpendingFigures)

    # -- derived figures ------------------------------------------------------------------------
    @property
    def residents(self) -> float:
        r = self.population.residents
        return r.urban.value + r.rural.value

    @property
    def urban_share(self) -> float:
        return self.population.residents.urban.value / self.residents if self.residents else 0.0

    @property
    def persons_per_household(self) -> float | None:
        """The published household size, or residents ÷ households, or None."""
        pop = self.population
        if pop.household_size is not None:
            return pop.household_size.value
        if pop.households is not None and pop.households.value > 0:
            return self.residents / pop.households.value
        return None

    def figures(self) -> dict[str, Figure]:
        """Every figure given, by dotted key path."""
        out: dict[str, Figure] = {}

        def walk(model: BaseModel, prefix: str) -> None:
            for name in type(model).model_fields:
                value = getattr(model, name)
                if isinstance(value, Figure):
                    out[prefix + name] = value
                elif isinstance(value, BaseModel):
                    walk(value, f"{prefix}{name}.")

        walk(self, "")
        return out


def _value(figure: Figure | None) -> float | None:
    return None if figure is None else figure.value


def impossible(profile: CountyProfile, minimum_payment: float = 10.0) -> list[tuple[str, str]]:
    """Figures that cannot all be true, as ``(key path, reason)``; empty when the profile is
    consistent. ``minimum_payment`` is the scenario's when the profile does not state it."""
    problems: list[tuple[str, str]] = []
    pop, cl, sp, pol, inc = profile.population, profile.caseloads, profile.spending, profile.policy, profile.incomes
    residents = {"urban": pop.residents.urban.value, "rural": pop.residents.rural.value}
    if profile.residents <= 0:
        problems.append(("population.residents", "must count at least one resident"))
    minimum = _value(pol.dibao_minimum_payment)
    minimum = minimum_payment if minimum is None else minimum
    for area in ("urban", "rural"):
        persons = _value(getattr(cl.dibao_persons, area))
        households = _value(getattr(cl.dibao_households, area))
        standard = getattr(pol.dibao_standard, area).value
        if persons is not None and persons > residents[area]:
            problems.append((f"caseloads.dibao_persons.{area}",
                             f"is {persons:,.0f}: more recipients than {area} residents ({residents[area]:,.0f})"))
        if households is not None and persons is not None and households > persons:
            problems.append((f"caseloads.dibao_households.{area}",
                             f"is {households:,.0f}: more households on the roll than recipients ({persons:,.0f})"))
        if households is not None and households > residents[area]:
            problems.append((f"caseloads.dibao_households.{area}",
                             f"is {households:,.0f}: more households than {area} residents ({residents[area]:,.0f})"))
        spent = _value(getattr(sp.dibao, area))
        if spent is not None and persons is not None:
            floor = persons * minimum * 12
            if spent < floor:
                problems.append((f"spending.dibao.{area}",
                                 f"is {spent:,.0f} yuan: below the caseload × the minimum payment for a year "
                                 f"({persons:,.0f} persons × {minimum:g} yuan × 12 = {floor:,.0f})"))
            ceiling = persons * standard * 12 * 2
            if spent > ceiling:
                problems.append((f"spending.dibao.{area}",
                                 f"is {spent:,.0f} yuan: more than twice the standard for every recipient all "
                                 f"year ({persons:,.0f} × {standard:g} × 12 × 2 = {ceiling:,.0f})"))
        coverage = _value(getattr(cl.dibao_coverage, area))
        if coverage is not None and coverage > 1:
            problems.append((f"caseloads.dibao_coverage.{area}", f"is {coverage:g}: a share lies between 0 and 1"))
        average = _value(getattr(cl.dibao_average_subsidy, area))
        if average is not None and not minimum <= average <= 2 * standard:
            problems.append((f"caseloads.dibao_average_subsidy.{area}",
                             f"is {average:g}: an average subsidy lies between the minimum payment ({minimum:g}) "
                             f"and twice the standard ({2 * standard:g})"))
        mean, low = _value(getattr(inc.disposable_income, area)), _value(getattr(inc.bottom_quintile, area))
        if mean is not None and low is not None and low > mean:
            problems.append((f"incomes.bottom_quintile.{area}",
                             f"is {low:,.0f}: the poorest fifth cannot be richer than the average ({mean:,.0f})"))
        if mean is not None and mean <= 0:
            problems.append((f"incomes.disposable_income.{area}", "must be above 0"))
    tekun = sum(v for v in (_value(cl.tekun_persons.dispersed), _value(cl.tekun_persons.institutional)) if v)
    if tekun > profile.residents:
        problems.append(("caseloads.tekun_persons", f"counts {tekun:,.0f} persons: more than the residents "
                                                    f"({profile.residents:,.0f})"))
    for key, count in (("caseloads.orphans", _value(cl.orphans)),
                       ("caseloads.temporary_cases", None),
                       ("population.disabled_persons", _value(pop.disabled_persons)),
                       ("population.households", _value(pop.households))):
        if count is not None and count > profile.residents:
            problems.append((key, f"is {count:,.0f}: more than the residents ({profile.residents:,.0f})"))
    if pop.households is not None and pop.households.value < 1:
        problems.append(("population.households", "must be at least 1"))
    severe, disabled = _value(pop.disabled_severe), _value(pop.disabled_persons)
    if severe is not None and disabled is not None and severe > disabled:
        problems.append(("population.disabled_severe",
                         f"is {severe:,.0f}: more grade 1–2 disabled persons than disabled persons ({disabled:,.0f})"))
    if severe is not None and severe > profile.residents:
        problems.append(("population.disabled_severe", "is more than the residents"))
    for key in ("share_60_plus", "share_80_plus"):
        share = _value(getattr(pop, key))
        if share is not None and share > 1:
            problems.append((f"population.{key}", f"is {share:g}: a share lies between 0 and 1"))
    old, very_old = _value(pop.share_60_plus), _value(pop.share_80_plus)
    if old is not None and very_old is not None and very_old > old:
        problems.append(("population.share_80_plus", f"is {very_old:g}: more residents aged 80+ than aged 60+ ({old:g})"))
    size = _value(pop.household_size)
    if size is not None and not 1.0 <= size <= 5.5:
        problems.append(("population.household_size", f"is {size:g}: expected 1 to 5.5 persons per household"))
    if size is not None and pop.households is not None and pop.households.value > 0:
        implied = profile.residents / pop.households.value
        if abs(implied - size) > 0.1 * size:
            problems.append(("population.households",
                             f"is {pop.households.value:,.0f}: residents ÷ households = {implied:.2f} persons per "
                             f"household, but population.household_size says {size:g}"))
    elif pop.households is not None and pop.households.value > 0:
        implied = profile.residents / pop.households.value
        if not 1.0 <= implied <= 5.5:
            problems.append(("population.households", f"is {pop.households.value:,.0f}: that makes {implied:.2f} "
                                                      f"persons per household; expected 1 to 5.5"))
    split = [_value(sp.dibao.urban), _value(sp.dibao.rural)]
    if sp.dibao.total is not None and None not in split and abs(sum(split) - sp.dibao.total.value) > \
            0.01 * sp.dibao.total.value:
        problems.append(("spending.dibao.total", f"is {sp.dibao.total.value:,.0f} yuan, but urban + rural = "
                                                 f"{sum(split):,.0f}"))
    persons = [_value(cl.dibao_persons.urban), _value(cl.dibao_persons.rural)]
    if sp.dibao.total is not None and None not in persons:
        floor = sum(persons) * minimum * 12
        if sp.dibao.total.value < floor:
            problems.append(("spending.dibao.total",
                             f"is {sp.dibao.total.value:,.0f} yuan: below the caseload × the minimum payment for a "
                             f"year ({sum(persons):,.0f} persons × {minimum:g} yuan × 12 = {floor:,.0f})"))
    dibao_total = _value(sp.dibao.total) if None in split else sum(split)
    parts = [dibao_total, _value(sp.tekun), _value(sp.temporary),
             _value(sp.medical), _value(sp.orphans), _value(sp.disability)]
    if sp.total is not None and sum(p for p in parts if p) > sp.total.value * 1.0001:
        problems.append(("spending.total", f"is {sp.total.value:,.0f} yuan: less than the programmes listed "
                                           f"({sum(p for p in parts if p):,.0f})"))
    return problems


def tilted_sizes(mean: float, base: tuple[float, ...] = DEFAULT_HOUSEHOLD_SIZE) -> list[float]:
    """Household-size shares (1, 2, … persons) closest to ``base`` in relative entropy whose mean
    is ``mean``: ``p_k ∝ base_k × exp(t k)`` with ``t`` found by bisection."""
    sizes = range(1, len(base) + 1)

    def shares(t: float) -> list[float]:
        w = [b * math.exp(t * k) for b, k in zip(base, sizes, strict=True)]
        total = sum(w)
        return [x / total for x in w]

    def mean_of(t: float) -> float:
        return sum(p * k for p, k in zip(shares(t), sizes, strict=True))

    low, high = -30.0, 30.0
    for _ in range(200):
        mid = (low + high) / 2
        if mean_of(mid) < mean:
            low = mid
        else:
            high = mid
    out = [round(p, 6) for p in shares((low + high) / 2)]
    out[out.index(max(out))] += round(1.0 - sum(out), 6)  # shares sum to 1 exactly (to 1e-6)
    return out


def households_for(profile: CountyProfile) -> tuple[int, list[float] | None]:
    """The households to simulate for the profile's residents, and the household-size shares
    (``None``: the scenario's default) whose mean is the profile's persons per household."""
    size = profile.persons_per_household
    shares = None if size is None else tilted_sizes(size)
    mean = size if size is not None else sum(p * k for k, p in enumerate(DEFAULT_HOUSEHOLD_SIZE, start=1))
    return max(1, round(profile.residents / mean)), shares


def scenario_tree(profile: CountyProfile) -> dict[str, Any]:
    """The scenario values a profile sets directly (a tree to merge under a scenario file's own):
    the population scaled by residents, the standards and the minimum wage from the profile's
    year, and the disability grades; the report covers the profile's year after a 36-month warm-up.
    The standards stay as the profile gives them (``dibao.standard_indexation: none``): a budget
    for a later year uses the standard the bureau writes for it, not one grown with incomes."""
    households, sizes = households_for(profile)
    first = f"{profile.year}-01"
    std = profile.policy.dibao_standard
    population: dict[str, Any] = {"households": households, "urban_share": round(profile.urban_share, 6)}
    if profile.urban_share > 0 and profile.population.residents.urban.value > 0:
        population["street_offices"] = 4
    else:
        population["street_offices"] = 0
        population["urban_share"] = 0.0
    if sizes is not None:
        population["household_size"] = sizes
    pop = profile.population
    if pop.disabled_severe is not None and pop.disabled_persons is not None and pop.disabled_persons.value > 0:
        severe = min(pop.disabled_severe.value / pop.disabled_persons.value, 1.0)
        # grades 1 and 2 keep their default 12 : 18 ratio, grades 3 and 4 their 30 : 40
        g = [0.4 * severe, 0.6 * severe, 3 / 7 * (1 - severe), 4 / 7 * (1 - severe)]
        g = [round(x, 6) for x in g]
        g[3] = round(1.0 - sum(g[:3]), 6)
        population["disability_grades"] = g
    tree: dict[str, Any] = {
        "name": profile.name,
        "description": profile.description or f"{profile.name}: built from its county profile ({profile.year}).",
        "simulation": {"start": first, "months": 12, **PROFILE_SIMULATION},
        "population": population,
        "dibao": {"standard": {"urban": {first: std.urban.value}, "rural": {first: std.rural.value}},
                  "standard_indexation": PROFILE_INDEXATION},
    }
    if profile.policy.dibao_minimum_payment is not None:
        tree["dibao"]["minimum_payment"] = profile.policy.dibao_minimum_payment.value
    if profile.policy.minimum_wage is not None:
        wage = profile.policy.minimum_wage.value
        tree["tekun"] = {"minimum_wage": {"urban": {first: wage}, "rural": {first: wage}}}
    return tree


def uncertainty(key: str, figure: Figure) -> float:
    """The relative standard error of a figure: its own, or the default for its kind."""
    if figure.uncertainty is not None:
        return figure.uncertainty
    if key.startswith("population.residents"):
        return DEFAULT_UNCERTAINTY["residents"]
    if key.startswith("spending."):
        return DEFAULT_UNCERTAINTY["spending"]
    if key.startswith("incomes.bottom_quintile"):
        return DEFAULT_UNCERTAINTY["quintile"]
    if key.startswith("incomes."):
        return DEFAULT_UNCERTAINTY["income"]
    if "share" in key:
        return DEFAULT_UNCERTAINTY["share"]
    if "average" in key:
        return DEFAULT_UNCERTAINTY["average"]
    return DEFAULT_UNCERTAINTY["count"]


class UrbanRuralPath(_Part):
    """A dated value for urban and rural (``{YYYY-MM: value}``), as in a scenario."""

    urban: dict[str, float] = Field(description="Months (YYYY-MM) to values.")
    rural: dict[str, float] = Field(description="Months (YYYY-MM) to values.")


class BacktestSpec(_Part):
    """A back-test: calibrate on one year's profile, forecast a later year under that year's known
    standards, compare with the later year's published figures.

    Written and committed before it is run; its result is reported, never tuned to."""

    name: str = Field(min_length=1, max_length=200)
    description: str = Field("", max_length=4000)
    calibrate_on: str = Field(description="Profile of the calibration year (path relative to this file).")
    compare_with: str = Field(description="Profile of the forecast year, with its published figures.")
    forecast_year: int = Field(ge=1950, le=2100)
    standards: UrbanRuralPath = Field(description="Dibao standards from the calibration year to the forecast "
                                                  "year, as known (yuan/person/month).")
    standards_source: str = Field(min_length=1, description="Where the standards path comes from.")
    income_growth: UrbanRuralPath | None = Field(
        None, description="Yearly nominal income growth assumed between the two years (share a year).")
    income_growth_source: str = Field("", description="Where the growth path comes from.")
    households: int | None = Field(None, ge=1000, le=5_000_000, description="Households simulated (scaled up).")
    replications: int = Field(5, ge=1, le=100, description="Replications of the forecast.")
