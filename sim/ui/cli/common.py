"""What several commands share: scenario and run options, the executor, the results folder."""

from __future__ import annotations

import argparse
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit

from sim.core.errors import (
    EXIT_FAULT,
    EXIT_USAGE,
    FaultError,
    MissingExtraError,
    OptionError,
    shown,
)
from sim.experiments.workers import MATH_THREAD_VARIABLES

__all__ = [
    "CONNECT_TIMEOUT_S",
    "EXIT_FAILED",
    "EXIT_USAGE",
    "add_run_args",
    "add_scenario_args",
    "check_out_folder",
    "executor_for",
    "explicit_settings",
    "extra_hint",
    "load_for_run",
]

EXIT_FAILED = EXIT_FAULT
"""A fault that is not the user's (failed replications)."""

CONNECT_TIMEOUT_S = 10
"""Longest wait for a Dask scheduler to answer."""

RUN_FLAGS = (("reps", "replications"), ("seed", "seed"), ("weeks", "horizon_weeks"))
"""Options that set a scenario field: (option, field path)."""


def extra_hint(extra: str) -> str:
    """How to install an optional extra, as the README installs (from the repository's root)."""
    return f"pip install '.[{extra}]' from the repository's root (pip install -e '.[{extra}]' in a development install)"


def add_scenario_args(p: argparse.ArgumentParser, file_required: bool = False) -> None:
    """Add the scenario file argument and ``--set``."""
    p.add_argument(
        "file",
        nargs=None if file_required else "?",
        help="scenario YAML file (default: the built-in quickstart, scenarios/quickstart.yaml)",
    )
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="PATH=VALUE",
        help="override a scenario field, e.g. organization.size=500 (repeatable)",
    )


def add_run_args(p: argparse.ArgumentParser) -> None:
    """Add the options of commands that run experiments."""
    p.add_argument("--reps", type=int, help="replications per arm (overrides the scenario's)")
    p.add_argument("--seed", type=int, help="root seed (overrides the scenario's)")
    p.add_argument("--weeks", type=int, help="horizon in weeks (overrides the scenario's)")
    p.add_argument(
        "--out", type=Path, help="results folder (default results/<name>/<UTC timestamp>/)"
    )
    p.add_argument(
        "--resume",
        type=Path,
        metavar="DIR",
        help="continue the experiment in DIR with its own settings (options given must agree)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="local worker processes (default: the number of cores)",
    )
    p.add_argument(
        "--executor",
        choices=["local", "dask", "dask-local"],
        default="local",
        help="where to run replications",
    )
    p.add_argument(
        "--scheduler",
        help=f"Dask scheduler address for --executor dask (tcp://HOST:PORT; waits at most {CONNECT_TIMEOUT_S} s)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar and no summary table")
    p.add_argument("--no-report", action="store_true", help="skip the figures and report.html")


def explicit_settings(args: argparse.Namespace) -> list[tuple[str, str, str]]:
    """(option as typed, field path, value) of every scenario setting on the command line."""
    out = []
    for text in args.overrides:
        path, _, value = text.partition("=")
        out.append((f"--set {text}", path.strip(), value))
    for flag, path in RUN_FLAGS:
        value = getattr(args, flag)
        if value is not None:
            out.append((f"--{flag} {value}", path, str(value)))
    return out


def load_for_run(args: argparse.Namespace):
    """The scenario with ``--set``, ``--reps``, ``--seed`` and ``--weeks`` applied."""
    overrides = list(args.overrides)
    for flag, path in RUN_FLAGS:
        if getattr(args, flag) is not None:
            overrides.append(f"{path}={getattr(args, flag)}")
    from sim.model.scenario import load_scenario  # not imported to build the parser

    return load_scenario(args.file, overrides=overrides)


