"""The scenario schema: every parameter of aidsim, with its unit, meaning, bounds and default.

A scenario is a tree of frozen pydantic models. Unknown keys are errors (``extra="forbid"``), so a
typo never silently falls back to a default. Each field carries ``unit`` and, where the default
comes from the source documents, ``source`` (seed files are the 2013–2020 civil-affairs reports
described in the project docs); defaults marked ``assumption`` are the authors' calibrated guesses.

Standards that change over time are :class:`~aidsim.scenario.dated.DatedValue` (effective dates).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from aidsim.calendar import Month, format_month, parse_month
from aidsim.scenario.dated import DatedNonNegative, DatedValue, index_to_cpi


def param(
    default: Any = ...,
    *,
    unit: str,
    description: str,
    source: str = "assumption",
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    default_factory: Any = None,
) -> Any:
    """A scenario field with its unit, description and source recorded in the JSON schema.

    A number with a lower bound and no upper bound of its own is at most ``DEFAULT_MAX``, except
    an identifier (unit ``integer``, the seed), which its own validator bounds."""
    if le is None and (ge is not None or gt is not None) and unit != "integer":
        le = DEFAULT_MAX
    extra = {"unit": unit, "source": source}
    if default_factory is not None:
        return Field(
            default_factory=default_factory, ge=ge, le=le, gt=gt,
            description=description, json_schema_extra=extra,
        )
    return Field(default, ge=ge, le=le, gt=gt, description=description, json_schema_extra=extra)


#: The largest value of a number whose field sets no upper bound (every number is finite anyway).
DEFAULT_MAX = 1_000_000


class Section(BaseModel):
    """Base of every scenario section: unknown keys are errors and values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)  # no .nan, .inf

    @field_validator("*", mode="before")
    @classmethod
    def _no_booleans_as_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        # YAML reads yes/no/true as booleans; pydantic would quietly take them as 1 and 0.
        field = cls.model_fields.get(info.field_name or "")
        if isinstance(value, bool) and field is not None and field.annotation in (int, float):
            raise ValueError(f"expected a number, got {value!r}")
        extra = field.json_schema_extra if field is not None else None
        if isinstance(extra, dict) and str(extra.get("unit", "")).endswith("YYYY-MM") and value is not None:
            from aidsim.scenario.dated import checked_month  # every month in 1950-01 … 2100-12

            for month in value if isinstance(value, list) else [value]:
                checked_month(month)
        return value


# ---------------------------------------------------------------------------------------------
# Shared small shapes
# ---------------------------------------------------------------------------------------------


class UrbanRuralDated(Section):
    """A dated value for urban and for rural hukou (户籍) residents."""

    urban: DatedNonNegative = param(unit="see parent", description="Value for urban residents.")
    rural: DatedNonNegative = param(unit="see parent", description="Value for rural residents.")


class UrbanRural(Section):
    """A constant value for urban and for rural hukou residents."""

    urban: float = param(unit="see parent", description="Value for urban residents.", ge=0)
    rural: float = param(unit="see parent", description="Value for rural residents.", ge=0)


class UrbanRuralShare(Section):
    """A probability or share for urban and for rural residents."""

    urban: float = param(unit="share 0–1", description="Value for urban residents.", ge=0, le=1)
    rural: float = param(unit="share 0–1", description="Value for rural residents.", ge=0, le=1)


class BySelfCare(Section):
    """A share by self-care ability (生活自理能力): full, partial, none."""

    full: float = param(unit="share 0–1", description="Fully able to care for oneself.", ge=0, le=1)
    partial: float = param(unit="share 0–1", description="Partly unable (半失能).", ge=0, le=1)
    none: float = param(unit="share 0–1", description="Wholly unable (全失能).", ge=0, le=1)


def _check_distribution(values: list[float], what: str) -> list[float]:
    if any(v < 0 for v in values):
        raise ValueError(f"{what} must be probabilities ≥ 0; got {values}")
    if abs(sum(values) - 1.0) > 1e-6:
        raise ValueError(f"{what} must sum to 1; they sum to {sum(values):.6g}")
    return values


class AgeBands(Section):
    """A distribution over age bands: ``starts[i]`` to ``starts[i+1]`` (last band ends at ``top``)."""

    starts: list[int] = param(unit="years", description="First age of each band, increasing.")
    shares: list[float] = param(unit="share 0–1", description="Probability of each band; sums to 1.")
    top: int = param(95, unit="years", description="Age at which the last band ends.", ge=1, le=130)

    @model_validator(mode="after")
    def _consistent(self) -> AgeBands:
        if len(self.starts) != len(self.shares):
            raise ValueError("starts and shares must have the same length")
        if any(b <= a for a, b in zip(self.starts, self.starts[1:], strict=False)):
            raise ValueError(f"starts must be increasing; got {self.starts}")
        if self.starts and self.starts[0] < 0:
            raise ValueError(f"starts must be ages ≥ 0; got {self.starts}")
        if self.starts and self.starts[-1] >= self.top:
            raise ValueError("the last band must start below top")
        _check_distribution(self.shares, "shares")
        return self


# ---------------------------------------------------------------------------------------------
# Simulation
# ---------------------------------------------------------------------------------------------


class Simulation(Section):
    """When the run starts, how long it lasts and its random seed."""

    start: str = param("2020-01", unit="month YYYY-MM", description="First reported month.")
    months: int = param(24, unit="months", description="Number of reported months.", ge=1, le=600)
    warmup_months: int = param(
        12, unit="months", ge=0, le=120,
        description="Months simulated before `start` and not reported, so that the caseload settles.",
    )
    seed: int = param(20200101, unit="integer", ge=0, description="Root seed of the random streams.")
    warmup_policy: Literal["first_reported", "dated"] = param(
        "first_reported", unit="choice",
        description="The policy of the warm-up months: `first_reported` runs them under the policy in force "
                    "in the first reported month (dated values and switches as they are then), so the "
                    "reported period starts from a caseload settled under its own rules; `dated` applies "
                    "every dated value as it falls.",
    )

    @field_validator("start")
    @classmethod
    def _month(cls, value: str) -> str:
        return format_month(parse_month(value))

    @field_validator("seed")
    @classmethod
    def _seed(cls, value: int) -> int:
        if value > 2**63 - 1:
            raise ValueError(f"must be ≤ {2**63 - 1}; got {value}")
        return value

    @property
    def start_month(self) -> Month:
        return parse_month(self.start)


# ---------------------------------------------------------------------------------------------
# Population profile
# ---------------------------------------------------------------------------------------------


class AgeRates(Section):
    """Annual rates by age band: ``band_starts[i]`` up to the next band's start (the last band
    has no end); applied monthly."""

    band_starts: list[int] = param(unit="years", description="First age of each band, increasing from 0.")
    annual: list[float] = param(unit="per year", description="Annual rate (or probability) in each band.")

    @model_validator(mode="after")
    def _lengths(self) -> AgeRates:
        if not self.band_starts or self.band_starts[0] != 0:
            raise ValueError("band_starts must begin at 0")
        if any(b <= a for a, b in zip(self.band_starts, self.band_starts[1:], strict=False)):
            raise ValueError(f"band_starts must be increasing; got {self.band_starts}")
        if len(self.annual) != len(self.band_starts):
            raise ValueError("annual needs one value per band in band_starts")
        if any(not 0 <= q <= 1 for q in self.annual):
            raise ValueError("annual values must be between 0 and 1")
        return self


