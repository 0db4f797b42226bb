"""What several commands share: scenario and run options, the executor, exit codes."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from sim.model.scenario import ScenarioError, load_scenario

EXIT_USAGE = 2
"""A user's mistake: a bad scenario, option or file."""
EXIT_FAILED = 1
"""A fault that is not the user's (failed replications)."""


def add_scenario_args(p: argparse.ArgumentParser, file_required: bool = False) -> None:
    """Add the scenario file argument and ``--set``."""
    p.add_argument(
        "file",
        nargs=None if file_required else "?",
        help="scenario YAML file (default: the built-in quickstart defaults)",
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
        "--resume", type=Path, metavar="DIR", help="continue an interrupted experiment in DIR"
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
        "--scheduler", help="Dask scheduler address for --executor dask (tcp://HOST:PORT)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar and no summary table")
    p.add_argument("--no-report", action="store_true", help="skip the figures and report.html")


def load_for_run(args: argparse.Namespace):
    """The scenario with ``--set``, ``--reps``, ``--seed`` and ``--weeks`` applied."""
    overrides = list(args.overrides)
    for flag, path in (("reps", "replications"), ("seed", "seed"), ("weeks", "horizon_weeks")):
        value = getattr(args, flag)
        if value is not None:
            overrides.append(f"{path}={value}")
    return load_scenario(args.file, overrides=overrides)


def executor_for(args: argparse.Namespace):
    """Return (executor or None, workers, closer) for the chosen --executor."""
    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    if workers < 1:
        raise ScenarioError([f"--workers: must be at least 1 (got {workers})"])
    if args.executor == "local":
        return None, workers, lambda: None
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ScenarioError(
            ["--executor dask needs the dask extra: pip install 'mentorsim[dask]'"]
        ) from None
    if args.executor == "dask":
        if not args.scheduler:
            raise ScenarioError(
                ["--executor dask: give the scheduler address with --scheduler tcp://HOST:PORT"]
            )
        client = Client(args.scheduler)
        return client.get_executor(), workers, client.close
    cluster = LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = Client(cluster)

    def close() -> None:
        client.close()
        cluster.close()

    return client.get_executor(), workers, close
