"""Workers and start-up: what more workers buy, and how long the command line takes to start.

    python benchmarks/bench_workers.py                 # writes benchmarks/results_workers.json
    python benchmarks/bench_workers.py --small --out DIR
    python benchmarks/bench_workers.py --figures-only 5   # step 2 alone, 5 times
    python benchmarks/bench_workers.py --figures-only 5 --against REV   # and REV's, alternating
    python benchmarks/bench_workers.py --imports-only 7 [--compare OTHER_CHECKOUT]   # step 3
    python benchmarks/bench_workers.py --worker-start-only 5   # a worker's start, two ways
    python benchmarks/bench_workers.py --command-only 6 --config dask --against REV   # step 1's
        quickstart in one configuration, this checkout and REV in turn

1. **Speedup of workers**, whole-process wall time of the command a user types, side by side:
   the 40-replication quickstart (``mentorsim run scenarios/quickstart.yaml --reps 40``, 80
   runs) and a 60-point Latin-hypercube sweep at 2 replications (240 runs), each with one
   local worker, two local workers and a two-worker local Dask cluster
   (``--executor dask-local``). The three are run in turn, the order rotated every round,
   for several rounds; the figure is the ratio of the medians (beside it, the ratio within
   each round and their median: the machine's speed drifts from minute to minute, and a
   round's three runs are minutes apart at most). Each run writes its tables,
   figures and report, as a user's would. The machine's load (``os.getloadavg``) is recorded
   before every run: on a shared machine other jobs take cores from the workers, and the
   speedups are only as good as the cores that were free. The host of a virtual machine may
   lend its cores to other machines too, which no load average inside shows: before every
   run, a pure-Python loop in one process and then in two at once measures how much faster
   two processes got through it (``two_process_speedup``; about 2 with both cores free), a
   ceiling for that run's two workers. Each command starts once that figure reaches
   ``FREE_CORES`` (or after ``FREE_CORES_WAIT_S`` seconds), and it is measured again after.
2. **Figures and report of the 240-run sweep**, timed apart in fresh processes from its
   finished folder. With ``--against REV`` the same step of revision REV (exported with
   ``git archive``) is timed on the same folder, the two revisions alternating.
3. **Import time** of ``mentorsim --help``, ``mentorsim validate`` and of what a spawned
   worker imports (``sim.experiments.experiment`` and ``sim.model.model``), beside the
   libraries one run needs (a floor for the worker): the sum of the top-level imports that
   ``python -X importtime`` reports, median of several fresh processes. ``--imports-only``
   times this step alone, the commands in turn; with ``--compare`` it times the same commands
   in another checkout (e.g. the revision before, from ``git worktree add``) in the same
   rounds, alternating, with this environment's interpreter.
4. **A worker's start**: seconds from a one-worker pool's start until its worker has what a
   run needs, spawned and forked from the fork server (``--worker-start-only`` alone).

``--command-only N`` times step 1's quickstart in one configuration (``--config``: ``one``,
``local`` or ``dask``) N times, as step 1 does; with ``--against REV``, revision REV's command
too (exported with ``git archive``), the two in turn, the order swapped every round. Each
revision's results folder names the code it ran (``code_revision`` in its manifest: this
checkout's commit, or none for the exported tree, which is not a git checkout).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from revisions import exported

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MENTORSIM = [sys.executable, "-m", "sim.ui.cli"]
TARGETS = {
    "two_local_workers_speedup_min": 1.7,
    "dask_two_workers_speedup_min": 1.6,
    "figures_and_report_240_runs_s_max": 3.0,
    "import_s_max": 0.5,
}
CONFIGS = {
    "1 local worker": ["--workers", "1"],
    "2 local workers": ["--workers", "2"],
    "2 Dask workers (dask-local)": ["--workers", "2", "--executor", "dask-local"],
}
CONFIG_NAMES = {
    "one": "1 local worker",
    "local": "2 local workers",
    "dask": "2 Dask workers (dask-local)",
}
"""``--config``'s names of :data:`CONFIGS`."""
FULL = {"quickstart_reps": 40, "sweep_points": 60, "sweep_reps": 2, "rounds": 5, "imports": 5}
SMALL = {"quickstart_reps": 4, "sweep_points": 4, "sweep_reps": 1, "rounds": 1, "imports": 2}


