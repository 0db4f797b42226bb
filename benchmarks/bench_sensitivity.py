"""Sensitivity analysis at the size of the speed target, with the model's own speed beside it.

    python benchmarks/bench_sensitivity.py               # writes benchmarks/results_sensitivity.json
    python benchmarks/bench_sensitivity.py --small --out DIR

Target: Morris with 10 trajectories over 10 parameters, 3 replications per point, 500
employees, 52 weeks (the quickstart scenario), under 10 minutes on 2 cores. That is
110 points x 2 arms x 3 replications = 660 runs, plus 2 x 3 x 20 = 120 runs at the defaults
for the noise floor.

The machine is shared, so the wall time alone says little: the same process also times the
model alone (quickstart runs, one arm each, in this process, one core), before and after the
analysis. ``efficiency`` = runs done / (wall seconds x model runs per second x workers) is
the load-independent figure: 1.0 would mean the analysis costs nothing beyond its runs on
perfectly used cores.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

PARAMETERS = (
    "dynamics.adoption.innovation",
    "dynamics.adoption.imitation",
    "dynamics.adoption.skill_effect",
    "dynamics.adoption.manager_push",
    "dynamics.adoption.mentoring",
    "dynamics.adoption.chain_decay",
    "dynamics.learning.rate_digital",
    "dynamics.meetings.base_attendance",
    "dynamics.attitudes.good_drop",
    "dynamics.peer_learning.rate",
)
"""The ten parameters of the target: the adoption hazard and what feeds it."""

TARGET_S = 600.0


def model_runs_per_second(scenario, runs: int) -> float:
    """Quickstart runs per second of the model alone, in this process (one core)."""
    from sim.experiments.experiment import run_model

    start = time.perf_counter()
    for i in range(runs):
        arm = scenario.arms[i % len(scenario.arms)].name
        run_model(scenario, arm=arm, seed=1000 + i)
    return runs / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a quick run at a tiny size")
    parser.add_argument("--out", type=Path, default=HERE, help="folder for the results file")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    from sim.experiments.sensitivity import Settings, plan_text, run_sensitivity
    from sim.model.scenario import load_scenario

    params = PARAMETERS[:2] if args.small else PARAMETERS
    overrides = {"organization.size": 60, "organization.levels": 3, "horizon_weeks": 8}
    scenario = load_scenario(
        ROOT / "scenarios" / "quickstart.yaml",
        overrides=(overrides if args.small else None),
    )
    data = scenario.to_dict()
    data["uncertain"] = {p: "plausible" for p in params}
    scenario = load_scenario(data)
    settings = Settings(method="morris", size=2 if args.small else 10, reps=1 if args.small else 3,
                        outcomes=["adoption_seniors"], noise_groups=2 if args.small else 20)  # fmt: skip
    reference_runs = 4 if args.small else 20
    before = model_runs_per_second(scenario, reference_runs)
    folder = Path(tempfile.mkdtemp(prefix="bench_sensitivity_"))
    try:
        start = time.perf_counter()
        result = run_sensitivity(scenario, settings, workers=args.workers, out=folder / "s")
        wall = time.perf_counter() - start
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    after = model_runs_per_second(scenario, reference_runs)
    arms = len(scenario.arms)
    runs = len(result.design) * arms * settings.reps + settings.noise_groups * settings.reps * arms
    speed = (before + after) / 2
    top = result.indices.sort_values("rank")["parameter"].head(3).tolist()
    record = {
        "plan": plan_text(scenario, settings),
        "employees": scenario.organization.size,
        "weeks": scenario.horizon_weeks,
        "parameters": len(params),
        "trajectories": settings.size,
        "replications": settings.reps,
        "workers": args.workers,
        "runs": runs,
        "wall_s": round(wall, 1),
        "target_s": TARGET_S,
        "met": wall < TARGET_S,
        "model_runs_per_s_before": round(before, 3),
        "model_runs_per_s_after": round(after, 3),
        "efficiency": round(runs / (wall * speed * args.workers), 3),
        "top_parameters_adoption_seniors": top,
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "measured_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "results_sensitivity.json"
    path.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