def check_out_folder(path: Path, resume: bool) -> None:
    """Refuse a results folder that cannot be written, before anything runs.

    Raises:
        OptionError: When ``path`` is a file, lies below a file, is not empty (without
            ``--resume``), or cannot be written (permissions, a read-only file system).
    """
    option = "--resume" if resume else "--out"
    if path.exists() and not path.is_dir():
        raise OptionError([f"{option} {path}: is a file, not a folder"])
    if not resume and path.is_dir() and any(path.iterdir()):
        raise OptionError(
            [
                f"--out {path}: the folder is not empty; continue it with --resume {path} or pick another --out"
            ]
        )
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise OptionError(
            [f"{option} {path}: {existing} is a file, so no folder can be made below it"]
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OptionError(
            [
                f"{option} {path}: cannot write in {existing} (no permission, or a read-only file system)"
            ]
        )


def requested_workers(args: argparse.Namespace) -> int:
    """``--workers``, or the number of cores when it is not given."""
    return args.workers if args.workers is not None else (os.cpu_count() or 1)


def warm_local_workers(args: argparse.Namespace) -> None:
    """Start local workers' fork server first thing, when there will be more than one worker.

    It imports what workers need (about a second) while this process loads the scenario.
    A ``dask-local`` cluster's workers fork from it too, with Dask imported as well, and that
    cluster starts now as well, with at most one worker per core (:class:`ClusterStart`);
    :func:`discard_cluster_start` closes it if no experiment took it.
    """
    workers = requested_workers(args)
    if args.executor in ("local", "dask-local") and workers > 1:
        from sim.experiments.workers import warm_up

        warm_up(("distributed",) if args.executor == "dask-local" else ())
    if args.executor == "dask-local" and 1 <= workers <= (os.cpu_count() or 1):
        # more workers than cores are left to executor_for, which checks them against the runs
        # and the memory before it starts any
        args.cluster_start = ClusterStart(workers)


class ClusterStart:
    """A ``dask-local`` cluster starting on a thread of its own, from the command's first step.

    Its scheduler, nannies and workers take a second or two to start, mostly waiting for the
    workers' processes: they start while this process loads the scenario, and
    :func:`executor_for` takes the cluster when it needs it. A start that fails is left for
    :func:`executor_for` to do again, and report, the usual way.

    Args:
        workers: Worker processes.
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._cluster = None
        self._thread = threading.Thread(target=self._start, name="dask-local-start", daemon=True)
        self._thread.start()

    def _start(self) -> None:
        try:
            self._cluster = local_cluster(self.workers)
        except Exception:  # the start is done again, and its error reported, where it is needed
            self._cluster = None

    def take(self, workers: int):
        """The started cluster if it has ``workers`` workers (None otherwise: then closed)."""
        self._thread.join()
        cluster, self._cluster = self._cluster, None
        if cluster is not None and self.workers != workers:
            cluster.close()
            return None
        return cluster

    def discard(self) -> None:
        """Close the cluster unless :meth:`take` took it (the command ended before it ran)."""
        self.take(-1)


def discard_cluster_start(args: argparse.Namespace) -> None:
    """Close a cluster :func:`warm_local_workers` started that no experiment took."""
    start = getattr(args, "cluster_start", None)
    if start is not None:
        import logging

        # the command is over: what Dask logs from here on is the chatter of clusters shutting
        # down (of a start an interrupt cut short, its nannies' failed restarts), nothing to act on
        logging.getLogger("distributed").setLevel(logging.CRITICAL)
        start.discard()


def local_processes(args: argparse.Namespace) -> int:
    """Processes for the command's own work (its figures): ``--workers``, one per core at most."""
    return max(1, min(requested_workers(args), os.cpu_count() or 1))


def import_in_background(*modules: str) -> None:
    """Import ``modules`` on a thread of their own, while this process waits for its workers.

    The experiment's process has nothing to do while local workers start and run: the
    figures' libraries (about 0.7 s) are ready when the runs end. An import that fails is
    left for the code that needs the module to report.
    """
    import importlib
    import threading

    def load() -> None:
        for name in modules:
            try:
                importlib.import_module(name)
            except Exception:  # raised again where the module is used
                continue

    threading.Thread(target=load, name="import-in-background", daemon=True).start()


DASK_LOCAL_CONFIG = {
    "distributed.nanny.environ": {name: "1" for name in MATH_THREAD_VARIABLES},
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "200ms",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
}
"""Dask settings of ``--executor dask-local``'s cluster. It has no dashboard, so its workers
do not sample their own stacks for one (every 10 ms, a tenth of the run time they add), and
its processes check their event loops, system load and memory less often (every 200 ms, 5 s
and 1 s, not 20 ms, 500 ms and 100 ms): an idle two-worker cluster then takes about 0.2 s of
CPU in 10 s instead of 1.3 to 1.6 s (``benchmarks/bench_workers.py --dask-idle-only``), time
the runs get back on a small machine. Its workers run the linear-algebra libraries and the
compiled pairing loop on one thread each, as local workers do (a variable the user set is
kept): set in each worker as it starts, whatever environment a fork server already running
was started with."""


def executor_for(args: argparse.Namespace, tasks: int, scenario=None):
    """Return (executor or None, workers, closer) for the chosen ``--executor``.

    Args:
        args: The parsed command line.
        tasks: Runs to do (no more workers are started than there are runs).
        scenario: The scenario, to check that the local workers fit in memory.
    """
    workers = requested_workers(args)
    if workers < 1:
        raise OptionError([f"--workers: must be at least 1 (got {shown(workers)})"])
    workers = min(workers, max(tasks, 1))
    if args.executor == "local":
        return None, workers, lambda: None
    try:
        from distributed import Client
    except ImportError:
        raise MissingExtraError(
            [f"--executor {args.executor} needs the dask extra: {extra_hint('dask')}"]
        ) from None
    if args.executor == "dask":
        client = _connect(Client, args.scheduler)
        return client.get_executor(), workers, client.close
    if scenario is not None:
        from sim.model.fit import check_fits_in_memory

        check_fits_in_memory(scenario, workers)
    start = getattr(args, "cluster_start", None)
    cluster = start.take(workers) if start is not None else None
    if cluster is None:
        cluster = local_cluster(workers)
    client = Client(cluster)

    def close() -> None:
        with closing_quietly(client):
            client.close()
            cluster.close()

    return client.get_executor(), workers, close


@contextmanager
def closing_quietly(client) -> Iterator[None]:
    """Close a ``dask-local`` cluster without its shutdown's log lines.

    As a cluster closes, a worker's heartbeat can meet a scheduler that has just stopped
    listening, and Dask logs that as an error with a traceback, from the worker's process,
    after every run has finished and been saved: nothing to act on. Dask's loggers are set
    to critical in the workers (before anything closes) and in this process (until the
    cluster is closed).
    """
    import logging

    with suppress(Exception):  # a worker already gone has nothing left to say
        client.run(quiet_dask_logs)
    level = quiet_dask_logs()
    try:
        yield
    finally:
        logging.getLogger("distributed").setLevel(level)


def quiet_dask_logs() -> int:
    """Set Dask's loggers in this process to critical; return the level they had."""
    import logging

    logger = logging.getLogger("distributed")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    return level


def local_cluster(workers: int, settings: dict | None = None):
    """``--executor dask-local``'s cluster: ``workers`` processes of one thread each.

    Its workers fork from the server :func:`warm_local_workers` started, where there is one.

    Args:
        workers: Worker processes.
        settings: Dask settings of the cluster (None: :data:`DASK_LOCAL_CONFIG`).
    """
    import dask
    from distributed import LocalCluster

    from sim.experiments.workers import worker_context

    method = {"distributed.worker.multiprocessing-method": worker_context().get_start_method()}
    with dask.config.set({**(DASK_LOCAL_CONFIG if settings is None else settings), **method}):
        return LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            # without a dashboard the scheduler still serves its status pages, by default on
            # port 8787 of every interface (and warns where that port is taken): a free port
            # of this machine's own interface instead
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        )