class Renewal(Section):
    """Population renewal: births, young adults leaving home to form a household, rural
    out-migration, and in-migrant households that keep the residents on their growth path (see
    :mod:`aidsim.population.renewal`).

    Births, households formed and arrivals need room in the population's arrays, reserved when the
    population is drawn: empty person rows for births in each household (as many as its women's
    births over the run need but with probability ``birth_rows_shortfall``), empty households
    for young adults (``reserve_households_per_year``) and in-migrant households drawn with their
    members (``migrant_households_per_year``), per year of the run, warm-up included.
    """

    enabled: bool = param(False, unit="switch",
                          description="Renew the population (off: nobody is born, leaves home or migrates; "
                                      "the population only dies and ages). Off by default until its cost in "
                                      "speed is brought within bounds and the default county is recalibrated "
                                      "with it and with income growth.")
    growth: float | None = param(
        0.0, unit="per year", ge=-0.05, le=0.05,
        description="Growth rate the number of living residents follows (0: stable). In-migration closes the "
                    "balance: each month as many in-migrant households arrive as bring the residents back to "
                    "the path (none when births already exceed it). null: nobody moves in and nothing is "
                    "balanced.")
    fertility: AgeRates = param(
        default_factory=lambda: AgeRates(band_starts=[0, 15, 20, 25, 30, 35, 40, 45, 50],
                                         annual=[0.0, 0.006, 0.055, 0.098, 0.068, 0.027, 0.007, 0.002, 0.0]),
        unit="births per woman per year",
        source="assumption: age pattern like the 2020 census's (peak at 25–29), level a total fertility "
               "rate of 1.3 (NBS, 7th census 2020); rounded values, not the census table",
        description="Births per woman per year by the mother's age, followed as given (never scaled to "
                    "balance the population).")
    female_share_at_birth: float = param(
        0.473, unit="share 0–1", ge=0, le=1, source="NBS, 7th census 2020: sex ratio at birth 111.3",
        description="Share of newborns who are girls.")
    leaving_ages: list[int] = param(
        default_factory=lambda: [20, 35], unit="years",
        description="Ages [from, to) at which young adults leave their parents' household to form their own.")
    leaving_rate: float = param(
        0.005, unit="per year", ge=0, le=1,
        source="assumption: tuned so that persons per household fall about 0.1 over ten years from the "
               "example county's 2.9 (China's fell from 3.10 to 2.62 from 2010 to 2020, 6th and 7th "
               "censuses; a county already this old, more slowly)",
        description="Annual probability that a young adult able to work, in a household of at least "
                    "`leaving_min_size` living members, leaves to form a household in the same area.")
    leaving_min_size: int = param(3, unit="persons", ge=2, le=20,
                                  description="Smallest household a young adult leaves.")
    migration: AgeRates = param(
        default_factory=lambda: AgeRates(band_starts=[0, 16, 30, 45], annual=[0.0, 0.008, 0.004, 0.0]),
        unit="per year",
        source="assumption: a modest permanent departure of rural working-age people from the county "
               "(China's rural population fell by about 1.6% a year 2010–2020, 7th census, mostly by "
               "urbanisation in place); 0 switches it off",
        description="Annual probability that a rural-hukou person able to work leaves the county for good, "
                    "by age.")
    birth_rows_shortfall: float = param(
        0.02, unit="probability", gt=0, le=1,
        description="Empty person rows reserved for births in a household: the fewest such that its women "
                    "have more births over the run (warm-up included; Poisson with the fertility schedule's "
                    "expectation) with at most this probability. A birth with no row left does not happen: "
                    "women with less than this chance of a birth (15–19 or 40–44 in a short run) get no row.")
    reserve_households_per_year: float = param(
        0.004, unit="share 0–1 per year", ge=0, le=1,
        description="Empty households reserved for households that form, as a share of the households "
                    "per year of the run (warm-up included). The example county forms about 0.002 a year "
                    "at the default `leaving_rate`; when an area has none left, its young adults stay.")
    migrant_households_per_year: float = param(
        0.015, unit="share 0–1 per year", ge=0, le=1,
        description="In-migrant households reserved (drawn from the profile with their members), as a share "
                    "of the households per year of the run (warm-up included). The example county at growth 0 "
                    "uses about 0.0075 a year, so 0.015 lasts ten years with a margin; growth +1% a year needs "
                    "about 0.02, so 0.03. When they run "
                    "out, nobody else moves in and the residents fall below the path.")

    @field_validator("leaving_ages")
    @classmethod
    def _ages(cls, value: list[int]) -> list[int]:
        if len(value) != 2 or not 0 <= value[0] < value[1] <= 120:
            raise ValueError(f"must be two ages [from, to) with 0 ≤ from < to ≤ 120; got {value}")
        return value


class Profile(Section):
    """The synthetic population: an "example county" of urban and rural households.

    The default is tuned so that the baseline reproduces the seed-002 city in 2020 (rural dibao
    coverage about 6.6% of rural residents; average subsidy about 395 urban / 242 rural yuan).
    """

    households: int = param(100_000, unit="households", ge=1, le=50_000_000,
                            description="Number of simulated households.")
    street_offices: int = param(4, unit="areas", ge=0, le=500,
                                description="Urban areas (街道): urban-hukou households live here.")
    townships: int = param(12, unit="areas", ge=1, le=5000,
                           description="Rural areas (乡镇): rural-hukou households live here.")
    urban_share: float = param(0.35, unit="share 0–1", ge=0, le=1,
                               description="Share of households with urban hukou.")
    household_size: list[float] = param(
        default_factory=lambda: [0.17, 0.29, 0.22, 0.16, 0.11, 0.05], unit="share 0–1",
        description="Probability of a household of 1, 2, … persons (at most 8 sizes); sums to 1.",
    )
    head_age: AgeBands = param(
        default_factory=lambda: AgeBands(
            starts=[18, 30, 45, 60, 70, 80], shares=[0.12, 0.26, 0.30, 0.17, 0.10, 0.05]
        ),
        unit="years", description="Age of the household head (several-person households).",
    )
    single_age: AgeBands = param(
        default_factory=lambda: AgeBands(
            starts=[18, 30, 45, 60, 70, 80], shares=[0.12, 0.12, 0.16, 0.22, 0.22, 0.16]
        ),
        unit="years", description="Age of people living alone (many are elderly).",
    )
    disability_prevalence: UrbanRural = param(
        default_factory=lambda: UrbanRural(urban=0.03, rural=0.05), unit="share 0–1",
        description="Share of people under 60 with a disability (certified or not: see disability_certified_share).",
    )
    disability_prevalence_60_plus: float = param(
        0.14, unit="share 0–1", ge=0, le=1,
        description="Share of people aged 60 and over with a disability (certified or not).",
    )
    disability_certified_share: float = param(
        0.44, unit="share 0–1", ge=0, le=1,
        source="about 37 million certified disabled persons (CDPF statistical bulletins, 2020) of about "
               "85 million disabled (2006 national sample survey, 6.34%, extrapolated to 2010)",
        description="Share of disabled people who hold a disability certificate (残疾证), which the two "
                    "disability subsidies require. The prevalences above are of disability itself (the "
                    "survey's), which decides the ability to work and self-care.",
    )
    disability_grades: list[float] = param(
        default_factory=lambda: [0.12, 0.18, 0.30, 0.40], unit="share 0–1",
        description="Shares of disability grades 1 (most severe) to 4; sums to 1.",
    )
    chronic_prevalence: float = param(0.08, unit="share 0–1", ge=0, le=1,
                                      description="Share of people under 60 with a chronic illness.")
    chronic_prevalence_60_plus: float = param(0.35, unit="share 0–1", ge=0, le=1,
                                              description="Share of people 60+ with a chronic illness.")
    partial_selfcare_80_plus: float = param(
        0.25, unit="share 0–1", ge=0, le=1,
        description="Share of people aged 80+ without severe disability who are partly dependent.",
    )
    employment_rate: UrbanRuralShare = param(
        default_factory=lambda: UrbanRuralShare(urban=0.90, rural=0.80), unit="share 0–1",
        description="Share of people able to work (16–59, no severe disability) who work at start.",
    )
    employee_pension_share_urban: float = param(
        0.85, unit="share 0–1", ge=0, le=1,
        description="Share of urban people 60+ with an employees' pension (the rest: resident pension).",
    )
    employee_pension_median: float = param(2600, unit="yuan/person/month", ge=0, le=100_000,
                                           description="Median employees' pension.")
    resident_pension: UrbanRural = param(
        default_factory=lambda: UrbanRural(urban=200, rural=100), unit="yuan/person/month",
        source="calibrated to seed 002's 2020 dibao figures (rural coverage and average subsidy, urban "
               "average subsidy); the central minimum basic pension was 93 yuan a month in 2020, to which "
               "provinces and counties add",
        description="Basic resident pension (城乡居民基本养老金) for people 60+ without an employees' pension.",
    )
    other_income_share: UrbanRuralShare = param(
        default_factory=lambda: UrbanRuralShare(urban=0.60, rural=0.75), unit="share 0–1",
        description="Share of households with other income (farming, rent, transfers from relatives).",
    )
    other_income_median: UrbanRural = param(
        default_factory=lambda: UrbanRural(urban=1100, rural=600), unit="yuan/household/month",
        description="Median other income among households that have it.",
    )
    vehicle_share: UrbanRuralShare = param(
        default_factory=lambda: UrbanRuralShare(urban=0.30, rural=0.20), unit="share 0–1",
        description="Share of households owning a car or business vehicle (average; richer households more often).",
    )
    business_share: UrbanRuralShare = param(
        default_factory=lambda: UrbanRuralShare(urban=0.08, rural=0.06), unit="share 0–1",
        description="Share of households running a business or shop.",
    )
    two_dwellings_share: UrbanRuralShare = param(
        default_factory=lambda: UrbanRuralShare(urban=0.15, rural=0.05), unit="share 0–1",
        description="Share of households owning two or more dwellings.",
    )
    public_sector_share: UrbanRuralShare = param(
        default_factory=lambda: UrbanRuralShare(urban=0.12, rural=0.03), unit="share 0–1",
        description="Share of workers employed in the public sector or a state enterprise.",
    )
    refuses_work_share: float = param(
        0.03, unit="share 0–1", ge=0, le=1,
        description="Share of able-bodied working-age people without work who refuse work without cause.",
    )
    orphan_share: float = param(
        0.004, unit="share 0–1", ge=0, le=1,
        description="Share of children (under 18) who are orphans or without de facto carers.",
    )
    outside_supporter_share: UrbanRuralShare = param(
        default_factory=lambda: UrbanRuralShare(urban=0.9965, rural=0.946), unit="share 0–1",
        source="calibrated to seed 002's tekun person-times (rural 62,850 and urban 734 against 660,858 "
               "and 56,199 dibao person-times, 2016–2020)",
        description="Share of households with a legal supporter (赡养人/抚养人) living elsewhere able to "
                    "support them (a supporter who is himself poor or old lacks the capacity, 特困人员认定办法 "
                    "2021). Decides who is 三无: almost all are people of 60 and over in households with no "
                    "member able to work.",
    )
    formal_job_share: UrbanRuralShare = param(
        default_factory=lambda: UrbanRuralShare(urban=0.6, rural=0.15), unit="share 0–1",
        description="Share of working people whose job is with a formal employer (wages that can be verified).",
    )
    office_distance_km: UrbanRural = param(
        default_factory=lambda: UrbanRural(urban=1.5, rural=6.0), unit="km",
        description="Median distance from a household to its civil-affairs office (log-normal, spread "
                    "`office_distance_spread`).",
    )
    office_distance_spread: float = param(0.6, unit="log points", ge=0, le=3,
                                          description="Spread (sd of the log) of the distance to the office.")
    spouse_age_sd: float = param(3.0, unit="years", ge=0, le=20,
                                 description="Spread (sd) of a spouse's age around the head's (at least 16).")
    parent_age_gap: float = param(
        27.0, unit="years", ge=0, le=60,
        description="How much older than the head is the parent living in a household of five or more "
                    "(sd `spouse_age_sd`, aged 40–100).")
    child_age_gap: list[float] = param(
        default_factory=lambda: [22.0, 38.0], unit="years",
        description="How much younger than the head a child is: uniform in [from, to) (at least 0).")
    pension_spread: float = param(0.35, unit="log points", ge=0, le=3,
                                  description="Spread (sd of the log) of employee pensions around their median.")
    renewal: Renewal = Field(default_factory=Renewal)

    @field_validator("child_age_gap")
    @classmethod
    def _child_gap(cls, value: list[float]) -> list[float]:
        if len(value) != 2 or not 0 <= value[0] <= value[1] <= 80:
            raise ValueError(f"must be two ages [from, to) with 0 ≤ from ≤ to ≤ 80; got {value}")
        return value

    @field_validator("household_size")
    @classmethod
    def _sizes(cls, value: list[float]) -> list[float]:
        if not 1 <= len(value) <= 8:
            raise ValueError("must list between 1 and 8 probabilities (sizes 1, 2, …)")
        return _check_distribution(value, "household_size")

    @field_validator("disability_grades")
    @classmethod
    def _grades(cls, value: list[float]) -> list[float]:
        if len(value) != 4:
            raise ValueError("must list 4 shares, for grades 1 to 4")
        return _check_distribution(value, "disability_grades")

    @model_validator(mode="after")
    def _areas(self) -> Profile:
        if self.urban_share > 0 and self.street_offices == 0:
            raise ValueError("urban_share > 0 needs at least one street office (street_offices ≥ 1)")
        return self


