import sys

import pytest

from aidsim.engine.allocator import keep_freed_memory


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc is tuned on Linux only")
def test_malloc_is_tuned_once_on_linux():
    assert keep_freed_memory() is True
    assert keep_freed_memory() is True  # idempotent


def test_the_state_is_built_in_huge_pages_and_the_months_run_without():
    import numpy as np

    from aidsim.engine.allocator import huge_pages, small_pages_for_temporaries

    advice = getattr(np._core.multiarray, "_get_madvise_hugepage", None)
    if advice is None:
        pytest.skip("this numpy has no huge-page switch")
    small_pages_for_temporaries()
    assert advice() is False
    with huge_pages():
        assert advice() is True
    assert advice() is False  # the setting found is put back
    with pytest.raises(RuntimeError), huge_pages():
        raise RuntimeError("a failed build")
    assert advice() is False


def test_a_model_leaves_numpy_without_huge_page_advice_for_its_months():
    import numpy as np

    from aidsim.engine.allocator import huge_pages
    from aidsim.engine.model import AidModel
    from aidsim.scenario.load import merge_overrides, validate_scenario
    from aidsim.scenario.schema import Scenario

    advice = getattr(np._core.multiarray, "_get_madvise_hugepage", None)
    if advice is None:
        pytest.skip("this numpy has no huge-page switch")
    scenario = validate_scenario(merge_overrides(Scenario().resolved(), {"population.households": 300,
                                                                        "simulation.months": 1}), source="test")
    with huge_pages():  # whatever the process had before
        AidModel(scenario)
        assert advice() is False
