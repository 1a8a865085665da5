"""Months as integers.

A :data:`Month` is the number of months since January of year 0, so ``2020-07`` is
``2020 * 12 + 6``. Integer months make "the value in force at month m" a binary search and keep
date arithmetic out of the hot path.
"""

from __future__ import annotations

import datetime as dt
import re

Month = int

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def parse_month(value: object) -> Month:
    """Turn ``"2020-07"``, ``"2020-07-01"``, a ``date`` or an integer month into a :data:`Month`.

    Raises ``ValueError`` with a message suitable for users when the value is not a month.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a month written YYYY-MM, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, dt.date):
        return value.year * 12 + value.month - 1
    if isinstance(value, str):
        match = _MONTH_RE.match(value.strip())
        if match:
            year, month = int(match.group(1)), int(match.group(2))
            try:  # a day, when given, must exist (2020-02-30 does not)
                dt.date(max(year, 1), month, int(match.group(3) or 1))
            except ValueError:
                raise ValueError(f"expected a month written YYYY-MM, got {value!r}") from None
            return year * 12 + month - 1
    raise ValueError(f"expected a month written YYYY-MM, got {value!r}")


def is_month_key(value: object) -> bool:
    """True when ``value`` is a month key of a dated series (``2020-07``, ``2020-07-01`` or a date)."""
    if isinstance(value, dt.date):
        return True
    if not isinstance(value, str) or not _MONTH_RE.match(value.strip()):
        return False
    try:
        parse_month(value)
    except ValueError:
        return False
    return True


def format_month(month: Month) -> str:
    """``2020 * 12 + 6`` → ``"2020-07"``."""
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


def year_of(month: Month) -> int:
    return month // 12


def calendar_month(month: Month) -> int:
    """1 for January … 12 for December."""
    return month % 12 + 1