# ---------------------------------------------------------------------------------------------
# Shocks
# ---------------------------------------------------------------------------------------------


class IncomeShocks(Section):
    """Earnings: log earnings = mean + persistent AR(1) component + transitory noise (monthly)."""

    mean_log_earnings: UrbanRural = param(
        default_factory=lambda: UrbanRural(urban=8.2, rural=7.5), unit="log yuan/month",
        description="Mean log monthly earnings of a worker (exp(8.2) ≈ 3,640 yuan; exp(7.5) ≈ 1,810).",
    )
    persistent_sd: float = param(0.62, unit="log points", ge=0, le=5,
                                 description="Standard deviation of the persistent component across workers.")
    persistent_rho: float = param(0.97, unit="per month", ge=0, le=1,
                                  description="Monthly autocorrelation of the persistent component.")
    transitory_sd: float = param(0.20, unit="log points", ge=0, le=5,
                                 description="Standard deviation of month-to-month transitory earnings noise.")
    other_income_sd: float = param(0.8, unit="log points", ge=0, le=5,
                                   description="Dispersion of other household income (persistent).")
    other_income_rho: float = param(0.95, unit="per month", ge=0, le=1,
                                    description="Monthly autocorrelation of other household income.")
    growth: UrbanRuralDated = param(
        default_factory=lambda: UrbanRuralDated(
            urban=DatedValue.parse({"2021-01": 0.082, "2022-01": 0.039, "2023-01": 0.051, "2024-01": 0.046}),
            rural=DatedValue.parse({"2021-01": 0.105, "2022-01": 0.063, "2023-01": 0.077, "2024-01": 0.066})),
        unit="share a year",
        source="NBS statistical communiqués 2021–2024: nominal growth of per-capita disposable income "
               "(urban 8.2%, 3.9%, 5.1%, 4.6%; rural 10.5%, 6.3%, 7.7%, 6.6%); the 2024 rate held after "
               "(assumption); before 2021 the first dated rate applies, so a run reporting from 2019 grows "
               "by the 2021 rate (write your own path for other years)",
        description="Nominal yearly growth of earnings, pensions and other income by hukou, each January after "
                    "the first reported month (dated: the rate in force in that January; 0.05 for 5%; 0: "
                    "incomes stay at the profile's level). Dibao standards follow by default "
                    "(dibao.standard_indexation).",
    )

    @model_validator(mode="after")
    def _log_earnings(self) -> IncomeShocks:
        if max(self.mean_log_earnings.urban, self.mean_log_earnings.rural) > 12:
            raise ValueError("mean_log_earnings must be ≤ 12 (exp(12) ≈ 163,000 yuan a month); "
                             f"got {self.mean_log_earnings.urban:g} urban, {self.mean_log_earnings.rural:g} rural")
        return self


class LabourShocks(Section):
    """Job loss and job finding (monthly hazards)."""

    job_loss_rate: float = param(0.010, unit="per month", ge=0, le=1,
                                 description="Probability that a worker loses work in a month.")
    job_finding_rate: float = param(0.08, unit="per month", ge=0, le=1,
                                    description="Probability that an able-bodied person without work finds work.")


class HealthShocks(Section):
    """Serious illness episodes, hospital cost and basic medical insurance."""

    illness_onset: float = param(0.0015, unit="per month", ge=0, le=1,
                                 description="Monthly onset of a serious illness episode, under 60, no chronic illness.")
    illness_onset_60_plus: float = param(0.005, unit="per month", ge=0, le=1,
                                         description="Monthly onset for people aged 60 and over.")
    chronic_multiplier: float = param(2.5, unit="ratio", ge=0, le=100,
                                      description="Onset multiplier for people with a chronic illness.")
    recovery_rate: float = param(0.25, unit="per month", ge=0, le=1,
                                 description="Monthly probability that an episode ends (mean length 1/rate).")
    hospital_cost_median: float = param(12_000, unit="yuan/episode", ge=0,
                                        description="Median in-policy inpatient cost of an episode.")
    hospital_cost_sd: float = param(0.9, unit="log points", ge=0, le=5,
                                    description="Dispersion of the episode cost (lognormal).")
    insurance_deductible: float = param(800, unit="yuan/episode", ge=0, le=10_000_000,
                                        description="Basic medical insurance deductible (起付线).")
    insurance_rate: float = param(0.60, unit="share 0–1", ge=0, le=1,
                                  description="Share of in-policy cost above the deductible paid by insurance.")
    insurance_cap: float = param(150_000, unit="yuan/episode", ge=0, le=1_000_000_000,
                                 description="Most that insurance pays for one episode.")


class DisabilityShocks(Section):
    """Onset of disability (monthly hazards)."""

    onset_rate: float = param(0.0002, unit="per month", ge=0, le=1,
                              description="Monthly onset of disability under 60.")
    onset_rate_60_plus: float = param(0.0012, unit="per month", ge=0, le=1,
                                      description="Monthly onset of disability at 60 and over.")


