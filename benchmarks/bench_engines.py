"""The two engines: the vector engine against an earlier revision, and the agent engine's scaling.

    python benchmarks/bench_engines.py                  # writes benchmarks/results_engines.json
    python benchmarks/bench_engines.py --against REV    # the revision to compare the vector engine with
    python benchmarks/bench_engines.py --now REV --vector-only   # time REV instead of this checkout
    python benchmarks/bench_engines.py --small --out DIR

1. **Vector engine, side by side.** Time per week at 100,000 employees of this checkout and of
   an earlier revision (by default the one before the common mechanism interface), each in a
   fresh process on one core, alternating the two (and which goes first), several pairs; the
   ratio of the medians of CPU seconds per week is the figure (on a shared machine wall time
   mostly measures the wait for a core; CPU time still moves with the load, so only ratios
   measured side by side mean anything). The earlier revision is exported with ``git archive``
   into a temporary folder.
2. **Agent engine scaling.** Agent-steps per CPU second at 1,000, 4,000 and 10,000 employees and
   the fitted exponent of CPU seconds per week against employees (1.0 is linear).
3. **Vector / agent at 10,000 employees**, from the same processes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REFERENCE = "fa7c428"
"""The revision before the common mechanism interface (engines and kernels as they were)."""
ONE_CORE = dict.fromkeys(("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"), "1")
TARGETS = {"vector_time_ratio_max": 1.10, "agent_exponent_max": 1.15}

CHILD = """
import json, sys, time
import numpy as np
from sim import ReverseMentoringModel, load_scenario
engine, size, weeks, warm = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
levels = max(3, int(np.ceil(np.log(size) / np.log(8))) + 1)
scenario = load_scenario({"engine": engine, "horizon_weeks": weeks + warm,
                          "organization": {"size": size, "levels": levels, "span_of_control": 10}})
model = ReverseMentoringModel(scenario, arm="no_program", rng=1)
model.run(warm)
start, cpu = time.perf_counter(), time.process_time()
model.run(weeks)
print(json.dumps({"s_per_week": (time.perf_counter() - start) / weeks,
                  "cpu_s_per_week": (time.process_time() - cpu) / weeks}))
"""


def timed(
    root: Path, engine: str, size: int, weeks: int, warm: int = 1, cpu: bool = False
) -> float:
    """Seconds per week of ``engine`` at ``size`` employees, with the package found in ``root``.

    Wall-clock seconds, or with ``cpu`` the process's CPU seconds (less sensitive to other
    processes on a shared machine, which take turns on the cores).
    """
    env = {**os.environ, **ONE_CORE, "PYTHONPATH": str(root)}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, engine, str(size), str(weeks), str(warm)],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
        env=env,
    )
    row = json.loads(out.stdout.strip().splitlines()[-1])
    return row["cpu_s_per_week" if cpu else "s_per_week"]


def export(revision: str, into: Path) -> Path:
    """The package at ``revision``, exported into ``into`` (``git archive``)."""
    archive = into / "ref.tar"
    with archive.open("wb") as f:
        subprocess.run(["git", "archive", revision, "sim"], cwd=ROOT, stdout=f, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into


def side_by_side(reference: Path, size: int, weeks: int, pairs: int, current: Path = ROOT) -> dict:
    """Alternating runs of ``current`` and the reference; the ratio of median times."""
    now, then = [], []
    for i in range(pairs):  # alternating, and which goes first alternates too
        first, second = (current, reference) if i % 2 == 0 else (reference, current)
        a = timed(first, "vector", size, weeks, cpu=True)
        b = timed(second, "vector", size, weeks, cpu=True)
        now.append(a if first == current else b)
        then.append(b if first == current else a)
    ratio = float(np.median(now) / np.median(then))
    return {
        "employees": size,
        "weeks_timed": weeks,
        "pairs": pairs,
        "measure": "CPU seconds per week of one process on one core",
        "cpu_s_per_week_now": [round(t, 5) for t in now],
        "cpu_s_per_week_reference": [round(t, 5) for t in then],
        "median_ratio_now_over_reference": round(ratio, 3),
        "median_of_pair_ratios": round(
            float(np.median([a / b for a, b in zip(now, then, strict=True)])), 3
        ),
        "pair_ratios": [round(a / b, 3) for a, b in zip(now, then, strict=True)],
    }


def agent_scaling(sizes: list[int], repeats: int) -> dict:
    """Agent-steps per second of the agent engine by size, and the fitted exponent."""
    rows = []
    for size in sizes:
        weeks = max(1, 8_000 // size)
        s = float(np.median([timed(ROOT, "agent", size, weeks, cpu=True) for _ in range(repeats)]))
        rows.append(
            {"employees": size, "s_per_week": round(s, 4), "agent_steps_per_s": round(size / s)}
        )
    x = np.log([r["employees"] for r in rows])
    y = np.log([r["s_per_week"] for r in rows])
    return {"rows": rows, "exponent": round(float(np.polyfit(x, y, 1)[0]), 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default=REFERENCE, help="revision to compare with")
    parser.add_argument("--now", default=None, help="revision to time (default: this checkout)")
    parser.add_argument("--vector-only", action="store_true", help="only the side-by-side part")
    parser.add_argument("--small", action="store_true", help="small sizes (a quick check)")
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args(argv)
    big, pairs, sizes, ratio_at, repeats = (
        (5_000, 2, [500, 1_000, 2_000], 2_000, 1)
        if args.small
        else (100_000, 7, [1_000, 4_000, 10_000], 10_000, 3)
    )
    started, load_before = time.time(), os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as tmp_now:
        current = export(args.now, Path(tmp_now)) if args.now else ROOT
        vector = side_by_side(export(args.against, Path(tmp)), big, 20, pairs, current)
    vector["reference"] = args.against
    vector["now"] = args.now or "this checkout"
    if args.vector_only:
        name = f"results_engines_vector_{args.now or 'now'}.json"
        (args.out / name).write_text(json.dumps(vector, indent=2) + "\n")
        print(json.dumps(vector, indent=2))
        return 0
    print(
        f"vector engine, now / {args.against}: {vector['median_ratio_now_over_reference']}",
        flush=True,
    )
    agent = agent_scaling(sizes, repeats)
    print(f"agent engine exponent: {agent['exponent']}", flush=True)
    vec = float(np.median([timed(ROOT, "vector", ratio_at, 5, cpu=True) for _ in range(repeats)]))
    agt = next(r for r in agent["rows"] if r["employees"] == ratio_at)["s_per_week"]
    results = {
        "vector_side_by_side": vector,
        "agent_scaling": agent,
        "vector_over_agent": {"employees": ratio_at, "ratio": round(agt / vec, 1)},
        "targets": {
            "vector_time_ratio_max": {
                "measured": vector["median_ratio_now_over_reference"],
                "target": TARGETS["vector_time_ratio_max"],
                "met": vector["median_ratio_now_over_reference"]
                <= TARGETS["vector_time_ratio_max"],
            },
            "agent_exponent_max": {
                "measured": agent["exponent"],
                "target": TARGETS["agent_exponent_max"],
                "met": agent["exponent"] <= TARGETS["agent_exponent_max"],
            },
        },
        "wall_s": round(time.time() - started, 1),
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results_engines.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results["targets"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
