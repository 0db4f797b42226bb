"""``mentorsim run`` and ``mentorsim sweep``: every arm x replication (x sweep point)."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.core.errors import OptionError, ResultsFolderError, ScenarioError, shown
from sim.ui.cli.common import (
    EXIT_FAILED,
    add_run_args,
    add_scenario_args,
    check_out_folder,
    discard_cluster_start,
    executor_for,
    explicit_settings,
    import_in_background,
    load_for_run,
    local_processes,
    warm_local_workers,
)

EXIT_INTERRUPTED = 130
"""Exit status after Ctrl-C (128 + SIGINT), as shells report it."""

RUN_SETTINGS = ("replications", "seed", "horizon_weeks")
"""Fields an experiment's command line usually sets: a resume keeps the experiment's own."""

PointsOf = Callable[[Any], list[dict[str, Any]] | None]

COMPILED_NOTE_EMPLOYEES = 50_000
"""From this size, a program's first pairing searches pools of about 20,000 mentors and more,
where the compiled search of the ``fast`` extra takes over (``COMPILED_FROM`` in
:mod:`sim.program.pairing.candidates`) and pays most."""


def add_parsers(sub) -> None:
    """Add the ``run`` and ``sweep`` commands."""
    p = sub.add_parser("run", help="run every arm x replication of a scenario")
    add_scenario_args(p)
    add_run_args(p)
    p.set_defaults(handler=_run)

    p = sub.add_parser(
        "sweep", help="run a scenario over a grid or a Latin hypercube of field values"
    )
    add_scenario_args(p)
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


def _execute(args: argparse.Namespace, scenario, points_of: PointsOf) -> int:
    from sim.experiments.experiment import (
        ExperimentError,
        check_work_size,
        default_out,
        run_experiment,
    )
    from sim.ui.terminal import summary_table

    resume = args.resume is not None
    if resume and args.out is not None and args.out != args.resume:
        raise OptionError([f"--out {args.out} and --resume {args.resume}: give one folder"])
    out = args.resume or args.out or default_out(scenario)
    check_out_folder(out, resume)
    replications = None
    if resume:
        scenario, points, replications = _resume_settings(args, scenario, points_of)
    else:
        points = points_of(scenario)
    tasks = check_work_size(scenario, len(points or [{}]), replications)
    _note_compiled_search(scenario, points)
    if not args.no_report and (args.executor != "local" or min(local_processes(args), tasks) > 1):
        # this process waits for its workers (and a Dask cluster to start) meanwhile
        import_in_background("sim.ui.figures", "sim.ui.report")
    executor, workers, close = executor_for(args, tasks, scenario)
    show = not args.quiet and sys.stderr.isatty()
    try:
        results = run_experiment(
            scenario,
            points=points,
            replications=replications,
            executor=executor,
            workers=workers,
            out=out,
            resume=resume,
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
        return EXIT_INTERRUPTED
    finally:
        close()
    if not args.no_report and _write_report(args, results, out, show) != 0:
        return EXIT_INTERRUPTED
    if not args.quiet:
        print(summary_table(results))
    print(f"results written to {out}")
    return 0


def _note_compiled_search(scenario, points: list[dict[str, Any]] | None) -> None:
    """Say on stderr that the ``fast`` extra would pair a large organization faster.

    Said when an arm runs a program in an organization of :data:`COMPILED_NOTE_EMPLOYEES` or
    more (at any sweep point), numba is not installed and the user has not refused it
    (``MENTORSIM_COMPILED=0``). The pairs are the same either way.
    """
    import os

    from sim.kernels import compiled_available

    sizes = [scenario.organization.size]
    sizes += [p.get("organization.size") for p in points or []]
    # a point's value is validated later, with the point: here only numbers count
    employees = int(max(s for s in sizes if isinstance(s, int | float) and not isinstance(s, bool)))
    programs = any(arm.program is not None for arm in scenario.arms)
    refused = os.environ.get("MENTORSIM_COMPILED") == "0"
    if employees < COMPILED_NOTE_EMPLOYEES or not programs or refused or compiled_available():
        return
    print(
        f"note: {employees:,} employees: the search for each mentee's best mentors runs in "
        "numpy; the fast extra (numba: pip install '.[fast]' in the project's folder) compiles "
        "it, for the same pairs several times faster at this size",
        file=sys.stderr,
    )


def _write_report(args: argparse.Namespace, results, out: Path, show: bool) -> int:
    from sim.ui.figures import write_figures
    from sim.ui.report import write_report
    from sim.ui.terminal import stage

    try:
        with stage("drawing the figures", show):
            figures = write_figures(results, out, processes=local_processes(args))
        with stage("writing the report", show):
            # the PNG files just written, embedded as they are: nothing is drawn twice
            pngs = {path.stem: path.read_bytes() for path in figures if path.suffix == ".png"}
            write_report(results, out, figures=pngs)
    except KeyboardInterrupt:
        print(
            f"\ninterrupted while writing the figures and the report; the tables in {out} are "
            f"complete. Write the report again with: {_resume_hint(args, out)}",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    if not args.quiet:
        print(f"{len(figures)} figure files in {out / 'figures'}; report: {out / 'report.html'}")
    return 0


def _resume_hint(args: argparse.Namespace, out: Path) -> str:
    """The command that resumes: the experiment's own settings are kept, so none are needed."""
    return f"mentorsim {args.command} --resume {out}"


