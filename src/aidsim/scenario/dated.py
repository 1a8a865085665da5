"""Dated values: a parameter that changes on given months (effective dates).

In a scenario file a dated value is either a plain number (in force throughout) or a mapping of
months to values, in increasing order::

    rural: {2020-01: 433, 2020-07: 500}   # 433 until June 2020, 500 from July 2020

A value is in force from its month until the next one. Before the first listed month the first
value applies, so a warm-up period before the start of a run uses the earliest known standard.

A standard may instead grow every year from a base, by a constant rate or by a price series::

    rural: {base: 433, from: 2020-01, growth: 0.05}           # +5% each January from 2021
    rural: {base: 433, from: 2020-01, index: {2021: 1.031, 2022: 1.02}}  # by a price index
    rural: {base: 433, from: 2020-01, index: cpi}   # by the scenario's CPI (prices.inflation)

The first and third forms step for ``GROWTH_YEARS`` years; the second once for each year listed.
A standard indexed to ``cpi`` rises on each anniversary of ``from`` by the inflation in force
then (the price rise of the past year), so it reads the same price path as the price-linked
subsidy; the scenario resolves it into dated steps before validation (:func:`index_to_cpi`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

import numpy as np
from pydantic import AfterValidator, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic_core import core_schema

from aidsim.calendar import Month, format_month, is_month_key, parse_month

GROWTH_YEARS = 50
_GROWTH_KEYS = {"base", "from", "growth", "index"}

# Ranges. Every value must be a finite number (``.nan`` and ``.inf`` are refused); every month a
# user writes lies in FIRST_MONTH … LAST_MONTH (1950-01 … 2100-12), the key of a dated value up to
# LAST_KEY_MONTH (2150-12, the last month a value growing from 2100-12 reaches); a growth rate is in
# (−1, 10] and an index ratio in (0, 11] (inflation up to 1,000%). Amounts in yuan
# (DatedNonNegative) are at most MAX_DATED_YUAN (100,000) in every month, the grown ones included.

#: The range of months a scenario may name (a start, a dated value's key, an event).
FIRST_MONTH: Month = 1950 * 12
LAST_MONTH: Month = 2100 * 12 + 11
#: The last month a dated value's key may name: the last month a growing value reaches
#: (``LAST_MONTH`` + ``GROWTH_YEARS`` years), so that a resolved scenario always reads back.
LAST_KEY_MONTH: Month = LAST_MONTH + 12 * GROWTH_YEARS
#: Largest value of a dated amount in yuan (standards, lines, premiums, limits).
MAX_DATED_YUAN = 100_000
_MAX_INDEX_YEARS = 200


def checked_month(value: Any) -> Month:
    """A month written YYYY-MM (or YYYY-MM-DD) within ``FIRST_MONTH`` … ``LAST_MONTH``;
    raise ``ValueError`` otherwise. Whole numbers are refused (``202001`` is not a month)."""
    if not isinstance(value, str):
        raise ValueError(f"expected a month written YYYY-MM, got {_short(value)}")
    month = parse_month(value)
    if not FIRST_MONTH <= month <= LAST_MONTH:
        raise ValueError(f"must be a month from {format_month(FIRST_MONTH)} to "
                         f"{format_month(LAST_MONTH)}; got {value.strip()!r}")
    return month


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _number(value: Any, what: str) -> float:
    """A finite int or float (not a boolean) as float; raise ``ValueError`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number for {what}, got {_short(value)}")
    try:
        number = float(value)
    except OverflowError:
        raise ValueError(f"expected a finite number for {what}, got a number too large") from None
    if not math.isfinite(number):
        raise ValueError(f"expected a finite number for {what}, got {number}")
    return number


def _grown(raw: Mapping[str, Any]) -> list[tuple[Month, float]]:
    """The yearly steps of ``{base, from, growth | index}``; raise ``ValueError`` when malformed."""
    unknown = set(raw) - _GROWTH_KEYS
    if unknown or "base" not in raw or "from" not in raw or ("growth" in raw) == ("index" in raw):
        raise ValueError("a growing value needs base, from and one of growth or index; "
                         f"got keys {_short(sorted(map(str, raw)), 120)}")
    base = _number(raw["base"], "base")
    start = checked_month(raw["from"])
    steps = [(start, base)]
    if "growth" in raw:
        rate = raw["growth"]
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not -1 < rate <= 10:
            raise ValueError(f"growth must be a yearly rate above -1 and at most 10 (0.05 for 5%), "
                             f"got {_short(rate)}")
        for year in range(1, GROWTH_YEARS + 1):
            value = base * (1.0 + rate) ** year
            if not math.isfinite(value):
                raise ValueError(f"grows beyond any finite number by {format_month(start + 12 * year)}")
            steps.append((start + 12 * year, value))
        return steps
    index = raw["index"]
    if not isinstance(index, Mapping) or not index or len(index) > _MAX_INDEX_YEARS:
        raise ValueError(f"index must map years to price-index ratios, e.g. {{2021: 1.03}} "
                         f"(at most {_MAX_INDEX_YEARS} years)")
    years = []
    for year, ratio in index.items():
        if isinstance(year, bool) or not isinstance(year, int | str) or not str(year).isdigit() \
                or not FIRST_MONTH // 12 <= int(year) <= LAST_KEY_MONTH // 12:
            raise ValueError(f"index years must be years {FIRST_MONTH // 12} … {LAST_KEY_MONTH // 12}; "
                             f"got {_short(year)}")
        if isinstance(ratio, bool) or not isinstance(ratio, int | float) or not 0 < ratio <= 11:
            raise ValueError(f"index ratios must be numbers above 0 and at most 11, got {_short(ratio)} "
                             f"for {year}")
        years.append((int(year), float(ratio)))
    value = base
    for year, ratio in sorted(years):
        month = year * 12 + start % 12
        if month <= steps[-1][0]:
            raise ValueError(f"index years must come after the year of `from` and differ; got {year}")
        value *= ratio
        if not math.isfinite(value):
            raise ValueError(f"grows beyond any finite number by {year}")
        steps.append((month, value))
    return steps


@dataclass(frozen=True)
class DatedValue:
    """A step function of months: ``changes`` is a tuple of ``(month, value)`` in increasing order."""

    changes: tuple[tuple[Month, float], ...]

    @classmethod
    def constant(cls, value: float) -> DatedValue:
        return cls(((0, float(value)),))

    @classmethod
    def parse(cls, raw: Any) -> DatedValue:
        """Build from a number or a ``{month: value}`` mapping; raise ``ValueError`` otherwise."""
        if isinstance(raw, DatedValue):
            return raw
        if isinstance(raw, bool):
            raise ValueError(f"expected a number or a mapping of YYYY-MM: number, got {raw!r}")
        if isinstance(raw, int | float):
            return cls.constant(_number(raw, "the value"))
        if isinstance(raw, Mapping) and raw and "base" in raw:
            return cls(tuple(_grown(raw)))
        if isinstance(raw, Mapping) and raw:
            changes: list[tuple[Month, float]] = []
            for key, value in raw.items():
                if not is_month_key(key):
                    raise ValueError(f"expected month keys written YYYY-MM (month 01–12), got key {_short(key)}")
                month = parse_month(key)
                if month != 0 and not FIRST_MONTH <= month <= LAST_KEY_MONTH:
                    # (0 stands for "from the beginning": a constant merged with dated months)
                    raise ValueError(f"month keys must be months from {format_month(FIRST_MONTH)} to "
                                     f"{format_month(LAST_KEY_MONTH)}; got {_short(key)}")
                number = _number(value, str(key))
                if changes and month <= changes[-1][0]:
                    raise ValueError(
                        f"dates must be in increasing order; {format_month(month)} comes after "
                        f"{format_month(changes[-1][0])}"
                    )
                changes.append((month, number))
            return cls(tuple(changes))
        raise ValueError(f"expected a number or a mapping of YYYY-MM: number, got {_short(raw)}")

    def at(self, month: Month) -> float:
        """The value in force at ``month``."""
        value = self.changes[0][1]
        for start, v in self.changes:
            if start <= month:
                value = v
            else:
                break
        return value

    def over(self, months: np.ndarray) -> np.ndarray:
        """The values in force at each of ``months`` (vectorised), shape ``months.shape``."""
        starts = np.array([m for m, _ in self.changes])
        values = np.array([v for _, v in self.changes])
        idx = np.clip(np.searchsorted(starts, months, side="right") - 1, 0, None)
        return values[idx]

    def to_data(self) -> float | dict[str, float]:
        """The plain form written back to YAML/JSON (a number when constant)."""
        if len(self.changes) == 1 and self.changes[0][0] == 0:
            return self.changes[0][1]
        return {format_month(m): v for m, v in self.changes}

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls.parse,
            serialization=core_schema.plain_serializer_function_ser_schema(lambda v: v.to_data()),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        return {
            "anyOf": [
                {"type": "number"},
                {
                    "type": "object",
                    "patternProperties": {r"^\d{4}-\d{2}(-\d{2})?$": {"type": "number"}},
                    "additionalProperties": False,
                },
            ]
        }


def _bounded(ge: float | None, le: float | None):
    def check(value: DatedValue) -> DatedValue:
        for month, v in value.changes:
            when = "" if month == 0 else f" (from {format_month(month)})"
            if ge is not None and v < ge:
                raise ValueError(f"must be ≥ {ge:g}{when}; got {v:g}")
            if le is not None and v > le:
                raise ValueError(f"must be ≤ {le:g}{when}; got {v:g}")
        return value

    return AfterValidator(check)


DatedNonNegative = Annotated[DatedValue, _bounded(0, MAX_DATED_YUAN)]
DatedShare = Annotated[DatedValue, _bounded(0, 1)]


def index_to_cpi(data: Mapping[str, Any]) -> dict[str, Any]:
    """Scenario data with every ``{base, from, index: cpi}`` value turned into ``{base, from,
    index: {year: ratio}}`` from the data's ``prices.inflation`` (default 2.5% a year)."""
    prices = data.get("prices")
    raw = prices.get("inflation", 2.5) if isinstance(prices, Mapping) else 2.5
    try:
        inflation = DatedValue.parse(raw)
    except ValueError:
        return dict(data)  # the prices section reports its own error

    def walk(node: Any) -> Any:
        if isinstance(node, Mapping):
            if node.get("index") == "cpi" and "from" in node:
                try:
                    start = parse_month(node["from"])
                except ValueError:
                    return dict(node)  # reported by the dated value itself
                year = start // 12
                ratios = {year + k: 1.0 + inflation.at(start + 12 * k) / 100.0 for k in range(1, GROWTH_YEARS + 1)}
                return {**node, "index": ratios}
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(data)
