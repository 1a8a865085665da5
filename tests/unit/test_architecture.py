"""The public API and the one-way layering of the package."""

import ast
from pathlib import Path

import aidsim

PACKAGE = Path(aidsim.__file__).parent

# Lower layers never import higher ones.
LAYERS = [
    {"errors", "calendar", "rng"},
    {"scenario"},
    {"population", "shocks", "programmes", "admin", "metrics"},
    {"engine"},
    {"results"},
    {"runners"},
    {"cli", "__main__", "__init__"},
]


def layer_of(module: str) -> int:
    for i, names in enumerate(LAYERS):
        if module in names:
            return i
    raise AssertionError(f"module {module} is in no layer")


def test_public_api_is_pinned():
    assert sorted(aidsim.__all__) == sorted([
        "AidModel", "Comparison", "Results", "Scenario", "__version__", "build_population",
        "compare", "load_scenario", "run"])


def test_imports_flow_downwards_only():
    problems = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).with_suffix("")
        top = rel.parts[0]
        mine = layer_of(top)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("aidsim."):
                target = node.module.split(".")[1]
                if layer_of(target) > mine:
                    problems.append(f"{rel} imports {node.module}")
    assert not problems, problems


def test_admin_does_not_import_programmes():
    for path in (PACKAGE / "admin").glob("*.py"):
        assert "aidsim.programmes" not in path.read_text(encoding="utf-8"), path
