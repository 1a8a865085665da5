"""Golden summaries of every shipped scenario (the baseline and each reform), at a reduced size,
checked by the tests the way Tax-Calculator checks its reform files' expected outputs.

Update them only on purpose, after checking that a change of the numbers is intended (say why in
the commit):

    .venv/bin/python -m tests.regression.golden --update
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from aidsim import load_scenario, run

ROOT = Path(__file__).resolve().parents[2]
GOLDEN_DIR = Path(__file__).with_name("golden")
OVERRIDES = {"population.households": 10_000}
SCENARIOS = [ROOT / "scenarios" / "baseline.yaml", *sorted((ROOT / "scenarios" / "reforms").glob("*.yaml"))]


def golden_path(scenario_file: Path) -> Path:
    return GOLDEN_DIR / f"{scenario_file.stem}.json"


def regression_summary(scenario_file: Path) -> dict:
    results = run(load_scenario(scenario_file, OVERRIDES))
    return {"scenario": scenario_file.relative_to(ROOT).as_posix(), "overrides": OVERRIDES,
            "summary": results.summary(), "payments_total_yuan": results.payments_total_yuan()}


if __name__ == "__main__":
    if "--update" not in sys.argv:
        sys.exit("refusing to overwrite the golden files without --update")
    GOLDEN_DIR.mkdir(exist_ok=True)
    for path in SCENARIOS:
        golden_path(path).write_text(json.dumps(regression_summary(path), indent=2, sort_keys=True) + "\n",
                                     encoding="utf-8")
        print(f"wrote {golden_path(path).relative_to(ROOT)}")
