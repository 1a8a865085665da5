"""Fuzzing scenario files: hypothesis mutations of valid scenarios.

Three kinds of mutation of a valid scenario, written to a file and loaded as users load one:

- values: any parameter (or any key path under it) set to a number (non-finite, huge, negative,
  huge integers), text, a boolean, null, a list, a mapping, a dated series with good and bad
  months, a growing value; in a single file or in a reform that ``extends:`` a baseline;
- structure: sections deleted, replaced by scalars or lists, unknown keys added, nested deeper;
- YAML text: characters and YAML syntax (anchors, aliases, tags, flow collections, directives,
  document markers, tabs, NUL) inserted into or cut out of the shipped baseline's text;
- values inside their documented ranges, their extremes often (1 to 5 parameters at a time).

Every mutation must either give a :class:`~aidsim.errors.ScenarioError` within seconds (and, on
the command line, exit status 2 with a one-paragraph message and no traceback), or load and run,
on a tiny population, to finite outputs (:meth:`~aidsim.results.Results.check_finite`) without
a numeric warning (overflow, invalid value) on the way.

Budget: the test profile's examples (60 per kind, derandomised) in ``make test``;
``make fuzz`` sets ``AIDSIM_FUZZ_EXAMPLES`` (and draws new examples each time).
"""

from __future__ import annotations

import copy
import math
import os
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import aidsim
from aidsim.cli import app
from aidsim.errors import ScenarioError
from aidsim.scenario.catalog import catalogue
from aidsim.scenario.load import validate_scenario
from aidsim.scenario.schema import Scenario

#: A numeric overflow or an invalid operation inside a run is a failure too, not a warning.
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

ROOT = Path(__file__).resolve().parents[2]
BASELINE_TEXT = (ROOT / "scenarios" / "baseline.yaml").read_text(encoding="utf-8")
DEFAULT_TREE = Scenario().resolved()
LEAF_PATHS = [row["path"] for row in catalogue()]
SECTION_PATHS = sorted({p.rsplit(".", 1)[0] for p in LEAF_PATHS if "." in p})
#: Keep every accepted run tiny, whatever the mutation says.
TINY = {"population.households": 120, "simulation.months": 2, "simulation.warmup_months": 1}
LOAD_SECONDS = 5.0

