"""How local worker processes start, and how they end when the experiment's process does.

Kept apart from :mod:`sim.experiments.experiment` and light to import, so that the command
line can start the workers' fork server (:func:`warm_up`) before it imports the rest.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

PARENT_CHECK_S = 1.0
"""How often a local worker process checks that the process that started it is alive."""


WORKER_PRELOAD = ("sim.experiments.experiment", "sim.model.model")
"""Modules a local worker needs for its tasks: imported once, by the process workers fork from."""


def worker_context(extra: tuple[str, ...] = ()):
    """How local workers start: forked from a server that has imported :data:`WORKER_PRELOAD`.

    A spawned worker imports the package and its libraries (Mesa, pandas, pyarrow) itself,
    about a second each; forked from the server, it starts with them already imported. Where
    there is no fork server (Windows, macOS without it), workers are spawned.
    """
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([*WORKER_PRELOAD, *extra])
    return context


def exit_with_parent(main: int) -> None:
    """Initializer of local worker processes: exit as soon as process ``main`` is gone.

    A worker whose experiment's process was killed (``kill -9``, a crash) would otherwise live
    on, holding its memory, blocked on a pipe nobody reads. A daemon thread checks every
    :data:`PARENT_CHECK_S` seconds that ``main`` still runs and that the worker's parent (that
    process, or the fork server) is the one it started with (an orphan is adopted by another
    process), and ends the worker when either fails.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent and _running(main):
            time.sleep(PARENT_CHECK_S)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _running(pid: int) -> bool:
    """Whether process ``pid`` exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True


MATH_THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMBA_NUM_THREADS",
)
"""Environment variables that set the thread count of the linear-algebra libraries and of the
compiled pairing loop (:func:`sim.kernels.best_mentors`)."""


@contextmanager
def one_math_thread_each() -> Iterator[None]:
    """Worker processes started inside run their math libraries on one thread each.

    One thread per process, so that ``workers`` processes on a machine with many cores do not
    each start a thread per core. A variable the user has set is left
    as it is; this process's environment is restored on exit.
    """
    saved = {name: os.environ.get(name) for name in MATH_THREAD_VARIABLES}
    for name in MATH_THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def warm_up(extra: tuple[str, ...] = ()) -> None:
    """Start the fork server now, while this process loads the scenario and imports the rest.

    The server imports what workers need in the meantime. Nothing happens where workers are
    spawned.
    """
    with one_math_thread_each():
        if worker_context(extra).get_start_method() == "forkserver":
            from multiprocessing import forkserver

            forkserver.ensure_running()
