"""``mentorsim org check``, ``mentorsim org template`` and ``mentorsim pairs``: your own organization.

``org check`` reads and checks a roster (and ties) and prints its profile; it writes nothing.
``org template`` writes a synthetic organization in the roster format. ``pairs`` lists the pairs
an arm's policy forms at its first wave on the scenario's organization, by ``employee_id``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pydantic import ValidationError

from sim.core.errors import ScenarioError
from sim.ui.cli.common import add_scenario_args

TOP = 20
"""Pairs printed by ``mentorsim pairs`` (all of them go to ``--out``)."""


def add_parsers(sub) -> None:
    """Add the ``org`` (``check``, ``template``) and ``pairs`` commands."""
    p = sub.add_parser("org", help="check a roster, or write a template roster")
    org = p.add_subparsers(dest="org_command", required=True)

    c = org.add_parser("check", help="check a roster file and print its profile (writes nothing)")
    c.add_argument("file", type=Path, help="roster file (CSV or Parquet)")
    c.add_argument("--ties", type=Path, help="collaboration ties file (source_id, target_id)")
    c.add_argument("--as-of", help="date the roster describes, YYYY-MM-DD")
    c.add_argument("--skill-scale", choices=["unit", "likert5"], default="unit")
    c.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="COLUMN",
        help="column to skip unread, as organization.ignore_columns (repeatable)",
    )
    c.set_defaults(handler=_check)

    t = org.add_parser("template", help="write a synthetic organization in the roster format")
    t.add_argument("--size", type=int, required=True, help="employees")
    t.add_argument("--levels", type=int, default=None, help="levels (default: from the size)")
    t.add_argument("--span", type=int, default=8, help="most direct reports (default 8)")
    t.add_argument("--seed", type=int, default=1, help="seed of the draws (default 1)")
    t.add_argument("--out", type=Path, required=True, help="file to write (.csv or .parquet)")
    t.add_argument("--force", action="store_true", help="replace --out if it exists")
    t.set_defaults(handler=_template)

    q = sub.add_parser(
        "pairs", help="the pairs an arm's policy forms at its first wave, by employee_id"
    )
    add_scenario_args(q, file_required=True)
    q.add_argument("--arm", required=True, help="the arm whose program forms the pairs")
    q.add_argument("--seed", type=int, help="root seed (overrides the scenario's)")
    q.add_argument("--out", type=Path, help="write every pair here (.csv or .parquet)")
    q.add_argument("--force", action="store_true", help="replace --out if it exists")
    q.set_defaults(handler=_pairs)


# ------------------------------------------------------------------------------ org check


def _check(args: argparse.Namespace) -> int:
    from sim.core.roster import read_roster, read_ties
    from sim.core.roster_profile import roster_profile

    as_of = _date(args.as_of) if args.as_of else None
    roster = read_roster(
        args.file, as_of=as_of, skill_scale=args.skill_scale, ignore_columns=args.ignore
    )
    ties = read_ties(args.ties, roster, ignore_columns=args.ignore) if args.ties else None
    print("\n".join(profile_lines(roster_profile(roster, ties))))
    return 0


def _date(text: str):
    import datetime

    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise ScenarioError([f"--as-of: {text!r} is not a date YYYY-MM-DD"]) from None


def profile_lines(info: dict) -> list[str]:
    """A roster's profile as lines for a terminal."""
    lines = [
        f"{info['file']}: ok, {info['headcount']:,} employees as of {info['as_of']} "
        f"(SHA-256 {info['sha256'][:16]}...)"
    ]
    lines += [f"  handled: {note}" for note in info["notes"]]
    levels = " | ".join(f"{lv}: {n:,}" for lv, n in sorted(info["levels"].items()))
    lines.append(f"  levels (0 = individual contributors): {levels}; tree depth {info['depth']}")
    lines.append(
        f"  spans: {info['managers']:,} managers, {info['span_mean']:.1f} direct reports on "
        f"average (median {info['span_median']:g}, most {info['span_max']:,})"
    )
    depts = sorted(info["departments"].items(), key=lambda kv: -kv[1])
    lines.append(
        f"  departments: {len(depts)} (largest {depts[0][0]} {depts[0][1]:,}, "
        f"smallest {depts[-1][0]} {depts[-1][1]:,})"
    )
    lines += _mix_lines(info)
    lines += _privacy_lines(info)
    return lines