_EXAMPLES = os.environ.get("AIDSIM_FUZZ_EXAMPLES")
FUZZ = settings(max_examples=int(_EXAMPLES), derandomize=False, deadline=None,
                suppress_health_check=list(HealthCheck)) if _EXAMPLES else settings(
    deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# -- strategies ----------------------------------------------------------------------------------

NASTY_NUMBERS = [math.nan, math.inf, -math.inf, 1e308, -1e308, 5e-324, 0, -0.0, -1, 1, 0.5, 1.5,
                 12, 13, 130, 131, 1e5, 1e6, 1e7, 1e9, 1e15, 5e7, 2**31, 2**63, 2**64, -(2**63),
                 10**30, 10**400]
numbers = st.one_of(
    st.sampled_from(NASTY_NUMBERS),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(min_value=-2, max_value=2),
)
months = st.one_of(
    st.sampled_from(["2020-01", "2020-07", "2021-01", "1949-12", "1950-01", "2100-12", "2101-01",
                     "1800-01", "9999-12", "0000-01", "2020-13", "2020-00", "2020-7", "2020-02-30",
                     "202001", "10000-01"]),
    st.builds(lambda y, m: f"{y:04d}-{m:02d}", st.integers(0, 9999), st.integers(0, 13)),
)
scalars = st.one_of(numbers, st.text(max_size=12), st.booleans(), st.none(), months)
dated = st.dictionaries(months, st.one_of(numbers, scalars), min_size=1, max_size=4)
growing = st.fixed_dictionaries(
    {"base": numbers, "from": months},
    optional={"growth": numbers,
              "index": st.dictionaries(st.one_of(st.integers(1800, 2300), st.text(max_size=4)),
                                       numbers, max_size=3),
              "extra": scalars})
values = st.one_of(
    numbers, scalars, dated, growing,
    st.lists(numbers, max_size=9), st.lists(scalars, max_size=4),
    st.dictionaries(st.text(max_size=10), scalars, max_size=3),
    st.lists(st.integers(-5, 200), min_size=0, max_size=4),
)


#: Values that are often valid, so that many mutations run (and must give finite outputs).
plausible = st.one_of(st.floats(0, 1), st.integers(0, 60), st.floats(0, 2000),
                      st.sampled_from([0, 0.5, 1, 2, 10, 100, 1000, 100_000, 1_000_000]))
any_value = st.one_of(values, plausible, plausible, plausible)


def _set(tree: dict, path: list[str], value: Any) -> None:
    node = tree
    for part in path[:-1]:
        child = node.get(part) if isinstance(node, dict) else None
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[path[-1]] = value


def _delete(tree: dict, path: list[str]) -> None:
    node: Any = tree
    for part in path[:-1]:
        node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            return
    if isinstance(node, dict):
        node.pop(path[-1], None)


@st.composite
def mutation(draw: st.DrawFn) -> tuple[str, Any]:
    kind = draw(st.sampled_from(["set", "set", "set", "set_deeper", "delete", "unknown", "section"]))
    if kind in ("set", "delete"):
        return kind, (draw(st.sampled_from(LEAF_PATHS)).split("."), draw(any_value))
    if kind == "set_deeper":
        path = draw(st.sampled_from(LEAF_PATHS)).split(".") + [draw(st.sampled_from(["0", "urban", "x"]))]
        return "set", (path, draw(any_value))
    if kind == "unknown":
        path = draw(st.sampled_from(["", *SECTION_PATHS])).split(".")
        return "set", ([*(p for p in path if p), draw(st.text(min_size=1, max_size=30))], draw(values))
    return "set", (draw(st.sampled_from(SECTION_PATHS)).split("."), draw(values))


def _apply(tree: dict, mutations: list[tuple[str, Any]]) -> dict:
    for kind, (path, value) in mutations:
        if kind == "set":
            _set(tree, path, value)
        else:
            _delete(tree, path)
    return tree


def _dump(tree: Any) -> str:
    return yaml.safe_dump(tree, allow_unicode=True, sort_keys=False, width=10_000)


# -- the property --------------------------------------------------------------------------------

def _check(path: Path) -> None:
    """ScenarioError quickly (and exit 2 on the command line), or a run with finite outputs."""
    started = time.monotonic()
    try:
        aidsim.load_scenario(path)
    except ScenarioError as exc:
        event("refused with ScenarioError")
        elapsed = time.monotonic() - started
        assert elapsed < LOAD_SECONDS, f"refusal took {elapsed:.1f} s"
        assert exc.problems and str(exc).startswith("Invalid scenario")
        result = CliRunner().invoke(app, ["validate", str(path)])
        assert result.exit_code == 2, (result.exit_code, result.exception, result.output)
        assert isinstance(result.exception, SystemExit) and result.stderr.startswith("error:")
        assert len(result.stderr) < 20_000, "message too long"
        return
    event("accepted and run")
    scenario = aidsim.load_scenario(path, TINY)
    # What a run accepts, compare (which re-validates the resolved scenario) and a re-run from
    # summary.json's scenario accept too, and read back the same.
    again = validate_scenario(scenario.resolved())
    assert validate_scenario(again.resolved()) == again
    results = aidsim.run(scenario)
    results.check_finite()
    for area, figures in results.summary().items():
        for name, value in figures.items():
            assert not math.isinf(value), (area, name)


@FUZZ
@given(st.lists(mutation(), min_size=1, max_size=3), st.booleans())
def test_mutated_scenarios_are_refused_or_run_finite(tmp_path_factory, mutations, as_reform) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    if as_reform:
        (folder / "base.yaml").write_text(
            "name: base\ndibao:\n  standard:\n    rural: {base: 433, from: 2020-01, growth: 0.05}\n",
            encoding="utf-8")
        tree = _apply({"extends": "base.yaml", "name": "reform"}, copy.deepcopy(mutations))
    else:
        tree = _apply(copy.deepcopy(DEFAULT_TREE), copy.deepcopy(mutations))
    path = folder / "scenario.yaml"
    path.write_text(_dump(tree), encoding="utf-8")
    _check(path)


YAML_BITS = ["&a ", "*a", "*b", "<<: *a", "!!str ", "!!float ", "!!int ", "!!bool ", "!!timestamp ",
             "!!null ", "!!binary ", "!!set ", "!!omap ",
             "!!python/object:os.system ", "!custom ", "%YAML 1.1\n", "---\n", "...\n", "? ", ": ",
             "- ", "[", "]", "{", "}", ",", "\t", "\x00", "\ufeff", "\n", "  ", "'", '"', "|\n", ">\n",
             "#", ".nan", ".inf", "-.inf", "1e308", "1.0e+308", "~", "null", "yes", "0x1F", "0o17",
             "2020-13", "9999-01", "1800-01", "[[[[[[[[", "a: &x [*x]"]


@st.composite
def text_mutation(draw: st.DrawFn) -> str:
    text = BASELINE_TEXT
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "insert", "cut", "replace_number"]))
        if op == "insert":
            bit = draw(st.one_of(st.sampled_from(YAML_BITS), st.text(max_size=6)))
            text = text[:at] + bit + text[at:]
        elif op == "cut":
            text = text[:at] + text[at + draw(st.integers(1, 40)):]
        else:
            number = draw(st.sampled_from(["433", "750", "0.04", "3", "10", "100000", "24", "12"]))
            if number in text:
                text = text.replace(number, draw(st.sampled_from(YAML_BITS + ["-1", "1e9"])), 1)
    return text