class Mortality(Section):
    """Annual death probabilities by age band, applied monthly as 1 − (1 − q)^(1/12)."""

    band_starts: list[int] = param(
        default_factory=lambda: [0, 15, 45, 60, 70, 80, 90], unit="years",
        description="First age of each band, increasing from 0.",
    )
    annual_probability: list[float] = param(
        default_factory=lambda: [0.0006, 0.0012, 0.004, 0.011, 0.03, 0.085, 0.2],
        unit="per year", description="Annual probability of death in each band.",
    )

    @model_validator(mode="after")
    def _lengths(self) -> Mortality:
        if not self.band_starts or self.band_starts[0] != 0:
            raise ValueError("band_starts must begin at 0")
        if any(b <= a for a, b in zip(self.band_starts, self.band_starts[1:], strict=False)):
            raise ValueError(f"band_starts must be increasing; got {self.band_starts}")
        if self.band_starts[-1] > 130:
            raise ValueError(f"band_starts must be ages 0 … 130; got {self.band_starts}")
        if len(self.annual_probability) != len(self.band_starts):
            raise ValueError("annual_probability needs one value per band in band_starts")
        if any(not 0 <= q <= 1 for q in self.annual_probability):
            raise ValueError("annual_probability values must be between 0 and 1")
        return self


class Disaster(Section):
    """A covariate shock (earthquake, drought, flood, epidemic) on some areas from a given month."""

    name: str = param("disaster", unit="text", description="What happened.")
    start: str = param(unit="month YYYY-MM", description="Month the disaster strikes.")
    areas: list[int] = param(unit="area ids", description="Areas hit (street offices first, then townships).")
    share_hit: float = param(unit="share 0–1", ge=0, le=1, description="Share of households hit in those areas.")
    income_loss: float = param(0.5, unit="share 0–1", ge=0, le=1,
                               description="Share of earnings and other income lost while it lasts.")
    asset_loss: float = param(5000, unit="yuan/household", ge=0, le=10_000_000,
                              description="One-off loss of assets and crops of a household hit.")
    duration_months: int = param(3, unit="months", ge=1, le=60, description="How long the income loss lasts.")

    @field_validator("start")
    @classmethod
    def _month(cls, value: str) -> str:
        return format_month(parse_month(value))


class Shocks(Section):
    disasters: list[Disaster] = param(
        default_factory=list, unit="events", source="seed 001 (earthquake, drought)",
        description="Disasters, each striking some areas from a month.")
    income: IncomeShocks = Field(default_factory=IncomeShocks)
    labour: LabourShocks = Field(default_factory=LabourShocks)
    health: HealthShocks = Field(default_factory=HealthShocks)
    disability: DisabilityShocks = Field(default_factory=DisabilityShocks)
    mortality: Mortality = Field(default_factory=Mortality)


# ---------------------------------------------------------------------------------------------
# Programmes
# ---------------------------------------------------------------------------------------------


class DibaoExclusions(Section):
    """Asset and conduct exclusions of the dibao means test (seed 001 lists ten); each can be switched off."""

    vehicle: bool = param(True, unit="switch", source="seed 001",
                          description="Exclude households owning a car or business vehicle.")
    business: bool = param(True, unit="switch", source="seed 001",
                           description="Exclude households running a business or shop.")
    two_dwellings: bool = param(True, unit="switch", source="seed 001",
                                description="Exclude households owning two or more dwellings.")
    public_sector: bool = param(True, unit="switch", source="seed 001",
                                description="Exclude households with a public-sector or state-enterprise worker.")
    refuses_work: bool = param(True, unit="switch", source="seed 001",
                               description="Exclude households with an able-bodied member refusing work without cause.")
    supporter_not_supporting: bool = param(
        False, unit="switch", source="seed 001",
        description="Exclude households whose legal supporter elsewhere could support them but does not.",
    )
    member_income_above_standard: bool = param(
        False, unit="switch", source="seed 001",
        description="Exclude households where one member's wage or pension alone exceeds the standard.",
    )


class SingleMember(Section):
    """Single-member enrolment (单人保, 重病重残单独施保): in a low-income household that fails the
    means test, a severely disabled or seriously ill adult is enrolled alone, as a household of one."""

    enabled: bool = param(False, unit="switch", source="provincial rules (单独施保); national rules of 2021",
                          description="Enrol severely disabled or seriously ill adults of low-income households "
                                      "alone (off by default until the default county is recalibrated with it).")
    income_multiple: float = param(
        1.5, unit="× dibao standard", ge=1, le=5, source="national rules of 2021 (低收入家庭: about 1.5 × standard)",
        description="The household counts as low-income when its per-capita income is below this multiple "
                    "of the standard.")


class DibaoSupplements(Section):
    """Categorical supplements (分类施保), as shares of the standard, per member in the category.

    A member in several categories receives the largest one.
    """

    elderly: float = param(0.10, unit="share of standard", ge=0, le=5, source="seed 001 (levels)",
                           description="Supplement for members at or above `elderly_age`.")
    elderly_age: int = param(70, unit="years", ge=0, le=120, description="Age from which a member is elderly.")
    severely_disabled: float = param(0.20, unit="share of standard", ge=0, le=5,
                                     description="Supplement for members with disability grade 1 or 2.")
    seriously_ill: float = param(0.15, unit="share of standard", ge=0, le=5,
                                 description="Supplement for members in a serious illness episode.")
    minor: float = param(0.10, unit="share of standard", ge=0, le=5,
                         description="Supplement for members under 18.")


class Dibao(Section):
    """Minimum living standard guarantee (最低生活保障): a top-up to the standard, per member."""

    enabled: bool = param(True, unit="switch",
                          description="Run dibao (off: nobody is on the roll and nothing is paid).")
    standard: UrbanRuralDated = param(
        default_factory=lambda: UrbanRuralDated(
            urban=DatedValue.constant(750), rural=DatedValue.constant(433)
        ),
        unit="yuan/person/month", source="seed 002 (2020: 750 urban, 433 rural)",
        description="Dibao standard (低保标准) by hukou, with effective dates.",
    )
    standard_indexation: Literal["income", "none"] = param(
        "income", unit="choice",
        source="seeds 001 and 004 (a natural growth mechanism ties standards to living costs); assumption: "
               "they keep pace with per-capita income",
        description="income: after its last dated change, and after the first reported month, each standard "
                    "rises every January as incomes do by hukou (shocks.income.growth), so a projection keeps "
                    "the standard's ratio to incomes; a standard written for a date is taken as written, so "
                    "write every year's standard, or choose none, to set the path yourself. none: the standard "
                    "stays as written.",
    )
    exclusions: DibaoExclusions = Field(default_factory=DibaoExclusions)
    supplements: DibaoSupplements = Field(default_factory=DibaoSupplements)
    income_months: int = param(
        12, unit="months", ge=1, le=36,
        source="assumption (the period is set locally, commonly the last 6 or 12 months; MCA 2021 审核确认办法)",
        description="Months of income the means test averages: the office counts a household's usual income, "
                    "not one month's. Approximated by an exponentially weighted mean of the same mean age "
                    "(weight 2/(months+1) on the latest month); 1: this month's income alone.",
    )
    gradual_exit_months: int = param(
        3, unit="months", ge=0, le=60, source="seed 004 (低保渐退)",
        description="Months a household keeps its benefit after a review finds income above the line.",
    )
    minimum_payment: float = param(
        10, unit="yuan/person/month", ge=0, le=100_000,
        description="Smallest payment per enrolled member: a smaller top-up is raised to it.",
    )
    single_member: SingleMember = Field(default_factory=SingleMember)


class Tekun(Section):
    """Extreme-poverty support (特困人员救助供养): basic living plus care, per person."""

    enabled: bool = param(True, unit="switch",
                          description="Run extreme-poverty support (off: nobody is supported; those who would be "
                                      "stay in their household's dibao unit).")
    basic_multiplier: float = param(1.3, unit="× dibao standard", ge=0, le=10, source="seed 002",
                                    description="Basic living standard as a multiple of the local dibao standard.")
    minimum_wage: UrbanRuralDated = param(
        default_factory=lambda: UrbanRuralDated(
            urban=DatedValue.constant(1620), rural=DatedValue.constant(1620)
        ),
        unit="yuan/month", description="Local minimum wage, the base of the care standard.",
    )
    care_share: BySelfCare = param(
        default_factory=lambda: BySelfCare(full=0.0, partial=0.3, none=0.6),
        unit="share of minimum wage", source="seed 002 (30% and 60%)",
        description="Care standard (照料护理标准) by self-care ability.",
    )
    institutional_share: BySelfCare = param(
        default_factory=lambda: BySelfCare(full=0.15, partial=0.45, none=0.75),
        unit="share 0–1", source="seed 001 (about 22–38% in institutions)",
        description="Probability that a new recipient is supported in an institution (集中供养).",
    )
    income_threshold: float = param(
        1.0, unit="× dibao standard", ge=0, le=10,
        description="A person counts as having no income (无收入) when own income is below this multiple of the standard.",
    )
    working_age: list[int] = param(
        default_factory=lambda: [16, 60], unit="years",
        description="Ages [from, to) at which a person without severe disability counts as able to work.",
    )

    @field_validator("working_age")
    @classmethod
    def _working_age(cls, value: list[int]) -> list[int]:
        if len(value) != 2 or not 0 <= value[0] < value[1] <= 130:
            raise ValueError(f"must be two ages [from, to) with 0 ≤ from < to ≤ 130; got {value}")
        return value


