"""Output folders, arguments, name clashes, memory and the finiteness of outputs.

What a user relies on: aidsim never writes into `/`, the home directory, the current folder or a
folder of someone else's files; a folder is replaced whole, so no file of an earlier run remains;
`compare` writes a manifest last; clashes, bad `--from`/`--to` and runs too big for the machine are
refused before any run starts; a NaN or an infinity never reaches a written table.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner, Result

import aidsim
import aidsim.results
import aidsim.runners.compare
import aidsim.runners.execute
import aidsim.runners.memory
from aidsim.cli import app
from aidsim.errors import (
    ArgumentError,
    InsufficientMemoryError,
    NonFiniteOutputError,
    OutputFolderError,
    ScenarioClashError,
)
from aidsim.results import check_output_folder, slug, slug_key
from aidsim.runners.compare import compare
from aidsim.runners.memory import estimate_bytes
from aidsim.scenario.load import merge_overrides, validate_scenario
from aidsim.scenario.schema import Scenario
from tests.integration.helpers import SCENARIOS, folder_hashes, sha256

BASELINE = SCENARIOS / "baseline.yaml"
RURAL_500 = SCENARIOS / "reforms" / "rural_500_july.yaml"
TINY = ["--households", "300", "--months", "7", "--quiet"]  # July: rural_500_july changes in the period


def invoke(*args: object) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def refused(result: Result, *keywords: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.exception, result.output)
    assert isinstance(result.exception, SystemExit)
    assert result.stderr.startswith("error:"), result.output
    text = " ".join(result.stderr.split())
    missing = [k for k in keywords if k not in text]
    assert not missing, (missing, text)


def small(name: str = "baseline", **overrides: object) -> Scenario:
    data = merge_overrides(Scenario().resolved(), {"name": name, "population.households": 300,
                                                   "simulation.months": 2, **overrides})
    return validate_scenario(data)


@pytest.fixture
def no_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if any population is built (the refusal must come before)."""
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("a model was built before the refusal")

    monkeypatch.setattr(aidsim.runners.execute, "AidModel", forbidden)


# -- output folders ------------------------------------------------------------------------------

@pytest.mark.parametrize("out, words", [
    ("/", "root directory"),
    ("", "current folder"),
    (".", "current folder"),
    ("..", "current folder or one of its parents"),
])
def test_dangerous_out_folders_are_refused_before_any_run(out: str, words: str, no_runs: None) -> None:
    refused(invoke("run", BASELINE, "--out", out, *TINY), "--out", words)


def test_home_directory_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_runs: None) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    refused(invoke("run", BASELINE, "--out", home, *TINY), "--out", "home directory")
    refused(invoke("compare", BASELINE, RURAL_500, "--out", "~", *TINY), "--out", "home directory")
    assert list(home.iterdir()) == []


def test_foreign_folder_and_file_are_refused_and_left_alone(tmp_path: Path, no_runs: None) -> None:
    folder = tmp_path / "thesis"
    folder.mkdir()
    (folder / "chapter1.tex").write_text("precious", encoding="utf-8")
    refused(invoke("run", BASELINE, "--out", folder, *TINY), "--out", "holds other files",
            "summary.json or manifest.json")
    assert folder_hashes(folder) == {"chapter1.tex": sha256(folder / "chapter1.tex")}
    file = tmp_path / "notes.txt"
    file.write_text("x", encoding="utf-8")
    refused(invoke("targeting", BASELINE, "--out", file, *TINY), "--out", "is a file")
    assert file.read_text(encoding="utf-8") == "x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "thesis"]


def test_out_under_a_file_is_refused_before_any_run(tmp_path: Path, no_runs: None) -> None:
    file = tmp_path / "notes.txt"
    file.write_text("x", encoding="utf-8")
    refused(invoke("run", BASELINE, "--out", file / "run", *TINY), "--out", "cannot be made", "is a file")