def workloads(plan: dict) -> dict[str, list[str]]:
    """The two commands, without their worker options and output folder."""
    quickstart = "scenarios/quickstart.yaml"
    return {
        f"quickstart, {plan['quickstart_reps']} replications": [
            "run",
            quickstart,
            "--reps",
            str(plan["quickstart_reps"]),
        ],
        f"sweep, {plan['sweep_points']}-point LHS x {plan['sweep_reps']} replications": [
            "sweep",
            quickstart,
            "--lhs",
            str(plan["sweep_points"]),
            "--range",
            "dynamics.adoption.imitation=1:4",
            "--reps",
            str(plan["sweep_reps"]),
        ],
    }


FREE_CORES = 1.85
"""The machine's two-process speedup (:func:`two_process_speedup`) at which a command starts."""

FREE_CORES_WAIT_S = 30.0
"""The longest wait for :data:`FREE_CORES` before a command starts anyway."""


def timed_command(args: list[str], out: Path, root: Path = ROOT) -> dict:
    """Wall seconds of one command run in a fresh process, once both cores are free.

    The command runs the package in ``root`` (this checkout by default; another revision's
    exported tree to compare the two).

    Before the command, :func:`two_process_speedup` is measured until it reaches
    :data:`FREE_CORES` (the host is not lending the second core elsewhere), for at most
    :data:`FREE_CORES_WAIT_S` seconds; it is measured again just after, and the load average
    just before. A command whose figure after is below :data:`FREE_CORES` may have lost a
    core while it ran.
    """
    shutil.rmtree(out, ignore_errors=True)
    waited = time.perf_counter()
    while (machine := two_process_speedup()) < FREE_CORES:
        if time.perf_counter() - waited > FREE_CORES_WAIT_S:
            break
        time.sleep(1.0)
    waited = time.perf_counter() - waited
    load = os.getloadavg()
    start = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(root)}  # with ``-m``, the package in ``root`` first
    subprocess.run([*MENTORSIM, *args, "--quiet", "--out", str(out)], check=True, cwd=root, env=env)
    wall = time.perf_counter() - start
    ran = json.loads((out / "manifest.json").read_text()).get("code_revision")
    time.sleep(1.0)  # the command's processes finish exiting (the fork server, a cluster's)
    return {
        "wall_s": round(wall, 3),
        "code_revision": ran,
        "loadavg_before": list(load),
        "machine_two_process_speedup_before": machine,
        "machine_two_process_speedup_after": two_process_speedup(),
        "waited_for_free_cores_s": round(waited, 1),
    }


LOOP_ITERATIONS = 1_500_000
"""Iterations of :func:`_spin`: about 0.15 to 0.3 s of one core."""


def _spin(answer) -> None:
    """A pure-Python loop (no memory traffic to speak of); sends its own seconds through ``answer``."""
    start = time.perf_counter()
    total = 0
    for i in range(LOOP_ITERATIONS):
        total += i * i
    answer.send(time.perf_counter() - start)


def two_process_speedup(repeats: int = 3) -> float:
    """How much faster two processes got through the same loop than one, just now (about 2 at most).

    The loop (:func:`_spin`) runs in one forked process, then in two at once; the figure is
    2 x (one alone) / (the slower of the two together), the median of ``repeats``. On a
    machine whose cores are its own it is about 2; where the host lends the cores to other
    machines too, less, and no command's two workers can do better than it. No library is
    involved: it measures the machine, not the code.
    """
    import multiprocessing

    context = multiprocessing.get_context("fork")

    def together(n: int) -> float:
        pipes = [context.Pipe(duplex=False) for _ in range(n)]
        procs = [context.Process(target=_spin, args=(w,)) for _, w in pipes]
        for proc in procs:
            proc.start()
        seconds = [r.recv() for r, _ in pipes]
        for proc in procs:
            proc.join()
        return max(seconds)

    ratios = []
    for _ in range(repeats):
        alone = together(1)
        ratios.append(2 * alone / together(2))
    return round(float(np.median(ratios)), 2)


