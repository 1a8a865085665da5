"""Sweeps: the tidy table, resuming after ``kill -9``, the same numbers on 1 process, 2 processes
and dask, and refusals of bad ``--param`` specifications."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from aidsim import load_scenario
from aidsim.cli import app
from aidsim.errors import ArgumentError
from aidsim.runners.sweep import parse_param, points_of, sweep
from tests.integration.helpers import ROOT, SCENARIOS

BASELINE = SCENARIOS / "baseline.yaml"
SMALL = {"population.households": 1500, "simulation.months": 6}
AIDSIM = [sys.executable, "-m", "aidsim"]


def small_base():
    return load_scenario(BASELINE, SMALL)


def test_grid_table_has_every_point_measure_and_interval(tmp_path: Path) -> None:
    swept = sweep(small_base(), ["dibao.standard.rural=380:500:60"], replications=2, out=tmp_path / "s")
    table = swept.table
    assert [p["dibao.standard.rural"] for p in swept.points] == [380.0, 440.0, 500.0]
    assert set(table["area_type"]) == {"all", "urban", "rural"}
    for measure in ("total_cost", "dibao_coverage", "gap_closed_pl", "dibao_exclusion_error",
                    "dibao_inclusion_error"):
        rows = table[(table["measure"] == measure) & (table["area_type"] == "rural")]
        assert len(rows) == 3, measure
        assert (rows["low"] <= rows["mean"] + 1e-9).all() and (rows["mean"] <= rows["high"] + 1e-9).all()
    # On common random numbers, a higher rural standard covers more rural residents and costs more.
    rural = swept.wide("rural", ["dibao_coverage", "dibao_cost", "gap_closed_pl"])
    assert rural["dibao_coverage"].is_monotonic_increasing and rural["dibao_coverage"].nunique() == 3
    assert rural["dibao_cost"].is_monotonic_increasing
    on_disk = pd.read_parquet(tmp_path / "s" / "sweep.parquet")
    pd.testing.assert_frame_equal(on_disk, table)
    assert len(list((tmp_path / "s" / "points").glob("*.json"))) == 6
    manifest = json.loads((tmp_path / "s" / "manifest.json").read_text())
    assert manifest["points"] == 3 and manifest["replications"] == 2

    # The report: the points' table with intervals, and the chart against the parameter (all areas,
    # then urban and rural), its bands drawn from the replications.
    result = CliRunner().invoke(app, ["report", str(tmp_path / "s")])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "s" / "report.html").read_text(encoding="utf-8")
    assert page.count("<svg") == 3 and "src=" not in page and "<link" not in page  # opens offline
    for words in ("Cost over the period", "Dibao coverage", "Poverty gap closed by transfers",
                  "Dibao targeting errors", "dibao.standard.rural", "a grid of 3 points", "5th–95th"):
        assert words in page, words
    coverage = swept.wide("all", ["dibao_coverage"])["dibao_coverage"]
    assert f"{coverage.iloc[0] * 100:.2f}%" in page  # the table shows the point's mean coverage


def test_a_sample_covers_the_ranges_reproducibly() -> None:
    base = small_base()
    params = [parse_param("dibao.standard.rural=380:500", base),
              parse_param("dibao.supplements.elderly=0:0.3", base),
              parse_param("dibao.gradual_exit_months=0:12", base)]
    lhs = points_of(params, sample=8, method="lhs", seed=3)
    assert lhs == points_of(params, sample=8, method="lhs", seed=3)
    assert len(lhs) == 8
    rural = sorted(p["dibao.standard.rural"] for p in lhs)
    # a Latin hypercube puts one point in each eighth of each range
    assert [int((v - 380) / 15) for v in rural] == list(range(8))
    assert all(isinstance(p["dibao.gradual_exit_months"], int) for p in lhs)
    sobol = points_of(params, sample=8, method="sobol", seed=3)
    assert len(sobol) == 8 and sobol != lhs
    assert all(0 <= p["dibao.supplements.elderly"] <= 0.3 for p in sobol)


def test_same_numbers_on_one_process_two_processes_and_dask(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    base = small_base()
    spec = ["dibao.standard.rural=400,460", "dibao.supplements.elderly=0.1,0.3"]
    tables = {}
    for name, kwargs in (("serial", {"workers": 1}), ("pool", {"workers": 2}),
                         ("dask", {"workers": 2, "dask": True})):
        swept = sweep(base, spec, replications=2, out=tmp_path / name, **kwargs)
        assert swept.ran == 8 and swept.reused == 0
        tables[name] = swept.runs
    pd.testing.assert_frame_equal(tables["pool"], tables["serial"], check_exact=True)
    pd.testing.assert_frame_equal(tables["dask"], tables["serial"], check_exact=True)
    assert (tmp_path / "pool" / "sweep.csv").read_bytes() == (tmp_path / "serial" / "sweep.csv").read_bytes()
    assert (tmp_path / "dask" / "sweep.csv").read_bytes() == (tmp_path / "serial" / "sweep.csv").read_bytes()
    # the replications differ (so the equality above is not trivially true)
    cost = tables["serial"].query("measure == 'dibao_cost' and area_type == 'all' and point == 0")
    assert cost["value"].nunique() == 2


def _sweep_args(out: Path, workers: int = 1) -> list[str]:
    return ["sweep", str(BASELINE), "--param", "dibao.standard.rural=380:560:20", "--households", "20000",
            "--months", "12", "--workers", str(workers), "--out", str(out), "--quiet"]


def _children(pid: int) -> set[int]:
    """Processes whose parent is ``pid`` (Linux /proc)."""
    out = set()
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            out.add(int(status.parent.name))
    return out


def test_a_sweep_killed_with_sigkill_resumes_and_loses_nothing(tmp_path: Path) -> None:
    killed, fresh = tmp_path / "killed", tmp_path / "fresh"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # killed while two worker processes run, resumed and compared with one process
    proc = subprocess.Popen([*AIDSIM, *_sweep_args(killed, workers=2)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    points = killed / "points"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if points.is_dir() and len(list(points.glob("*.json"))) >= 3:
            break
        time.sleep(0.05)
    assert proc.poll() is None, f"the sweep ended before it could be killed: {proc.stderr.read()}"
    workers = _children(proc.pid) if Path("/proc").is_dir() else set()
    assert len(workers) >= 2 or not Path("/proc").is_dir(), workers
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # the pool's workers notice that the sweep is gone and end (they would otherwise wait forever)
    deadline = time.monotonic() + 20
    while workers and time.monotonic() < deadline:
        workers = {w for w in workers if Path(f"/proc/{w}").exists()
                   and "zombie" not in Path(f"/proc/{w}/status").read_text(errors="ignore")}
        time.sleep(0.2)
    assert not workers, f"worker processes left running after the sweep was killed: {workers}"
    finished = {p.name: p.read_bytes() for p in points.glob("*.json")}
    assert 3 <= len(finished) < 10, "killed too late to prove anything"
    assert not (killed / "manifest.json").exists() and not (killed / "sweep.csv").exists()
    for data in finished.values():  # every point file is whole
        assert json.loads(data)["summary"]["all"]["dibao_cost"] > 0

    again = subprocess.run([*AIDSIM, *_sweep_args(killed)], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert f"{10 - len(finished)} runs now, {len(finished)} from earlier" in " ".join(again.stdout.split())
    for name, data in finished.items():  # the finished points were kept as they were
        assert (points / name).read_bytes() == data
    subprocess.run([*AIDSIM, *_sweep_args(fresh)], cwd=ROOT, env=env, check=True, capture_output=True,
                   timeout=300)
    assert (killed / "sweep.csv").read_bytes() == (fresh / "sweep.csv").read_bytes()
    # and once more: nothing left to run
    third = subprocess.run([*AIDSIM, *_sweep_args(killed)], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=300)
    assert "0 runs now, 10 from earlier" in " ".join(third.stdout.split())
    assert (killed / "sweep.csv").read_bytes() == (fresh / "sweep.csv").read_bytes()


def test_a_changed_base_does_not_reuse_stale_points(tmp_path: Path) -> None:
    base = small_base()
    first = sweep(base, ["dibao.standard.rural=400,450"], out=tmp_path / "s")
    assert first.ran == 2
    changed = load_scenario(BASELINE, SMALL | {"dibao.supplements.minor": 0.3})
    second = sweep(changed, ["dibao.standard.rural=400,450"], out=tmp_path / "s")
    assert second.ran == 2 and second.reused == 0
    third = sweep(base, ["dibao.standard.rural=400,450,500"], out=tmp_path / "s")
    assert third.ran == 1 and third.reused == 2


@pytest.mark.parametrize(("spec", "words"), [
    ("dibao.standard.rural", "expected PATH=LOW:HIGH:STEP"),
    ("dibao.standard.rurl=400:500:50", "did you mean dibao.standard.rural"),
    ("dibao.enabled=0,1", "not a numeric scenario parameter"),
    ("dibao.standard.rural=500:400:10", "below the low end"),
    ("dibao.standard.rural=400:500:0", "the step must be above 0"),
    ("dibao.standard.rural=400:abc:10", "'abc' is not a number"),
    ("dibao.standard.rural=400:500", "needs a step"),
    ("dibao.gradual_exit_months=1.5,2", "whole numbers"),
    ("dibao.standard.rural=-50,400", "dibao.standard.rural"),
])
def test_bad_param_is_refused_with_exit_2_and_nothing_written(tmp_path: Path, spec: str, words: str) -> None:
    out = tmp_path / "never"
    result = CliRunner().invoke(app, ["sweep", str(BASELINE), "--param", spec, "--households", "500",
                                      "--months", "2", "--out", str(out)])
    assert result.exit_code == 2, result.output
    text = " ".join(result.stderr.split())
    assert "--param" in text and words in text, text
    assert "Traceback" not in result.output
    assert not out.exists()


def test_a_bad_sample_method_is_refused() -> None:
    base = small_base()
    with pytest.raises(ArgumentError, match="--method must be lhs or sobol"):
        points_of([parse_param("dibao.standard.rural=400:500", base)], sample=4, method="grid")


def test_resume_refuses_a_foreign_folder(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("keep me")
    result = CliRunner().invoke(app, ["sweep", str(BASELINE), "--param", "dibao.standard.rural=400,450",
                                      "--households", "500", "--months", "2", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert (tmp_path / "mine.txt").read_text() == "keep me"


def test_an_unreachable_scheduler_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    out = tmp_path / "never"
    result = CliRunner().invoke(app, ["sweep", str(BASELINE), "--param", "dibao.standard.rural=400,450",
                                      "--households", "500", "--months", "2", "--scheduler",
                                      "tcp://127.0.0.1:1", "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "--scheduler tcp://127.0.0.1:1: cannot reach a dask scheduler" in " ".join(result.stderr.split())
    assert not out.exists()


def test_compare_gives_the_same_numbers_on_dask() -> None:
    pytest.importorskip("distributed")
    from aidsim import compare

    base = load_scenario(BASELINE, SMALL | {"simulation.months": 8})
    reform = load_scenario(SCENARIOS / "reforms" / "rural_500_july.yaml", SMALL | {"simulation.months": 8})
    serial = compare(base, [reform], replications=2)
    on_dask = compare(base, [reform], replications=2, workers=2, dask=True)
    pd.testing.assert_frame_equal(on_dask.table, serial.table, check_exact=True)
    assert (serial.table["difference"] != 0).any()
