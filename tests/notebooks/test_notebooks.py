"""Every notebook runs as a notebook (jupytext → nbclient, a real Jupyter kernel) on a small
population, draws its figures, shows formatted tables and prints what it found.

The executed notebooks are kept in out/notebooks/ for people to open.
"""

import re
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.py"))
#: Figures each notebook must draw (matplotlib, shown as cell outputs).
FIGURES = {"planner": 3, "budget_officer": 2, "researcher": 3}
SCIENTIFIC = re.compile(r"\d\.\d+e[+-]\d\d")


def _outputs(nb, kind: str) -> list:
    return [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])
            if o.get("output_type") == kind or kind in o.get("data", {})]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[n.stem for n in NOTEBOOKS])
def test_notebook_executes_with_figures(notebook, monkeypatch):
    monkeypatch.setenv("AIDSIM_SMALL", "1")  # the kernel inherits it
    nb = jupytext.read(notebook)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(notebook.parent)}}).execute()
    out = ROOT / "out" / "notebooks"
    out.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out / f"{notebook.stem}.ipynb")

    figures = _outputs(nb, "image/png") + _outputs(nb, "image/svg+xml")
    assert len(figures) >= FIGURES[notebook.stem], f"{notebook.stem} drew {len(figures)} figures"
    tables = _outputs(nb, "text/html")
    assert tables, "formatted tables are shown"
    for output in tables:
        html = output["data"]["text/html"]
        assert not SCIENTIFIC.search(html), f"scientific notation in a table: {SCIENTIFIC.search(html).group()}"
    printed = "".join(o.get("text", "") for o in _outputs(nb, "stream"))
    assert printed.strip(), "the notebook says what it found"


def test_every_notebook_has_a_figure_count():
    assert {n.stem for n in NOTEBOOKS} == set(FIGURES)