def speedups(plan: dict, scratch: Path) -> list[dict]:
    """Each workload under each configuration, alternating, ``rounds`` times."""
    rows = []
    names = list(CONFIGS)
    for workload, args in workloads(plan).items():
        times: dict[str, list[dict]] = {name: [] for name in names}
        for r in range(plan["rounds"]):
            for name in names[r % len(names) :] + names[: r % len(names)]:
                run = timed_command([*args, *CONFIGS[name]], scratch / "out")
                times[name].append(run)
                print(f"{workload} | {name}: {run['wall_s']} s", flush=True)
        ones = [t["wall_s"] for t in times[names[0]]]
        one = float(np.median(ones))
        for name in names:
            walls = [t["wall_s"] for t in times[name]]
            wall = float(np.median(walls))
            each = [a / b for a, b in zip(ones, walls, strict=True)]
            machine = [t.get("machine_two_process_speedup_before") for t in times[name]]
            after = [t.get("machine_two_process_speedup_after") for t in times[name]]
            rows.append(
                {
                    "workload": workload,
                    "config": name,
                    "runs": times[name],
                    "median_wall_s": round(wall, 3),
                    "speedup_over_one_worker": round(one / wall, 2),
                    "speedup_each_round": [round(x, 2) for x in each],
                    "speedup_median_of_rounds": round(float(np.median(each)), 2),
                    "machine_two_process_speedup_each_round": machine,
                    "machine_two_process_speedup_after_each_round": after,
                }
            )
    return rows


def command_only(args: argparse.Namespace, plan: dict) -> dict:
    """Step 1's quickstart in one configuration, ``--command-only`` times (and REV's, in turn)."""
    workload, command = next(iter(workloads(plan).items()))
    config = CONFIG_NAMES[args.config]
    argv = [*command, *CONFIGS[config]]
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        roots = {"this": ROOT}
        if args.against:
            roots["against"], revision = exported(args.against, scratch)
        runs: dict[str, list[dict]] = {name: [] for name in roots}
        for r in range(args.command_only):
            for name in list(roots)[r % 2 :] + list(roots)[: r % 2]:
                runs[name].append(timed_command(argv, scratch / "out", roots[name]))
                print(f"{workload} | {config} | {name}: {runs[name][-1]['wall_s']} s", flush=True)
    out = {
        "command": " ".join(["python benchmarks/bench_workers.py", *sys.argv[1:]]),
        "workload": workload,
        "config": config,
        "this_revision": _revision(),
        "this": _command_summary(runs["this"]),
    }
    if args.against:
        out["against"] = {"revision": revision, **_command_summary(runs["against"])}
        each = [
            a["wall_s"] / b["wall_s"] for a, b in zip(runs["this"], runs["against"], strict=True)
        ]
        out["ratio_this_over_against_each_round"] = [round(x, 3) for x in each]
        out["ratio_this_over_against_median_of_rounds"] = round(float(np.median(each)), 3)
        out["ratio_of_medians"] = round(
            out["this"]["median_wall_s"] / out["against"]["median_wall_s"], 3
        )
    return out


def _command_summary(runs: list[dict]) -> dict:
    walls = [r["wall_s"] for r in runs]
    return {"median_wall_s": round(float(np.median(walls)), 3), "runs": runs}