# ---------------------------------------------------------------------------------------------
# Administration: how households reach the roll and leave it (offices are Mesa agents)
# ---------------------------------------------------------------------------------------------


def _optional_month(value: str | None) -> str | None:
    return None if value is None else format_month(parse_month(value))


class Campaign(Section):
    """An information campaign (政策宣传) that raises applications in some areas for a while."""

    start: str = param(unit="month YYYY-MM", description="First month of the campaign.")
    months: int = param(3, unit="months", ge=1, le=120, description="How long it lasts.")
    factor: float = param(1.5, unit="× application rate", ge=1, le=20,
                          description="Multiplier of the monthly application probability meanwhile.")
    areas: list[int] | None = param(None, unit="area ids",
                                    description="Areas covered (street offices first, then townships); all when omitted.")

    @field_validator("start")
    @classmethod
    def _start_month(cls, value: str | None) -> str | None:
        return _optional_month(value)


class Applying(Section):
    """Dibao applications (申请): who applies, and when.

    A household not on the roll applies in a month with probability
    ``monthly_rate × (expected benefit / reference_benefit) ** benefit_elasticity ×
    exp(−stigma − distance_cost_per_km × km to the office) × campaign factor`` (at most 1).
    It judges its chances by the income it would declare: below the standard it expects the
    top-up; up to ``hopeful_multiple`` × the standard it hopes for ``hopeful_benefit``.
    """

    monthly_rate: float = param(
        0.04, unit="per month", ge=0, le=1,
        description="Monthly probability of applying at the reference benefit, before stigma and distance.")
    reference_benefit: float = param(
        300, unit="yuan/household/month", ge=1, le=100_000,
        description="Expected benefit at which the application probability is `monthly_rate`, in yuan of the "
                    "first reported month (it grows with incomes, shocks.income.growth).")
    benefit_elasticity: float = param(
        1.0, unit="elasticity", ge=0, le=3,
        description="How the application probability rises with the expected benefit (0: not at all).")
    stigma: float = param(
        0.3, unit="log points", ge=0, le=10,
        description="Stigma of claiming (the probability is multiplied by exp(−stigma)).")
    distance_cost_per_km: float = param(
        0.04, unit="log points/km", ge=0, le=10,
        description="Cost of distance to the office (the probability is multiplied by exp(−cost × km)).")
    hopeful_multiple: float = param(
        1.2, unit="× dibao standard", ge=1, le=5,
        description="Households declaring per-capita income below this multiple of the standard may apply.")
    hopeful_benefit: float = param(
        20, unit="yuan/household/month", ge=0, le=100_000,
        description="Benefit a household declaring above the standard hopes for (it is mostly refused), in "
                    "yuan of the first reported month (it grows with incomes).")
    reapply_wait_months: int = param(
        6, unit="months", ge=0, le=120,
        description="Months a refused household waits before it applies again.")
    campaigns: list[Campaign] = param(
        default_factory=list, unit="events", description="Information campaigns.")
    online_from: str | None = param(
        None, unit="month YYYY-MM", source="seed 002 (网上申请)",
        description="Month online application opens (none when omitted).")
    online_distance_cut: float = param(
        0.8, unit="share 0–1", ge=0, le=1,
        description="Share of the distance cost removed once online application is open.")
    area_factor: UrbanRural = param(
        default_factory=lambda: UrbanRural(urban=1.0, rural=1.0), unit="× application rate",
        description="Multiplier of the monthly application probability in urban (street offices) and "
                    "rural (townships) areas: take-up that differs between town and country for reasons "
                    "the model does not describe. 1 by default; `aidsim calibrate` fits it to a county's "
                    "urban and rural caseloads.")

    @field_validator("area_factor")
    @classmethod
    def _area_factor(cls, value: UrbanRural) -> UrbanRural:
        if max(value.urban, value.rural) > 50:
            raise ValueError(f"must be at most 50 in each area; got {value.urban:g} urban, {value.rural:g} rural")
        return value

    @field_validator("online_from")
    @classmethod
    def _online_month(cls, value: str | None) -> str | None:
        return _optional_month(value)


class IncomeKinds(Section):
    """A share for each kind of income, by how easily it is verified."""

    formal: float = param(unit="share 0–1", ge=0, le=1, description="Wages from formal employers.")
    informal: float = param(unit="share 0–1", ge=0, le=1,
                            description="Informal, casual and migrant earnings.")
    other: float = param(unit="share 0–1", ge=0, le=1,
                         description="Other household income (farming, remittances, rents).")


class Detection(Section):
    """Probabilities that a check finds each kind of hidden income, and a barring asset."""

    formal: float = param(unit="share 0–1", ge=0, le=1, description="Hidden formal wages found.")
    informal: float = param(unit="share 0–1", ge=0, le=1, description="Hidden informal earnings found.")
    other: float = param(unit="share 0–1", ge=0, le=1, description="Hidden other income found.")
    assets: float = param(unit="share 0–1", ge=0, le=1,
                          description="A barring asset (vehicle, business, second dwelling) found.")


class Declaring(Section):
    """What households declare (申报): income under-reported by how hard it is to verify (收入核定难)."""

    hidden_share: IncomeKinds = param(
        default_factory=lambda: IncomeKinds(formal=0.05, informal=0.2, other=0.25),
        unit="share 0–1", source="seed 001 (income hard to verify)",
        description="Average share of each kind of income left out of a declaration.")
    propensity_spread: float = param(
        1.0, unit="share 0–1", ge=0, le=1,
        description="Spread of households' honesty: each hides `hidden_share` × a fixed propensity "
                    "drawn uniformly in [1 − spread, 1 + spread].")


class Verification(Section):
    """The means test's checks (入户调查, 信息核对): assessed income = declared + hidden income found."""

    detection: Detection = param(
        default_factory=lambda: Detection(formal=0.6, informal=0.4, other=0.4, assets=0.7),
        unit="share 0–1", description="Detection by household survey alone.")
    data_matching_from: str | None = param(
        None, unit="month YYYY-MM", source="seed 002 (居民家庭经济状况核对)",
        description="Month electronic data matching (bank, vehicle, property, social security) starts.")
    data_matching_detection: Detection = param(
        default_factory=lambda: Detection(formal=0.95, informal=0.45, other=0.5, assets=0.95),
        unit="share 0–1", description="Detection once data matching is on.")
    load_penalty: float = param(
        0.3, unit="share 0–1", ge=0, le=1,
        description="Detection falls by this share when the office works at full capacity "
                    "(in proportion to its use of capacity).")
    wrongful_refusal_rate: float = param(
        0.03, unit="share 0–1", ge=0, le=1,
        description="Probability that an applicant found eligible is refused anyway (missing papers, judgement).")

    @field_validator("data_matching_from")
    @classmethod
    def _matching_month(cls, value: str | None) -> str | None:
        return _optional_month(value)


class Route(Section):
    """Days from a case's survey to its first payment on one approval route: a minimum plus an
    exponential tail, so the mean is ``mean_days``."""

    minimum_days: float = param(unit="days", ge=0, le=730, description="Shortest time.")
    mean_days: float = param(unit="days", ge=0, le=730, description="Average time.")

    @model_validator(mode="after")
    def _order(self) -> Route:
        if self.mean_days < self.minimum_days:
            raise ValueError(f"mean_days ({self.mean_days:g}) must be at least minimum_days "
                             f"({self.minimum_days:g})")
        return self


class Routes(Section):
    township: Route = param(unit="days", description="Approved by the township (after devolution).")
    county: Route = param(unit="days", description="Approved by the county civil-affairs bureau.")


class Approval(Section):
    """Who approves (审批) and how long it takes: survey, democratic review, public notice (公示), approval."""

    township_limit: float | None = param(
        1000, unit="yuan/household/month", ge=0, le=10_000_000,
        description="The township approves cases up to this monthly benefit, the county above it "
                    "(omit or null: the township approves all; 0: the county approves all).")
    routes: Routes = param(
        default_factory=lambda: Routes(township=Route(minimum_days=15, mean_days=30),
                                       county=Route(minimum_days=35, mean_days=60)),
        unit="days", source="seed 002 (about 60 days before devolution, 30 after)",
        description="Time from survey to first payment on each route.")
    incomplete_files_from: str | None = param(
        None, unit="month YYYY-MM", source="seed 002 (容缺受理)",
        description="Month from which applications with missing documents are accepted.")
    incomplete_files_days_saved: float = param(
        10, unit="days", ge=0, le=365,
        description="Days saved per case once incomplete files are accepted.")

    @field_validator("incomplete_files_from")
    @classmethod
    def _incomplete_month(cls, value: str | None) -> str | None:
        return _optional_month(value)