def _connect(client_class, address: str | None):
    """A Dask client of the scheduler at ``address``, waiting at most :data:`CONNECT_TIMEOUT_S`."""
    if not address:
        raise OptionError(
            ["--executor dask: give the scheduler address with --scheduler tcp://HOST:PORT"]
        )
    host, port = scheduler_host_port(address)
    try:  # a plain connection first: an unreachable address fails fast and quietly
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as exc:
        raise FaultError(
            [
                f"--scheduler {shown(address)}: cannot reach the Dask scheduler within "
                f"{CONNECT_TIMEOUT_S} s ({exc.strerror or exc}); is it running, and is the address right?"
            ]
        ) from None
    try:
        return client_class(address, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError, ValueError) as exc:
        raise FaultError(
            [
                f"--scheduler {shown(address)}: no Dask scheduler answered within {CONNECT_TIMEOUT_S} s ({exc})"
            ]
        ) from None


def scheduler_host_port(address: str) -> tuple[str, int]:
    """(host, port) of a ``tcp://HOST:PORT`` (or ``tls://``) scheduler address.

    Raises:
        OptionError: When the address is not of that form.
    """
    text = address if "://" in address else f"tcp://{address}"
    problem = "expected tcp://HOST:PORT (or tls://HOST:PORT)"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise OptionError([f"--scheduler {shown(address)}: {problem}"]) from None
    if parts.scheme not in ("tcp", "tls") or not parts.hostname or port is None or parts.path:
        raise OptionError([f"--scheduler {shown(address)}: {problem}"])
    return parts.hostname, port
