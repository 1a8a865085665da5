"""Covariate shocks: a disaster strikes a share of the households of some areas in a given month;
they lose a share of their income while it lasts and a sum of assets once."""

from __future__ import annotations

import numpy as np

from aidsim.calendar import parse_month
from aidsim.scenario.schema import Disaster


def starting(disasters: list[Disaster], month: int) -> list[Disaster]:
    """The disasters that start at ``month``."""
    return [event for event in disasters if parse_month(event.start) == month]


def strike(disasters: list[Disaster], month: int, area: np.ndarray, uniform: np.ndarray | None,
           until: np.ndarray, loss_share: np.ndarray,
           nothing: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Apply the disasters starting this month (updates ``until`` and ``loss_share`` in place).

    Returns the households newly hit and their one-off asset loss in yuan, ``(n_households,)``.
    One uniform per household per month decides who is hit (drawn whether or not a disaster
    strikes, for common random numbers). In a month when none starts, they are ``nothing`` if
    given (read-only zeros kept by the caller), so most months make no household-sized arrays
    (and ``uniform`` is not read: the caller may skip the draw, :func:`aidsim.rng.skip_uniform32`).
    """
    events = starting(disasters, month)
    if not events and nothing is not None:
        return nothing
    hit = np.zeros(area.shape[0], dtype=bool)
    asset_loss = np.zeros(area.shape[0])
    for event in events:
        struck = np.isin(area, event.areas) & (uniform < event.share_hit)
        until[struck] = month + event.duration_months
        loss_share[struck] = event.income_loss
        asset_loss[struck] += event.asset_loss
        hit |= struck
    return hit, asset_loss