class Capacity(Section):
    """Caseworkers (社会救助经办人员) and the work they can do in a month."""

    limited: bool = param(True, unit="switch",
                          description="false: offices work every case the month it arrives (no capacity limit).")

    caseworkers_per_10k_residents: UrbanRural = param(
        default_factory=lambda: UrbanRural(urban=1.0, rural=1.5), unit="caseworkers per 10,000 residents",
        description="Caseworkers in each office, per 10,000 residents of its area.")
    cases_per_caseworker: float = param(
        60, unit="cases/caseworker/month", ge=0, le=10_000,
        description="New applications one caseworker can survey in a month.")
    review_effort: float = param(
        0.5, unit="cases", ge=0, le=10,
        description="Work of one review, in new-application equivalents (reviews share the same time).")


class ReviewIntervals(Section):
    """Months between reviews by household category (分类管理)."""

    unstable: int = param(1, unit="months", ge=1, le=120,
                          description="Households with an able-bodied member and no formal job (income unstable).")
    regular: int = param(3, unit="months", ge=1, le=120,
                         description="Households with an able-bodied member in a formal job.")
    stable: int = param(12, unit="months", ge=1, le=120,
                        description="Households with no able-bodied member (old, disabled, ill).")


class Favour(Section):
    """Favour cases (人情保, 关系保): ineligible households approved through connections."""

    connected_share: float = param(0.03, unit="share 0–1", ge=0, le=1,
                                   description="Share of households connected to officials or village cadres.")
    approval_probability: float = param(
        0.5, unit="share 0–1", ge=0, le=1,
        description="Probability that a connected household found ineligible is approved (or kept) anyway.")
    income_ceiling_multiple: float = param(
        2.0, unit="× dibao standard", ge=1, le=10,
        description="Connected households declaring below this multiple of the standard apply.")


class Inspections(Section):
    """Special inspections (专项治理): the whole roll re-checked in given months; cases wrongly on it
    (favour, income or assets missed) removed at once, others found ineligible start the gradual exit."""

    months: list[str] = param(default_factory=list, unit="months YYYY-MM", source="seed 001 (专项治理)",
                              description="Months in which an inspection re-checks the roll.")
    every_months: int = param(0, unit="months", ge=0, le=120,
                              description="Also inspect every this many months (0: only in `months`).")
    detection: float = param(0.9, unit="share 0–1", ge=0, le=1,
                             description="Probability that an inspection finds hidden income or a barring asset.")
    favour_detection: float = param(0.9, unit="share 0–1", ge=0, le=1,
                                    description="Probability that an inspection finds a favour case.")

    @field_validator("months")
    @classmethod
    def _months(cls, value: list[str]) -> list[str]:
        return [format_month(parse_month(v)) for v in value]


class Budget(Section):
    """Each office's yearly dibao budget, and what happens when money runs short."""

    when_short: Literal["unlimited", "ration", "county_top_up"] = param(
        "unlimited", unit="choice",
        description="unlimited: no budget; ration: new approvals wait until the year's budget allows; "
                    "county_top_up: the county pays what the office lacks.")
    yuan_per_resident_per_year: UrbanRural = param(
        default_factory=lambda: UrbanRural(urban=250, rural=250), unit="yuan/resident/year",
        description="Office budget for the year, per resident of its area.")


class Quota(Section):
    """Quotas (下指标、定比例): a cap on dibao persons as a share of residents. The documents forbid them
    (seed 001); some places used them."""

    share_of_residents: float | None = param(
        None, unit="share 0–1", ge=0, le=1, source="seed 001 (forbidden)",
        description="Cap on enrolled persons as a share of the area's residents (none when omitted).")


class TekunAdmin(Section):
    """The simpler process of extreme-poverty support (take-up, a fixed delay, yearly reviews)."""

    take_up_rate: float = param(0.15, unit="per month", ge=0, le=1,
                                description="Monthly probability that an eligible person not on the roll applies.")
    initial_enrolment: float = param(0.85, unit="share 0–1", ge=0, le=1,
                                     description="Share of eligible persons on the roll when the simulation begins.")
    delay_months: int = param(1, unit="months", ge=0, le=24,
                              description="Months from application to first payment.")
    review_interval_months: int = param(12, unit="months", ge=1, le=120,
                                        description="Months between reviews of a recipient.")


class Admin(Section):
    """Civil-affairs offices' handling of dibao: applications, declarations, checks, approval,
    capacity, reviews, errors, inspections, budget and quotas; and the tekun process."""

    initial_enrolment: float = param(
        0.5, unit="share 0–1", ge=0, le=1,
        description="Share of dibao-eligible households on the roll when the simulation begins.")
    applying: Applying = Field(default_factory=Applying)
    declaring: Declaring = Field(default_factory=Declaring)
    verification: Verification = Field(default_factory=Verification)
    approval: Approval = Field(default_factory=Approval)
    capacity: Capacity = Field(default_factory=Capacity)
    reviews: ReviewIntervals = Field(default_factory=ReviewIntervals)
    favour: Favour = Field(default_factory=Favour)
    inspections: Inspections = Field(default_factory=Inspections)
    budget: Budget = Field(default_factory=Budget)
    quota: Quota = Field(default_factory=Quota)
    tekun: TekunAdmin = Field(default_factory=TekunAdmin)


class TemporaryAssistance(Section):
    """Temporary assistance (临时救助): a one-off payment after a sudden event.

    Events come from the model itself: a hospital episode with a large out-of-pocket cost, a
    disaster, the death of an earner, and a job lost with no other worker left while the household
    waits for its dibao decision. A household hit by one whose per-capita resources (a year's
    income less the loss) fall below the threshold may apply; the amount is months of the dibao
    standard per member (plus a share of the loss, 0 by default), capped. Amounts up to the township limit are approved by the township (paid at once), larger
    ones by the county after a delay.
    """

    enabled: bool = param(True, unit="switch", description="Pay temporary assistance.")
    resource_threshold: float = param(
        1.5, unit="× dibao standard", ge=0, le=10,
        description="Per-capita resources after the event must be below this multiple of the standard.",
    )
    resource_months: int = param(
        12, unit="months", ge=1, le=36,
        description="Resources = this many months of income less the loss, per member and month.",
    )
    hospital_oop_threshold: float = param(
        3000, unit="yuan/episode", ge=0, le=10_000_000,
        description="An episode is an event when its out-of-pocket cost (after insurance and medical aid) reaches this.",
    )
    standard_months: float = param(1.0, unit="months of standard per member", ge=0, le=24,
                                   description="Amount: this many months of the dibao standard per member …")
    loss_share: float = param(
        0.0, unit="share of loss", ge=0, le=1,
        source="国发〔2014〕47号: temporary assistance secures basic living; losses are met by medical "
               "assistance and disaster relief",
        description="… plus this share of the loss (out-of-pocket cost, lost earnings, disaster loss).")
    job_loss_while_applying: bool = param(
        True, unit="switch",
        source="国发〔2014〕47号 (job loss is not among the listed causes; temporary assistance covers "
               "hardship other assistance cannot yet cover); seed 002 (托底、应急、过渡、衔接)",
        description="A job lost (no worker left) opens a case only while the household's dibao application "
                    "is pending: temporary assistance bridges the wait (过渡). Off: every such job loss is an "
                    "event.")
    cap: float = param(5_000, unit="yuan/case", ge=0, le=1_000_000_000, description="Most paid for one case.")
    township_limit: DatedNonNegative = param(
        default_factory=lambda: DatedValue.constant(2000), unit="yuan/case",
        source="seed 002 (2,000 raised to 4,000 during the epidemic)",
        description="Largest amount a township (乡镇/街道) may approve; larger cases go to the county.",
    )
    township_delay_months: int = param(0, unit="months", ge=0, le=12,
                                       description="Months from application to payment, township approval.")
    county_delay_months: int = param(1, unit="months", ge=0, le=12,
                                     description="Months from application to payment, county approval.")
    max_per_year: int = param(2, unit="cases/household/year", ge=0, le=12,
                              description="Most cases one household may receive in a calendar year.")
    take_up: float = param(0.5, unit="share 0–1", ge=0, le=1,
                           description="Probability that an eligible household applies after an event.")


class CategoryRates(Section):
    """A rate for each category of medical-assistance recipient."""

    dibao: float = param(unit="share 0–1", description="Members of dibao households.", ge=0, le=1)
    tekun: float = param(unit="share 0–1", description="Extreme-poverty recipients.", ge=0, le=1)
    orphan: float = param(unit="share 0–1", description="Orphans.", ge=0, le=1)
    margin: float = param(unit="share 0–1", description="Members of low-income margin households.", ge=0, le=1)


