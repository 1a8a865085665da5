"""Keep freed memory for the next month instead of handing it back to the operating system.

A month makes and frees many arrays of the same few sizes (one float32 per person is 11.6 MB at a
million households). glibc's malloc serves such blocks with ``mmap`` and returns them to the
system when they are freed, so every new array pays again for zeroed pages from the kernel: about
an eighth of the month's CPU time at 10^6 households (measured with ``benchmarks/throughput.py``).
Raising the ``mmap`` threshold to its maximum (32 MiB on 64-bit) and the trim threshold keeps the
blocks in the process's heap, where the next month's arrays reuse them. The traced peak (the
memory the arrays need) is unchanged; what the process keeps is at most about the month's
temporaries, which it would ask for again the next month anyway.

Only on Linux with glibc; elsewhere (and if anything fails) nothing is changed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

# mallopt parameters (glibc malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_MMAP_THRESHOLD_MAX = 32 * 1024 * 1024  # DEFAULT_MMAP_THRESHOLD_MAX on 64-bit glibc
_TRIM_THRESHOLD = 1 << 30

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
    _done = bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_MAX)) and bool(mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD))
    return _done
