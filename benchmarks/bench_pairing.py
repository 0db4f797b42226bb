"""Time every pairing policy at three sizes, each policy in a fresh process.

Sizes (``--sizes``):

* ``2k``: 2,000 senior mentees x 20,000 junior mentors drawn from a 30,000-person organization
  (6 levels, span of control 10), capacity 1, the digital skills as focus, default weights,
  reporting lines excluded.
* ``100k`` and ``1m``: the first pairing of the default scenario's program (``optimal``, one
  to one, capacity 1, every volunteer in one wave) at 100,000 and 1,000,000 employees, as the
  model forms it: about 8,000 x 43,000 and 76,000 x 437,000. The problem is captured from a
  model run (its state and the arguments of ``form_pairs``), then every policy pairs it.
* ``small``: 200 x 2,000 (from 3,000 people), for CI.

Each policy runs in a child process that loads the captured problem, pairs it and reports its
seconds (wall and CPU), pairs, total and mean match score and the process's peak resident
memory (imports and the problem's arrays included). With ``--exact`` the optimum is bounded for
sizes up to ``EXACT_MAX_ENTRIES`` pairs: the exact optimum at ``2k`` (a sparse matching over
each mentee's ``m`` best mentors, which holds an optimal assignment at capacity 1) and, where
that is too large, an upper bound from linear-programming duality (:func:`dual_bound`); the gap of each
policy is measured against it.

    .venv/bin/python benchmarks/bench_pairing.py [--sizes 2k 100k 1m] [--exact] [--limit S]
    .venv/bin/python benchmarks/bench_pairing.py --sizes 1m --against REV --rounds 2 --out F

Each policy runs once with each of ``--engines`` in turn (default both): ``numpy`` sets
``MENTORSIM_COMPILED=0`` in the child; ``compiled`` lets a pool of ``COMPILED_FROM`` mentors or
more use the compiled search where numba is installed. Each row says which engine ran.

With ``--against REV`` every policy is also run with git revision REV's package (exported with
``git archive``), the two revisions in turn, ``--rounds`` times each on the same captured
problem: the rows then hold both medians and their ratio, measured side by side.

Writes ``benchmarks/results_pairing.json`` (``--sizes small`` writes only with ``--out``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import scipy.sparse as sp
from revisions import exported
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from sim.core.organization import build_organization
from sim.core.organization_params import Organization
from sim.core.rng import Streams
from sim.program.design import POLICIES, ScoreWeights

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SYNTHETIC = {"small": (3_000, 200, 2_000), "2k": (30_000, 2_000, 20_000)}
PROGRAM = {"100k": 100_000, "1m": 1_000_000}
STATE_FIELDS = [
    "skills",
    "attitudes",
    "experience",
    "digital",
    "department",
    "underrepresented",
    "level",
    "subtree_size",
    "ancestors",
    "depth",
    "senior",
]
EXACT_MAX_ENTRIES = 400_000_000
"""Largest mentees x mentors for which ``--exact`` bounds the optimum (blocked full scoring)."""


def synthetic(size: int, n_mentees: int, n_mentors: int, seed: int) -> dict:
    """Senior mentees and junior mentors drawn from an organization (the ``2k`` problem)."""
    state = build_organization(Organization(size=size, levels=6, span_of_control=10), Streams(seed))
    rng = Streams(seed)["bench.pairing"]
    seniors, juniors = np.flatnonzero(state.senior), np.flatnonzero(~state.senior)
    return _problem(
        state,
        mentors=rng.choice(juniors, n_mentors, replace=False),
        mentees=rng.choice(seniors, n_mentees, replace=False),
        capacity=np.ones(n_mentors, dtype=np.int64),
        focus=state.digital,
        weights=ScoreWeights(),
        exclude_reporting_lines=True,
    )


class _Captured(Exception):
    """Raised by the capturing stand-in of ``form_pairs`` to stop the model."""


def program_problem(size: int, seed: int) -> dict:
    """The first pairing of the default scenario's program at ``size`` employees."""
    from sim import ReverseMentoringModel, load_scenario
    from sim.program import pairing

    levels = max(3, int(np.ceil(np.log(size) / np.log(8))) + 1)  # as benchmarks/run.py
    scenario = load_scenario(
        {
            "horizon_weeks": 4,
            "organization": {"size": size, "levels": levels, "span_of_control": 10},
        }
    )
    model = ReverseMentoringModel(scenario, arm="reverse_mentoring", rng=seed)
    captured = {}

    def capture(policy, state, mentors, mentees, **kwargs):
        captured.update(kwargs, state=state, mentors=mentors, mentees=mentees)
        raise _Captured

    original, pairing.form_pairs = pairing.form_pairs, capture
    try:
        model.run()
    except _Captured:
        pass
    finally:
        pairing.form_pairs = original
    del captured["rng"], captured["group_size"]
    return _problem(**captured)


