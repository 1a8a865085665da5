"""End-to-end tests of the command line on small runs (2,000 households, 6 or 12 months).

What a user relies on: `run` writes complete, self-describing and reproducible outputs (the same
seed gives the same bytes, the recorded scenario reproduces the run, the ledger reconciles with
the payments); `compare` uses common random numbers (a reform changes only what it touches, and
the number of workers never changes the numbers); a failed write never leaves a folder that
looks complete.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import traceback
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from rich.console import Console
from rich.text import Text
from typer.testing import CliRunner, Result

import aidsim
import aidsim.results
from aidsim.cli import app, message
from aidsim.scenario.catalog import catalogue
from aidsim.scenario.schema import Scenario
from tests.integration.helpers import ROOT, SCENARIOS, folder_hashes, sha256

BASELINE = SCENARIOS / "baseline.yaml"
RURAL_500 = SCENARIOS / "reforms" / "rural_500_july.yaml"
TEKUN_15 = SCENARIOS / "reforms" / "tekun_multiplier_1_5.yaml"
SMALL = ["--households", "2000", "--months", "6"]
TABLE_FILES = {f"{t}.parquet" for t in ("monthly", "yearly", "by_area", "ledger", "households", "offices",
                                          "targeting")}


def invoke(*args: object, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args], env=env)


def succeeded(result: Result) -> Result:
    if result.exit_code != 0:
        detail = ""
        if result.exc_info and not isinstance(result.exception, SystemExit):
            detail = "".join(traceback.format_exception(*result.exc_info))
        pytest.fail(f"exit {result.exit_code}\n{result.output}\n{detail}")
    return result


def words(text: str) -> str:
    """Output with whitespace collapsed (rich wraps lines at the console width)."""
    return " ".join(text.split())


def complete_run(folder: Path) -> dict:
    """Check that ``folder`` holds a complete run and return its summary."""
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert set(summary["files"]) == TABLE_FILES
    assert sorted(p.name for p in folder.iterdir()) == sorted([*TABLE_FILES, "summary.json"])
    for name, digest in summary["files"].items():
        assert sha256(folder / name) == digest, f"{name}: hash does not match summary.json"
    return summary


def tables(folder: Path) -> dict[str, str]:
    return {name: digest for name, digest in folder_hashes(folder).items() if name in TABLE_FILES}


# -- one run -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def baseline_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result]:
    out = tmp_path_factory.mktemp("baseline") / "run"
    return out, succeeded(invoke("run", BASELINE, "--out", out, *SMALL))


def test_run_writes_every_table_and_a_summary_that_describes_the_run(baseline_run) -> None:
    out, result = baseline_run
    summary = complete_run(out)
    printed = words(result.stdout)
    assert "baseline: 2020-01 … 2020-06 (6 months), seed 20200101" in printed
    assert "totals over the 6 months" in printed
    assert "Dibao cost" in printed and f"wrote {out}/" in printed

    # The resolved scenario is the full scenario actually run, overrides included.
    recorded = Scenario.model_validate(summary["scenario"])
    expected = aidsim.load_scenario(BASELINE, {"population.households": 2000, "simulation.months": 6})
    assert recorded == expected
    assert summary["scenario_name"] == "baseline"
    assert summary["seed"] == 20200101 == recorded.simulation.seed
    assert summary["versions"]["aidsim"] == aidsim.__version__
    assert (summary["first_month"], summary["last_month"]) == ("2020-01", "2020-06")
    assert summary["households_simulated"] == 2000

    monthly = pd.read_parquet(out / "monthly.parquet")
    assert sorted(monthly["month"].unique()) == [f"2020-0{m}" for m in range(1, 7)]
    assert set(monthly["area_type"]) == {"all", "urban", "rural"}
    for name in TABLE_FILES:
        assert pq.read_table(out / name).num_rows > 0, name


def test_same_seed_gives_byte_identical_files(baseline_run, tmp_path: Path) -> None:
    first, _ = baseline_run
    again = tmp_path / "again"
    succeeded(invoke("run", BASELINE, "--out", again, *SMALL, "--quiet"))
    assert folder_hashes(again) == folder_hashes(first)


def test_another_seed_gives_other_numbers(baseline_run, tmp_path: Path) -> None:
    first, _ = baseline_run
    other = tmp_path / "other"
    succeeded(invoke("run", BASELINE, "--out", other, *SMALL, "--seed", "7", "--quiet"))
    summary, first_summary = complete_run(other), complete_run(first)
    assert summary["seed"] == 7 == summary["scenario"]["simulation"]["seed"]
    for name in ("monthly.parquet", "households.parquet", "ledger.parquet"):
        assert summary["files"][name] != first_summary["files"][name], name
    assert summary["summary"]["all"]["dibao_cost"] != first_summary["summary"]["all"]["dibao_cost"]
    a = pd.read_parquet(first / "households.parquet")
    b = pd.read_parquet(other / "households.parquet")
    assert not a["dibao_fen"].equals(b["dibao_fen"])


def test_recorded_scenario_reproduces_the_run(baseline_run, tmp_path: Path) -> None:
    first, _ = baseline_run
    summary = complete_run(first)
    resolved = tmp_path / "resolved.yaml"
    resolved.write_text(yaml.safe_dump(summary["scenario"], allow_unicode=True), encoding="utf-8")
    again = tmp_path / "again"
    succeeded(invoke("run", resolved, "--out", again, "--quiet"))  # no overrides: all recorded
    assert tables(again) == tables(first)
    rerun = complete_run(again)
    assert rerun["scenario_sha256"] == summary["scenario_sha256"]
    assert rerun["summary"] == summary["summary"]


def test_ledger_reconciles_with_household_payments_to_the_fen(baseline_run) -> None:
    out, _ = baseline_run
    summary = complete_run(out)
    ledger = pd.read_parquet(out / "ledger.parquet")
    households = pd.read_parquet(out / "households.parquet")
    assert ledger["fen"].dtype.kind == "i" and households["dibao_fen"].dtype.kind == "i"
    by_programme = ledger.groupby("programme")["fen"].sum()
    for programme in ("dibao", "tekun"):
        ledger_fen = int(by_programme[programme])
        household_fen = int(households[f"{programme}_fen"].sum())
        assert ledger_fen > 0, f"no {programme} payments: the check would be empty"
        assert ledger_fen == household_fen, programme
        assert ledger_fen / 100 == summary["payments_total_yuan"][programme]
        assert round(summary["summary"]["all"][f"{programme}_cost"] * 100) == ledger_fen
        # The same by urban/rural and by month.
        for area_type in ("urban", "rural"):
            in_ledger = ledger[(ledger["programme"] == programme) & (ledger["area_type"] == area_type)]
            paid = households.loc[households["area_type"] == area_type, f"{programme}_fen"]
            assert int(in_ledger["fen"].sum()) == int(paid.sum()), (programme, area_type)
        monthly = pd.read_parquet(out / "monthly.parquet").query("area_type == 'all'")
        per_month = ledger[ledger["programme"] == programme].groupby("month")["fen"].sum()
        cost = monthly.set_index("month")[f"{programme}_cost"]
        assert ((cost * 100).round().astype("int64") == per_month.reindex(cost.index)).all()


# -- compare -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result, pd.DataFrame]:
    out = tmp_path_factory.mktemp("compare") / "cmp"
    result = succeeded(invoke("compare", BASELINE, RURAL_500, TEKUN_15, "--households", "8000",
                              "--months", "12", "--out", out, "--quiet"))
    return out, result, pd.read_parquet(out / "comparison.parquet")


def _row(table: pd.DataFrame, reform: str, area_type: str, measure: str) -> pd.Series:
    rows = table[(table["reform"] == reform) & (table["area_type"] == area_type)
                 & (table["measure"] == measure)]
    assert len(rows) == 1, (reform, area_type, measure)
    return rows.iloc[0]


def test_compare_prints_reforms_and_writes_tables_and_runs(comparison) -> None:
    out, result, table = comparison
    printed = words(result.stdout)
    assert "Reforms against the baseline, all areas, 2020-01 … 2020-12 (12 months)" in printed
    assert "rural-500-july" in printed and "tekun-1.5" in printed
    details = words((out / "details.txt").read_text(encoding="utf-8"))
    assert "rural-500-july against the baseline, all areas" in details and "Dibao cost" in details
    assert "tekun-1.5 against the baseline" in details
    assert {p.name for p in out.iterdir()} >= {"comparison.csv", "comparison.parquet", "runs", "overview.csv",
                                                "deciles.csv", "details.txt", "manifest.json"}
    assert sorted(p.name for p in (out / "runs").iterdir()) == ["baseline", "rural-500-july", "tekun-1.5"]
    for name in ("baseline", "rural-500-july", "tekun-1.5"):
        assert complete_run(out / "runs" / name)["scenario_name"] == name
    from_csv = pd.read_csv(out / "comparison.csv")
    assert list(from_csv.columns) == list(table.columns) and len(from_csv) == len(table) > 0
    assert set(table["reform"]) == {"rural-500-july", "tekun-1.5"}
    # The table's baseline column is the baseline run's summary.
    base = complete_run(out / "runs" / "baseline")["summary"]
    for measure in ("dibao_cost", "dibao_persons", "tekun_cost"):
        for area_type in ("all", "urban", "rural"):
            assert _row(table, "rural-500-july", area_type, measure)["baseline"] == pytest.approx(
                base[area_type][measure], rel=1e-12)


def test_rural_500_reform_costs_more_and_reaches_no_fewer(comparison) -> None:
    out, _, table = comparison
    for area_type in ("all", "rural"):
        cost = _row(table, "rural-500-july", area_type, "dibao_cost")
        assert cost["reform_value"] > cost["baseline"] > 0
        persons = _row(table, "rural-500-july", area_type, "dibao_persons")
        assert persons["reform_value"] >= persons["baseline"] > 0
    # Urban households are untouched: with common random numbers their figures are identical.
    urban = table[(table["reform"] == "rural-500-july") & (table["area_type"] == "urban")]
    assert (urban["difference"] == 0).all(), urban[urban["difference"] != 0]
    # Nothing changes before July 2020; from July rural dibao costs more every month.
    base = pd.read_parquet(out / "runs" / "baseline" / "monthly.parquet")
    reform = pd.read_parquet(out / "runs" / "rural-500-july" / "monthly.parquet")
    before = base["month"] < "2020-07"
    pd.testing.assert_frame_equal(base[before], reform[before])
    rural_after = ~before & base["area_type"].eq("rural")
    assert rural_after.sum() == 6
    assert (reform.loc[rural_after, "dibao_cost"] > base.loc[rural_after, "dibao_cost"]).all()


def test_tekun_reform_leaves_dibao_exactly_unchanged_and_costs_more(comparison) -> None:
    _, _, table = comparison
    rows = table[table["reform"] == "tekun-1.5"]
    dibao = rows[rows["measure"].str.startswith("dibao_")]
    assert len(dibao) > 0
    assert (dibao["baseline"] == dibao["reform_value"]).all(), dibao[dibao["difference"] != 0]
    standards = {"urban": 750, "rural": 433}
    for area_type in ("all", "urban", "rural"):
        cost = _row(table, "tekun-1.5", area_type, "tekun_cost")
        assert cost["reform_value"] > cost["baseline"] > 0
        persons = _row(table, "tekun-1.5", area_type, "tekun_persons")
        assert persons["difference"] == 0  # the multiplier does not change who is eligible
        if area_type in standards:  # everyone gets (1.5 - 1.3) x the local dibao standard more
            support = _row(table, "tekun-1.5", area_type, "tekun_avg_support")
            assert support["difference"] == pytest.approx(0.2 * standards[area_type], abs=0.01)


def test_replications_give_the_same_numbers_on_any_number_of_workers(tmp_path: Path) -> None:
    folders = {}
    for workers in (1, 2):
        folders[workers] = tmp_path / f"workers{workers}"
        succeeded(invoke("compare", BASELINE, TEKUN_15, *SMALL, "--replications", "3",
                         "--workers", workers, "--out", folders[workers], "--quiet"))
    serial, parallel = folder_hashes(folders[1]), folder_hashes(folders[2])
    assert "comparison.csv" in serial and "replications.parquet" in serial
    assert parallel == serial
    # The replications really differ (otherwise the equality above would prove little).
    runs = pd.read_parquet(folders[1] / "replications.parquet")
    cost = runs[(runs["scenario"] == "baseline") & (runs["area_type"] == "all")
                & (runs["measure"] == "dibao_cost")]
    assert sorted(cost["replication"]) == [0, 1, 2] and cost["value"].nunique() == 3
    table = pd.read_parquet(folders[1] / "comparison.parquet")
    row = _row(table, "tekun-1.5", "all", "tekun_cost")
    assert row["low"] <= row["difference"] <= row["high"] and row["low"] > 0


# -- params and validate -----------------------------------------------------------------------

def test_params_lists_the_rural_dibao_standard_with_its_unit() -> None:
    result = succeeded(invoke("params", env={"COLUMNS": "250"}))
    lines = [line for line in result.stdout.splitlines() if "dibao.standard.rural" in line]
    assert len(lines) == 1, result.stdout
    assert "yuan/person/month" in lines[0] and "433" in lines[0]


def test_params_csv_is_one_valid_row_per_parameter() -> None:
    result = succeeded(invoke("params", "--format", "csv", env={"COLUMNS": "80"}))
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["path"] for row in rows] == [row["path"] for row in catalogue()]
    rural = next(row for row in rows if row["path"] == "dibao.standard.rural")
    assert rural["unit"] == "yuan/person/month"
    assert all(None not in row for row in rows)  # no row with extra fields


SHIPPED = sorted(SCENARIOS.rglob("*.yaml"))


@pytest.mark.parametrize("path", SHIPPED, ids=[str(p.relative_to(SCENARIOS)) for p in SHIPPED])
def test_validate_accepts_every_shipped_scenario(path: Path) -> None:
    relative = path.relative_to(ROOT)
    result = succeeded(invoke("validate", relative))
    assert words(result.stdout).startswith(f"ok {relative}: {aidsim.load_scenario(path).name} (")
    assert result.stderr == ""


def test_shipped_scenarios_are_found() -> None:
    assert BASELINE in SHIPPED and RURAL_500 in SHIPPED and TEKUN_15 in SHIPPED


def test_a_message_wraps_at_spaces_and_never_cuts_a_path() -> None:
    console = Console(width=40, file=io.StringIO(), color_system=None)
    path = "/data/" + "county-" * 10 + "runs/cmp/"
    message(console, Text("ok ", style="green") + Text(f"wrote {path}: overview.csv, details.txt and the runs"))
    message(console, Text("  indented\n\nafter a blank line"))
    assert console.file.getvalue().splitlines() == [
        "ok wrote", path + ":", "overview.csv, details.txt and the runs", "  indented", "", "after a blank line"]


def test_validate_prints_the_scenario_name_verbatim(tmp_path: Path) -> None:
    path = tmp_path / "named.yaml"
    path.write_text('name: "rural [v2] [/x]"\n', encoding="utf-8")
    result = succeeded(invoke("validate", path))
    assert "rural [v2] [/x]" in words(result.stdout)


# -- failed writes -----------------------------------------------------------------------------

def test_interrupted_write_leaves_the_earlier_run_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk fills up at the third table of a second run into the same folder: the folder is
    still the first run, byte for byte, and no temporary folder is left beside it."""
    out = tmp_path / "run"
    succeeded(invoke("run", BASELINE, "--out", out, *SMALL, "--quiet"))
    old = folder_hashes(out)
    assert "summary.json" in old

    real_write = aidsim.results.write_parquet_atomic
    written: list[str] = []

    def fail_on_third_table(frame: pd.DataFrame, path: Path) -> str:
        written.append(path.name)
        if len(written) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(frame, path)

    monkeypatch.setattr(aidsim.results, "write_parquet_atomic", fail_on_third_table)
    result = invoke("run", BASELINE, "--out", out, *SMALL, "--seed", "5", "--quiet")
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert "No space left on device" in result.stderr and str(out) in words(result.stderr)
    assert ".tmp" not in result.stderr  # the message names the user's folder, not the temporary one
    assert len(written) == 3
    assert folder_hashes(out) == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_failure_inside_the_atomic_write_leaves_no_partial_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real write_parquet_atomic: the disk fills up half-way through the third table of a
    first run. Nothing is left: no folder, no temporary folder, no partial table."""
    real_to_parquet = pd.DataFrame.to_parquet
    calls: list[str] = []

    def to_parquet(self: pd.DataFrame, path, *args, **kwargs):
        calls.append(str(path))
        if len(calls) == 3:
            Path(path).write_bytes(b"PAR1 half a table")
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_to_parquet(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", to_parquet)
    out = tmp_path / "run"
    result = invoke("run", BASELINE, "--out", out, *SMALL, "--quiet")
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    assert "No space left on device" in result.stderr
    assert len(calls) == 3 and not Path(calls[2]).exists()
    assert list(tmp_path.iterdir()) == []


def test_outputs_get_the_usual_file_permissions(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        out = tmp_path / "run"
        succeeded(invoke("run", BASELINE, "--out", out, "--households", "200", "--months", "1",
                         "--quiet"))
    finally:
        os.umask(previous)
    modes = {p.name: p.stat().st_mode & 0o777 for p in out.iterdir()}
    assert modes == dict.fromkeys(modes, 0o644)


def test_targeting_prints_and_saves_the_decomposition_by_cause(tmp_path: Path) -> None:
    out = tmp_path / "targeting"
    result = invoke("targeting", SCENARIOS / "baseline.yaml", "--out", out, *SMALL)
    assert result.exit_code == 0, result.output
    for heading in ("exclusion error", "inclusion error", "offices over the period"):
        assert heading in result.output
    table = pd.read_csv(out / "targeting.csv")
    assert (out / "summary.json").exists() and (out / "targeting.parquet").exists()
    for (area_type, error), rows in table.groupby(["area_type", "error"]):
        parts = rows[rows["cause"] != "total"]
        total = rows[rows["cause"] == "total"].iloc[0]
        assert parts["households"].sum() == pytest.approx(total["households"]), (area_type, error)
        assert parts["share"].sum() == pytest.approx(total["share"]), (area_type, error)
        if error == "inclusion":
            assert parts["yuan"].sum() == pytest.approx(total["yuan"])
    rural = table[(table["area_type"] == "rural") & (table["cause"] == "total")].set_index("error")
    assert 0 < rural.loc["exclusion", "share"] < 1 and 0 < rural.loc["inclusion", "share"] < 1


def test_targeting_reports_a_bad_scenario_without_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("admin:\n  quota:\n    share_of_residents: 3\n", encoding="utf-8")
    result = invoke("targeting", bad, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "`admin.quota.share_of_residents`" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


# -- the reform window ---------------------------------------------------------------------------

def test_compare_refuses_a_reform_outside_the_reported_period_before_any_run(tmp_path: Path) -> None:
    reform = tmp_path / "late.yaml"
    reform.write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\nname: late\n"
                      "dibao:\n  standard:\n    rural: {2030-01: 600}\n", encoding="utf-8")
    out = tmp_path / "out"
    result = invoke("compare", SCENARIOS / "baseline.yaml", reform, "--out", out, "--households", 200)
    assert result.exit_code == 2
    assert "late.yaml" in result.stderr and "dibao.standard.rural" in result.stderr
    assert "2020-01 … 2021-12" in result.stderr and "Traceback" not in result.output
    assert not out.exists()  # refused before anything ran or was written


def test_compare_warns_of_a_change_dated_inside_the_warm_up(tmp_path: Path) -> None:
    reform = tmp_path / "early.yaml"
    reform.write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\nname: early\n"
                      "dibao:\n  standard:\n    rural: {2019-06: 450, 2020-01: 460}\n", encoding="utf-8")
    result = succeeded(invoke("compare", SCENARIOS / "baseline.yaml", reform, "--out", tmp_path / "out",
                              "--households", 200, "--months", 2, "--quiet"))
    assert "warning:" in result.stderr and "early.yaml" in result.stderr and "warm-up" in result.stderr


# -- what people read: the overview, details, deciles, report, dictionary -------------------------

SCIENTIFIC = __import__("re").compile(r"\d\.?\d*e[+-]\d\d")


def _fits(text: str) -> None:
    for line in text.splitlines():
        assert len(line.rstrip()) <= 100, f"{len(line.rstrip())} columns: {line!r}"
    assert not SCIENTIFIC.search(text), SCIENTIFIC.search(text).group()


def test_compare_opens_with_one_overview_and_fits_100_columns(comparison) -> None:
    out, result, _ = comparison
    _fits(result.stdout)
    _fits((out / "details.txt").read_text(encoding="utf-8"))
    assert result.stdout.startswith("Reforms against the baseline")
    assert "Dibao cost" not in result.stdout  # the detail goes to details.txt
    assert "moves with the dibao standard" in (out / "details.txt").read_text(encoding="utf-8")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["period"] == {"first": "2020-01", "last": "2020-12", "months": 12, "seed": 20200101}
    assert manifest["seed"] == 20200101 and manifest["replications"] == 1 and manifest["households"] == 8000
    assert manifest["versions"]["aidsim"] == aidsim.__version__
    for name in ("overview.csv", "overview.parquet", "deciles.csv", "deciles.parquet", "details.txt"):
        assert manifest["files"][name] == sha256(out / name), name


def test_overview_figures_follow_from_the_runs(comparison) -> None:
    out, _, table = comparison
    overview = pd.read_parquet(out / "overview.parquet").set_index(["reform", "area_type"])
    row = overview.loc[("rural-500-july", "all")]
    cost = _row(table, "rural-500-july", "all", "total_cost")
    assert row["extra_cost_year"] == pytest.approx(cost["difference"])  # 12 months: a year
    gap = _row(table, "rural-500-july", "all", "gap_yuan_post_pl")
    assert row["gap_closed_year"] == pytest.approx(-gap["difference"])
    assert row["cost_per_yuan_closed"] == pytest.approx(cost["difference"] / -gap["difference"])
    assert 0 < row["extra_to_poor_share"] <= 1
    assert overview.loc[("rural-500-july", "urban"), "extra_cost_year"] == 0
    assert pd.isna(row["extra_cost_year_low"])  # one replication: no interval


def test_deciles_add_up_to_the_extra_payments(comparison) -> None:
    out, _, _ = comparison
    deciles = pd.read_parquet(out / "deciles.parquet")
    assert sorted(deciles["decile"].unique()) == list(range(1, 11))
    paid = {}
    for name in ("baseline", "rural-500-july"):
        households = pd.read_parquet(out / "runs" / name / "households.parquet")
        paid[name] = households[[c for c in households.columns if c.endswith("_fen")]].to_numpy().sum() / 100
    gains = deciles[deciles["reform"] == "rural-500-july"]
    assert gains["gain_yuan"].sum() == pytest.approx(paid["rural-500-july"] - paid["baseline"], abs=0.01)
    assert gains["gain_share"].sum() == pytest.approx(1.0)
    # The poorest tenth gains most from a higher standard; the richest about nothing.
    assert gains.iloc[0]["gain_pc_month"] == gains["gain_pc_month"].max() > 0
    assert gains.iloc[-1]["gain_pc_month"] < 0.05 * gains.iloc[0]["gain_pc_month"]
    persons = gains["persons"].to_numpy()
    assert persons.max() - persons.min() < 0.02 * persons.mean() + 10  # tenths of residents


def test_report_of_a_compare_folder_is_one_offline_html_file(comparison, tmp_path: Path) -> None:
    out, _, _ = comparison
    target = tmp_path / "report.html"
    result = succeeded(invoke("report", out, "--out", target))
    assert f"report: {target}" in words(result.stdout)
    text = target.read_text(encoding="utf-8")
    for heading in ("Overview", "Cost against gap closed", "The bill by programme", "Who gains",
                    "Targeting errors by cause", "Caseload and cost, month by month", "Data dictionary",
                    "Run metadata"):
        assert f"<h2>{heading}</h2>" in text, heading
    assert text.count("<svg") == 4 + 2  # one replication: no budget interval chart
    import re

    assert not re.search(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", text), "nothing loads from the network"
    assert "20200101" in text and "sha256" in text and "2020-01 … 2020-12 (12 months)" in text


def test_report_of_a_run_folder(baseline_run, tmp_path: Path) -> None:
    out, _ = baseline_run
    target = tmp_path / "run.html"
    succeeded(invoke("report", out, "--out", target))
    text = target.read_text(encoding="utf-8")
    assert "<h2>Headline</h2>" in text and text.count("<svg") == 3


def test_report_refuses_a_folder_that_is_no_output(tmp_path: Path) -> None:
    result = invoke("report", tmp_path)
    assert result.exit_code == 2 and "not an aidsim output folder" in words(result.output)


def test_compare_writes_progress_lines_when_not_on_a_terminal(tmp_path: Path) -> None:
    result = succeeded(invoke("compare", BASELINE, RURAL_500, "--households", "800", "--months", "12",
                              "--out", tmp_path / "c"))
    assert "aidsim: runs 2/2 (100%)" in result.stderr


def test_columns_cover_every_table_a_run_and_a_comparison_write(baseline_run, comparison) -> None:
    from aidsim.reports import dictionary

    described = {(c.table, c.name) for c in dictionary.columns()}
    assert {c.kind for c in dictionary.columns()} <= set(dictionary.KINDS)
    run_folder, _ = baseline_run
    for table in ("monthly", "yearly", "by_area", "ledger", "households", "offices", "targeting"):
        columns = pq.read_schema(run_folder / f"{table}.parquet").names
        assert {(table, c) for c in columns} <= described, (table, sorted(set(columns) - {n for t, n in described}))
        assert len([n for t, n in described if t == table]) == len(columns), table
    out, _, _ = comparison
    for table in ("comparison", "replications", "overview", "deciles"):
        columns = pq.read_schema(out / f"{table}.parquet").names
        assert {(table, c) for c in columns} == {(t, n) for t, n in described if t == table}, table


def test_docs_outputs_md_is_generated_from_the_definitions() -> None:
    result = succeeded(invoke("columns", "--format", "markdown"))
    assert (ROOT / "docs" / "outputs.md").read_text(encoding="utf-8") == result.stdout, \
        "docs/outputs.md is stale: run `make docs`"
    assert "| `poor_post_dl` † |" in result.stdout  # below the dibao line moves with the standard
    table = succeeded(invoke("columns", "deciles", "--format", "csv")).stdout
    rows = list(csv.DictReader(io.StringIO(table)))
    assert [r["name"] for r in rows][:3] == ["reform", "decile", "income_low"]
    assert invoke("columns", "nothing").exit_code == 2
