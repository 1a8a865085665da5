import sys

import numpy as np
import pytest

from aidsim.engine import allocator
from aidsim.engine.allocator import huge_pages, keep_freed_memory, small_pages_for_temporaries
from aidsim.engine.model import AidModel
from aidsim.scenario.load import merge_overrides, validate_scenario
from aidsim.scenario.schema import Scenario

_ADVICE = getattr(np._core.multiarray, "_get_madvise_hugepage", None)
needs_switch = pytest.mark.skipif(_ADVICE is None, reason="this numpy has no huge-page switch")


def _small_scenario() -> Scenario:
    return validate_scenario(merge_overrides(Scenario().resolved(), {"population.households": 300,
                                                                     "simulation.months": 1}), source="test")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc is tuned on Linux only")
def test_malloc_is_tuned_once_on_linux():
    assert keep_freed_memory() is True
    assert keep_freed_memory() is True  # idempotent


@needs_switch
def test_the_state_is_built_in_huge_pages_and_the_months_run_without():
    small_pages_for_temporaries()
    assert _ADVICE() is False
    with huge_pages():
        assert _ADVICE() is True
    assert _ADVICE() is False  # the setting found is put back
    with pytest.raises(RuntimeError), huge_pages():
        raise RuntimeError("a failed build")
    assert _ADVICE() is False


@needs_switch
def test_a_model_leaves_numpy_without_huge_page_advice_for_its_months():
    with huge_pages():  # whatever the process had before
        AidModel(_small_scenario())
        assert _ADVICE() is False


@needs_switch
def test_a_model_builds_its_state_with_huge_page_advice(monkeypatch):
    seen: list[tuple[bool, bool]] = []  # (advice asked for, state built yet)
    model_build = AidModel._build

    def build(self, *args):
        seen.append((bool(_ADVICE()), hasattr(self, "state")))
        model_build(self, *args)

    monkeypatch.setattr(AidModel, "_build", build)
    calls: list[bool] = []
    set_advice = allocator._set_huge_page_advice
    monkeypatch.setattr(allocator, "_set_huge_page_advice", lambda on: calls.append(on) or set_advice(on))
    small_pages_for_temporaries()
    calls.clear()
    model = AidModel(_small_scenario())
    assert seen == [(True, False)]  # the state is made under the advice
    assert calls == [True, False, False] and _ADVICE() is False  # then put back, and off for the months
    model.step()
    assert _ADVICE() is False
