"""Why a pairing search scores what it scores: the frontier's bound against the true scores.

    .venv/bin/python benchmarks/search_stats.py [--sizes 100k 1m] [--paired 0.7] [--out F]

(``--sizes small``: 200 x 2,000 drawn from a 3,000-person organization, for CI.)

On the captured first pairing of the default program (as ``bench_pairing.py`` captures it),
``influence_first`` pairs the first ``--paired`` share of its mentees; then, for 64 of the
mentees left (drawn with seed 0), with every mentor still open, this measures:

* the open mentors in the 64-mentor blocks whose *bound* reaches a mentee's 32nd best score
  (what a search scores for that mentee), per mentee and for 32 mentees together (what a query
  scored when every mentee of a query was scored against the union of their blocks);
* the same with each block's *true* best score in place of the bound (the least any block
  search could score);
* the bound's slack: its excess over the true score, per mentor (the bound of one mentor) and
  per block, and the spread of a mentee's 32 best scores.

Writes ``benchmarks/results_search_stats.json`` (or ``--out``).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
from bench_pairing import HERE, _scorer, capture

from sim.program.pairing import policies
from sim.program.pairing.scores import TAIL_SKILL_GRID
from sim.program.pairing.solvers import Seats, serial

K = 32
SAMPLE = 64


def stats(path: Path, paired: float) -> dict:
    """The measures of the module docstring on the problem at ``path``."""
    sc0, caps = _scorer(path)
    order = policies._seniority_order(sc0)
    cut = int(paired * sc0.m)
    seats = Seats(caps)
    index = seats.index(sc0)
    serial(index, order[:cut], seats, 1, {})
    sc, step = index.sc, index.tail.step
    sample = min(SAMPLE, sc0.m - cut)
    rows = np.random.default_rng(0).choice(order[cut:], sample, replace=False)
    vals = sc.match(rows[:, None], np.arange(sc.n)[None, :])
    vals[:, ~index.live] = -np.inf
    kth = -np.sort(-vals, axis=1)[:, K - 1]
    starts = np.arange(0, sc.n, step)
    blocks = np.arange(len(starts))
    bound = index.tail.bound(sc, rows[:, None], blocks[None, :], blocks=True)
    open_in = np.add.reduceat(index.live.astype(np.int64), starts)
    reach = bound >= kth[:, None]
    true_best = np.maximum.reduceat(vals, starts, axis=1)
    union = [int((reach[a : a + K].any(axis=0) * open_in).sum()) for a in range(0, sample, K)]
    w = sc.weights
    a, b = sc.mentor_focus, sc.mentee_focus[:, rows]
    per_mentor = np.full(vals.shape, np.inf)
    for s in TAIL_SKILL_GRID:
        mentor = np.maximum(a, s).mean(axis=0)
        mentee = np.maximum(b - s, 0.0).mean(axis=0) - b.mean(axis=0)
        attitude = w.attitude * sc.receptive[rows][:, None] * sc.willing[None, :]
        per_mentor = np.minimum(
            per_mentor, w.skill * (mentor[None, :] + mentee[:, None]) + attitude
        )
    live = np.broadcast_to(index.live, vals.shape)
    finite = np.isfinite(true_best)
    return {
        "mentees": sc.m,
        "mentors": sc.n,
        "paired_before": cut,
        "open_mentors": int(index.live.sum()),
        "sample": int(sample),
        "k": K,
        "open_mentors_in_blocks_bound_reaches_per_mentee": float(
            (reach * open_in).sum(axis=1).mean()
        ),
        f"open_mentors_in_blocks_bound_reaches_for_{K}_mentees_together": float(np.mean(union)),
        "open_mentors_in_blocks_true_best_reaches_per_mentee": float(
            ((true_best >= kth[:, None]) * open_in).sum(axis=1).mean()
        ),
        "bound_slack_per_mentor_mean": float((per_mentor - vals)[live].mean()),
        "bound_slack_per_block_mean": float((bound[finite] - true_best[finite]).mean()),
        f"spread_of_{K}_best_scores_median": float(np.median(vals.max(axis=1) - kth)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", nargs="*", default=["100k", "1m"], choices=["small", "100k", "1m"]
    )
    parser.add_argument("--paired", type=float, default=0.7)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=HERE / "results_search_stats.json")
    args = parser.parse_args(argv)
    if not 0.0 <= args.paired < 1.0:
        parser.error(f"--paired: a share in [0, 1) of the mentees (got {args.paired})")
    out = {}
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            path = capture(size, args.seed, Path(folder))
            out[size] = {"paired_share": args.paired, **stats(path, args.paired)}
    print(json.dumps(out, indent=2))
    args.out.write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