STEP = (
    "import sys, time; t = time.perf_counter()\n"
    "from sim.experiments.experiment import run_experiment\n"
    "from sim.experiments.storage import stored_plan\n"
    "from sim.model.scenario import validate\n"
    "from sim.ui.figures import make_figures, write_figures\n"
    "from sim.ui.report import write_report\n"
    "from pathlib import Path\n"
    "out = Path(sys.argv[1]); plan = stored_plan(out)\n"
    "results = run_experiment(validate(plan['scenario']), points=plan['points'],\n"
    "    replications=plan['replications'], out=out, resume=True)\n"
    "loaded = time.perf_counter()\n"
    "drawn = make_figures(results); paths = write_figures(results, out, drawn)\n"
    "pngs = {p.stem: p.read_bytes() for p in paths if p.suffix == '.png'}\n"
    "write_report(results, out, figures=pngs)\n"
    "done = time.perf_counter()\n"
    "import sim; print(Path(sim.__file__).parent.parent)\n"
    "print(round(loaded - t, 3), round(done - loaded, 3))\n"
)
"""The step a user's ``run`` or ``sweep`` takes after its runs, timed in a fresh process."""


def sweep_folder(plan: dict, scratch: Path) -> Path:
    """A finished sweep folder of the plan's size, without figures or report."""
    args = workloads(plan)
    sweep = next(v for k, v in args.items() if k.startswith("sweep"))
    folder = scratch / "sweep"
    shutil.rmtree(folder, ignore_errors=True)
    subprocess.run(
        [*MENTORSIM, *sweep, "--workers", "2", "--quiet", "--no-report", "--out", str(folder)],
        check=True,
        cwd=ROOT,
    )
    return folder


def timed_step(folder: Path, code_root: Path = ROOT) -> tuple[float, float]:
    """Read-back and figures-and-report seconds of one fresh process of ``code_root``'s code."""
    env = {**os.environ, "PYTHONPATH": str(code_root)}
    out = subprocess.run(
        [sys.executable, "-c", STEP, str(folder)],
        check=True,
        cwd=code_root,
        env=env,
        capture_output=True,
        text=True,
    )
    *_, package, seconds = out.stdout.splitlines()
    if Path(package).resolve() != code_root.resolve():
        raise RuntimeError(f"the step ran the package in {package}, not {code_root}")
    read, drawn = map(float, seconds.split())
    return read, drawn


def figures_and_report(
    plan: dict,
    scratch: Path,
    repeats: int = 1,
    folder: Path | None = None,
    against: Path | None = None,
) -> dict:
    """Seconds to draw the figures and write the report of the sweep's finished folder.

    Each of ``repeats`` fresh processes reads the folder back and times the step; the figure
    is the median. With ``against`` (a checkout of another revision), that revision's step is
    timed as well on the same folder, the two alternating (the order swapped every round).
    """
    folder = sweep_folder(plan, scratch) if folder is None else folder
    roots = {"this": ROOT, **({"against": against} if against is not None else {})}
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in roots}
    loads: dict[str, list[float]] = {name: [] for name in roots}
    for r in range(repeats):
        for name in list(roots)[r % 2 :] + list(roots)[: r % 2]:
            loads[name].append(os.getloadavg()[0])
            times[name].append(timed_step(folder, roots[name]))
            print(f"figures and report ({name}): {times[name][-1][1]} s", flush=True)
    runs = plan["sweep_points"] * 2 * plan["sweep_reps"]  # two arms
    out = {"runs": runs, **_step_summary(times["this"], loads["this"])}
    if against is not None:
        out["against"] = _step_summary(times["against"], loads["against"])
        out["ratio_this_over_against"] = round(
            out["figures_and_report_s"] / out["against"]["figures_and_report_s"], 3
        )
    return out


def _step_summary(times: list[tuple[float, float]], loads: list[float]) -> dict:
    return {
        "read_back_s": float(np.median([t[0] for t in times])),
        "figures_and_report_s": float(np.median([t[1] for t in times])),
        "each_s": [t[1] for t in times],
        "loadavg_1min_before": loads,
    }


