import numpy as np
import pytest

from aidsim.calendar import format_month, parse_month
from aidsim.scenario.dated import DatedValue


def test_month_arithmetic_round_trips():
    assert parse_month("2020-07") == 2020 * 12 + 6
    assert format_month(parse_month("2020-07-01")) == "2020-07"
    with pytest.raises(ValueError):
        parse_month("2020-13")


def test_value_in_force_steps_on_effective_dates():
    v = DatedValue.parse({"2020-01": 433, "2020-07": 500})
    assert v.at(parse_month("2019-06")) == 433  # before the first date: the first value
    assert v.at(parse_month("2020-06")) == 433
    assert v.at(parse_month("2020-07")) == 500
    assert v.at(parse_month("2025-01")) == 500
    months = np.array([parse_month(m) for m in ("2020-06", "2020-07", "2021-01")])
    assert v.over(months).tolist() == [433, 500, 500]


def test_constant_and_round_trip_to_data():
    assert DatedValue.parse(750).to_data() == 750
    assert DatedValue.parse({"2020-01": 1, "2021-01": 2}).to_data() == {"2020-01": 1.0, "2021-01": 2.0}


@pytest.mark.parametrize("raw", [{"2020-07": 500, "2020-01": 433}, {"2020-07": 1, "2020-07-15": 2}])
def test_out_of_order_dates_are_rejected(raw):
    with pytest.raises(ValueError, match="increasing order"):
        DatedValue.parse(raw)


@pytest.mark.parametrize("raw", ["500", True, {}, {"July": 500}, {"2020-01": "x"}])
def test_malformed_values_are_rejected(raw):
    with pytest.raises(ValueError):
        DatedValue.parse(raw)
