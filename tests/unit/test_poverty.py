import numpy as np
import pytest

from aidsim.metrics.poverty import fgt, gap_sums


def test_fgt_by_hand():
    # line 100; households: pc 50 (2 persons), 100 (1), 150 (1), 0 (1) → 5 persons
    pc = np.array([50.0, 100.0, 150.0, 0.0])
    persons = np.array([2, 1, 1, 1])
    assert fgt(pc, 100.0, persons, 0) == pytest.approx(3 / 5)          # 50 ×2 and 0 are poor
    assert fgt(pc, 100.0, persons, 1) == pytest.approx((2 * 0.5 + 1.0) / 5)
    assert fgt(pc, 100.0, persons, 2) == pytest.approx((2 * 0.25 + 1.0) / 5)


def test_gap_sums_by_group_in_yuan():
    pc = np.array([50.0, 100.0, 150.0, 0.0])
    persons = np.array([2, 1, 1, 1])
    g = gap_sums(pc, np.full(4, 100.0), persons, np.array([0, 0, 1, 1]), 2)
    assert g.poor.tolist() == [2, 1]
    assert g.gap_yuan.tolist() == [100.0, 100.0]  # 2 × 50 and 1 × 100
    assert g.gap1.tolist() == [1.0, 1.0]
    assert g.gap2.tolist() == [0.5, 1.0]


def test_empty_households_are_not_poor():
    g = gap_sums(np.array([np.inf, 0.0]), np.array([100.0, 100.0]), np.array([0, 1]), np.array([0, 0]), 1)
    assert g.poor.tolist() == [1]