def test_swap_without_an_atomic_exchange_still_replaces_whole(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the system has no atomic exchange, two renames replace the folder."""
    monkeypatch.setattr(aidsim.results, "_exchange", lambda a, b: False)
    out = tmp_path / "out"
    assert invoke("targeting", BASELINE, "--out", out, *TINY).exit_code == 0
    result = invoke("run", BASELINE, "--out", out, *TINY, "--seed", "3")
    assert result.exit_code == 0, result.output
    assert not (out / "targeting.csv").exists()
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["seed"] == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_check_output_folder_accepts_new_empty_and_earlier_outputs(tmp_path: Path) -> None:
    assert check_output_folder(tmp_path / "new" / "run") == (tmp_path / "new" / "run").resolve()
    (tmp_path / "empty").mkdir()
    check_output_folder(tmp_path / "empty")
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "manifest.json").write_text("{}", encoding="utf-8")
    check_output_folder(tmp_path / "old")
    (tmp_path / "legacy").mkdir()  # a compare folder of an earlier version (no manifest)
    (tmp_path / "legacy" / "comparison.parquet").write_bytes(b"PAR1")
    check_output_folder(tmp_path / "legacy")
    with pytest.raises(OutputFolderError):
        check_output_folder(Path("/"))


def test_rerun_into_a_folder_leaves_no_stale_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert invoke("targeting", BASELINE, "--out", out, *TINY).exit_code == 0
    assert (out / "targeting.csv").exists()
    result = invoke("run", BASELINE, "--out", out, *TINY)
    assert result.exit_code == 0, result.output
    assert not (out / "targeting.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temporary sibling left


def test_compare_replaces_old_runs_and_writes_a_manifest_last(tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    assert invoke("compare", BASELINE, RURAL_500, "--out", out, *TINY).exit_code == 0
    other = tmp_path / "other.yaml"
    other.write_text("extends: " + str(RURAL_500) + "\nname: other reform\n", encoding="utf-8")
    result = invoke("compare", BASELINE, other, "--out", out, *TINY)
    assert result.exit_code == 0, result.output
    # The earlier reform's run is gone, not left beside the new one.
    assert sorted(p.name for p in (out / "runs").iterdir()) == ["baseline", "other-reform"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["baseline"] == "baseline" and manifest["reforms"] == ["other reform"]
    for name, entry in manifest["runs"].items():
        summary = out / entry["folder"] / "summary.json"
        assert sha256(summary) == entry["summary_sha256"], name
        assert json.loads(summary.read_text(encoding="utf-8"))["scenario_name"] == name
    for file, digest in manifest["files"].items():
        assert sha256(out / file) == digest, file
    # Written last: no file of the folder is newer than the manifest.
    newest = max(p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file())
    assert (out / "manifest.json").stat().st_mtime_ns == newest


# -- names and slugs -----------------------------------------------------------------------------

@pytest.mark.parametrize("name, expected", [
    ("a b", "a-b"), ("a-b", "a-b"), ("..", "scenario"), ("../../etc/passwd", "etc-passwd"),
    ("", "scenario"), ("rural 500/July", "rural-500-July"), ("tekun-1.5", "tekun-1.5"),
    ("农村标准", "scenario"), (".hidden", "hidden"), ("x" * 300, "x" * 80),
])
def test_slugs_are_safe_folder_names(name: str, expected: str) -> None:
    assert slug(name) == expected
    assert "/" not in slug(name) and slug(name) not in (".", "..")


def test_slug_keys_ignore_letter_case() -> None:
    assert slug_key("Reform A") == slug_key("reform-a")


def test_names_sharing_a_folder_are_refused_before_any_run(tmp_path: Path, no_runs: None) -> None:
    a = tmp_path / "a.yaml"
    a.write_text("name: a b\n", encoding="utf-8")
    b = tmp_path / "b.yaml"
    b.write_text("name: a-b\n", encoding="utf-8")
    out = tmp_path / "cmp"
    refused(invoke("compare", a, b, "--out", out, *TINY), "a.yaml", "b.yaml", "name: 'a b'",
            "name: 'a-b'", "runs/a-b")
    assert not out.exists()


def test_same_names_are_refused_by_the_api_with_a_documented_error() -> None:
    with pytest.raises(ScenarioClashError, match="same name"):
        compare(small("x"), [small("x")])


# -- arguments checked before any run ------------------------------------------------------------

@pytest.mark.parametrize("args, words", [
    (["--from", "2019-01"], ["--from 2019-01", "outside the reported months", "2020-01 … 2020-07"]),
    (["--to", "2031-01"], ["--to 2031-01", "outside the reported months"]),
    (["--from", "2020-02", "--to", "2020-01"], ["--from 2020-02 comes after --to 2020-01"]),
    (["--from", "2020-7"], ["--from must be a month written YYYY-MM", "2020-7"]),
    (["--to", "July"], ["--to must be a month written YYYY-MM"]),
])
def test_from_and_to_are_checked_before_any_run(args: list[str], words: list[str], tmp_path: Path,
                                                no_runs: None) -> None:
    refused(invoke("compare", BASELINE, RURAL_500, "--out", tmp_path / "cmp", *args, *TINY), *words)
    assert not (tmp_path / "cmp").exists()


def test_api_period_errors_name_the_argument(no_runs: None) -> None:
    with pytest.raises(ArgumentError, match="first 2019-12 is outside"):
        compare(small(), [small("r")], first="2019-12")


# -- memory --------------------------------------------------------------------------------------

def test_estimate_grows_with_households() -> None:
    assert estimate_bytes(small(**{"population.households": 2_000_000})) > 2_000_000 * 700
    assert estimate_bytes(small()) < estimate_bytes(small(**{"population.households": 3000}))


def test_population_too_big_for_the_machine_is_refused_before_building(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, no_runs: None) -> None:
    monkeypatch.setattr(aidsim.runners.memory, "available_memory", lambda: 500_000_000)
    result = invoke("run", BASELINE, "--households", "2000000", "--out", tmp_path / "out")
    refused(result, "population.households = 2,000,000", "2.0 GB", "0.5 GB available", "fewer households")
    assert not (tmp_path / "out").exists()
    with pytest.raises(InsufficientMemoryError):
        aidsim.run(small(**{"population.households": 2_000_000}))
    # Workers multiply the memory needed.
    with pytest.raises(InsufficientMemoryError, match="2 runs at once"):
        compare(small(**{"population.households": 300_000}),
                [small("r", **{"population.households": 300_000})], workers=2)


def test_run_within_the_memory_available_is_not_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aidsim.runners.memory, "available_memory", lambda: 500_000_000)
    assert aidsim.run(small()).summary()["all"]["months"] == 2


# -- no NaN or infinity in outputs ---------------------------------------------------------------

def test_nan_in_the_sums_fails_the_run_naming_measure_and_month(tmp_path: Path) -> None:
    results = aidsim.run(small())
    results.check_finite()  # the real run is finite
    second = results.sums.index[results.sums["month"] == "2020-02"][0]
    results.sums.loc[second, "dibao_cost"] = np.nan
    with pytest.raises(NonFiniteOutputError, match=r"'dibao_cost' is nan \(month 2020-02"):
        results.check_finite()
    with pytest.raises(NonFiniteOutputError):
        results.write(tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_infinite_ratio_fails_but_a_ratio_with_no_denominator_is_nan(tmp_path: Path) -> None:
    results = aidsim.run(small(**{"orphans.enabled": False}))
    monthly = results.monthly
    assert monthly["orphans_avg"].isna().all()  # no recipients: the average is undefined, allowed
    results.write(tmp_path / "out")
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["summary"]["all"]["dibao_cost"] > 0
    first = results.sums.index[0]
    results.sums.loc[first, "tekun_cost"] = math.inf
    with pytest.raises(NonFiniteOutputError, match="'tekun_cost' is inf"):
        results.check_finite()


def test_summary_json_is_strict_json(tmp_path: Path) -> None:
    results = aidsim.run(small(**{"orphans.enabled": False}))
    results.write(tmp_path / "out")
    text = (tmp_path / "out" / "summary.json").read_text(encoding="utf-8")
    assert "NaN" not in text and "Infinity" not in text
    json.loads(text, parse_constant=lambda c: pytest.fail(f"non-standard JSON constant {c}"))
