"""1,000,000 employees, 52 weeks, the default program, end to end, on one core.

    python benchmarks/bench_million.py                 # writes benchmarks/results_million.json
    python benchmarks/bench_million.py --size 20000 --out DIR    # a smaller check

Builds the default model at the size (levels grow with it, as in ``benchmarks/run.py``) and
runs its program arm (``reverse_mentoring``: pairing at week 0, meetings, the whole year) in a
fresh process on one core, recording wall and CPU seconds of the build, of the first week (it
forms the pairs) and of the whole run, and the peak resident memory. A run that does not
finish within ``--limit`` seconds is recorded as not finished, with the time it was given.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ONE_CORE = dict.fromkeys(("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"), "1")
TARGETS = {"wall_s_max": 300.0, "peak_gib_max": 4.0}

CHILD = """
import json, resource, sys, time
sys.path.insert(0, {benchmarks!r})
from run import scenario_for
from sim import ReverseMentoringModel, load_scenario
size, weeks = int(sys.argv[1]), int(sys.argv[2])
marks = {{"start": (time.perf_counter(), time.process_time())}}
def mark(name):
    marks[name] = (time.perf_counter(), time.process_time())
    print(json.dumps({{"mark": name, "wall_s": round(marks[name][0] - marks["start"][0], 2)}}), flush=True)
model = ReverseMentoringModel(load_scenario(scenario_for(size, weeks, "vector")), arm="reverse_mentoring", rng=1)
mark("built")
model.step()
mark("first week (pairing)")
for _ in range(weeks - 1):
    model.step()
mark("all weeks")
outcomes = model.final_outcomes()
mark("outcomes")
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
print(json.dumps({{"done": True, "peak_gib": round(peak, 2),
    "adoption_seniors": outcomes.get("adoption_seniors"),
    "marks": {{k: [round(w - marks["start"][0], 2), round(c - marks["start"][1], 2)] for k, (w, c) in marks.items()}}}}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--limit", type=int, default=900, help="seconds before giving up")
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args(argv)
    load = list(os.getloadavg())
    code = CHILD.format(benchmarks=str(HERE))
    lines: list[dict] = []
    try:
        out = subprocess.run(
            [sys.executable, "-c", code, str(args.size), str(args.weeks)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, **ONE_CORE},
            timeout=args.limit,
        )
        text, finished = out.stdout, out.returncode == 0
    except subprocess.TimeoutExpired as exc:
        raw = exc.stdout or b""
        text, finished = raw.decode() if isinstance(raw, bytes) else raw, False
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    final = next((line for line in lines if line.get("done")), None)
    result = {
        "employees": args.size,
        "weeks": args.weeks,
        "arm": "reverse_mentoring",
        "limit_s": args.limit,
        "finished": final is not None and finished,
        "loadavg_before": load,
        "loadavg_after": list(os.getloadavg()),
        "progress": [line for line in lines if "mark" in line],
        **(final or {}),
    }
    if final:
        wall = final["marks"]["outcomes"][0]
        result["targets"] = {
            "wall_s": {
                "measured": wall,
                "target": f"< {TARGETS['wall_s_max']}",
                "met": wall < TARGETS["wall_s_max"],
            },
            "peak_gib": {
                "measured": final["peak_gib"],
                "target": f"< {TARGETS['peak_gib_max']}",
                "met": final["peak_gib"] < TARGETS["peak_gib_max"],
            },
        }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results_million.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
