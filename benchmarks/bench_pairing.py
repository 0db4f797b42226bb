"""Time every pairing policy on a large organization.

Full size: 2,000 senior mentees and 20,000 junior mentors drawn from a 30,000-person
organization (6 levels, span of control 10), capacity 1, the digital skills as focus, default
weights, reporting lines excluded. ``--small`` runs 200 x 2,000 (from 3,000 people) for CI.

Prints a table (seconds, pairs formed, mean and total match score of the pairs) and writes JSON
to ``benchmarks/results_pairing.json`` (full size; ``--small`` writes only with ``--out``).

Memory: the policies never build the mentee x mentor score matrix (320 MB in float64 at full
size); they score mentees in cache-sized chunks and keep at most 4M best-first list entries
(64 MB). The peak resident memory of the run is printed and stored.

    .venv/bin/python benchmarks/bench_pairing.py [--small] [--group 4] [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import time
from pathlib import Path

import numpy as np

from sim.core.organization import build_organization
from sim.core.organization_params import Organization
from sim.core.rng import Streams
from sim.program.design import POLICIES, ScoreWeights
from sim.program.pairing import POLICY_FUNCTIONS, form_pairs, pair_scores

HERE = Path(__file__).resolve().parent
FULL = {"size": 30_000, "mentees": 2_000, "mentors": 20_000}
SMALL = {"size": 3_000, "mentees": 200, "mentors": 2_000}


def setup(size: int, n_mentees: int, n_mentors: int, seed: int):
    """Build the organization and draw senior mentees and junior mentors."""
    state = build_organization(Organization(size=size, levels=6, span_of_control=10), Streams(seed))
    rng = Streams(seed)["bench.pairing"]
    seniors, juniors = np.flatnonzero(state.senior), np.flatnonzero(~state.senior)
    if len(seniors) < n_mentees or len(juniors) < n_mentors:
        sys.exit(f"organization too small: {len(seniors)} seniors, {len(juniors)} juniors")
    mentees = rng.choice(seniors, n_mentees, replace=False)
    mentors = rng.choice(juniors, n_mentors, replace=False)
    return state, mentors, mentees


def run_policy(policy: str, state, mentors, mentees, group: int | None, seed: int) -> dict:
    """Time one policy and summarize its pairs."""
    weights = ScoreWeights()
    start = time.perf_counter()
    pairs = form_pairs(
        policy,
        state,
        mentors,
        mentees,
        capacity=1,
        focus=state.digital,
        weights=weights,
        exclude_reporting_lines=True,
        rng=Streams(seed)["bench.policy"],
        group_size=group,
    )
    seconds = time.perf_counter() - start
    mentee = np.array([e for e, board in pairs for _ in board], dtype=np.int64)
    mentor = np.array([c for _, board in pairs for c in board], dtype=np.int64)
    scores = pair_scores(state, mentor, mentee, state.digital, weights)
    return {
        "policy": policy,
        "seconds": round(seconds, 3),
        "pairs": len(pairs),
        "mean_score": round(float(scores.mean()), 4) if scores.size else None,
        "total_score": round(float(scores.sum()), 4),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="200 mentees x 2,000 mentors")
    parser.add_argument("--group", type=int, default=None, help="board size (group format)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None, help="JSON output path")
    parser.add_argument("--policies", nargs="*", default=list(POLICIES))
    args = parser.parse_args(argv)
    dims = SMALL if args.small else FULL
    out = args.out or (None if args.small else HERE / "results_pairing.json")

    t0 = time.perf_counter()
    state, mentors, mentees = setup(dims["size"], dims["mentees"], dims["mentors"], args.seed)
    print(
        f"organization of {dims['size']:,} built in {time.perf_counter() - t0:.1f} s; "
        f"{len(mentees):,} mentees x {len(mentors):,} mentors, capacity 1"
        + (f", boards of {args.group}" if args.group else "")
    )
    rows = []
    print(f"{'policy':<22}{'seconds':>9}{'pairs':>8}{'mean score':>12}{'total':>11}")
    for policy in args.policies:
        if policy not in POLICY_FUNCTIONS:
            sys.exit(f"unknown policy {policy!r}")
        row = run_policy(policy, state, mentors, mentees, args.group, args.seed)
        rows.append(row)
        mean = "-" if row["mean_score"] is None else f"{row['mean_score']:.4f}"
        print(
            f"{policy:<22}{row['seconds']:>9.2f}{row['pairs']:>8}{mean:>12}"
            f"{row['total_score']:>11.2f}",
            flush=True,
        )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory {peak_mb:.0f} MB")
    if out is not None:
        result = {
            "organization_size": dims["size"],
            "mentees": len(mentees),
            "mentors": len(mentors),
            "capacity": 1,
            "group_size": args.group,
            "seed": args.seed,
            "peak_rss_mb": round(peak_mb),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "results": rows,
        }
        out.write_text(json.dumps(result, indent=2) + "\n")
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
