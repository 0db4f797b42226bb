"""``mentorsim sensitivity``: which assumptions drive a program's effect (Morris or Sobol)."""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

from sim.core.errors import ScenarioError
from sim.ui.cli.common import (
    EXIT_FAILED,
    add_run_args,
    add_scenario_args,
    executor_for,
    load_for_run,
)


def add_parsers(sub) -> None:
    """Add the ``sensitivity`` command."""
    p = sub.add_parser(
        "sensitivity",
        help="which assumptions drive a program's effect: Morris or Sobol over plausible ranges",
        description=(
            "Vary the uncertain parameters (the scenario's uncertain: block, else every dynamics "
            "parameter over its declared plausible range) and analyse the paired effect of each "
            "arm against the baseline (arm minus baseline, same seeds), or with --raw the arms' "
            "own outcomes. Writes sensitivity.csv, robustness.csv, points.parquet, prim.csv, "
            "figures/ and sensitivity.html."
        ),
    )
    add_scenario_args(p, file_required=True)
    add_run_args(p)
    _add_options(p)
    p.set_defaults(handler=_sensitivity)


def _add_options(p: argparse.ArgumentParser) -> None:
    from sim.experiments.sensitivity_defaults import (
        DEFAULT_OUTCOMES,
        DEFAULT_REPS,
        DEFAULT_SAMPLES,
        DEFAULT_TRAJECTORIES,
        METHODS,
        NOISE_GROUPS,
    )

    helps = {
        "reps": f"replications per arm at every point (default {DEFAULT_REPS}, not the scenario's)",
        "out": "output folder (default results/<name>/sensitivity_<UTC timestamp>/)",
        "resume": "continue an interrupted analysis in DIR (or re-analyse a finished one)",
        "no_report": "skip the figures, sensitivity.html and summary.txt",
    }
    for action in p._actions:
        action.help = helps.get(action.dest, action.help)
    p.add_argument("--method", choices=METHODS, default="morris", help="default: morris")
    size = p.add_mutually_exclusive_group()
    size.add_argument(
        "--trajectories",
        type=int,
        metavar="R",
        help=f"Morris trajectories (default {DEFAULT_TRAJECTORIES}; R (k + 1) points)",
    )
    size.add_argument(
        "--samples",
        type=int,
        metavar="N",
        help=f"Sobol base samples, a power of 2 (default {DEFAULT_SAMPLES}; N (k + 2) points)",
    )
    p.add_argument(
        "--outcome",
        dest="outcomes",
        action="append",
        metavar="NAME",
        help=f"outcome to analyse (repeatable; default {' '.join(DEFAULT_OUTCOMES)})",
    )
    p.add_argument(
        "--arm",
        dest="arms",
        action="append",
        metavar="NAME",
        help="arm to analyse (repeatable; default every arm but the baseline)",
    )
    p.add_argument(
        "--raw", action="store_true", help="analyse the arms' own outcomes, not paired effects"
    )
    p.add_argument(
        "--pays-off",
        metavar="OUTCOME>VALUE",
        help="condition for the PRIM box (default roi>0, or the first outcome's effect > 0)",
    )
    p.add_argument(
        "--noise-groups",
        type=int,
        default=NOISE_GROUPS,
        metavar="G",
        help=f"groups of --reps replications at the defaults for the noise floor (default {NOISE_GROUPS})",
    )


def _settings(args: argparse.Namespace):
    from sim.experiments.sensitivity import (
        DEFAULT_OUTCOMES,
        DEFAULT_REPS,
        DEFAULT_SAMPLES,
        DEFAULT_TRAJECTORIES,
        Settings,
    )

    if args.method == "morris" and args.samples is not None:
        raise ScenarioError(["--samples is for --method sobol; use --trajectories with morris"])
    if args.method == "sobol" and args.trajectories is not None:
        raise ScenarioError(["--trajectories is for --method morris; use --samples with sobol"])
    if args.noise_groups < 2:
        raise ScenarioError([f"--noise-groups: must be at least 2 (got {args.noise_groups})"])
    size = args.trajectories if args.method == "morris" else args.samples
    default = DEFAULT_TRAJECTORIES if args.method == "morris" else DEFAULT_SAMPLES
    return Settings(
        method=args.method,
        size=size if size is not None else default,
        reps=args.reps if args.reps is not None else DEFAULT_REPS,
        outcomes=args.outcomes or list(DEFAULT_OUTCOMES),
        arms=args.arms or [],
        raw=args.raw,
        pays_off=args.pays_off,
        noise_groups=args.noise_groups,
    )


def _sensitivity(args: argparse.Namespace) -> int:
    from sim.experiments.experiment import ExperimentError, default_out
    from sim.experiments.sensitivity import plan_text, run_counts, run_sensitivity

    settings = _settings(args)
    scenario_args = copy.copy(args)
    scenario_args.reps = None  # --reps is per point here, not the scenario's replications
    scenario = load_for_run(scenario_args)
    out = args.resume or args.out or _default_out(default_out(scenario))
    if not args.quiet:
        print(plan_text(scenario, settings))
    _, runs, noise = run_counts(scenario, settings)
    executor, workers, close = executor_for(args, runs + noise, scenario)
    try:
        result = run_sensitivity(
            scenario,
            settings,
            executor=executor,
            workers=workers,
            out=out,
            resume=args.resume is not None,
            progress=not args.quiet and sys.stderr.isatty(),
        )
    except ExperimentError as exc:
        print(str(exc), file=sys.stderr)
        print(f"finished runs are kept; resume with: {_resume_hint(args, out)}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"\ninterrupted; resume with: {_resume_hint(args, out)}", file=sys.stderr)
        return 130
    finally:
        close()
    return _report(args, result, out)


def _report(args: argparse.Namespace, result, out: Path) -> int:
    from sim.ui.sensitivity_report import summary_text, write_report

    if not args.no_report:
        page = write_report(result, out)
        if not args.quiet:
            print(f"report: {page}")
    if not args.quiet:
        print(summary_text(result))
    print(f"results written to {out}")
    return 0


def _default_out(experiment_out: Path) -> Path:
    return experiment_out.parent / f"sensitivity_{experiment_out.name}"


def _resume_hint(args: argparse.Namespace, out: Path) -> str:
    from sim.experiments.sensitivity_defaults import NOISE_GROUPS

    parts = ["mentorsim sensitivity", str(args.file), f"--method {args.method}"]
    parts += [f"--set {o}" for o in args.overrides]
    for flag in ("reps", "seed", "weeks", "trajectories", "samples"):
        if getattr(args, flag) is not None:
            parts.append(f"--{flag} {getattr(args, flag)}")
    parts += [f"--outcome {o}" for o in args.outcomes or []]
    parts += [f"--arm {a}" for a in args.arms or []]
    if args.raw:
        parts.append("--raw")
    if args.noise_groups != NOISE_GROUPS:
        parts.append(f"--noise-groups {args.noise_groups}")
    parts.append(f"--resume {out}")
    return " ".join(parts)
