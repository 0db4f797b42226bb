"""The benchmark suite: speed, memory, scaling, pairing and executors.

    python benchmarks/run.py            # full size: writes benchmarks/results.json and BENCHMARKS.md
    python benchmarks/run.py --small    # a quick run at small sizes (CI), to a folder given by --out

Every model size runs in a fresh process so that its peak resident memory is its own
(``resource.getrusage``); times are wall-clock seconds of ``time.perf_counter`` inside that
process, build and run apart. Each process runs on one core (linear-algebra libraries held to
one thread). Sizes below 1,000,000 run five times and report the median run with the range;
every run also times a fixed reference workload (:func:`reference_ms`), the machine's speed.
Shared machines are noisy: compare the ratios measured side by side in one run rather than
absolute times across runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from sim.experiments.workers import MATH_THREAD_VARIABLES  # noqa: E402 (after the path)

TARGETS = {
    "vector_100k_agent_steps_per_s": 2_000_000,
    "vector_over_agent_at_10k": 50,
    "peak_gib_1m_52_weeks": 4.0,
    "scaling_exponent_max": 1.15,  # N log N over 1k..1M has a log-log slope of about 1.1
}

FULL = {
    "vector": [(1_000, 52), (10_000, 52), (100_000, 52), (1_000_000, 52)],
    "agent": [(1_000, 8), (10_000, 2)],
    "ratio_weeks": 2,
    "executor_reps": 8,
    "pairing": ["--sizes", "2k"],  # 100k and 1m: benchmarks/bench_pairing.py (minutes)
    "repeats": 5,  # fresh processes per size below 1,000,000; the median is reported
}
SMALL = {
    "vector": [(500, 8), (2_000, 8)],
    "agent": [(500, 2)],
    "ratio_weeks": 2,
    "executor_reps": 2,
    "pairing": ["--small"],
    "repeats": 2,
}

# the speed targets are per core: keep linear-algebra libraries to one thread in every run
ONE_CORE = dict.fromkeys(MATH_THREAD_VARIABLES, "1")


def scenario_for(size: int, weeks: int, engine: str) -> dict:
    """The default model at ``size`` employees (levels grow with size); its baseline arm runs."""
    levels = max(3, int(np.ceil(np.log(size) / np.log(8))) + 1)
    return {
        "engine": engine,
        "horizon_weeks": weeks,
        "organization": {"size": size, "levels": levels, "span_of_control": 10},
    }


def reference_ms(repeats: int = 7) -> float:
    """Milliseconds for a fixed workload that does not use the package: the machine's speed now.

    A sparse product of a random 100,000-row matrix with ten entries a row by 11 float32
    columns, then a division and a clipped difference: the kind of work that dominates a
    week of the vector engine. The median of ``repeats`` runs. On a shared machine it moves
    with the load; comparing it across runs tells a slow hour from a slower program.
    """
    import scipy.sparse as sp

    rng = np.random.default_rng(0)
    n, k = 100_000, 11
    rows = np.repeat(np.arange(n), 10)
    cols = rng.integers(0, n, rows.size)
    matrix = sp.csr_matrix((np.ones(rows.size, np.float32), (rows, cols)), shape=(n, n))
    x = rng.random((n, k)).astype(np.float32)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        y = matrix @ x
        y /= 10.0
        np.maximum(y - x, 0.0, out=y)
        times.append(time.perf_counter() - start)
    return round(1000 * float(np.median(times)), 2)


def measure_one(engine: str, size: int, weeks: int) -> dict:
    """Build and run one model in this process; return times and peak memory."""
    from sim import ReverseMentoringModel, load_scenario

    scenario = load_scenario(scenario_for(size, weeks, engine))
    start = time.perf_counter()
    model = ReverseMentoringModel(scenario, arm="no_program", rng=1)
    built = time.perf_counter()
    model.run()
    done = time.perf_counter()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    run_s = done - built
    del model
    reference = reference_ms()  # after the peak memory is read: it must not count
    return {
        "engine": engine,
        "employees": size,
        "weeks": weeks,
        "build_s": round(built - start, 3),
        "run_s": round(run_s, 3),
        "s_per_week": round(run_s / weeks, 5),
        "agent_steps_per_s": round(size * weeks / run_s),
        "peak_mib": round(peak_kib / 1024, 1),
        "reference_ms": reference,
    }


def baseline_mib() -> float:
    """Peak memory of a process that imports the package and builds nothing."""
    code = "import resource, sim.model.model; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return round(int(out.stdout.strip()) / 1024, 1)


def in_child(engine: str, size: int, weeks: int) -> dict:
    """Run :func:`measure_one` in a fresh process, on one core."""
    out = subprocess.run(
        [sys.executable, __file__, "--one", engine, str(size), str(weeks)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, **ONE_CORE},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def repeated(engine: str, size: int, weeks: int, repeats: int) -> dict:
    """The median of ``repeats`` fresh-process runs (by speed), with the range of speeds."""
    rows = sorted(
        (in_child(engine, size, weeks) for _ in range(repeats)),
        key=lambda r: r["agent_steps_per_s"],
    )
    row = dict(rows[(len(rows) - 1) // 2])
    row["repeats"] = repeats
    row["agent_steps_per_s_range"] = [rows[0]["agent_steps_per_s"], rows[-1]["agent_steps_per_s"]]
    return row


def executors(reps: int) -> list[dict]:
    """Replications per second of the quickstart with 1 and 2 local workers and a Dask cluster."""
    from sim import load_scenario, run_experiment

    scenario = load_scenario(
        ROOT / "scenarios" / "quickstart.yaml", overrides={"replications": reps}
    )
    runs = reps * len(scenario.arms)
    rows = []

    def timed(label, **kwargs):
        start = time.perf_counter()
        run_experiment(scenario, **kwargs)
        wall = time.perf_counter() - start
        rows.append(
            {
                "executor": label,
                "runs": runs,
                "wall_s": round(wall, 3),
                "runs_per_s": round(runs / wall, 3),
            }
        )

    timed("in process (1 worker)", workers=1)
    timed("2 local processes", workers=2)
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        rows.append(
            {"executor": "dask (not installed)", "runs": 0, "wall_s": None, "runs_per_s": None}
        )
        return rows
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},  # not port 8787
        ) as cluster,
        Client(cluster) as client,
    ):
        timed("2-worker local Dask cluster", executor=client.get_executor())
    serial = rows[0]["wall_s"] / runs
    for row in rows[1:]:
        if row["wall_s"]:
            # extra seconds per replication beyond a perfect split of the serial time over 2 workers
            row["overhead_s_per_run"] = round(row["wall_s"] / runs - serial / 2, 4)
    return rows


def pairing(flags: list[str], out: Path) -> list[dict]:
    """The pairing benchmark (benchmarks/bench_pairing.py) at its full or small size."""
    target = out / "results_pairing.json"
    subprocess.run(
        [sys.executable, str(HERE / "bench_pairing.py"), *flags, "--out", str(target)],
        check=True,
        cwd=ROOT,
    )
    data = json.loads(target.read_text())
    return [{"size": size["size"], **row} for size in data["sizes"] for row in size["results"]]


def scaling_exponent(rows: list[dict]) -> float | None:
    """Slope of log(seconds per week) against log(employees), vector engine."""
    pts = [(r["employees"], r["s_per_week"]) for r in rows if r["engine"] == "vector"]
    if len(pts) < 2:
        return None
    x, y = np.log([p[0] for p in pts]), np.log([p[1] for p in pts])
    return round(float(np.polyfit(x, y, 1)[0]), 3)


def verdicts(models: list[dict], ratio: float | None, exponent: float | None) -> dict:
    """Each target with its measured value and whether it is met."""

    def find(engine, size):
        return next((r for r in models if r["engine"] == engine and r["employees"] == size), None)

    out = {}
    v100k = find("vector", 100_000)
    if v100k:
        out["vector_100k_agent_steps_per_s"] = (
            v100k["agent_steps_per_s"],
            v100k["agent_steps_per_s"] >= TARGETS["vector_100k_agent_steps_per_s"],
        )
    if ratio is not None:
        out["vector_over_agent_at_10k"] = (ratio, ratio >= TARGETS["vector_over_agent_at_10k"])
    v1m = find("vector", 1_000_000)
    if v1m:
        gib = v1m["peak_mib"] / 1024
        out["peak_gib_1m_52_weeks"] = (
            round(gib, 2),
            gib < TARGETS["peak_gib_1m_52_weeks"] and v1m["weeks"] >= 52,
        )
    if exponent is not None:
        out["scaling_exponent_max"] = (exponent, exponent <= TARGETS["scaling_exponent_max"])
    return {k: {"measured": m, "target": TARGETS[k], "met": bool(ok)} for k, (m, ok) in out.items()}


def markdown(results: dict) -> str:
    """The tables of BENCHMARKS.md."""
    lines = [
        "| engine | employees | weeks | runs | build s | run s | s/week | agent-steps/s | range over runs | peak MiB | KiB per employee | reference ms |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results["models"]:
        low, high = r["agent_steps_per_s_range"]
        lines.append(
            f"| {r['engine']} | {r['employees']:,} | {r['weeks']} | {r['repeats']} | {r['build_s']} | {r['run_s']} | {r['s_per_week']} | {r['agent_steps_per_s']:,} | {low:,} to {high:,} | {r['peak_mib']} | {r['kib_per_employee']} | {r['reference_ms']} |"
        )
    lines += [
        "",
        f"Peak memory of a process that only imports the package: {results['baseline_mib']} MiB;"
        " KiB per employee is the peak above it, divided by the employees.",
        "",
    ]
    lines += ["| target | measured | required | met |", "|---|---|---|---|"]
    for name, v in results["targets"].items():
        lines.append(
            f"| {name} | {v['measured']} | {v['target']} | {'yes' if v['met'] else 'no'} |"
        )
    lines += ["", "| executor | runs | wall s | runs/s | overhead s/run |", "|---|---|---|---|---|"]
    for r in results["executors"]:
        lines.append(
            f"| {r['executor']} | {r['runs']} | {r['wall_s']} | {r['runs_per_s']} | {r.get('overhead_s_per_run', '')} |"
        )
    if results["pairing"]:
        lines += [
            "",
            "| size | pairing policy | engine | seconds | pairs | mean score |",
            "|---|---|---|---|---|---|",
        ]
        for r in results["pairing"]:
            lines.append(
                f"| {r['size']} | {r['policy']} | {r.get('engine', '')} | {r['seconds']} "
                f"| {r.get('pairs', '')} | {r.get('mean_score', '')} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="small sizes, for CI")
    parser.add_argument(
        "--out", type=Path, default=HERE, help="folder for results.json (default benchmarks/)"
    )
    parser.add_argument(
        "--one", nargs=3, metavar=("ENGINE", "SIZE", "WEEKS"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure_one(args.one[0], int(args.one[1]), int(args.one[2]))))
        return 0
    plan = SMALL if args.small else FULL
    args.out.mkdir(parents=True, exist_ok=True)
    models = []
    for engine in ("vector", "agent"):
        for size, weeks in plan[engine]:
            row = repeated(engine, size, weeks, plan["repeats"] if size < 1_000_000 else 1)
            models.append(row)
            print(
                f"{engine:6s} {size:>9,} employees x {weeks} weeks: {row['agent_steps_per_s']:>12,} agent-steps/s, peak {row['peak_mib']} MiB",
                flush=True,
            )
    ratio_size = plan["agent"][-1][0]
    ratio_weeks = plan["ratio_weeks"]
    vec = in_child("vector", ratio_size, ratio_weeks)
    agt = in_child("agent", ratio_size, ratio_weeks)
    ratio = round(agt["s_per_week"] / vec["s_per_week"], 1)
    print(f"vector / agent speed at {ratio_size:,} employees: {ratio}x", flush=True)
    baseline = baseline_mib()
    for row in models:
        row["kib_per_employee"] = round((row["peak_mib"] - baseline) * 1024 / row["employees"], 2)
    results = {
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "small": args.small,
        "baseline_mib": baseline,
        "models": models,
        "ratio": {
            "employees": ratio_size,
            "weeks": ratio_weeks,
            "vector": vec,
            "agent": agt,
            "vector_over_agent": ratio,
        },
        "scaling_exponent": scaling_exponent(models),
        # pairing before the executors: worker processes shutting down would slow it
        "pairing": pairing(plan["pairing"], args.out),
        "executors": executors(plan["executor_reps"]),
    }
    results["targets"] = verdicts(
        models, ratio if ratio_size == 10_000 else None, results["scaling_exponent"]
    )
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.out / "results.md").write_text(markdown(results))
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