class MedicalAssistance(Section):
    """Medical assistance (医疗救助): what basic medical insurance leaves to the poor.

    Pays the insurance premium (资助参保) once a year, a share of in-policy inpatient cost left after
    insurance (above a deductible, up to an annual cap), a monthly outpatient allowance for chronic
    illness, and catastrophic-illness aid (大病) on yearly out-of-pocket cost above a threshold.
    """

    enabled: bool = param(True, unit="switch", description="Pay medical assistance.")
    premium: DatedNonNegative = param(
        default_factory=lambda: DatedValue.constant(280), unit="yuan/person/year",
        description="Resident basic medical insurance premium (individual contribution).",
    )
    premium_month: int = param(1, unit="calendar month 1–12", ge=1, le=12,
                               description="Month in which the premium is paid for the year.")
    premium_share: CategoryRates = param(
        default_factory=lambda: CategoryRates(dibao=1.0, tekun=1.0, orphan=1.0, margin=0.5),
        unit="share 0–1", description="Share of the premium paid for each category.",
    )
    inpatient_rate: CategoryRates = param(
        default_factory=lambda: CategoryRates(dibao=0.7, tekun=0.7, orphan=0.7, margin=0.5),
        unit="share 0–1", source="seed 000 (70%), seed 001 (60%)",
        description="Share of in-policy out-of-pocket inpatient cost (after insurance) above the deductible paid.",
    )
    deductible: float = param(0, unit="yuan/episode", ge=0, le=10_000_000,
                              description="Out-of-pocket cost of an episode below which nothing is paid.")
    annual_cap: float = param(30_000, unit="yuan/person/year", ge=0, le=1_000_000_000,
                              description="Most inpatient aid one person receives in a calendar year.")
    outpatient_chronic: float = param(30, unit="yuan/person/month", ge=0, le=100_000,
                                      description="Outpatient aid for chronic illness (dibao, tekun, orphans).")
    catastrophic_threshold: float = param(
        10_000, unit="yuan/person/year", ge=0, le=10_000_000,
        description="Yearly out-of-pocket cost (after other aid) above which catastrophic-illness aid pays.",
    )
    catastrophic_rate: float = param(0.5, unit="share 0–1", ge=0, le=1,
                                     description="Share of the out-of-pocket cost above the threshold paid.")
    catastrophic_income_limit: float = param(
        2.0, unit="× dibao standard", ge=0, le=20,
        description="Catastrophic-illness aid is for households with per-capita income below this.",
    )


class SpendingPoverty(Section):
    """Spending-type poverty (支出型贫困): necessary spending deducted from income in the dibao means test."""

    enabled: bool = param(False, unit="switch",
                          description="Deduct medical and education spending in the dibao means test.")
    medical: bool = param(True, unit="switch",
                          description="Deduct out-of-pocket medical cost (average of the last `medical_months`).")
    medical_months: int = param(
        12, unit="months", ge=1, le=60,
        description="The medical cost deducted is the average of this many months (exponentially "
                    "weighted: each month's total decays by (n − 1)/n).")
    education: bool = param(True, unit="switch", description="Deduct education cost of students.")
    education_cost: float = param(400, unit="yuan/student/month", ge=0,
                                  description="Necessary education cost of a student (`definitions.student_ages`, not working).")


class Disability(Section):
    """Disability subsidies (两项补贴, seed 004)."""

    enabled: bool = param(True, unit="switch", description="Pay the disability subsidies.")

    living_subsidy: float = param(50, unit="yuan/person/month", ge=0, le=100_000, source="seed 004",
                                  description="Living subsidy for disabled members of dibao and margin households.")
    care_subsidy: float = param(100, unit="yuan/person/month", ge=0, le=100_000, source="seed 004",
                                description="Care subsidy for people with disability grade 1 or 2.")


class Orphans(Section):
    """Basic living allowance for orphans and children without de facto carers (seed 002)."""

    enabled: bool = param(True, unit="switch", description="Pay the orphan allowance (covered children then leave the dibao and tekun units).")

    dispersed: DatedNonNegative = param(
        default_factory=lambda: DatedValue.constant(900), unit="yuan/child/month", source="seed 002",
        description="Standard for a child living with relatives (分散供养).")
    institutional: DatedNonNegative = param(
        default_factory=lambda: DatedValue.constant(1300), unit="yuan/child/month", source="seed 002",
        description="Standard for a child in an institution (集中供养).")
    institutional_share: float = param(0.2, unit="share 0–1", ge=0, le=1,
                                       description="Share of orphans cared for in institutions.")


class Elderly(Section):
    """Old-age allowance (高龄津贴) and purchased home-care services for poor dependent elders (seed 000)."""

    enabled: bool = param(True, unit="switch", description="Pay the old-age allowance and buy home care.")

    allowance_ages: list[int] = param(
        default_factory=lambda: [80, 90, 100], unit="years",
        description="Ages from which each allowance band applies, increasing.")
    allowance: list[float] = param(
        default_factory=lambda: [50, 100, 300], unit="yuan/person/month",
        description="Monthly old-age allowance in each band.")
    home_care_cost: float = param(200, unit="yuan/person/month", ge=0, le=100_000,
                                  description="Cost of home-care services bought for one dependent elder.")
    home_care_places_per_10k: float = param(
        10.34, unit="places per 10,000 residents", ge=0, le=10_000,
        description="Home-care places bought, per 10,000 residents of the county (rounded to whole places), "
                    "for the poorest first among dependent elders in dibao, tekun or margin households. The "
                    "default gives the example county (about 290,000 residents) its 300 places.")

    @model_validator(mode="after")
    def _bands(self) -> Elderly:
        if len(self.allowance_ages) != len(self.allowance):
            raise ValueError("allowance needs one amount per age in allowance_ages")
        if any(b <= a for a, b in zip(self.allowance_ages, self.allowance_ages[1:], strict=False)):
            raise ValueError("allowance_ages must be increasing")
        if any(a < 0 for a in self.allowance):
            raise ValueError("allowance amounts must be ≥ 0")
        if any(a > 100_000 for a in self.allowance):
            raise ValueError(f"allowance amounts must be ≤ 100000; got {self.allowance}")
        if any(not 0 <= a <= 130 for a in self.allowance_ages):
            raise ValueError(f"allowance_ages must be ages 0 … 130; got {self.allowance_ages}")
        return self


class Margin(Section):
    """Low-income margin households (低保边缘户): not on dibao, income below a multiple of the standard."""

    multiple: float = param(1.5, unit="× dibao standard", ge=1, le=5, source="seed 001",
                            description="Per-capita income below this multiple of the standard (and no exclusion).")


class OneOff(Section):
    """One-off and price-linked payments to recipients of dibao, tekun and orphan allowances."""

    enabled: bool = param(True, unit="switch", description="Pay the Spring Festival and price-linked subsidies.")

    spring_festival: UrbanRural = param(
        default_factory=lambda: UrbanRural(urban=300, rural=200), unit="yuan/recipient",
        source="seed 001", description="Spring Festival one-time subsidy (春节一次性补贴).")
    spring_festival_month: int = param(1, unit="calendar month 1–12", ge=1, le=12,
                                       description="Month in which the Spring Festival subsidy is paid.")
    price_threshold: float = param(3.5, unit="% year on year",
                                   description="Price-linked subsidy paid in months when inflation "
                                               "(`prices.inflation`) is above this.")
    price_subsidy: float = param(50, unit="yuan/recipient/month", ge=0,
                                 description="Price-linked temporary subsidy (价格临时补贴) per recipient.")


class Prices(Section):
    """The consumer price path, read by the price-linked subsidy and by standards indexed to it
    (``{base: 433, from: 2020-01, index: cpi}``)."""

    inflation: DatedValue = param(
        default_factory=lambda: DatedValue.constant(2.5), unit="% year on year",
        source="assumption (national CPI rose 2.5% in 2020, NBS)",
        description="Consumer price inflation, year on year, as a dated series.")


class Measures(Section):
    """Lines against which poverty is measured."""

    poverty_line: UrbanRuralDated = param(
        default_factory=lambda: UrbanRuralDated(
            urban=DatedValue.constant(4000), rural=DatedValue.constant(4000)
        ),
        unit="yuan/person/year", source="seed 002 (扶贫线 4,000 yuan/year)",
        description="Poverty line by hukou.",
    )