IMPORTS = {
    "mentorsim --help": ["-m", "sim.ui.cli", "--help"],
    "mentorsim validate scenarios/quickstart.yaml": [
        "-m",
        "sim.ui.cli",
        "validate",
        "scenarios/quickstart.yaml",
    ],
}
SPAWNED_WORKER = "a spawned worker (import sim.experiments.experiment, sim.model.model; no target)"
"""What a worker imports before its first run when it is spawned; local workers fork instead
from a server that imported it once (their start is timed by :func:`worker_start`)."""
IMPORTS[SPAWNED_WORKER] = ["-c", "import sim.experiments.experiment, sim.model.model"]
RUN_LIBRARIES = "the libraries a run needs (no target)"
"""A reference beside the worker: a run returns pandas tables, saved as Parquet, from a model
that is a ``mesa.Model`` built from the validated scenario; no worker imports less."""
IMPORTS[RUN_LIBRARIES] = ["-c", "import pandas, pyarrow.parquet, mesa, sim.model.scenario"]


def import_seconds(args: list[str], root: Path = ROOT) -> float:
    """Seconds of import of one fresh process: its top-level imports per ``-X importtime``.

    The process runs in ``root`` with ``root`` first on its path, so it imports that
    checkout's package.
    """
    env = {**os.environ, "PYTHONPATH": str(root)}
    out = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )
    total = 0
    for line in out.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            _, cumulative, name = line.split("|")
            if cumulative.strip().isdigit() and not name.startswith("  "):
                total += int(cumulative)
    return total / 1e6


def imports(repeats: int, roots: dict[str, Path] | None = None) -> list[dict]:
    """Median import seconds of each command over ``repeats`` fresh processes.

    ``roots`` names the checkouts to time (this one by default); each round times every
    command in every checkout, in turn, so that they share the machine's load alike.
    """
    roots = roots or {"this checkout": ROOT}
    seconds: dict[tuple[str, str], list[float]] = {}
    loads = []
    for _ in range(repeats):
        loads.append(os.getloadavg()[0])
        for name, args in IMPORTS.items():
            for label, root in roots.items():
                seconds.setdefault((name, label), []).append(import_seconds(args, root))
    rows = []
    for (name, label), times in seconds.items():
        times.sort()
        rows.append(
            {
                "command": name,
                "checkout": label if len(roots) > 1 else None,
                "import_s": round(float(np.median(times)), 3),
                "each_s": [round(t, 3) for t in times],
                "loadavg_1min": [round(min(loads), 2), round(max(loads), 2)],
            }
        )
        print(f"import: {name} [{label}]: {rows[-1]['import_s']} s", flush=True)
    return rows


WORKER_START = """
import json, os, sys, time
from concurrent.futures import ProcessPoolExecutor
import multiprocessing
from sim.experiments.workers import exit_with_parent, one_math_thread_each, warm_up, worker_context
if __name__ == "__main__":
    if sys.argv[1] == "forkserver":
        warm_up()
        time.sleep(3.0)  # the server has imported what a run needs, as while a command loads
        context = worker_context()
    else:
        context = multiprocessing.get_context("spawn")
    start = time.perf_counter()
    with one_math_thread_each(), ProcessPoolExecutor(
        1, mp_context=context, initializer=exit_with_parent, initargs=(os.getpid(),)
    ) as pool:
        pool.submit(exec, "import sim.experiments.experiment, sim.model.model").result()
        print(json.dumps({"ready_s": time.perf_counter() - start}))
"""


def _in_turn(script: str, ways: dict[str, list[str]], repeats: int, key: str) -> dict:
    """``key`` of the JSON line ``script`` prints last, in fresh processes, each way in turn."""
    found: dict[str, list[float]] = {label: [] for label in ways}
    for _ in range(repeats):
        for label, argv in ways.items():
            out = subprocess.run(
                [sys.executable, "-c", script, *argv],
                capture_output=True, text=True, cwd=ROOT, check=True,
            )  # fmt: skip
            found[label].append(json.loads(out.stdout.splitlines()[-1])[key])
    return found


