"""Budget solving: the value found meets the target when run again, its interval comes from the
replications, a target that cannot be reached is refused, and a budget split between two levers
spends the budget at every share."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aidsim import compare, load_scenario
from aidsim.cli import app
from aidsim.errors import ArgumentError
from aidsim.runners.solve import parse_target, solve, solve_split
from tests.integration.helpers import SCENARIOS

BASELINE = SCENARIOS / "baseline.yaml"
SMALL = {"population.households": 2000, "simulation.months": 12}


@pytest.fixture(scope="module")
def base():
    return load_scenario(BASELINE, SMALL)


def test_targets_are_read_or_refused() -> None:
    t = parse_target("dibao_cost:+5e6/year")
    assert (t.measure, t.amount, t.relative, t.per_year) == ("dibao_cost", 5e6, True, True)
    assert t.goal(100.0, 24) == 100.0 + 10e6  # per year, over 24 months
    t = parse_target("dibao_coverage:=0.08")
    assert (t.amount, t.relative) == (0.08, False) and t.goal(0.05, 12) == 0.08
    assert parse_target("gap_yuan_post_pl:-1e6/year").amount == -1e6
    for bad, words in (("dibao_cost+5e6", "expected MEASURE:+AMOUNT"), ("dibao_costs:+1", "unknown measure"),
                       ("dibao_coverage:+0.01/year", "/year applies to amounts in yuan"),
                       ("dibao_cost:+abc", "not a number"), ("dibao_cost:+inf", "finite")):
        with pytest.raises(ArgumentError, match="--target") as info:
            parse_target(bad)
        assert words in str(info.value)


def test_the_standard_that_spends_an_extra_budget(base) -> None:
    extra = 100_000.0  # yuan a year, on a county of 2,000 households
    found = solve(base, "dibao.standard.rural", f"dibao_cost:+{extra:g}/year", replications=3,
                  workers=2)
    assert found.start == 433.0 and 433.0 < found.value < 600.0
    assert found.goal == pytest.approx(found.baseline + extra)  # 12 months summarised
    # the runs move in steps (whole households enter); the value meets the goal to within a step
    assert found.achieved == pytest.approx(found.goal, rel=0.01)
    assert found.low <= found.high and len(found.per_replication) == 3
    assert found.low <= found.value <= found.high or abs(found.value - found.low) < 2
    # Check independently: a reform at the value found, compared on the same replications.
    reform = load_scenario(BASELINE, SMALL | {"name": "at-root", "dibao.standard.rural": found.value})
    table = compare(base, [reform], replications=3).for_reform("at-root")
    change = float(table.loc[table["measure"] == "dibao_cost", "difference"].iloc[0])
    assert change == pytest.approx(extra, rel=0.01)


def test_a_coverage_level_and_a_given_bracket(base) -> None:
    found = solve(base, "dibao.standard.rural", "dibao_coverage:=0.09", area_type="rural",
                  bracket=(433.0, 700.0))
    assert found.achieved == pytest.approx(0.09, abs=0.002)
    assert found.bracket == (433.0, 700.0) and found.runs >= 3


def test_an_unreachable_target_is_refused_naming_the_target(base) -> None:
    with pytest.raises(ArgumentError, match="--target dibao_coverage:=1.5"):
        solve(base, "dibao.standard.rural", "dibao_coverage:=1.5", bracket=(400.0, 500.0))


def test_split_spends_the_budget_at_every_share(base) -> None:
    split = solve_split(base, ["dibao.standard.rural", "dibao.supplements.elderly"],
                        "dibao_cost:+80000/year", shares=[0.0, 1.0], replications=2)
    t = split.table.set_index("share_first")
    # all to the second lever: the first stays at its value, and the reverse
    assert t.loc[0.0, "dibao.standard.rural"] == 433.0 and t.loc[0.0, "dibao.supplements.elderly"] > 0.1
    assert t.loc[1.0, "dibao.supplements.elderly"] == 0.1 and t.loc[1.0, "dibao.standard.rural"] > 433.0
    assert t["dibao_cost_change"].to_numpy() == pytest.approx([80000, 80000], rel=0.02)
    # a higher standard reaches households below the line; a larger supplement for the elderly
    # on the roll closes less of the gap for the same money
    assert t.loc[1.0, "gap_closed_pl_change"] > t.loc[0.0, "gap_closed_pl_change"]
    assert t.loc[1.0, "dibao_coverage_change"] > 0


def test_cli_solve_prints_the_value_and_writes_it(tmp_path: Path) -> None:
    out = tmp_path / "solve"
    result = CliRunner().invoke(app, ["solve", str(BASELINE), "--param", "dibao.standard.rural",
                                      "--target", "dibao_cost:+100000/year", "--year", "2020",
                                      "--households", "2000", "--replications", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "dibao.standard.rural =" in text and "90% interval across 2 replications" in text
    saved = json.loads((out / "manifest.json").read_text())
    assert saved["parameter"] == "dibao.standard.rural" and 433 < saved["value"] < 600
    assert (out / "evaluations.csv").is_file()


@pytest.mark.parametrize(("args", "words"), [
    (["--param", "dibao.standard.rural", "--target", "dibao_cost:5e6/yr"], "--target"),
    (["--param", "dibao.standard.rurall", "--target", "dibao_cost:+5e6/year"], "did you mean"),
    (["--param", "dibao.standard.rural", "--target", "dibao_cost:+5e6/year", "--year", "2031"], "--year 2031-01"),
    (["--param", "dibao.standard.rural", "--target", "dibao_cost:+5e6/year", "--bracket", "400"], "--bracket"),
    (["--param", "dibao.standard.rural", "--target", "dibao_cost:+1e12/year", "--bracket", "400:500"],
     "not met between --bracket"),
    (["--param", "dibao.standard.rural", "--param", "dibao.minimum_payment", "--target",
      "dibao_coverage:=0.1"], "a split needs a change from the baseline"),
])
def test_cli_solve_refuses_bad_input_with_exit_2(args: list[str], words: str) -> None:
    result = CliRunner().invoke(app, ["solve", str(BASELINE), *args, "--households", "500", "--months", "3"])
    assert result.exit_code == 2, result.output
    assert words in " ".join(result.stderr.split())
    assert "Traceback" not in result.output
