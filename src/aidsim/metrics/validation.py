"""The default county against the seed-002 city: the figures the seeds publish, each with the
tolerance fixed before the model's answer was looked at, and how the model's figure is read off
one year of a run (:attr:`aidsim.results.Results.yearly`).

Seed 002 (a city's 2016–2020 work report) gives five-year totals in person-times (人次) next to its
2020 standards. Its rural dibao person-times (660,858 over five years) are about 132,000 a year,
the recipients at a time, so person-times are counted once a year; from them and the rural
coverage (6.61%) the city has about 2.0 million rural residents. The model's yearly table gives
stocks as monthly averages and flows as the year's totals, which are the same counts.

Figures marked ``calibrated`` are those the default county was fitted to; the others were not
tuned: each moves only with the mechanism named in ``mechanism``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

#: Seed 002's rural dibao person-times a year: the recipients at a time (660,858 ÷ 5).
RURAL_DIBAO_A_YEAR = 660_858 / 5
#: Seed 002's rural residents: rural recipients ÷ rural coverage (6.61%).
RURAL_RESIDENTS = RURAL_DIBAO_A_YEAR / 0.0661
#: Seed 002's urban dibao person-times a year (56,199 ÷ 5).
URBAN_DIBAO_A_YEAR = 56_199 / 5


@dataclass(frozen=True)
class Target:
    """One published figure, how the model's figure is computed, and the tolerance."""

    key: str
    label: str
    published: float
    source: str                   # where the published figure comes from, and how it is derived
    tolerance: float              # absolute when ``relative`` is false, else a share of ``published``
    relative: bool
    unit: str                     # "share" (shown as %), "yuan", "per 10,000", "ratio"
    model: Callable[[pd.Series, pd.Series, pd.Series], float]  # (rural, urban, all) rows of a year
    mechanism: str
    calibrated: bool = False

    def bounds(self) -> tuple[float, float]:
        half = self.tolerance * abs(self.published) if self.relative else self.tolerance
        return self.published - half, self.published + half

    def within(self, value: float) -> bool:
        low, high = self.bounds()
        return low <= value <= high


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator) / float(denominator) if denominator else float("nan")


TARGETS: tuple[Target, ...] = (
    Target("rural_coverage", "rural dibao coverage (share of rural residents)", 0.0661,
           "seed 002: 6.61% of the rural population", 0.01, False, "share",
           lambda r, u, a: float(r["dibao_coverage"]),
           "take-up and the income distribution (calibrated)", calibrated=True),
    Target("rural_avg_subsidy", "average dibao, rural (yuan/person/month)", 242.0,
           "seed 002: 242 in 2020", 0.10, True, "yuan",
           lambda r, u, a: float(r["dibao_avg_subsidy"]),
           "the income distribution below the line (calibrated)", calibrated=True),
    Target("urban_avg_subsidy", "average dibao, urban (yuan/person/month)", 395.0,
           "seed 002: 395 in 2020", 0.10, True, "yuan",
           lambda r, u, a: float(u["dibao_avg_subsidy"]),
           "the income distribution below the line (calibrated)", calibrated=True),
    Target("rural_tekun_ratio", "rural tekun persons ÷ rural dibao persons", 62_850 / 660_858,
           "seed 002: 62,850 ÷ 660,858 person-times, 2016–2020", 0.02, False, "share",
           lambda r, u, a: _ratio(r["tekun_persons"], r["dibao_persons"]),
           "who has a legal supporter able to support (三无) (calibrated: "
           "population.outside_supporter_share.rural)", calibrated=True),
    Target("urban_tekun_ratio", "urban tekun persons ÷ urban dibao persons", 734 / 56_199,
           "seed 002: 734 ÷ 56,199 person-times, 2016–2020", 0.01, False, "share",
           lambda r, u, a: _ratio(u["tekun_persons"], u["dibao_persons"]),
           "the same (calibrated: population.outside_supporter_share.urban)", calibrated=True),
    Target("temporary_per_case", "temporary assistance, rural, yuan a case", 55_728_000 / 45_177,
           "seed 002: 55.728 million yuan ÷ 45,177 person-times, 2016–2020 (city-wide; 92% of the city's "
           "dibao person-times are rural)", 0.20, True, "yuan",
           lambda r, u, a: float(r["temporary_avg"]),
           "the amount rule"),
    Target("temporary_cases_rate", "rural temporary-assistance cases a year per 10,000 rural residents",
           45_177 / 5 / RURAL_RESIDENTS * 10_000,
           "seed 002: 45,177 person-times in five years (city-wide, mostly rural) ÷ about 2.0 million "
           "rural residents",
           0.35, True, "per 10,000",
           lambda r, u, a: _ratio(r["temporary_recipients"] * r["months"], r["persons"]) * 10_000,
           "what opens a case, and take-up"),
    Target("rural_entry_rate", "rural dibao persons entering a year ÷ caseload", 151_466 / 5 / RURAL_DIBAO_A_YEAR,
           "seed 002: 151,466 new rural recipients in five years ÷ about 132,000 at a time", 0.05, False,
           "share", lambda r, u, a: _ratio(r["dibao_persons_entering"], r["dibao_persons"]) * 12 / r["months"],
           "how the means test reads income, reviews, gradual exit and re-applications (churn)"),
    Target("rural_exit_rate", "rural dibao persons leaving a year ÷ caseload", 137_530 / 5 / RURAL_DIBAO_A_YEAR,
           "seed 002: 137,530 removals in five years ÷ about 132,000 at a time", 0.05, False,
           "share", lambda r, u, a: _ratio(r["dibao_persons_leaving"], r["dibao_persons"]) * 12 / r["months"],
           "the same"),
    Target("disability_per_dibao", "recipients of the two disability subsidies ÷ dibao persons",
           45_930 / (RURAL_DIBAO_A_YEAR + URBAN_DIBAO_A_YEAR),
           "seed 002: 45,930 persons ÷ about 143,400 dibao persons a year (urban and rural)", 0.30, True,
           "ratio", lambda r, u, a: _ratio(a["disability_subsidy_persons"], a["dibao_persons"]),
           "the prevalence of certified disability and of grades 1–2"),
)


def compare(yearly: pd.DataFrame, year: int) -> pd.DataFrame:
    """The seed-002 table for ``year`` of a run's yearly table: one row per target with the
    published figure, the model's, the tolerance's bounds and whether the model is within them."""
    rows = yearly[yearly["year"] == year].set_index("area_type")
    if rows.empty:
        raise KeyError(f"the run does not report the year {year}")
    rural, urban, both = rows.loc["rural"], rows.loc["urban"], rows.loc["all"]
    out = []
    for t in TARGETS:
        value = t.model(rural, urban, both)
        low, high = t.bounds()
        out.append({"key": t.key, "figure": t.label, "published": t.published, "model": value,
                    "low": low, "high": high, "within": t.within(value), "unit": t.unit,
                    "source": t.source, "mechanism": t.mechanism, "calibrated": t.calibrated})
    return pd.DataFrame(out)
