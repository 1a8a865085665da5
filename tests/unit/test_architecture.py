"""The public API and the one-way layering of the package."""

import ast
from pathlib import Path

import aidsim

PACKAGE = Path(aidsim.__file__).parent

# Lower layers never import higher ones.
LAYERS = [
    {"errors", "calendar", "rng", "deferred", "libm", "prefetch", "rows"},
    {"scenario"},
    {"population", "shocks", "admin"},
    {"programmes"},
    {"metrics"},
    {"engine"},
    {"results"},
    {"runners"},
    {"reports"},
    {"viz"},
    {"cli", "__main__", "__init__"},
]


def layer_of(module: str) -> int:
    for i, names in enumerate(LAYERS):
        if module in names:
            return i
    raise AssertionError(f"module {module} is in no layer")


def test_public_api_is_pinned():
    assert sorted(aidsim.__all__) == sorted([
        "AidModel", "Comparison", "Results", "Scenario", "__version__", "backtest", "budget",
        "build_population", "calibrate", "compare", "load_profile", "load_scenario", "run", "solve",
        "sweep"])


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


def _module_imports() -> dict[str, set[str]]:
    """Each module of the package → the package modules it imports (``aidsim.x.y``)."""
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        name = ".".join(("aidsim", *parts))
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("aidsim"):
                # `from aidsim.programmes import means_test` imports the submodule
                targets |= {f"{node.module}.{a.name}" for a in node.names} | {node.module}
            elif isinstance(node, ast.Import):
                targets |= {a.name for a in node.names if a.name.startswith("aidsim")}
        modules[name] = targets
    return modules


def test_no_import_cycles():
    graph = _module_imports()
    graph = {m: {t for t in ts if t in graph and t != m} for m, ts in graph.items()}
    for m, ts in graph.items():  # `from pkg import submodule` depends on the submodule only
        graph[m] = {t for t in ts if not any(o.startswith(t + ".") and o in ts for o in ts)}
    # A package's __init__ importing its own modules is how the registry is built; a module
    # importing its package's __init__ back would close a cycle and is caught below.
    state: dict[str, int] = {}

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in graph[module]:
            if state.get(target) == 1:
                raise AssertionError("import cycle: " + " → ".join([*path, module, target]))
            if target not in state:
                visit(target, [*path, module])
        state[module] = 2

    for module in graph:
        if module not in state:
            visit(module, [])


def test_programmes_and_rules_never_import_the_engine():
    graph = _module_imports()
    for module, targets in graph.items():
        if module.split(".")[1:2] in (["programmes"], ["admin"], ["population"], ["shocks"], ["scenario"]):
            assert not {t for t in targets if t.startswith(("aidsim.engine", "aidsim.runners"))}, module
