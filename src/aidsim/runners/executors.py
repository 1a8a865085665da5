"""Where the runs of a batch execute: in this process, on a pool of local processes, or on dask.

Every batch (``compare``, ``sweep``, ``solve``, a province) goes through one interface, a
:class:`concurrent.futures.Executor`, and collects its results with
:func:`concurrent.futures.as_completed`:

- ``workers=1``: :class:`SerialExecutor`, in this process (debugging, notebooks, small runs);
- ``workers=N``: a :class:`~concurrent.futures.ProcessPoolExecutor` of N processes;
- ``dask=True``: ``distributed.Client(...).get_executor()``, on a ``LocalCluster`` of N worker
  processes (one thread each) or, with ``scheduler="tcp://host:8786"``, on an existing cluster.

A task's numbers depend only on its scenario, seed and replication (and a province's county), never
on the executor or on which worker runs it, so every back-end gives the same results.

**Scripts without** ``if __name__ == "__main__":``. Importing Mesa 3.3 sets Python's start method to
"spawn", which starts each worker by re-running the script that launched the batch; a script whose
calls are not under that guard would then launch a batch from inside each worker and fail with
``BrokenProcessPool``. aidsim's own pools therefore choose their start method (:func:`start_method`):

- a notebook, an interactive session or ``python -c`` has no script to re-run: "spawn";
- a script, on a system that has "fork" (Linux, and other POSIX systems), with no other thread
  running: "fork", Python's own default on Linux, which re-runs nothing, so an unguarded script
  works;
- otherwise (no "fork", other threads running, ``AIDSIM_START_METHOD=spawn``, a dask
  ``LocalCluster``, whose workers are always spawned): "spawn", and a script whose file has no
  ``if __name__ == "__main__":`` test is refused before any process starts, with
  :class:`~aidsim.errors.ArgumentError` saying how to fix it.

``AIDSIM_START_METHOD`` (``fork``, ``spawn`` or ``forkserver``) forces the start method of the
process pools.
"""

from __future__ import annotations

import ast
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aidsim.errors import ArgumentError, RunFailedError

START_METHOD_ENV = "AIDSIM_START_METHOD"

GUARD_HINT = (
    'put the code that runs it under `if __name__ == "__main__":` (at the end of the script), '
    "or run with workers=1 (--workers 1)")


class SerialExecutor(Executor):
    """Runs each task at once, in this process, when it is submitted."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # delivered through the future, as a pool would
            future.set_exception(exc)
        return future


def _main_script() -> Path | None:
    """The script that "spawn" would re-run in each worker, or ``None`` (notebook, REPL, ``-c``,
    ``python -m package`` whose ``__main__`` multiprocessing never re-runs)."""
    main = sys.modules.get("__main__")
    if main is None:
        return None
    spec = getattr(main, "__spec__", None)
    name = getattr(spec, "name", None)
    if name is not None:
        if name == "__main__" or name.endswith(".__main__"):
            return None
        origin = getattr(spec, "origin", None)
        return Path(origin) if origin else None
    file = getattr(main, "__file__", None)
    return Path(file) if file and Path(file).is_file() else None


def has_main_guard(path: Path) -> bool:
    """Whether the module at ``path`` tests ``__name__ == "__main__"`` at its top level."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return True  # cannot tell: let multiprocessing try
    for node in tree.body:
        if isinstance(node, ast.If):
            names = {n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)}
            strings = {n.value for n in ast.walk(node.test) if isinstance(n, ast.Constant)}
            if "__name__" in names and "__main__" in strings:
                return True
    return False


def in_worker_bootstrap() -> bool:
    """True while a spawned worker is importing the parent's main script (the moment at which a
    script without a guard would try to start a batch of its own)."""
    return bool(getattr(multiprocessing.current_process(), "_inheriting", False))


def _refuse_unguarded(what: str) -> None:
    script = _main_script()
    if in_worker_bootstrap():
        raise ArgumentError(f"{what} was started while a worker process was importing the script "
                            f"that launched it; {GUARD_HINT}")
    if script is not None and not has_main_guard(script):
        raise ArgumentError(
            f"{what} starts worker processes with the 'spawn' method, which re-runs {script.name} "
            f"in each worker; {GUARD_HINT}")


def start_method() -> str:
    """The start method of aidsim's process pools (see the module's docstring)."""
    forced = os.environ.get(START_METHOD_ENV)
    available = multiprocessing.get_all_start_methods()
    if forced:
        if forced not in available:
            raise ArgumentError(f"{START_METHOD_ENV} must be one of {', '.join(available)}; got {forced!r}")
        return forced
    if _main_script() is None:
        return "spawn"
    if "fork" in available and threading.active_count() == 1:
        return "fork"
    return "spawn"


def watch_parent(parent: int, interval: float = 1.0) -> None:
    """Run in each worker of a process pool: end the worker when the process that started it is
    gone (killed with ``kill -9``, say), which a pool's workers would otherwise never notice,
    waiting for work forever with a run's memory."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os._exit(1)

    threading.Thread(target=watch, name="aidsim-watch-parent", daemon=True).start()


@contextmanager
def executor(workers: int = 1, *, dask: bool = False, scheduler: str | None = None,
             what: str = "the batch") -> Iterator[Executor]:
    """An executor for a batch, closed (its processes or its dask client) on exit.

    Parameters
    ----------
    workers
        Worker processes (1: in this process, unless ``dask``); for dask, the ``LocalCluster``'s
        workers (ignored with ``scheduler``).
    dask, scheduler
        Use dask.distributed: a ``LocalCluster`` of ``workers`` processes, or the cluster whose
        scheduler is at ``scheduler`` (``tcp://host:8786``; implies ``dask``).
    what
        How messages name the batch (e.g. ``"sweep with --workers 2"``).

    Raises
    ------
    ArgumentError
        ``workers`` below 1, dask not installed, a scheduler that cannot be reached, or a script
        without a main guard that would have to be re-run by spawned workers.
    """
    if workers < 1:
        raise ArgumentError(f"workers must be at least 1; got {workers}")
    if dask or scheduler:
        with _dask_executor(workers, scheduler, what) as pool:
            yield pool
        return
    if workers == 1:
        yield SerialExecutor()
        return
    method = start_method()
    if method != "fork":
        _refuse_unguarded(what)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method),
                               initializer=watch_parent, initargs=(os.getpid(),))
    try:
        yield pool
    except BrokenProcessPool as exc:
        raise RunFailedError(
            f"a worker process of {what} stopped abruptly ({exc}); if this is a script, {GUARD_HINT}; "
            f"otherwise the machine may have run out of memory") from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def _dask_executor(workers: int, scheduler: str | None, what: str) -> Iterator[Executor]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ArgumentError("--dask needs dask.distributed: pip install 'aidsim[dask]'") from None
    cluster = None
    if scheduler:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise ArgumentError(f"--scheduler {scheduler}: cannot reach a dask scheduler there ({exc})") from None
    else:
        _refuse_unguarded(what)  # a LocalCluster's workers are always spawned
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        # pure=False: two identical tasks are two runs (each task also carries its own keys).
        yield client.get_executor(pure=False)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
