"""The payments ledger: every yuan paid, by programme, area and month, in integer fen.

Payments are rounded to the fen (0.01 yuan) once, per household or person, and from then on
only integers are added, so the ledger's totals equal the sum of payments to households exactly.
:meth:`Ledger.reconcile` checks that equality at the end of a run.
"""

from __future__ import annotations

import numba
import numpy as np
import pandas as pd

from aidsim.calendar import format_month
from aidsim.errors import LedgerMismatchError
from aidsim.programmes import PROGRAMMES


class Ledger:
    """Append-only rows ``(month, programme, area, fen, recipients)``."""

    def __init__(self, n_areas: int, lines: tuple[str, ...] = PROGRAMMES):
        self.n_areas = n_areas
        self.lines = lines
        self._months: list[int] = []
        self._fen: list[np.ndarray] = []          # (n_programmes, n_areas) per month
        self._recipients: list[np.ndarray] = []   # (n_programmes, n_areas) per month

    def record(self, month: int, fen_by_area: np.ndarray, recipients_by_area: np.ndarray) -> None:
        self._months.append(month)
        self._fen.append(fen_by_area.astype(np.int64))
        self._recipients.append(recipients_by_area.astype(np.int64))

    def total_fen(self) -> np.ndarray:
        """Total paid per programme over all recorded months, fen, ``(n_programmes,)``."""
        if not self._fen:
            return np.zeros(len(self.lines), dtype=np.int64)
        return np.sum(self._fen, axis=(0, 2))

    def reconcile(self, paid_fen: np.ndarray) -> None:
        """Raise :class:`LedgerMismatchError` unless each programme's ledger total equals the sum
        of its payments to households, to the fen."""
        ledger = self.total_fen()
        households = paid_fen.sum(axis=1, dtype=np.int64)  # summed over (n_programmes, n_households)
        for i, name in enumerate(self.lines):
            if ledger[i] != households[i]:
                raise LedgerMismatchError(
                    f"{name}: the ledger holds {ledger[i] / 100:.2f} yuan but households were paid "
                    f"{households[i] / 100:.2f} yuan"
                )

    def to_frame(self, area_urban: np.ndarray) -> pd.DataFrame:
        """Tidy ledger: one row per month × programme × area with a payment or a recipient."""
        rows = []
        for month, fen, rec in zip(self._months, self._fen, self._recipients, strict=True):
            for p, name in enumerate(self.lines):
                for area in np.flatnonzero((fen[p] != 0) | (rec[p] != 0)):
                    rows.append((format_month(month), name, int(area),
                                 "urban" if area_urban[area] else "rural", int(fen[p, area]),
                                 int(rec[p, area])))
        frame = pd.DataFrame(rows, columns=["month", "programme", "area", "area_type", "fen", "recipients"])
        frame["yuan"] = frame["fen"] / 100.0
        return frame


@numba.njit(cache=True)
def add_payments(paid_fen: np.ndarray, households: np.ndarray, fen: np.ndarray) -> None:
    """``paid_fen[households] += fen`` (one ledger line's payments to each household, added to
    what it was paid before) without numpy's gathered and scattered copies."""
    for k in range(households.shape[0]):
        paid_fen[households[k]] += fen[k]
