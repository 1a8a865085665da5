"""Scripts that call compare, sweep or solve with several workers, with and without
``if __name__ == "__main__":``: they work, or they stop at once with a message saying how to fix
them (never a ``BrokenProcessPool`` or a cascade of workers)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.integration.helpers import ROOT

CALLS = {
    "compare": """
        reform = aidsim.load_scenario("scenarios/reforms/rural_500_july.yaml", SMALL)
        c = aidsim.compare(base, [reform], replications=2, workers=2)
        print("DONE", round(c.for_reform("rural-500-july")["difference"].abs().sum()) > 0)
    """,
    "sweep": """
        from aidsim.runners.sweep import sweep
        s = sweep(base, ["dibao.standard.rural=400,450"], replications=2, workers=2)
        print("DONE", s.ran)
    """,
    "solve": """
        from aidsim.runners.solve import solve
        s = solve(base, "dibao.standard.rural", "dibao_cost:+20000", replications=2, workers=2)
        print("DONE", s.value > 433)
    """,
}
HEAD = """
    import aidsim
    SMALL = {"population.households": 600, "simulation.months": 8}
    base = aidsim.load_scenario("scenarios/baseline.yaml", SMALL)
"""


def script(tmp_path: Path, call: str, guarded: bool) -> Path:
    body = textwrap.dedent(HEAD) + textwrap.dedent(CALLS[call])
    if guarded:
        body = "def main():\n" + textwrap.indent(body, "    ") + '\n\nif __name__ == "__main__":\n    main()\n'
    path = tmp_path / f"{call}_{'guarded' if guarded else 'unguarded'}.py"
    path.write_text(body)
    return path


def run(path_or_code: Path | str, method: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "AIDSIM_START_METHOD"}
    env["PYTHONPATH"] = str(ROOT / "src")
    if method:
        env["AIDSIM_START_METHOD"] = method
    args = [sys.executable, str(path_or_code)] if isinstance(path_or_code, Path) else [
        sys.executable, "-c", path_or_code]
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)


@pytest.mark.parametrize("call", sorted(CALLS))
def test_a_script_without_a_main_guard_works(tmp_path: Path, call: str) -> None:
    done = run(script(tmp_path, call, guarded=False), None)
    assert done.returncode == 0, done.stderr
    assert "DONE" in done.stdout and "False" not in done.stdout


@pytest.mark.parametrize("call", sorted(CALLS))
def test_without_fork_an_unguarded_script_is_told_how_to_fix_it(tmp_path: Path, call: str) -> None:
    """Where workers must be spawned (no fork, threads running, a dask LocalCluster), the script
    is refused before any worker starts, with the fix."""
    done = run(script(tmp_path, call, guarded=False), "spawn")
    assert done.returncode != 0
    assert 'if __name__ == "__main__":' in done.stderr and "workers=1" in done.stderr
    assert "BrokenProcessPool" not in done.stderr
    assert "DONE" not in done.stdout


def test_a_guarded_script_works_with_spawn(tmp_path: Path) -> None:
    done = run(script(tmp_path, "sweep", guarded=True), "spawn")
    assert done.returncode == 0, done.stderr
    assert "DONE 4" in done.stdout


def test_code_without_a_script_file_works_with_spawn(tmp_path: Path) -> None:
    """A notebook, an interactive session or ``python -c`` has no script to re-run: spawn is safe."""
    code = textwrap.dedent(HEAD) + textwrap.dedent(CALLS["sweep"])
    done = run(code, None)
    assert done.returncode == 0, done.stderr
    assert "DONE 4" in done.stdout


def test_an_unguarded_script_is_refused_before_a_dask_local_cluster_starts(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    path = tmp_path / "dask_unguarded.py"
    path.write_text(textwrap.dedent(HEAD) + textwrap.dedent("""
        from aidsim.runners.sweep import sweep
        s = sweep(base, ["dibao.standard.rural=400,450"], workers=2, dask=True)
        print("DONE", s.ran)
    """))
    done = run(path, None)
    assert done.returncode != 0
    assert 'if __name__ == "__main__":' in done.stderr
