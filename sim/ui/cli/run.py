"""``mentorsim run`` and ``mentorsim sweep``: every arm x replication (x sweep point)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sim.model.scenario import ScenarioError
from sim.ui.cli.common import (
    EXIT_FAILED,
    add_run_args,
    add_scenario_args,
    executor_for,
    load_for_run,
)


def add_parsers(sub) -> None:
    """Add the ``run`` and ``sweep`` commands."""
    p = sub.add_parser("run", help="run every arm x replication of a scenario")
    add_scenario_args(p)
    add_run_args(p)
    p.set_defaults(handler=_run)

    p = sub.add_parser(
        "sweep", help="run a scenario over a grid or a Latin hypercube of field values"
    )
    add_scenario_args(p, file_required=True)
    add_run_args(p)
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
    p.set_defaults(handler=_sweep)


def _execute(args: argparse.Namespace, scenario, points: list[dict[str, Any]] | None) -> int:
    from sim.experiments.experiment import ExperimentError, default_out, run_experiment
    from sim.ui.terminal import summary_table

    out = args.resume or args.out or default_out(scenario)
    executor, workers, close = executor_for(args)
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
        from sim.ui.figures import make_figures, write_figures
        from sim.ui.report import write_report
        from sim.ui.terminal import stage

        with stage("drawing the figures", show):
            drawn = make_figures(results)
            figures = write_figures(results, out, drawn)
        with stage("writing the report", show):
            write_report(results, out, figures=drawn)
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
    return _execute(args, load_for_run(args), None)


def _sweep(args: argparse.Namespace) -> int:
    from sim.experiments.sweep import grid_points, lhs_points, parse_range, parse_vary

    scenario = load_for_run(args)
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