def _medians(found: dict[str, list[float]], name: str, value: str) -> list[dict]:
    """One row per way: its name, the median and each figure."""
    return [
        {name: label, value: round(float(np.median(t)), 3), "each_s": [round(x, 3) for x in t]}
        for label, t in found.items()
    ]


def worker_start(repeats: int) -> list[dict]:
    """Seconds from a pool's start until its worker has imported what runs need.

    A spawned worker imports them itself; a worker forked from the fork server (started first
    thing by ``run`` and ``sweep``, here 3 s before) finds them imported. Fresh processes, the
    two ways in turn.
    """
    ways = {"spawned": ["spawn"], "forked from the fork server": ["forkserver"]}
    rows = _medians(_in_turn(WORKER_START, ways, repeats, "ready_s"), "worker", "ready_s")
    for row in rows:
        print(f"worker start: {row['worker']}: {row['ready_s']} s", flush=True)
    return rows


DASK_IDLE = """
import json, sys, time
import psutil
from distributed import Client
from sim.experiments.workers import warm_up
from sim.ui.cli.common import local_cluster
if __name__ == "__main__":
    warm_up(("distributed",))
    cluster = local_cluster(2, None if sys.argv[1] == "quiet" else {})  # {}: Dask's defaults
    client = Client(cluster)
    time.sleep(2.0)  # started and settled
    tree = [psutil.Process(), *psutil.Process().children(recursive=True)]
    cpu = lambda: sum(sum(p.cpu_times()[:2]) for p in tree)
    before = cpu()
    time.sleep(float(sys.argv[2]))
    print(json.dumps({"cpu_s": cpu() - before}))
    client.close()
    cluster.close()
"""


def dask_idle(repeats: int, seconds: float = 10.0) -> list[dict]:
    """CPU seconds a started, idle two-worker ``dask-local`` cluster takes in ``seconds``.

    With Dask's default intervals and with the command line's (:data:`DASK_LOCAL_CONFIG`),
    in fresh processes, in turn: what its event loops, system and memory monitors cost the
    runs on a small machine. The experiment's process (scheduler, nannies, client) and the
    two worker processes together.
    """
    ways = {"Dask's defaults": ["default", str(seconds)]}
    ways["dask-local's settings"] = ["quiet", str(seconds)]
    found = _in_turn(DASK_IDLE, ways, repeats, "cpu_s")
    rows = [{"idle_s": seconds, **row} for row in _medians(found, "settings", "cpu_s")]
    for row in rows:
        print(f"idle dask-local cluster, {row['settings']}: {row['cpu_s']} CPU s", flush=True)
    return rows


def verdicts(results: dict) -> dict:
    """Each target with what was measured and whether it is met."""
    out = {}
    for row in results["speedups"]:
        if row["config"] == "1 local worker":
            continue
        target = TARGETS[
            "dask_two_workers_speedup_min"
            if "Dask" in row["config"]
            else "two_local_workers_speedup_min"
        ]
        key = f"{row['workload']} | {row['config']}: speedup"
        speed = row["speedup_over_one_worker"]
        out[key] = {"measured": speed, "target": f">= {target}", "met": speed >= target}
    drawn = results["figures_and_report"]["figures_and_report_s"]
    limit = TARGETS["figures_and_report_240_runs_s_max"]
    out[f"figures and report, {results['figures_and_report']['runs']} runs: s"] = _below(
        drawn, limit
    )
    return (
        out
        | import_verdicts(results["imports"])
        | worker_start_verdicts(results.get("worker_start", []))
    )


def _below(measured: float, limit: float) -> dict:
    """A verdict: ``measured`` against a target of less than ``limit``."""
    return {"measured": measured, "target": f"< {limit}", "met": measured < limit}


