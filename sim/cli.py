"""The ``mentorsim`` command line: validate, run, sweep, list and docs.

User mistakes (a bad scenario, a bad override, a missing file) print a clear message and exit 2
without a traceback; failed replications exit 1 and say how to resume.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from sim.scenario import ScenarioError, load_scenario

EXIT_USAGE = 2
EXIT_FAILED = 1


def _add_scenario_args(p: argparse.ArgumentParser, file_required: bool = False) -> None:
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


def _add_run_args(p: argparse.ArgumentParser) -> None:
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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``mentorsim``."""
    parser = argparse.ArgumentParser(
        prog="mentorsim", description="Agent-based simulation of reverse-mentoring programs."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check a scenario file; prints ok or every error")
    _add_scenario_args(p, file_required=True)

    p = sub.add_parser("run", help="run every arm x replication of a scenario")
    _add_scenario_args(p)
    _add_run_args(p)

    p = sub.add_parser(
        "sweep", help="run a scenario over a grid or a Latin hypercube of field values"
    )
    _add_scenario_args(p, file_required=True)
    _add_run_args(p)
    p.add_argument(
        "--vary",
        action="append",
        default=[],
        metavar="PATH=V1,V2,...",
        help="grid values of a field (repeatable: the grid is their product)",
    )
    p.add_argument(
        "--lhs", type=int, metavar="N", help="N Latin-hypercube points over the --range fields"
    )
    p.add_argument(
        "--range",
        dest="ranges",
        action="append",
        default=[],
        metavar="PATH=LO:HI",
        help="range of a field for --lhs (repeatable)",
    )

    p = sub.add_parser("list", help="list outcomes or pairing policies")
    p.add_argument("what", choices=["outcomes", "policies"])

    p = sub.add_parser("app", help="start the interactive web app (needs the 'app' extra)")
    p.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)"
    )
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")

    p = sub.add_parser(
        "docs", help="regenerate docs/SCENARIOS.md and the ODD parameter table from the schema"
    )
    p.add_argument("--out", type=Path, default=Path("docs/SCENARIOS.md"))
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``mentorsim`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return {
            "validate": _validate,
            "run": _run,
            "sweep": _sweep,
            "list": _list,
            "docs": _docs,
            "app": _app,
        }[args.command](args)
    except ScenarioError as exc:
        print(exc.report(), file=sys.stderr)
        return EXIT_USAGE


def _validate(args: argparse.Namespace) -> int:
    load_scenario(args.file, overrides=args.overrides)
    print("ok")
    return 0


def _load_for_run(args: argparse.Namespace):
    overrides = list(args.overrides)
    for flag, path in (("reps", "replications"), ("seed", "seed"), ("weeks", "horizon_weeks")):
        value = getattr(args, flag)
        if value is not None:
            overrides.append(f"{path}={value}")
    return load_scenario(args.file, overrides=overrides)


def _executor(args: argparse.Namespace):
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


def _execute(args: argparse.Namespace, scenario, points: list[dict[str, Any]] | None) -> int:
    from sim.experiment import ExperimentError, default_out, run_experiment
    from sim.results import summary_table

    out = args.resume or args.out or default_out(scenario)
    executor, workers, close = _executor(args)
    show = not args.quiet and sys.stderr.isatty()
    try:
        results = run_experiment(
            scenario,
            points=points,
            executor=executor,
            workers=workers,
            out=out,
            resume=args.resume is not None,
            progress=show,
        )
    except ExperimentError as exc:
        print(str(exc), file=sys.stderr)
        print(
            f"finished replications are kept; resume with: {_resume_hint(args, out)}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"\ninterrupted; resume with: {_resume_hint(args, out)}", file=sys.stderr)
        return 130
    finally:
        close()
    if not args.no_report:
        from sim.figures import write_figures
        from sim.report import write_report

        figures = write_figures(results, out)
        write_report(results, out)
        if not args.quiet:
            print(
                f"{len(figures)} figure files in {out / 'figures'}; report: {out / 'report.html'}"
            )
    if not args.quiet:
        print(summary_table(results))
    print(f"results written to {out}")
    return 0


def _resume_hint(args: argparse.Namespace, out: Path) -> str:
    parts = ["mentorsim", args.command]
    if args.file:
        parts.append(str(args.file))
    parts += [f"--set {o}" for o in args.overrides]
    for flag in ("reps", "seed", "weeks"):
        if getattr(args, flag) is not None:
            parts.append(f"--{flag} {getattr(args, flag)}")
    parts += [f"--vary {v}" for v in getattr(args, "vary", [])]
    if getattr(args, "lhs", None):
        parts.append(f"--lhs {args.lhs}")
    parts += [f"--range {r}" for r in getattr(args, "ranges", [])]
    parts.append(f"--resume {out}")
    return " ".join(parts)


def _run(args: argparse.Namespace) -> int:
    return _execute(args, _load_for_run(args), None)


def _sweep(args: argparse.Namespace) -> int:
    from sim.sweep import grid_points, lhs_points, parse_range, parse_vary

    scenario = _load_for_run(args)
    if args.lhs is not None:
        if args.vary:
            raise ScenarioError(["--lhs and --vary cannot be combined"])
        points = lhs_points(scenario, [parse_range(r) for r in args.ranges], args.lhs)
    elif args.vary:
        points = grid_points([parse_vary(v) for v in args.vary])
    elif scenario.sweep:
        points = grid_points(list(scenario.sweep.items()))
    else:
        raise ScenarioError(
            [
                "sweep: give --vary PATH=V1,V2,... or --lhs N with --range PATH=LO:HI (or a sweep: block in the file)"
            ]
        )
    return _execute(args, scenario, points)


def _list(args: argparse.Namespace) -> int:
    if args.what == "outcomes":
        from sim.outcomes import CATALOG

        width = max(len(o.name) for o in CATALOG)
        for o in CATALOG:
            print(f"{o.name:<{width}}  {o.unit:<16}  {o.doc}{'' if o.weekly else ' (per run)'}")
    else:
        from sim.pairing import POLICY_DOCS

        width = max(map(len, POLICY_DOCS))
        for name, doc in POLICY_DOCS.items():
            print(f"{name:<{width}}  {doc}")
    return 0


def _app(args: argparse.Namespace) -> int:
    try:
        from sim.app import main as app_main
    except ImportError:
        raise ScenarioError(["the app needs the app extra: pip install 'mentorsim[app]'"]) from None
    app_main(host=args.host, port=args.port)
    return 0


def _docs(args: argparse.Namespace) -> int:
    from sim.docgen import odd_with_table, scenarios_markdown

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(scenarios_markdown())
    print(f"wrote {args.out}")
    odd = args.out.parent / "ODD.md"
    if odd.exists():
        odd.write_text(odd_with_table(odd.read_text()))
        print(f"updated the parameter table of {odd}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
