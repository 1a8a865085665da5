"""Back-test: calibrate on one year's published figures, forecast a later year under that year's
known standards, and report the error against the later year's published figures.

The specification (:class:`aidsim.scenario.profile.BacktestSpec`) is a YAML file written before
the back-test is run; its answer is reported, never tuned to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pydantic import ValidationError

from aidsim.errors import ProfileError
from aidsim.runners.calibrate import FitResult, calibrate, set_values, simulate, targets_of
from aidsim.scenario.load import _explain, _read_yaml, load_profile
from aidsim.scenario.profile import BacktestSpec

Message = Callable[[str], None]


def load_backtest(path: str | Path) -> tuple[BacktestSpec, Path]:
    """Read and validate a back-test specification; returns it and its folder."""
    path = Path(path)
    data, lines = _read_yaml(path)
    try:
        spec = BacktestSpec.model_validate(data)
    except ValidationError as exc:
        raise _explain(exc.errors(), lines, str(path), BacktestSpec, ProfileError) from None
    return spec, path.resolve().parent


@dataclass
class Backtest:
    spec: BacktestSpec
    fit: FitResult
    table: pd.DataFrame     # figure, published, forecast, error, low, high (across replications)
    seconds: float

    @property
    def mean_absolute_error(self) -> float:
        return float(np.mean(np.abs(self.table["error"]))) if len(self.table) else float("nan")


def backtest(path: str | Path, *, workers: int = 2, message: Message | None = None) -> Backtest:
    """Run the back-test specified in ``path``."""
    import time

    say = message or (lambda _m: None)
    began = time.monotonic()
    spec, folder = load_backtest(path)
    before = load_profile(folder / spec.calibrate_on)
    after = load_profile(folder / spec.compare_with)
    say(f"calibrating on {before.name} ({before.year})")
    fit = calibrate(before, households=spec.households, workers=workers, message=say)
    data: dict[str, Any] = fit.scenario
    first_year = before.year
    data = set_values(data, {
        "simulation.start": f"{first_year}-01", "simulation.months": 12 * (spec.forecast_year - first_year + 1),
        "dibao.standard.urban": dict(spec.standards.urban), "dibao.standard.rural": dict(spec.standards.rural),
    })
    if spec.income_growth is not None:
        data = set_values(data, {"shocks.income.growth.urban": dict(spec.income_growth.urban),
                                 "shocks.income.growth.rural": dict(spec.income_growth.rural)})
    if spec.households:
        data = set_values(data, {"population.households": spec.households})
    residents = {"urban": after.population.residents.urban.value, "rural": after.population.residents.rural.value}
    first, last = f"{spec.forecast_year}-01", f"{spec.forecast_year}-12"
    targets, _ = targets_of(after)
    outs = []
    for r in range(spec.replications):
        say(f"forecasting {spec.forecast_year}: replication {r + 1} of {spec.replications}")
        outs.append(simulate(data, fit.scenario["simulation"]["seed"], r + 1, residents, first, last))
    rows = []
    for t in targets:
        values = np.array([o.get(t.key, np.nan) for o in outs])
        forecast = float(np.mean(values))
        rows.append({"figure": t.key, "year": t.year, "published": t.value, "forecast": forecast,
                     "error": (forecast - t.value) / t.value if t.value else float("nan"),
                     "low": float(np.min(values)), "high": float(np.max(values)), "source": t.source})
    return Backtest(spec, fit, pd.DataFrame(rows), time.monotonic() - began)


def spec_text(spec: BacktestSpec) -> str:
    return yaml.safe_dump(spec.model_dump(), sort_keys=False, allow_unicode=True)