def import_verdicts(rows: list[dict]) -> dict:
    """The import-time targets, for this checkout's rows (not a revision timed beside it)."""
    limit = TARGETS["import_s_max"]
    return {
        f"{row['command']}: import s": _below(row["import_s"], limit)
        for row in rows
        if row.get("checkout") in (None, "this checkout")
        and row["command"] not in (RUN_LIBRARIES, SPAWNED_WORKER)
    }


def worker_start_verdicts(rows: list[dict]) -> dict:
    """The target of a worker's start: ready for its first run within the import limit."""
    limit = TARGETS["import_s_max"]
    return {
        f"a local worker's start ({row['worker']}): s": _below(row["ready_s"], limit)
        for row in rows
        if row["worker"] != "spawned"
    }


def markdown(results: dict) -> str:
    """The tables for BENCHMARKS.md."""
    lines = [
        "| workload | configuration | wall s (each round) | median s | speedup | speedup in each"
        " round (median) | the machine's two-process speedup before (after) each run |"
    ]
    lines.append("|---|---|---|---|---|---|---|")
    for r in results["speedups"]:
        walls = ", ".join(str(t["wall_s"]) for t in r["runs"])
        each = ", ".join(str(x) for x in r.get("speedup_each_round", []))
        machine = ", ".join(
            f"{b} ({a})"
            for b, a in zip(
                r.get("machine_two_process_speedup_each_round", []),
                r.get("machine_two_process_speedup_after_each_round", []),
                strict=False,
            )
        )
        lines.append(
            f"| {r['workload']} | {r['config']} | {walls} | {r['median_wall_s']} | "
            f"{r['speedup_over_one_worker']} | {each} ({r.get('speedup_median_of_rounds', '')}) "
            f"| {machine} |"
        )
    loads = [t["loadavg_before"][0] for r in results["speedups"] for t in r["runs"]]
    lines += [
        "",
        f"Load average (1 min) before the runs: {min(loads):.2f} to {max(loads):.2f} on "
        f"{results['machine']['cpus']} cores.",
        "",
        "| target | measured | required | met |",
        "|---|---|---|---|",
    ]
    for name, v in results["targets"].items():
        lines.append(
            f"| {name} | {v['measured']} | {v['target']} | {'yes' if v['met'] else 'no'} |"
        )
    return "\n".join(lines) + "\n"


def figures_only(args: argparse.Namespace, plan: dict) -> dict:
    """The figures and report step alone (``--figures-only``), with its command and revisions."""
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        against, revision = exported(args.against, scratch) if args.against else (None, None)
        step = figures_and_report(plan, scratch, args.figures_only, args.folder, against)
    step["target_s"] = TARGETS["figures_and_report_240_runs_s_max"]
    step["this_revision"] = _revision()
    if revision:
        step["against"]["revision"] = revision
    step["command"] = " ".join(["python benchmarks/bench_workers.py", *sys.argv[1:]])
    return step


def _revision() -> str:
    """This checkout's commit, with ``+changes`` when its tracked files differ from it."""
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(["git", "diff", "--quiet", "HEAD"], cwd=ROOT).returncode != 0
    return head + ("+changes" if dirty else "")


def imports_only(repeats: int, compare: Path | None, out: Path) -> int:
    """Step 3 alone (and the checkout ``compare`` beside it); writes results_imports.json."""
    roots = {"this checkout": ROOT}
    if compare is not None:
        roots[f"{compare.resolve()} ({revision(compare)})"] = compare.resolve()
    rows = imports(repeats, roots)
    results = {"revision": revision(ROOT), "repeats": repeats, "imports": rows}
    results["targets"] = import_verdicts(rows)
    (out / "results_imports.json").write_text(json.dumps(results, indent=2) + "\n")
    for row in rows:
        print(f"| {row['command']} | {row['checkout'] or ''} | {row['import_s']} |")
    return 0