@FUZZ
@given(text_mutation())
def test_mutated_yaml_text_is_refused_or_runs_finite(tmp_path_factory, text) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    _check(path)


# -- values inside their documented ranges: these must run, to finite outputs --------------------

def _bounds(path: str) -> tuple[float, float, bool] | None:
    """(lowest, highest, whole numbers) of a numeric parameter, from the schema."""
    model: Any = Scenario
    info = None
    for part in path.split("."):
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return None
        info = fields[part]
        model = info.annotation
    if info is None or info.annotation not in (int, float, float | None):
        return None
    low = high = None
    for item in info.metadata:
        low = getattr(item, "ge", None) if getattr(item, "ge", None) is not None else low
        low = getattr(item, "gt", None) if getattr(item, "gt", None) is not None else low
        high = getattr(item, "le", None) if getattr(item, "le", None) is not None else high
    if low is None or high is None:
        return None
    return float(low), float(high), info.annotation is int


RANGED = {p: b for p in LEAF_PATHS if not p.startswith(("simulation.", "population.households"))
          and (b := _bounds(p)) is not None}


@st.composite
def in_range(draw: st.DrawFn) -> dict[str, float]:
    chosen = draw(st.lists(st.sampled_from(sorted(RANGED)), min_size=1, max_size=5, unique=True))
    out = {}
    for path in chosen:
        low, high, whole = RANGED[path]
        if whole:
            value = draw(st.one_of(st.sampled_from([int(low), int(high)]),
                                   st.integers(int(low), int(min(high, low + 1000)))))
        else:
            value = draw(st.one_of(st.sampled_from([low, high]), st.floats(low, high)))
        out[path] = value
    return out


def test_every_bounded_parameter_is_fuzzed() -> None:
    assert len(RANGED) > 100  # the strategy below reaches most of the schema


@FUZZ
@given(in_range())
def test_values_in_their_ranges_run_to_finite_outputs(tmp_path_factory, values) -> None:
    """Extremes of the documented ranges (a minimum payment of 100,000 yuan, a hospital cost of
    a million, every rate at 0 or 1) must not produce NaN, infinity or a crash."""
    tree = copy.deepcopy(DEFAULT_TREE)
    for path, value in values.items():
        _set(tree, path.split("."), value)
    path = tmp_path_factory.mktemp("fuzz") / "scenario.yaml"
    path.write_text(_dump(tree), encoding="utf-8")
    _check(path)
