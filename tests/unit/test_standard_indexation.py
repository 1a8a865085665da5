"""Dibao standards rise with incomes each January after their last dated change
(``dibao.standard_indexation: income``), or stay as written (``none``)."""

import pytest

from aidsim.calendar import parse_month as m
from aidsim.engine.events import standards
from tests.helpers import small_scenario

# Every January of the default path is written: dated series merge month by month with the default.
GROWTH = {"urban": {"2021-01": 0.08, "2022-01": 0.04, "2023-01": 0.04, "2024-01": 0.04},
          "rural": {"2021-01": 0.10, "2022-01": 0.06, "2023-01": 0.06, "2024-01": 0.06}}


def _scenario(standard, indexation="income", start="2020-01"):
    return small_scenario(100, 36, dibao__standard=standard, dibao__standard_indexation=indexation,
                          shocks__income__growth=GROWTH, simulation__start=start)


def test_standards_grow_with_incomes_by_hukou_from_the_first_january():
    s = _scenario({"urban": 750, "rural": 433})
    assert standards(s, m("2020-12")) == (750, 433)
    assert standards(s, m("2021-01")) == pytest.approx((750 * 1.08, 433 * 1.10))
    assert standards(s, m("2022-06")) == pytest.approx((750 * 1.08 * 1.04, 433 * 1.10 * 1.06))


def test_a_dated_change_is_taken_as_written_and_grows_after():
    s = _scenario({"urban": 750, "rural": {"2020-01": 433, "2020-07": 500}})
    assert standards(s, m("2020-08"))[1] == 500
    assert standards(s, m("2021-01"))[1] == pytest.approx(500 * 1.10)
    later = _scenario({"urban": 750, "rural": {"2020-01": 433, "2022-01": 520}})
    assert standards(later, m("2021-06"))[1] == 433          # written until its next change
    assert standards(later, m("2022-01"))[1] == 520          # as written
    assert standards(later, m("2023-01"))[1] == pytest.approx(520 * 1.06)  # then grows


def test_none_keeps_the_standard_as_written():
    s = _scenario({"urban": 750, "rural": 433}, indexation="none")
    assert standards(s, m("2025-01")) == (750, 433)


def test_nothing_grows_before_the_first_reported_month():
    s = _scenario({"urban": 750, "rural": 433}, start="2023-01")
    assert standards(s, m("2022-06")) == (750, 433)  # warm-up: the profile's level
    assert standards(s, m("2024-01")) == pytest.approx((750 * 1.04, 433 * 1.06))