def _mix_lines(info: dict) -> list[str]:
    lines = []
    if info["cohorts"]:
        mix = " | ".join(f"{c} {s:.0%}" for c, s in info["cohorts"].items())
        lines.append(f"  generations: {mix}")
    else:
        lines.append("  generations: not in the file (drawn from the scenario's cohort shares)")
    for key, label, unit in (("tenure_years", "tenure", "years"), ("age_years", "age", "years")):
        s = info[key]
        if s:
            lines.append(
                f"  {label}: median {s['median']:.1f} {unit} (10-90%: {s['p10']:.1f}-"
                f"{s['p90']:.1f}; known for {s['known']:,})"
            )
        else:
            lines.append(f"  {label}: not in the file (drawn)")
    share = info["underrepresented_share"]
    lines.append(
        f"  under-represented: {share:.0%}" if share is not None else "  under-represented: drawn"
    )
    net = info["network"]
    if net:
        lines.append(
            f"  network: {net['ties']:,} ties, degree mean {net['degree_mean']:.1f} (median "
            f"{net['degree_median']:g}, most {net['degree_max']:,}), {net['isolated']:,} without ties"
        )
    return lines


def _privacy_lines(info: dict) -> list[str]:
    k = info["k_anonymity"]
    attrs = " x ".join(k["attributes"])
    lines = [f"  k-anonymity: {k['k']} (smallest group sharing {attrs})"]
    if k["k"] < k["threshold"]:
        lines.append(
            f"  warning: {k['groups_below']:,} groups smaller than {k['threshold']} hold "
            f"{k['people_in_groups_below']:,} people, who may be identifiable from {attrs}; "
            "merge small departments or levels before sharing the file"
        )
    from_file = [f for f, s in info["sources"].items() if s.startswith("file")]
    drawn = [f for f, s in info["sources"].items() if not s.startswith("file")]
    lines.append(f"  from the file: {', '.join(from_file)}")
    lines.append(f"  drawn or derived when simulated: {', '.join(drawn)}")
    return lines


# ------------------------------------------------------------------------------ org template


def _template(args: argparse.Namespace) -> int:
    import numpy as np

    from sim.core.organization_params import Organization
    from sim.core.roster_template import roster_template, write_roster

    _free(args.out, args.force)
    levels = args.levels or max(2, int(np.ceil(np.log(max(args.size, 2)) / np.log(args.span))) + 1)
    try:
        org = Organization(size=args.size, levels=levels, span_of_control=args.span)
    except ValidationError as exc:
        raise ScenarioError(
            [
                f"--size/--levels/--span: {e['msg'].removeprefix('Value error, ')}"
                for e in exc.errors()
            ]
        ) from None
    table, as_of = roster_template(org, seed=args.seed)
    write_roster(table, args.out)
    print(
        f"wrote {args.out}: {len(table):,} employees in {levels} levels (synthetic); "
        f"use it with organization: {{roster: {args.out.name}, as_of: {as_of}}}"
    )
    return 0


def _free(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise ScenarioError([f"--out {path}: the file exists; pass --force to replace it"])
    if path.exists() and path.is_dir():
        raise ScenarioError([f"--out {path}: is a directory"])


# ------------------------------------------------------------------------------ pairs


def _pairs(args: argparse.Namespace) -> int:
    from sim.model.proposal import proposed_pairs
    from sim.model.scenario import load_scenario

    if args.out is not None:
        _free(args.out, args.force)
    overrides = [*args.overrides, *([f"seed={args.seed}"] if args.seed is not None else [])]
    scenario = load_scenario(args.file, overrides=overrides)
    table = proposed_pairs(scenario, args.arm)
    _print_pairs(table, scenario.arm(args.arm).program, args.arm)
    if args.out is not None:
        from sim.core.roster_template import write_roster

        write_roster(table, args.out)
        print(f"wrote {len(table):,} rows to {args.out}")
    return 0


def _print_pairs(table, program, arm: str) -> None:
    import pandas as pd

    boards = table["board"].nunique() if len(table) else 0
    print(
        f"arm {arm}: policy {program.pairing}, first wave; {boards:,} mentees paired "
        "(everyone eligible assumed to take part)"
    )
    if not len(table):
        print("no pairs: no eligible mentor or mentee")
        return
    shown = table[["mentee_id", "mentor_id", "score", "reasons"]].head(TOP)
    with pd.option_context("display.max_colwidth", 90, "display.width", 200):
        print(shown.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    if len(table) > TOP:
        print(f"... {len(table) - TOP:,} more (all with --out FILE)")