def _resume_settings(args: argparse.Namespace, requested, points_of: PointsOf):
    """The settings of the experiment being resumed: (scenario, points, replications).

    The experiment's own settings are kept. Every setting the command line asks for
    (``--set``, ``--reps``, ``--seed``, ``--weeks``, sweep points) must agree with them; a
    difference is refused, naming it. A scenario file given again is not read for settings
    (the experiment may have been started with options on top of it): where it differs from
    the experiment, a note says so.
    """
    from sim.experiments.storage import stored_plan
    from sim.model.scenario import validate

    folder = args.resume
    stored = stored_plan(folder)
    if stored is None:  # damaged or not a results folder: the results folder says which
        return requested, points_of(requested), None
    try:
        kept = validate(stored["scenario"])
    except ScenarioError as exc:
        raise ResultsFolderError(
            [f"--resume {folder}: its scenario is no longer valid ({exc.errors[0]})"]
        ) from None
    conflicts = _conflicts(args, requested.to_dict(), kept.to_dict(), folder)
    points = stored["points"]
    asks_points = args.command == "sweep" and (args.vary or args.lhs is not None or args.ranges)
    if asks_points and (points_of(kept) or [{}]) != points:
        conflicts.append(
            f"--vary/--lhs/--range: other sweep points than the experiment in {folder}"
        )
    if conflicts:
        conflicts.append(
            f"resume with the experiment's own settings: mentorsim {args.command} --resume {folder}"
        )
        raise OptionError(conflicts)
    if args.file is not None:
        _note_file_differences(args, requested.to_dict(), kept.to_dict(), folder)
    return kept, (points if points != [{}] else None), stored["replications"]


def _conflicts(args: argparse.Namespace, asked: dict, kept: dict, folder: Path) -> list[str]:
    from sim.model.scenario import get_path

    conflicts = []
    for option, path, _ in explicit_settings(args):
        try:
            here, there = get_path(asked, path), get_path(kept, path)
        except (KeyError, IndexError, TypeError, ValueError):
            continue
        if here != there:
            conflicts.append(f"{option}: the experiment in {folder} has {path} = {shown(there)}")
    return conflicts


def _note_file_differences(args: argparse.Namespace, asked: dict, kept: dict, folder: Path) -> None:
    from sim.experiments.storage import differences

    explicit = [path for _, path, _ in explicit_settings(args)]
    paths = [
        p
        for p in differences(kept, asked)
        if not any(p == e or p.startswith(e + ".") for e in (*explicit, *RUN_SETTINGS))
    ]
    if paths:
        shown_paths = ", ".join(
            f"{p} ({shown(_value(kept, p))} there, {shown(_value(asked, p))} here)"
            for p in paths[:5]
        )
        print(
            f"note: {args.file} differs from the experiment in {folder} at {shown_paths}"
            f"{' and more' if len(paths) > 5 else ''}; the experiment's own settings are kept",
            file=sys.stderr,
        )


def _value(data: dict, path: str) -> Any:
    from sim.model.scenario import get_path

    try:
        return get_path(data, path)
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def _run(args: argparse.Namespace) -> int:
    warm_local_workers(args)
    try:
        return _execute(args, load_for_run(args), lambda scenario: None)
    finally:
        discard_cluster_start(args)


def _sweep(args: argparse.Namespace) -> int:
    if args.file is None and args.resume is None:
        raise OptionError(["sweep: give a scenario file (or --resume DIR)"])
    warm_local_workers(args)
    try:
        return _execute(args, load_for_run(args), lambda scenario: _sweep_points(args, scenario))
    finally:
        discard_cluster_start(args)


def _sweep_points(args: argparse.Namespace, scenario) -> list[dict[str, Any]]:
    """The sweep's points, each size checked before anything is drawn or built."""
    from sim.experiments.experiment import check_work_size
    from sim.experiments.sweep import grid_points, lhs_points, parse_range, parse_vary

    if args.lhs is not None:
        if args.vary:
            raise OptionError(["--lhs and --vary cannot be combined"])
        ranges = [parse_range(r) for r in args.ranges]
        if args.lhs >= 1:
            check_work_size(scenario, args.lhs)
        return lhs_points(scenario, ranges, args.lhs)
    if args.vary:
        axes = [parse_vary(v) for v in args.vary]
    elif scenario.sweep:
        axes = list(scenario.sweep.items())
    else:
        raise OptionError(
            [
                "sweep: give --vary PATH=V1,V2,... or --lhs N with --range PATH=LO:HI (or a sweep: block in the file)"
            ]
        )
    check_work_size(scenario, math.prod(len(values) for _, values in axes))
    return grid_points(axes)
