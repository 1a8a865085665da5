"""One-off and price-linked payments: the Spring Festival subsidy (春节一次性补贴, seed 001) and the
price-linked temporary subsidy (价格临时补贴) paid when inflation exceeds a threshold."""

from __future__ import annotations


def spring_festival_due(calendar_month: int, festival_month: int) -> bool:
    """The subsidy is paid once a year, in the festival month."""
    return calendar_month == festival_month


def price_subsidy_due(inflation: float, threshold: float) -> bool:
    """The price-linked subsidy is paid in months when inflation is above the threshold."""
    return inflation > threshold
