"""Keep freed memory for the next month instead of handing it back to the operating system.

A month makes and frees many arrays of the same few sizes (one float32 per person is 11.6 MB at a
million households). glibc's malloc serves such blocks with ``mmap`` and returns them to the
system when they are freed, so every new array pays again for zeroed pages from the kernel: about
an eighth of the month's CPU time at 10^6 households (measured with ``benchmarks/throughput.py``).
Raising the ``mmap`` threshold to its maximum (32 MiB on 64-bit) and the trim threshold keeps the
blocks in the process's heap, where the next month's arrays reuse them. Larger blocks are never
mapped on their own either (``M_MMAP_MAX`` 0): from about 1.4 million households on, a month's
person-sized arrays pass 32 MiB (116 MB each at 10^7), and each was a fresh mapping that the
kernel zeroed every month, 1.1 to 1.4 s of system time in a month of 3.6 to 4.0 s at 10^7
households; from the heap, 24 ms, and the month took 1.8 s (``getrusage`` around 4 months). The
traced peak (the memory the arrays need) is unchanged; what the process keeps is at most about
the month's temporaries, which it would ask for again the next month anyway.

Only on Linux with glibc; elsewhere (and if anything fails) nothing is changed.

Huge pages. numpy asks the kernel for transparent huge pages (2 MiB) for every array of 4 MiB or
more (``madvise``); where the system grants them on request, each first touch of such a page
zeroes all 2 MiB. That suits a model's state, built once and read every month (fewer TLB
misses), but not the month's temporaries: many are "rooms" of which only the first pages are
written, and the heap they land in still grows now and then in the first reported months (their
measures make arrays the warm-up does not). At 10^6 households that zeroing took 6 to 26 ms of
system time a month, up to an eighth of it (``getrusage`` around a year of months, timed as
``benchmarks/throughput.py`` times them, over a dozen runs). So the state is built with numpy's
advice (:func:`huge_pages`) and the months run without it (:func:`small_pages_for_temporaries`):
0 to 1 ms of system time a month, and the state's arrays keep their huge pages. Only where numpy
has the switch; a process-wide setting, so models built and run side by side in threads may get
either, which changes speed, never results.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

# mallopt parameters (glibc malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_M_MMAP_MAX = -4
_MMAP_THRESHOLD_MAX = 32 * 1024 * 1024  # DEFAULT_MMAP_THRESHOLD_MAX on 64-bit glibc
_TRIM_THRESHOLD = 2**31 - 1  # the largest an int holds: a month's temporaries at 10^7 pass 1 GiB

_done = False


def keep_freed_memory() -> bool:
    """Tune glibc's malloc once per process (see the module docstring); True if it was tuned."""
    global _done
    if _done:
        return True
    if not sys.platform.startswith("linux") or sys.maxsize <= 2**32:
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    _done = (bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_MAX)) and bool(mallopt(_M_MMAP_MAX, 0))
             and bool(mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)))
    return _done


def _set_huge_page_advice(on: bool) -> bool | None:
    """Set numpy's huge-page advice for new large arrays; returns the previous setting, or None
    where numpy has no such switch (nothing is changed)."""
    core = getattr(np, "_core", None) or getattr(np, "core", None)
    switch = getattr(getattr(core, "multiarray", None), "_set_madvise_hugepage", None)
    return None if switch is None else bool(switch(on))


def small_pages_for_temporaries() -> None:
    """From now on, numpy's new large arrays do not ask for huge pages (see the module
    docstring): what a model's months run under."""
    _set_huge_page_advice(False)


@contextmanager
def huge_pages() -> Iterator[None]:
    """numpy's huge-page advice for the arrays made inside (a model's state, kept for the run),
    then the setting it found."""
    previous = _set_huge_page_advice(True)
    try:
        yield
    finally:
        if previous is not None:
            _set_huge_page_advice(previous)
