import sys

import pytest

from aidsim.engine.allocator import keep_freed_memory


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc is tuned on Linux only")
def test_malloc_is_tuned_once_on_linux():
    assert keep_freed_memory() is True
    assert keep_freed_memory() is True  # idempotent