def _problem(state, mentors, mentees, capacity, focus, weights, exclude_reporting_lines) -> dict:
    arrays = {f"state_{name}": np.asarray(getattr(state, name)) for name in STATE_FIELDS}
    capacity = np.broadcast_to(np.asarray(capacity, dtype=np.int64), np.shape(mentors))
    arrays.update(mentors=mentors, mentees=mentees, capacity=capacity, focus=focus)
    arrays["weights"] = np.array(
        [weights.skill, weights.attitude, weights.department, weights.diversity]
    )
    arrays["exclude"] = np.array(bool(exclude_reporting_lines))
    return arrays


def load(path: Path):
    """A captured problem: (state-like namespace, form_pairs keyword arguments)."""
    data = np.load(path)
    state = SimpleNamespace(**{n: data[f"state_{n}"] for n in STATE_FIELDS})
    w = data["weights"].tolist()
    kwargs = {
        "mentors": data["mentors"],
        "mentees": data["mentees"],
        "capacity": data["capacity"],
        "focus": data["focus"],
        "weights": ScoreWeights(skill=w[0], attitude=w[1], department=w[2], diversity=w[3]),
        "exclude_reporting_lines": bool(data["exclude"]),
    }
    return state, kwargs


def peak_mib() -> float:
    """Peak resident memory of this process since it started (VmHWM where Linux gives it).

    ``ru_maxrss`` is not used where VmHWM exists: Linux carries it across ``exec`` from the
    launching process, so a child would report its parent's peak when that is higher.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run_policy(path: Path, policy: str, seed: int) -> dict:
    """Pair the problem at ``path`` with one policy (in this process) and summarize."""
    from sim.program.pairing import form_pairs, pair_scores

    state, kw = load(path)
    start, cpu = time.perf_counter(), time.process_time()
    pairs = form_pairs(policy, state, rng=Streams(seed)["bench.policy"], group_size=None, **kw)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    mentee = np.array([e for e, board in pairs for _ in board], dtype=np.int64)
    mentor = np.array([c for _, board in pairs for c in board], dtype=np.int64)
    scores = pair_scores(state, mentor, mentee, kw["focus"], kw["weights"])
    return {
        "policy": policy,
        "engine": "compiled" if "numba" in sys.modules else "numpy",
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "peak_mib": peak_mib(),
        "pairs": len(pairs),
        "mean_score": round(float(scores.mean()), 4) if scores.size else None,
        "total_score": round(float(scores.sum()), 4),
    }


def in_child(
    path: Path,
    policy: str,
    seed: int,
    limit_s: float | None,
    root: Path = ROOT,
    engine: str = "compiled",
) -> dict:
    """:func:`run_policy` in a fresh process (its own peak memory), stopped after ``limit_s``.

    ``root`` holds the package that pairs (another revision's, exported, for ``--against``).
    ``engine``: ``numpy`` refuses the optional compiler (``MENTORSIM_COMPILED=0``); ``compiled``
    lets large problems use it where it is installed (the row says whether it was).
    """
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); import sim; "
        "assert sim.__file__.startswith(sys.argv[5]), sim.__file__; import bench_pairing as b; "
        "print(json.dumps(b.run_policy(b.Path(sys.argv[2]), sys.argv[3], int(sys.argv[4]))))"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", code, str(HERE), str(path), policy, str(seed), str(root)],
            check=True,
            capture_output=True,
            text=True,
            timeout=limit_s,
            cwd=root,
            env={
                **os.environ,
                "PYTHONPATH": str(root),
                "MENTORSIM_COMPILED": "0" if engine == "numpy" else "1",
            },
        )
    except subprocess.TimeoutExpired:
        return {"policy": policy, "engine": engine, "seconds": None, "stopped_after_s": limit_s}
    return json.loads(done.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------------------------
# The optimum: exact where a sparse matching can hold it, else a dual bound
# --------------------------------------------------------------------------------------------


def _scorer(path: Path):
    from sim.program.pairing.policies import mentor_capacities
    from sim.program.pairing.scores import Scorer

    state, kw = load(path)
    mentors, caps = mentor_capacities(kw["mentors"], kw["capacity"])
    sc = Scorer(
        state,
        mentors[caps > 0],
        np.unique(kw["mentees"]),
        kw["focus"],
        kw["weights"],
        kw["exclude_reporting_lines"],
    )
    return sc, caps[caps > 0]


def _rows(sc, block: np.ndarray) -> np.ndarray:
    """Full rows of match scores, -inf where a pair is not allowed."""
    cols = np.arange(sc.n)[None, :]
    vals = sc.match(block[:, None], cols)
    vals[~sc.allowed(block[:, None], cols)] = -np.inf
    return vals


def _blocks(sc):
    step = max(1, (1 << 22) // max(sc.n, 1))
    for a in range(0, sc.m, step):
        yield np.arange(a, min(a + step, sc.m))


def exact_optimum(path: Path) -> float:
    """The exact maximum total score (capacity 1): a matching over each mentee's ``m`` best
    allowed mentors, which holds an optimal assignment (a mentee matched outside its ``m`` best
    can swap to one of them left free by the other ``m - 1``, without lowering the total)."""
    sc, caps = _scorer(path)
    if (caps != 1).any():
        raise ValueError("exact_optimum assumes capacity 1")
    k = min(sc.m, sc.n)
    rows, cols, vals = [], [], []
    for block in _blocks(sc):
        v = _rows(sc, block)
        top = np.argpartition(-v, k - 1, axis=1)[:, :k]
        best = np.take_along_axis(v, top, axis=1)
        ok = np.isfinite(best)
        rows.append(np.broadcast_to(block[:, None], top.shape)[ok])
        cols.append(top[ok])
        vals.append(best[ok])
    rows, cols, vals = (np.concatenate(x) for x in (rows, cols, vals))
    top = float(vals.max(initial=0.0)) + 1.0
    e_rows = np.concatenate([rows, np.arange(sc.m)])  # one private zero-score dummy per mentee
    e_cols = np.concatenate([cols, sc.n + np.arange(sc.m)])
    graph = sp.csr_matrix(
        (np.concatenate([top - vals, np.full(sc.m, top)]), (e_rows, e_cols)),
        shape=(sc.m, sc.n + sc.m),
    )
    r, c = min_weight_full_bipartite_matching(graph)
    real = c < sc.n
    return float(sc.match(r[real], c[real]).sum())


def dual_bound(path: Path, rounds: int = 3) -> float:
    """An upper bound of the optimum from linear-programming duality.

    For any mentor prices ``v >= 0``, ``sum_i max(0, max_j s_ij - v_j) + sum_j cap_j v_j`` is at
    least the best total (each mentee's term pays for its pair beyond its mentor's price). The
    prices start at 0 and are then set, a few rounds, to each mentor's surplus over the
    mentees' second-best alternative (a subgradient step on the dual); the smallest bound
    seen is returned.
    """
    sc, caps = _scorer(path)
    v = np.zeros(sc.n)
    best = np.inf
    for _ in range(rounds + 1):
        u = np.zeros(sc.m)
        first = np.full(sc.m, -1)
        second = np.zeros(sc.m)
        for block in _blocks(sc):
            net = _rows(sc, block) - v[None, :]
            top2 = np.argpartition(-net, 1, axis=1)[:, :2]
            vals = np.take_along_axis(net, top2, axis=1)
            order = np.argsort(-vals, axis=1)
            u[block] = np.maximum(np.take_along_axis(vals, order, axis=1)[:, 0], 0.0)
            first[block] = np.take_along_axis(top2, order, axis=1)[:, 0]
            second[block] = np.maximum(np.take_along_axis(vals, order, axis=1)[:, 1], 0.0)
        best = min(best, float(u.sum() + (caps * v).sum()))
        demand = np.bincount(first[u > 0], minlength=sc.n)
        surplus = np.zeros(sc.n)
        np.maximum.at(surplus, first[u > 0], (u - second)[u > 0])
        v = np.where(demand > caps, v + surplus, v * 0.5)
    return best


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def capture(name: str, seed: int, folder: Path) -> Path:
    """Build the problem of size ``name`` and save it (npz) in ``folder``."""
    start = time.perf_counter()
    arrays = (
        program_problem(PROGRAM[name], seed)
        if name in PROGRAM
        else synthetic(*SYNTHETIC[name], seed)
    )
    path = folder / f"{name}.npz"
    np.savez(path, **arrays)
    print(
        f"{name}: {len(np.unique(arrays['mentees'])):,} mentees x {len(arrays['mentors']):,} "
        f"mentors, capacity {int(arrays['capacity'].max())}, built in {time.perf_counter() - start:.1f} s",
        flush=True,
    )
    return path


def measure(name: str, path: Path, args) -> dict:
    """Every policy on one captured problem, and the optimum where it can be bounded."""
    rows = []
    print(
        f"{'policy':<22}{'engine':>9}{'seconds':>9}{'cpu s':>9}{'peak MiB':>10}{'pairs':>8}"
        f"{'mean score':>12}{'total':>13}"
    )
    for policy in args.policies:
        for engine in args.engines:
            row = _timed(path, policy, args, engine)
            rows.append(row)
            if row["seconds"] is None:
                print(f"{policy:<22}{engine:>9} stopped after {args.limit:.0f} s", flush=True)
                continue
            mean = "-" if row["mean_score"] is None else f"{row['mean_score']:.4f}"
            print(
                f"{policy:<22}{row['engine']:>9}{row['seconds']:>9.2f}{row['cpu_seconds']:>9.2f}"
                f"{row['peak_mib']:>10.0f}{row['pairs']:>8}{mean:>12}{row['total_score']:>13.2f}",
                flush=True,
            )
    data = np.load(path)
    m, n = len(np.unique(data["mentees"])), len(data["mentors"])
    out = {"size": name, "mentees": m, "mentors": n, "results": rows}
    if args.exact and m * n <= EXACT_MAX_ENTRIES:
        kind, value = _optimum(path, m * n)
        out[kind] = round(value, 4)
        for row in (r for r in rows if r["seconds"] is not None):
            row["gap_pct"] = round(100 * (1 - row["total_score"] / value), 3)
        print(f"{kind.replace('_', ' ')} {value:.4f}", flush=True)
    return out


def _timed(path: Path, policy: str, args, engine: str) -> dict:
    """One policy's row; with ``--against``, this revision and the other in turn, each
    ``--rounds`` times: this revision's run of median time (the lower of the middle two for an
    even count), the other's median time chosen alike, and their ratio."""
    if args.against_root is None:
        return in_child(path, policy, args.seed, args.limit, engine=engine)
    runs: dict[str, list[dict]] = {"this": [], "against": []}
    roots = {"this": ROOT, "against": args.against_root}
    for r in range(args.rounds):
        for name in list(roots)[r % 2 :] + list(roots)[: r % 2]:
            runs[name].append(
                in_child(path, policy, args.seed, args.limit, roots[name], engine=engine)
            )
    median = {}
    for name, rows in runs.items():
        times = sorted(
            (x["seconds"] if x["seconds"] is not None else np.inf, i) for i, x in enumerate(rows)
        )
        median[name] = rows[times[(len(times) - 1) // 2][1]]
    row = dict(median["this"])
    row["each_s"] = [x["seconds"] for x in runs["this"]]
    row["against_seconds"] = median["against"]["seconds"]
    row["against_each_s"] = [x["seconds"] for x in runs["against"]]
    row["against_total_score"] = median["against"].get("total_score")
    if row["seconds"] is not None and row["against_seconds"]:
        row["ratio_this_over_against"] = round(row["seconds"] / row["against_seconds"], 3)
    return row


def _optimum(path: Path, entries: int) -> tuple[str, float]:
    if entries <= 50_000_000:
        return "exact_optimum", exact_optimum(path)
    return "dual_upper_bound", dual_bound(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", nargs="*", default=["2k", "100k"], choices=[*SYNTHETIC, *PROGRAM]
    )
    parser.add_argument("--small", action="store_true", help="the CI size only (--sizes small)")
    parser.add_argument("--exact", action="store_true", help="bound the optimum (minutes)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None, help="JSON output path")
    parser.add_argument("--policies", nargs="*", default=list(POLICIES))
    parser.add_argument(
        "--engines",
        nargs="*",
        default=["numpy", "compiled"],
        choices=["numpy", "compiled"],
        help="the frontier's queries in numpy, or compiled (the fast extra), each in turn",
    )
    parser.add_argument(
        "--limit", type=float, default=None, help="seconds before a policy is stopped"
    )
    parser.add_argument(
        "--against",
        default=None,
        metavar="REV",
        help="also time git revision REV's pairing, in turn with this one's (ratios side by side)",
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="runs of each policy per revision with --against"
    )
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error(f"--rounds: must be at least 1 (got {args.rounds})")
    sizes = ["small"] if args.small else args.sizes
    out = args.out or (None if sizes == ["small"] else HERE / "results_pairing.json")
    result = {
        "seed": args.seed,
        "limit_s": args.limit,
        "python": platform.python_version(),
        "numpy": np.__version__,
    }
    result["sizes"] = []
    with tempfile.TemporaryDirectory() as folder:
        args.against_root = None
        if args.against:
            args.against_root, result["against"] = exported(args.against, Path(folder), "sim")
            result["rounds"] = args.rounds
        for name in sizes:
            path = capture(name, args.seed, Path(folder))
            result["sizes"].append(measure(name, path, args))
    if out is not None:
        out.write_text(json.dumps(result, indent=2) + "\n")
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