def revision(root: Path) -> str:
    """The short commit hash of the checkout ``root`` (with ``+`` when it has changes)."""
    git = ["git", "-C", str(root)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(
        [*git, "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True
    )
    return head.stdout.strip() + ("+" if dirty.stdout.strip() else "") or "unknown"


def _positive(kind):
    """An argparse type: a number of ``kind`` above 0."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"{text} is not above 0")
        return value

    return parse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="small sizes, for CI")
    parser.add_argument("--out", type=Path, default=HERE, help="folder for results_workers.json")
    parser.add_argument(
        "--figures-only",
        type=int,
        metavar="N",
        help="only the figures and report step, N times; writes results_figures.json",
    )
    parser.add_argument(
        "--against",
        metavar="REV",
        help="with --figures-only or --command-only: time revision REV's too, alternating",
    )
    parser.add_argument(
        "--command-only",
        type=_positive(int),
        metavar="N",
        help="only step 1's quickstart in one --config, N times; writes results_command.json",
    )
    parser.add_argument(
        "--config",
        choices=list(CONFIG_NAMES),
        default="dask",
        help="with --command-only: one, local or dask (two Dask workers; the default)",
    )
    parser.add_argument(
        "--folder",
        type=Path,
        metavar="DIR",
        help="with --figures-only: a finished sweep folder of this size (default: run the sweep)",
    )
    parser.add_argument(
        "--worker-start-only",
        type=int,
        metavar="N",
        help="only a worker's start, spawned and forked, N times each (results_worker_start.json)",
    )
    parser.add_argument(
        "--imports-only",
        type=int,
        metavar="N",
        help="only the import times, N fresh processes per command; writes results_imports.json",
    )
    parser.add_argument(
        "--compare",
        type=Path,
        metavar="DIR",
        help="with --imports-only: also time the checkout in DIR, alternating with this one",
    )
    parser.add_argument(
        "--dask-idle-only",
        type=_positive(int),
        metavar="N",
        help="only an idle dask-local cluster's CPU, N times each way (results_dask_idle.json)",
    )
    parser.add_argument(
        "--idle-seconds",
        type=_positive(float),
        default=10.0,
        help="with --dask-idle-only: seconds idle",
    )
    args = parser.parse_args(argv)
    plan = SMALL if args.small else FULL
    args.out.mkdir(parents=True, exist_ok=True)
    if args.imports_only:
        return imports_only(args.imports_only, args.compare, args.out)
    if args.dask_idle_only:
        result = {"repeats": args.dask_idle_only, "loadavg_1min": os.getloadavg()[0]}
        result["clusters"] = dask_idle(args.dask_idle_only, args.idle_seconds)
        (args.out / "results_dask_idle.json").write_text(json.dumps(result, indent=2) + "\n")
        return 0
    if args.worker_start_only:
        rows = worker_start(args.worker_start_only)
        result = {"repeats": args.worker_start_only, "loadavg_1min": os.getloadavg()[0]}
        result["workers"] = rows
        (args.out / "results_worker_start.json").write_text(json.dumps(result, indent=2) + "\n")
        return 0
    if args.command_only:
        result = command_only(args, plan)
        (args.out / "results_command.json").write_text(json.dumps(result, indent=2) + "\n")
        print(json.dumps({k: v for k, v in result.items() if k not in ("this", "against")}))
        return 0
    if args.figures_only:
        step = figures_only(args, plan)
        (args.out / "results_figures.json").write_text(json.dumps(step, indent=2) + "\n")
        print(json.dumps(step))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        results = {
            "machine": {
                "python": platform.python_version(),
                "platform": platform.platform(),
                "cpus": os.cpu_count(),
            },
            "small": args.small,
            "plan": plan,
            "imports": imports(plan["imports"]),
            "worker_start": worker_start(plan["imports"]),
            "speedups": speedups(plan, scratch),
            "figures_and_report": figures_and_report(plan, scratch),
        }
    results["targets"] = verdicts(results)
    (args.out / "results_workers.json").write_text(json.dumps(results, indent=2) + "\n")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
