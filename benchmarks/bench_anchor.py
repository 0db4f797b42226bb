"""The speed anchor: the vector engine against a plain Mesa model and the agent engine.

    python benchmarks/bench_anchor.py              # writes benchmarks/results_anchor.json
    python benchmarks/bench_anchor.py --small --out DIR

At 10,000 and 100,000 employees, each in a fresh process on one core, in the same run and
alternating their order: seconds per week of

* the vector engine (the default model, its baseline arm: peer learning, adoption, careers,
  quits and hires, innovation, outcomes);
* the plain Mesa model of ``benchmarks/mesa_reference.py`` (peer learning on a small-world
  network, adoption with imitation and a push down the reporting chain, quits and
  replacements, weekly outcomes), written as a Mesa user would;
* the project's own agent engine (Mesa agents over the same arrays).

Times are CPU seconds per week (``time.process_time``, build excluded): on a shared machine
wall time mostly measures the wait for a core. The ratios are what the benchmark reports.

**Memory-bandwidth bound.** A week of the vector engine reads every per-employee array of
the state at least once (skills, attitudes, adoption, the network's rows, ...): the bytes per
employee of those arrays are a lower bound of its memory traffic per agent-step. The machine's
bandwidth is measured here (a 256 MiB ``numpy`` copy: read and write), and bandwidth / bytes per
agent-step is the most agent-steps per second a single core could reach if it did nothing but
stream the state once a week. The fraction of it the engine reaches says how far it is from
that bound.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ONE_CORE = dict.fromkeys(("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"), "1")
TARGETS = {"vector_over_plain_mesa_at_100k_min": 100.0}
FULL = {"sizes": [10_000, 100_000], "weeks": {"vector": 8, "mesa": 2, "agent": 1}, "rounds": 2}
SMALL = {"sizes": [2_000], "weeks": {"vector": 2, "mesa": 1, "agent": 1}, "rounds": 1}

CHILD = """
import json, sys, time
sys.path.insert(0, {benchmarks!r})
engine, size, weeks = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
if engine == "mesa":
    from mesa_reference import ReferenceModel
    model = ReferenceModel(size)
    step = model.step
    state_bytes = None
else:
    from run import scenario_for
    from sim import ReverseMentoringModel, load_scenario
    model = ReverseMentoringModel(load_scenario(scenario_for(size, weeks, engine)), arm="no_program", rng=1)
    step = model.step
    import dataclasses
    import numpy as np
    import scipy.sparse as sp
    state_bytes = 0
    for f in dataclasses.fields(model.state):
        v = getattr(model.state, f.name)
        if isinstance(v, np.ndarray):
            state_bytes += v.nbytes
        elif sp.issparse(v):
            state_bytes += v.data.nbytes + v.indices.nbytes + v.indptr.nbytes
step()  # a first week outside the timing: caches and lazily built structures
cpu, wall = time.process_time(), time.perf_counter()
for _ in range(weeks):
    step()
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
print(json.dumps({{"engine": engine, "employees": size, "weeks": weeks,
    "cpu_s_per_week": cpu / weeks, "wall_s_per_week": wall / weeks,
    "state_bytes_per_employee": state_bytes / size if state_bytes else None}}))
"""


def in_child(engine: str, size: int, weeks: int) -> dict:
    """Time one engine in a fresh process on one core."""
    code = CHILD.format(benchmarks=str(HERE))
    out = subprocess.run(
        [sys.executable, "-c", code, engine, str(size), str(weeks)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, **ONE_CORE},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def bandwidth_gb_s(mib: int = 256, repeats: int = 5) -> float:
    """Best-of-``repeats`` copy bandwidth of one core: bytes read plus bytes written per second."""
    a = np.ones(mib * 2**20 // 8)
    b = np.empty_like(a)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        np.copyto(b, a)
        best = min(best, time.perf_counter() - start)
    return 2 * a.nbytes / best / 1e9


def measure(plan: dict) -> list[dict]:
    """Every engine at every size, the order rotated each round; medians of CPU s per week."""
    engines = ["vector", "mesa", "agent"]
    rows = []
    for size in plan["sizes"]:
        seen: dict[str, list[dict]] = {e: [] for e in engines}
        for r in range(plan["rounds"]):
            for engine in engines[r % 3 :] + engines[: r % 3]:
                if engine != "vector" and r > 0 and size >= 100_000:
                    continue  # one round of the slow engines at 100k: minutes each
                row = in_child(engine, size, plan["weeks"][engine])
                row["loadavg_before"] = list(os.getloadavg())
                seen[engine].append(row)
                print(f"{engine:6s} {size:>8,}: {row['cpu_s_per_week']:.4f} CPU s/week", flush=True)
        medians = {e: float(np.median([t["cpu_s_per_week"] for t in seen[e]])) for e in engines}
        rows.append(
            {
                "employees": size,
                "runs": seen,
                "cpu_s_per_week": {e: round(v, 5) for e, v in medians.items()},
                "vector_over_plain_mesa": round(medians["mesa"] / medians["vector"], 1),
                "vector_over_agent_engine": round(medians["agent"] / medians["vector"], 1),
                "vector_agent_steps_per_s": round(size / medians["vector"]),
                "state_bytes_per_employee": seen["vector"][0]["state_bytes_per_employee"],
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="small sizes, for CI")
    parser.add_argument("--out", type=Path, default=HERE, help="folder for results_anchor.json")
    args = parser.parse_args(argv)
    plan = SMALL if args.small else FULL
    bandwidth = bandwidth_gb_s()
    rows = measure(plan)
    for row in rows:
        bound = bandwidth * 1e9 / row["state_bytes_per_employee"]
        row["bandwidth_bound_agent_steps_per_s"] = round(bound)
        row["fraction_of_bound"] = round(row["vector_agent_steps_per_s"] / bound, 4)
    largest = rows[-1]
    measured = largest["vector_over_plain_mesa"]
    target = TARGETS["vector_over_plain_mesa_at_100k_min"]
    results = {
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "small": args.small,
        "plan": plan,
        "copy_bandwidth_gb_s": round(bandwidth, 2),
        "sizes": rows,
        "target": {
            "vector_over_plain_mesa_at_100k": {
                "measured": measured,
                "target": f">= {target}",
                "met": largest["employees"] == 100_000 and measured >= target,
            }
        },
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results_anchor.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps({k: v for k, v in results.items() if k != "sizes"}, indent=1))
    for row in rows:
        print({k: v for k, v in row.items() if k != "runs"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
