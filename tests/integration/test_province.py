"""A province run: identical whatever the partitioning and the executor, each county with streams
of its own, the merged tables equal to the counties' own results added up."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from aidsim import load_scenario
from aidsim.cli import app
from aidsim.engine.model import AidModel
from aidsim.errors import ArgumentError
from aidsim.results import Results
from aidsim.runners.province import extrapolate, partition, run_province
from tests.integration.helpers import SCENARIOS

COUNTY = {"population.households": 800, "simulation.months": 4, "simulation.warmup_months": 2}


@pytest.fixture(scope="module")
def county():
    return load_scenario(SCENARIOS / "baseline.yaml", COUNTY)


def test_partition_covers_every_county_once() -> None:
    assert partition(5, 2) == [(0, 1), (2, 3), (4,)]
    assert partition(3, 10) == [(0, 1, 2)]


def test_identical_whatever_the_partitioning_and_the_executor(county) -> None:
    one_by_one = run_province(county, 5, counties_per_task=1, workers=2)
    whole = run_province(county, 5, counties_per_task=5, workers=1)
    uneven = run_province(county, 5, counties_per_task=2, workers=2)
    pd.testing.assert_frame_equal(one_by_one.sums, whole.sums, check_exact=True)
    pd.testing.assert_frame_equal(uneven.sums, whole.sums, check_exact=True)
    assert one_by_one.workers == 2 and whole.workers == 1
    assert one_by_one.household_months == 5 * 800 * 6


def test_identical_on_dask(county) -> None:
    pytest.importorskip("distributed")
    on_dask = run_province(county, 3, counties_per_task=1, workers=2, dask=True)
    serial = run_province(county, 3, counties_per_task=3, workers=1)
    pd.testing.assert_frame_equal(on_dask.sums, serial.sums, check_exact=True)


def test_each_county_has_its_own_streams_and_the_merge_adds_them_up(county) -> None:
    province = run_province(county, 3)
    costs = province.by_county().set_index("county")["dibao_cost"]
    assert costs.nunique() == 3  # three different counties, not one county three times
    alone = Results.from_model(_run(AidModel(county))).summary()["all"]["dibao_cost"]
    assert alone not in set(costs)
    counties = [Results.from_model(_run(AidModel(county, shard=c))) for c in range(3)]
    for c, results in enumerate(counties):
        assert costs[c] == pytest.approx(results.summary()["all"]["dibao_cost"], rel=1e-12)
    merged = province.summary()
    for measure in ("dibao_cost", "total_cost", "gap_yuan_post_pl"):  # totals add up
        expected = sum(r.summary()["all"][measure] for r in counties)
        assert merged["all"][measure] == pytest.approx(expected, rel=1e-12)
    persons = sum(r.summary()["all"]["dibao_persons"] for r in counties)  # stocks too (monthly means)
    assert merged["all"]["dibao_persons"] == pytest.approx(persons, rel=1e-12)
    residents = sum(r.sums["persons"].sum() for r in counties)
    recipients = sum(r.sums["dibao_persons"].sum() for r in counties)
    assert merged["all"]["dibao_coverage"] == pytest.approx(recipients / residents, rel=1e-12)


def _run(model: AidModel) -> AidModel:
    model.run_to_end()
    return model


def test_extrapolation_scales_with_machines() -> None:
    rows = extrapolate(1e6, 1.5e8, 12, [1, 10], 32)
    assert rows[0]["hours"] == pytest.approx(1.5e8 * 12 / (1e6 * 32) / 3600)
    assert rows[1]["hours"] == pytest.approx(rows[0]["hours"] / 10)


def test_bad_counts_are_refused(county) -> None:
    with pytest.raises(ArgumentError, match="--counties"):
        run_province(county, 0)
    with pytest.raises(ArgumentError, match="--counties-per-task"):
        run_province(county, 2, counties_per_task=0)


def test_cli_province_writes_the_merged_tables(tmp_path: Path) -> None:
    out = tmp_path / "province"
    result = CliRunner().invoke(app, ["province", str(SCENARIOS / "baseline.yaml"), "--counties", "2",
                                      "--households", "600", "--months", "3", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["households"] == 1200 and summary["summary"]["all"]["dibao_cost"] > 0
    assert set(pd.read_parquet(out / "counties.parquet")["county"]) == {0, 1}
    assert "household-months per second per worker" in " ".join(result.stdout.split())


def test_a_finished_model_is_freed(county) -> None:
    """A worker runs many models one after another: none may stay in memory (Mesa 3.3 keeps
    every model that made an agent in a class-level dict unless the model lets go)."""
    import gc
    import weakref

    model = _run(AidModel(county))
    ref = weakref.ref(model)
    del model
    gc.collect()
    assert ref() is None