class Definitions(Section):
    """Legal definitions every programme shares: who is a minor, elderly, severely disabled or a
    student. One place, so a change of the law is one dated value (able to work: see
    ``tekun.working_age``)."""

    age_of_majority: DatedNonNegative = param(
        DatedValue.constant(18), unit="years", source="Civil Code art. 17 (成年人: 18 周岁); orphans' allowance to 18 (seed 002)",
        description="A person under this age is a minor (orphans' allowance, dibao's supplement for minors).",
    )
    elderly_age: DatedNonNegative = param(
        DatedValue.constant(60), unit="years", source="Law on the Protection of the Rights and Interests of the Elderly, art. 2 (60 周岁以上)",
        description="A person of this age or older is elderly: home care, and the older band of the illness "
                    "and disability hazards and of the synthetic population's pensions and health.",
    )
    severe_disability_grades: list[int] = param(
        default_factory=lambda: [1, 2], unit="disability grades 1–4",
        source="seed 004 (重度残疾人护理补贴: grades 1–2)",
        description="Grades that count as severe disability (重度残疾): the care subsidy, dibao's supplement "
                    "and no ability to work.",
    )
    student_ages: list[int] = param(
        default_factory=lambda: [16, 23], unit="years",
        description="Ages [from, to) at which a member who does not work counts as a student (education "
                    "spending in the spending-type means test).",
    )

    @field_validator("severe_disability_grades")
    @classmethod
    def _grades(cls, value: list[int]) -> list[int]:
        if not value or any(g not in (1, 2, 3, 4) for g in value) or len(set(value)) != len(value):
            raise ValueError(f"must list distinct disability grades among 1, 2, 3, 4; got {value}")
        return value

    @field_validator("student_ages")
    @classmethod
    def _ages(cls, value: list[int]) -> list[int]:
        if len(value) != 2 or not 0 <= value[0] < value[1] <= 130:
            raise ValueError(f"must be two ages [from, to) with 0 ≤ from < to ≤ 130; got {value}")
        return value


class Calibration(Section):
    """How the scenario's fitted parameters were estimated (written by ``aidsim calibrate``; empty
    otherwise). It changes nothing in a run: ``aidsim budget`` reads it to draw parameter sets
    from the fit's approximate covariance."""

    method: str = param("", unit="text", description="How the parameters were fitted (empty: not fitted).")
    profile: str = param("", unit="text", description="The county profile the fit matched.")
    parameters: list[str] = param(default_factory=list, unit="dotted paths",
                                  description="The fitted parameters, in the order of `estimate` and `covariance`.")
    transforms: list[Literal["identity", "log", "logit"]] = param(
        default_factory=list, unit="choice",
        description="The scale on which each parameter was fitted (estimate and covariance are on it).")
    estimate: list[Annotated[float, Field(ge=-DEFAULT_MAX, le=DEFAULT_MAX)]] = param(
        default_factory=list, unit="fit scale",
                                  description="The fitted values on their fit scale.")
    covariance: list[list[Annotated[float, Field(ge=-DEFAULT_MAX, le=DEFAULT_MAX)]]] = param(
        default_factory=list, unit="fit scale squared",
        description="Approximate covariance of the estimate ((JᵀWJ)⁻¹ at the optimum, with the prior's rows).")
    misfit: dict[str, Annotated[float, Field(ge=-100, le=100)]] = param(
        default_factory=dict, unit="share",
        description="Relative error left at the optimum for each spending figure of the profile "
                    "(`spending.dibao.total`: −0.11 for 11% under); `aidsim budget` widens that bill's "
                    "interval by it.")

    @model_validator(mode="after")
    def _shapes(self) -> Calibration:
        n = len(self.parameters)
        if len(self.transforms) != n or len(self.estimate) != n:
            raise ValueError(f"parameters, transforms and estimate must have the same length ({n})")
        if self.covariance and (len(self.covariance) != n or any(len(row) != n for row in self.covariance)):
            raise ValueError(f"covariance must be {n} × {n}")
        return self


#: Sections that programme modules add to the scenario (see :func:`register_section`).
_PROGRAMME_SECTIONS: dict[str, type[Section]] = {}


def register_section(name: str, model: type[Section]) -> None:
    """Add a top-level scenario section ``name`` with the parameters ``model``: how a programme
    module outside the shipped ones brings its own parameters (validated like every other
    section, with its defaults when a scenario does not give it)."""
    if name in Scenario.model_fields or _PROGRAMME_SECTIONS.get(name, model) is not model:
        raise ValueError(f"scenario section {name!r} exists already")
    _PROGRAMME_SECTIONS[name] = model


def unregister_section(name: str) -> None:
    """Remove a section added by :func:`register_section`."""
    _PROGRAMME_SECTIONS.pop(name, None)


class Scenario(Section):
    """A complete, validated scenario. Build one with :func:`aidsim.load_scenario`.

    Besides the fields below, a scenario holds the sections that programme modules registered
    (:func:`register_section`); any other top-level key is an error.
    """

    # Extra keys are checked by `_programme_sections`; the JSON schema (for editors) lists the
    # shipped sections only.
    model_config = ConfigDict(extra="allow", frozen=True, json_schema_extra={"additionalProperties": False})

    name: str = param("baseline", unit="text", description="Short name used in tables and file names.")
    description: str = param("", unit="text", description="What this scenario is about.")
    simulation: Simulation = Field(default_factory=Simulation)
    population: Profile = Field(default_factory=Profile)
    shocks: Shocks = Field(default_factory=Shocks)
    dibao: Dibao = Field(default_factory=Dibao)
    tekun: Tekun = Field(default_factory=Tekun)
    temporary: TemporaryAssistance = Field(default_factory=TemporaryAssistance)
    medical: MedicalAssistance = Field(default_factory=MedicalAssistance)
    spending_poverty: SpendingPoverty = Field(default_factory=SpendingPoverty)
    disability: Disability = Field(default_factory=Disability)
    orphans: Orphans = Field(default_factory=Orphans)
    elderly: Elderly = Field(default_factory=Elderly)
    margin: Margin = Field(default_factory=Margin)
    one_off: OneOff = Field(default_factory=OneOff)
    admin: Admin = Field(default_factory=Admin)
    measures: Measures = Field(default_factory=Measures)
    definitions: Definitions = Field(default_factory=Definitions)
    prices: Prices = Field(default_factory=Prices)
    calibration: Calibration = Field(default_factory=Calibration)

    @model_validator(mode="before")
    @classmethod
    def _programme_sections(cls, data: Any) -> Any:
        """Validate registered programme sections (defaults when absent); refuse other keys."""
        if not isinstance(data, dict):
            return data
        data = index_to_cpi(data)
        out, errors = dict(data), []
        for key, value in data.items():
            if key in cls.model_fields:
                continue
            model = _PROGRAMME_SECTIONS.get(key)
            if model is None:
                errors.append({"type": "extra_forbidden", "loc": (key,), "input": value})
                continue
            try:
                out[key] = model.model_validate({} if value is None else value)
            except ValidationError as exc:
                errors += [{"type": e["type"], "loc": (key, *e["loc"]), "input": e["input"],
                            **({"ctx": e["ctx"]} if "ctx" in e else {})} for e in exc.errors()]
        if errors:
            raise ValidationError.from_exception_data(cls.__name__, errors)
        for key, model in _PROGRAMME_SECTIONS.items():
            out.setdefault(key, model())
        return out

    @model_validator(mode="after")
    def _disaster_areas(self) -> Scenario:
        n_areas = self.population.street_offices + self.population.townships
        for i, event in enumerate(self.shocks.disasters):
            bad = [a for a in event.areas if not 0 <= a < n_areas]
            if bad:
                raise ValueError(f"shocks.disasters.{i}.areas: areas must be 0 … {n_areas - 1} "
                                 f"(street offices first, then townships); got {bad}")
        for i, campaign in enumerate(self.admin.applying.campaigns):
            bad = [a for a in campaign.areas or [] if not 0 <= a < n_areas]
            if bad:
                raise ValueError(f"admin.applying.campaigns.{i}.areas: areas must be 0 … {n_areas - 1} "
                                 f"(street offices first, then townships); got {bad}")
        return self

    def policy_at(self, month: Month) -> Scenario:
        """This scenario with its policy as in force at ``month`` throughout: every dated value is
        constant at its value then, every dated switch (``…_from``) on or off as it is then.
        Events (campaigns, inspections, disasters) keep their months. The warm-up runs under
        ``policy_at(first reported month)`` unless ``simulation.warmup_policy`` is ``dated``."""
        first = min(month, self.simulation.start_month - self.simulation.warmup_months)
        return _policy_at(self, month, first)

    def section(self, name: str) -> Any:
        """The section ``name`` of the scenario (a programme's parameters)."""
        return getattr(self, name)

    def resolved(self) -> dict[str, Any]:
        """The fully resolved scenario as plain data (what a run records and can be re-run from)."""
        return self.model_dump(mode="json")


def _policy_at(model: BaseModel, month: Month, first: Month) -> Any:
    """``model`` with its dated values as at ``month``; a switch on then is on from ``first``."""
    update: dict[str, Any] = {}
    extra = model.__pydantic_extra__ or {}
    for name, value in [*((n, getattr(model, n)) for n in type(model).model_fields), *extra.items()]:
        if isinstance(value, DatedValue):
            update[name] = DatedValue.constant(value.at(month))
        elif isinstance(value, Section):
            update[name] = _policy_at(value, month, first)
        elif name.endswith("_from") and isinstance(value, str):  # a dated switch
            update[name] = format_month(first) if parse_month(value) <= month else None
    return model.model_copy(update=update)
