"""Every kind of bad scenario file gives one clear error, through the API and the command line.

The corpus is tests/bad_inputs/*.yaml and the expectations are in tests/bad_inputs/cases.yaml:
each message must name the file, the key path, the line and what was expected. On the command
line the error goes to standard error with exit status 2, no traceback and nothing written.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner, Result

import aidsim
from aidsim.cli import app
from aidsim.errors import ScenarioError
from tests.integration.helpers import BAD_INPUTS, ROOT

CASES: list[dict] = yaml.safe_load((BAD_INPUTS / "cases.yaml").read_text(encoding="utf-8"))
NOT_CASES = {"valid_baseline.yaml"}
MISSING_ON_PURPOSE = {"does_not_exist.yaml"}
VALID_BASELINE = BAD_INPUTS / "valid_baseline.yaml"


def _params() -> list:
    params = []
    for case in CASES:
        reason = case.get("xfail")
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        params.append(pytest.param(case, id=case.get("id", case["file"]), marks=marks))
    return params


def _check_message(message: str, case: dict) -> None:
    missing = [k for k in case["keywords"] if k not in message]
    assert not missing, f"message lacks {missing}:\n{message}"
    present = [k for k in case.get("absent", []) if k in message]
    assert not present, f"message should not mention {present}:\n{message}"


def _check_cli_failure(result: Result, case: dict) -> None:
    # An uncaught exception would give exit status 1 and be kept in result.exception (CliRunner
    # never prints it), so the exit status and the exception type are the traceback check here.
    assert result.exit_code == 2, (result.exit_code, result.exception, result.output)
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.stderr.startswith("error:"), result.output
    _check_message(result.stderr, case)
    # Nothing about the failure goes to standard output.
    assert result.stdout == ""


# -- the corpus and its table agree ------------------------------------------------------------

def test_every_corpus_file_has_a_case_and_every_case_a_file() -> None:
    on_disk = {str(p.relative_to(BAD_INPUTS)) for p in BAD_INPUTS.rglob("*.yaml")} - {"cases.yaml"}
    in_table = {case["file"] for case in CASES}
    assert on_disk - NOT_CASES - in_table == set(), "corpus files without a case in cases.yaml"
    assert in_table - on_disk == MISSING_ON_PURPOSE, "cases whose file is missing"
    ids = [case.get("id", case["file"]) for case in CASES]
    assert len(ids) == len(set(ids))
    for case in CASES:
        assert set(case) <= {"file", "id", "mistake", "keywords", "absent", "xfail"}
        name = Path(case["file"]).name
        # The file name is required, except where the mistake is in another file on purpose.
        if not case["file"].startswith("reform_of_"):
            assert name in case["keywords"], case


# -- the Python API ----------------------------------------------------------------------------

@pytest.mark.parametrize("case", _params())
def test_api_raises_scenario_error(case: dict) -> None:
    with pytest.raises(ScenarioError) as info:
        aidsim.load_scenario(BAD_INPUTS / case["file"])
    error = info.value
    _check_message(str(error), case)
    assert error.problems, "ScenarioError without problems"
    assert str(error).startswith("Invalid scenario")


# -- the command line --------------------------------------------------------------------------

@pytest.mark.parametrize("case", _params())
def test_cli_validate_reports_error(case: dict, runner: CliRunner) -> None:
    path = BAD_INPUTS / case["file"]
    result = runner.invoke(app, ["validate", str(path.relative_to(ROOT))])
    _check_cli_failure(result, case)


@pytest.mark.parametrize("case", _params())
def test_cli_run_reports_error_and_writes_nothing(case: dict, runner: CliRunner,
                                                  tmp_path: Path) -> None:
    out = tmp_path / "out"
    path = BAD_INPUTS / case["file"]
    # Small overrides keep a wrongly accepted file fast; no case sets these keys.
    result = runner.invoke(app, ["run", str(path.relative_to(ROOT)), "--out", str(out),
                                 "--households", "300", "--months", "1", "--quiet"])
    _check_cli_failure(result, case)
    assert not out.exists() or not any(out.rglob("*")), sorted(out.rglob("*"))


def test_cli_compare_names_the_bad_reform(runner: CliRunner, tmp_path: Path) -> None:
    case = next(c for c in CASES if c["file"] == "reform_bad_value.yaml")
    out = tmp_path / "cmp"
    result = runner.invoke(app, ["compare", "tests/bad_inputs/valid_baseline.yaml",
                                 "tests/bad_inputs/reform_bad_value.yaml", "--out", str(out)])
    _check_cli_failure(result, case)
    assert not out.exists()


def test_real_process_prints_no_traceback() -> None:
    """CliRunner never prints tracebacks, so check one case in a real process."""
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.run([sys.executable, "-m", "aidsim", "validate",
                           "tests/bad_inputs/negative_standard.yaml"],
                          cwd=ROOT, capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.stdout == ""
    assert ("tests/bad_inputs/negative_standard.yaml, line 5: `dibao.standard.rural` is wrong: "
            "must be ≥ 0; got -50") in proc.stderr


# -- files that are not bad inputs -------------------------------------------------------------

def test_valid_baseline_of_the_corpus_loads_and_runs(runner: CliRunner, tmp_path: Path) -> None:
    """The control: the reforms' baseline is valid, and `run` does write when the file is fine."""
    scenario = aidsim.load_scenario(VALID_BASELINE)
    assert scenario.name == "small-baseline"
    assert scenario.dibao.standard.rural.at(scenario.simulation.start_month) == 433
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", "tests/bad_inputs/valid_baseline.yaml", "--out", str(out),
                                 "--households", "300", "--months", "1", "--quiet"])
    assert result.exit_code == 0, result.output
    assert (out / "summary.json").is_file()


