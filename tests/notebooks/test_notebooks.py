"""Every notebook (jupytext percent scripts) runs to the end on a small population."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_notebook_runs(notebook):
    env = {**os.environ, "AIDSIM_SMALL": "1", "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, str(notebook)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]


def test_there_are_notebooks():
    assert NOTEBOOKS
