"""``mentorsim calibrate`` and ``mentorsim optimize``: fit the model to a history, search designs."""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

from sim.ui.cli.common import (
    EXIT_FAILED,
    add_run_args,
    add_scenario_args,
    check_out_folder,
    executor_for,
    load_for_run,
)

EXIT_INTERRUPTED = 130


def add_parsers(sub) -> None:
    """Add the ``calibrate`` and ``optimize`` commands."""
    p = sub.add_parser(
        "calibrate",
        help="fit the uncertain parameters to an organization's history (targets.csv)",
        description=(
            "Search the uncertain parameters (the scenario's uncertain: block, else every "
            "dynamics parameter over its plausible range) for the values whose simulated means "
            "best match the targets (weighted squared error, standardized by sd where given), "
            "every trial with the same replication seeds. Writes calibrated.yaml, trials.csv, "
            "fit.csv, identifiability.csv, figures/fit.png and fit.html."
        ),
    )
    add_scenario_args(p, file_required=True)
    add_run_args(p)
    p.add_argument(
        "--targets",
        type=Path,
        required=True,
        help="CSV with outcome,week,value[,weight][,sd]: what the organization saw",
    )
    _add_search_options(p, "calibrate", "the arm the organization ran (default: the baseline)")
    p.set_defaults(handler=_calibrate)

    p = sub.add_parser(
        "optimize",
        help="the program designs on the Pareto front of paired effects and cost (levers: block)",
        description=(
            "Search the scenario's levers: block (program fields of the optimized arm) with "
            "NSGA-II; every trial runs the baseline and the arm with the same seeds and scores "
            "paired effects (arm minus baseline) and the program's cost. Writes pareto.csv, "
            "trials.csv, best_arms.yaml (run it with mentorsim run), recheck.csv, "
            "figures/pareto.png and pareto.html."
        ),
    )
    add_scenario_args(p, file_required=True)
    add_run_args(p)
    _add_search_options(
        p, "optimize", "the arm to optimize (default: the first besides the baseline)"
    )
    p.add_argument(
        "--budget",
        type=float,
        metavar="X",
        help="hard limit on the program cost of every replication (the scenario's currency)",
    )
    p.add_argument(
        "--objective",
        dest="objectives",
        action="append",
        metavar="NAME:max|min",
        help="objective (repeatable; default adoption_seniors:max retention_12m:max program_cost:min)",
    )
    p.add_argument(
        "--chosen", type=int, default=None, metavar="N", help="front designs to re-run (default 5)"
    )
    p.set_defaults(handler=_optimize)


def _add_search_options(p: argparse.ArgumentParser, command: str, arm_help: str) -> None:
    helps = {
        "reps": "replications per trial (default 4; the same seeds for every trial)",
        "out": f"output folder (default results/<name>/{command}_<UTC timestamp>/)",
        "resume": f"continue the {command} study stored in DIR (--trials may grow)",
        "no_report": "skip the figure, the HTML page and summary.txt",
    }
    for action in p._actions:
        action.help = helps.get(action.dest, action.help)
    p.add_argument("--trials", type=int, metavar="N", help="trials (default 64)")
    p.add_argument(
        "--batch", type=int, metavar="B", help="trials proposed and run together (default 8)"
    )
    p.add_argument(
        "--check-reps",
        type=int,
        metavar="K",
        help="replications of the final run(s) at the best values (default 20)",
    )
    p.add_argument("--arm", help=arm_help)


def _common(args: argparse.Namespace, settings) -> None:
    for name in ("trials", "reps", "batch", "check_reps", "arm"):
        if getattr(args, name, None) is not None:
            setattr(settings, name, getattr(args, name))


def _scenario(args: argparse.Namespace):
    scenario_args = copy.copy(args)
    scenario_args.reps = None  # --reps is per trial here, not the scenario's replications
    return load_for_run(scenario_args)


def _out(args: argparse.Namespace, scenario, command: str) -> Path:
    from sim.experiments.experiment import default_out

    if args.resume is not None:
        out = args.resume
    elif args.out is not None:
        out = args.out
    else:
        base = default_out(scenario)
        out = base.parent / f"{command}_{base.name}"
    check_out_folder(out, resume=args.resume is not None)
    return out


def _calibrate(args: argparse.Namespace) -> int:
    from sim.experiments.calibration import Settings, read_targets, run_calibration

    scenario = _scenario(args)
    settings = Settings()
    _common(args, settings)
    targets = read_targets(args.targets, scenario)
    out = _out(args, scenario, "calibrate")
    run = lambda pool, n: run_calibration(  # noqa: E731
        scenario, targets, settings, executor=pool, workers=n, out=out,
        resume=args.resume is not None, progress=not args.quiet and sys.stderr.isatty(),
    )  # fmt: skip
    result = _run(args, run, settings.batch * settings.reps, scenario, out, "calibrate")
    if isinstance(result, int):
        return result
    from sim.ui.search_report import calibration_summary, write_calibration_report

    return _finish(args, out, result, calibration_summary, write_calibration_report)


def _optimize(args: argparse.Namespace) -> int:
    from sim.experiments.optimization import Settings, run_optimization

    scenario = _scenario(args)
    settings = Settings()
    _common(args, settings)
    settings.budget = args.budget
    if args.objectives:
        settings.objectives = list(args.objectives)
    if args.chosen is not None:
        settings.chosen = args.chosen
    out = _out(args, scenario, "optimize")
    run = lambda pool, n: run_optimization(  # noqa: E731
        scenario, settings, executor=pool, workers=n, out=out,
        resume=args.resume is not None, progress=not args.quiet and sys.stderr.isatty(),
    )  # fmt: skip
    result = _run(args, run, 2 * settings.batch * settings.reps, scenario, out, "optimize")
    if isinstance(result, int):
        return result
    from sim.ui.search_report import optimization_summary, write_optimization_report

    return _finish(args, out, result, optimization_summary, write_optimization_report)


def _run(args, run, tasks: int, scenario, out: Path, command: str):
    from sim.experiments.experiment import ExperimentError

    executor, workers, close = executor_for(args, tasks, scenario)
    try:
        return run(executor, workers)
    except ExperimentError as exc:
        print(str(exc), file=sys.stderr)
        print(f"finished trials are kept; resume with: {_resume_hint(args, out, command)}",
              file=sys.stderr)  # fmt: skip
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"\ninterrupted; resume with: {_resume_hint(args, out, command)}", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        close()


def _finish(args, out: Path, result, summary, write_report) -> int:
    if not args.no_report:
        page = write_report(result, out)
        if not args.quiet:
            print(f"report: {page}")
    if not args.quiet:
        print(summary(result))
    print(f"results written to {out}")
    return 0


def _resume_hint(args: argparse.Namespace, out: Path, command: str) -> str:
    parts = [f"mentorsim {command}", str(args.file)]
    parts += [f"--set {o}" for o in args.overrides]
    for flag in ("seed", "weeks", "reps", "trials", "batch", "check_reps", "arm", "targets",
                 "budget", "chosen"):  # fmt: skip
        value = getattr(args, flag, None)
        if value is not None:
            parts.append(f"--{flag.replace('_', '-')} {value}")
    parts += [f"--objective {o}" for o in getattr(args, "objectives", None) or []]
    parts.append(f"--resume {out}")
    return " ".join(parts)