def test_partial_section_keeps_the_other_defaults(tmp_path: Path) -> None:
    path = tmp_path / "rural_only.yaml"
    path.write_text("dibao:\n  standard:\n    rural: 500\n", encoding="utf-8")
    scenario = aidsim.load_scenario(path)
    assert [v for _, v in scenario.dibao.standard.rural.changes] == [500]
    assert [v for _, v in scenario.dibao.standard.urban.changes] == [750]


def test_bad_override_is_not_blamed_on_the_file(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", "tests/bad_inputs/valid_baseline.yaml", "--out",
                                 str(tmp_path / "out"), "--households", "60000000"])
    assert result.exit_code == 2
    assert "population.households" in result.stderr
    assert "valid_baseline.yaml, line" not in result.stderr, result.stderr


# -- inputs that cannot live in the corpus: special files, sizes, paths --------------------------

def _refused_quickly(path: Path | str, *keywords: str) -> None:
    """The API refuses ``path`` with a ScenarioError within a second, naming ``keywords``."""
    started = time.monotonic()
    with pytest.raises(ScenarioError) as info:
        aidsim.load_scenario(path)
    elapsed = time.monotonic() - started
    assert elapsed < 1.0, f"took {elapsed:.2f} s"
    missing = [k for k in keywords if k not in str(info.value)]
    assert not missing, (missing, str(info.value))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_fifo_as_scenario_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    _refused_quickly(fifo, "pipe.yaml", "FIFO", "regular")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_fifo_through_extends_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    reform = tmp_path / "reform.yaml"
    reform.write_text("extends: pipe.yaml\nname: r\n", encoding="utf-8")
    _refused_quickly(reform, "reform.yaml, line 1", "`extends`", "pipe.yaml", "FIFO")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_fifo_on_the_command_line_exits_2_in_a_real_process(tmp_path: Path) -> None:
    """A real process, so that a blocking open would show as a timeout, not a hung test run."""
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    proc = subprocess.run([sys.executable, "-m", "aidsim", "run", str(fifo), "--out", str(tmp_path / "out")],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "FIFO" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_endless_device_as_scenario_is_refused_without_reading() -> None:
    _refused_quickly("/dev/zero", "/dev/zero", "character device")


def test_directory_as_scenario_is_refused(tmp_path: Path) -> None:
    _refused_quickly(tmp_path, "directory")


def test_symlink_loops_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    _refused_quickly(tmp_path / "a.yaml", "a.yaml", "symlink loop")
    reform = tmp_path / "reform.yaml"
    reform.write_text("name: r\nextends: a.yaml\n", encoding="utf-8")
    _refused_quickly(reform, "reform.yaml, line 2", "`extends`", "symlink loop")


def test_oversized_file_is_refused_before_parsing(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("description: '" + "x" * (3 * 1024 * 1024) + "'\n", encoding="utf-8")
    _refused_quickly(big, "big.yaml", "at most 1,048,576 bytes")


def test_a_megabyte_of_tiny_values_is_refused_after_the_first_ten_thousand(tmp_path: Path) -> None:
    """Parsing all of it took seconds per megabyte (a 50 MB file took 200 s): parsing stops at
    the limit. The bound is generous, for busy machines; here it takes well under a second."""
    many = tmp_path / "many.yaml"
    many.write_text("x:\n" + "- 1\n" * 250_000, encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(ScenarioError, match="more than 10,000 values"):
        aidsim.load_scenario(many)
    assert time.monotonic() - started < 5


def test_nul_byte_in_the_path_is_refused() -> None:
    _refused_quickly("scenarios/baseline.yaml\x00.txt", "NUL byte")


def test_a_dated_reform_of_a_growing_baseline_is_accepted(tmp_path: Path) -> None:
    """It was refused, blamed for the baseline's growth keys. The months merge month by month:
    the reform's 600 from 2021-07, the baseline's growth before it and from the next step on."""
    (tmp_path / "base.yaml").write_text(
        "dibao:\n  standard:\n    rural: {base: 433, from: 2020-01, growth: 0.08}\n", encoding="utf-8")
    reform = tmp_path / "reform.yaml"
    reform.write_text("extends: base.yaml\nname: r\ndibao:\n  standard:\n    rural: {2021-07: 600}\n",
                      encoding="utf-8")
    rural = aidsim.load_scenario(reform).dibao.standard.rural
    month = aidsim.load_scenario(reform).simulation.start_month  # 2020-01
    assert rural.at(month) == 433
    assert rural.at(month + 12) == pytest.approx(433 * 1.08)
    assert rural.at(month + 18) == 600
    assert rural.at(month + 24) == pytest.approx(433 * 1.08 ** 2)


def test_bad_inputs_before_and_after_the_hardening() -> None:
    """The corpus keeps growing: 44 cases before the hardening, more now."""
    assert len(CASES) >= 44 + 50


# -- every number has a finite range (a new field without one fails here) ------------------------

def _leaves() -> list[tuple[str, object, str]]:
    from aidsim.scenario.catalog import catalogue
    return [(row["path"], row["value"], row["unit"]) for row in catalogue()]


NUMERIC_LEAVES = [(p, v) for p, v, _ in _leaves()
                  if (isinstance(v, int | float) and not isinstance(v, bool)) or isinstance(v, dict)
                  or p in ("admin.approval.township_limit", "admin.quota.share_of_residents")]
#: Fields with no range of their own, only finite: a seed is any 63-bit number; inflation and the
#: price-subsidy threshold (unit "% year on year") may be any percentage.
UNBOUNDED_ON_PURPOSE = {"simulation.seed"} | {p for p, _, unit in _leaves() if unit.startswith("%")}


@pytest.mark.parametrize("path", [p for p, _ in NUMERIC_LEAVES])
def test_every_number_refuses_nan_infinity_and_absurd_sizes(path: str) -> None:
    from aidsim.scenario.load import merge_overrides, validate_scenario
    from aidsim.scenario.schema import Scenario

    bad = [float("nan"), float("inf"), float("-inf")]
    if path not in UNBOUNDED_ON_PURPOSE:
        bad.append(10**15)
    for value in bad:
        for form in (value, {"2020-01": value}):  # plain, and as a dated value would be written
            with pytest.raises(ScenarioError) as info:
                validate_scenario(merge_overrides(Scenario().resolved(), {path: form}))
            assert path in str(info.value), str(info.value)


def test_a_value_growing_from_the_last_month_reads_back_from_its_resolved_form(tmp_path: Path) -> None:
    """`run` accepted it while `compare`, which re-validates the resolved scenario, refused the
    grown months after 2100-12."""
    from aidsim.scenario.load import validate_scenario

    path = tmp_path / "late.yaml"
    path.write_text("measures:\n  poverty_line:\n    rural: {base: 4000, from: 2100-12, growth: 0.01}\n",
                    encoding="utf-8")
    scenario = aidsim.load_scenario(path)
    again = validate_scenario(scenario.resolved())  # refused before: months after 2100-12
    assert again.measures.poverty_line.rural.at(2150 * 12) == scenario.measures.poverty_line.rural.at(2150 * 12)
    assert validate_scenario(again.resolved()) == again
