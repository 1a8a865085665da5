"""Deciles, number formats and the console tables' width, on hand-made numbers."""

import io

import numpy as np
import pandas as pd
from rich.console import Console

from aidsim.reports import tables
from aidsim.results import decile_of
from aidsim.runners.compare import OVERVIEW


def test_deciles_are_person_weighted_tenths():
    income = np.arange(10.0)[::-1]  # the richest first
    assert decile_of(income, np.ones(10)).tolist() == list(range(9, -1, -1))
    # One household of 5 persons out of 10 spans the bottom half: its middle lies in decile 2 (0-based).
    assert decile_of(np.array([1.0, 2, 3, 4, 5, 6]), np.array([5.0, 1, 1, 1, 1, 1])).tolist() == [2, 5, 6, 7, 8, 9]
    assert decile_of(np.array([np.nan, 1.0, 2.0]), np.array([3.0, 0.0, 2.0])).tolist() == [-1, -1, 5]


def test_numbers_are_formatted_for_people():
    assert tables.yuan(42060440.4) == "42,060,440"
    assert tables.yuan(1234.5, signed=True) == "+1,234"  # round half to even
    assert tables.share(0.070279) == "7.03%" and tables.share(0.0021, signed=True) == "+0.21 pp"
    assert tables.million(42060440) == "42.06"
    assert tables.count(12.34) == "12.3" and tables.count(12345.6) == "12,346"
    assert tables.figure(float("nan"), "yuan") == "–"
    assert tables.count(-0.0001, signed=True) == "+0.0" and tables.share(-1e-9) == "0.00%"  # no "-0"
    assert tables.unit_cell("yuan", "total") == "yuan, total"
    assert tables.unit_cell("persons", "monthly average") == "persons, avg"
    assert tables.kind_of("dibao_cost") == "total" and tables.kind_of("dibao_persons") == "monthly average"
    assert tables.kind_of("dibao_coverage") == "share" and tables.kind_of("dibao_avg_subsidy") == "average"
    assert tables.label_cell("fgt0_post_dl", "Below dibao line after, FGT0").endswith("†")


def _render(table) -> str:
    console = Console(width=100, file=io.StringIO(), record=True, color_system=None)
    console.print(table)
    return console.export_text()


def test_overview_with_intervals_of_a_province_fits_100_columns():
    rng = np.random.default_rng(1)
    rows = []
    for i, name in enumerate(["rural-500-july", "admin-no-take-up-friction", "a-reform-with-a-long-name-1"]):
        row = {"reform": name, "area_type": "all"}
        for column, _, unit in OVERVIEW:
            value = (-1) ** i * rng.uniform(1e8, 9e8) if "yuan a year" in unit else rng.uniform(0, 1)
            row |= {column: value, f"{column}_low": value * 0.9, f"{column}_high": value * 1.1}
        rows.append(row)
    period = {"first": "2020-01", "last": "2021-12", "months": 24}
    text = _render(tables.overview_table(pd.DataFrame(rows), period, replications=10))
    for row in rows:  # every figure and interval shown whole, never cut
        assert tables.million(row["extra_cost_year"], True) in text
        assert tables.span(row["gap_closed_year_low"], row["gap_closed_year_high"], tables.million) in text
        assert tables.share(row["coverage_reform"]) in text
    for line in text.splitlines():
        assert len(line.rstrip()) <= 100, line
    assert "e+" not in text and "2020-01 … 2021-12 (24 months)" in text and "mean of 10 replications" in text
