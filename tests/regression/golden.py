"""The regression run: the shipped baseline at a reduced size, and its golden summary.

Update the golden file only on purpose, after checking that a change of the numbers is intended:

    .venv/bin/python -m tests.regression.golden --update
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from aidsim import load_scenario, run

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).with_name("golden_baseline.json")
OVERRIDES = {"population.households": 20_000, "simulation.months": 12}


def regression_summary() -> dict:
    results = run(load_scenario(ROOT / "scenarios" / "baseline.yaml", OVERRIDES))
    return {"overrides": OVERRIDES, "summary": results.summary(),
            "payments_total_yuan": results.payments_total_yuan()}


if __name__ == "__main__":
    if "--update" not in sys.argv:
        sys.exit("refusing to overwrite the golden file without --update")
    GOLDEN.write_text(json.dumps(regression_summary(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN.relative_to(ROOT)}")
