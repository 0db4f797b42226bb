"""Peak memory of one run against the estimate a run is refused on (sim.model.fit).

    python benchmarks/memory_estimate.py            # about 8 minutes of one core
    python benchmarks/memory_estimate.py --small    # a quick run at small sizes

Each configuration runs in a fresh process: build the model of the default scenario at a size
and mean degree, with or without its program arm, run 2 weeks (the program pairs in week 0),
and read the peak resident memory (``getrusage``). The estimate must not be below the peak:
it errs on the side of refusing. Writes benchmarks/results_memory.json and prints a table.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FULL = [
    (20_000, 10, False),
    (100_000, 10, False),
    (300_000, 10, False),
    (20_000, 50, False),
    (20_000, 200, False),
    (20_000, 10, True),
    (50_000, 10, True),
    (100_000, 10, True),
    (100_000, 100, True),
    (300_000, 10, True),
    (1_000_000, 10, True),
]
SMALL = [(5_000, 10, False), (5_000, 100, False), (5_000, 10, True)]


def scenario(size: int, degree: int) -> dict:
    return {
        "horizon_weeks": 2,
        "organization": {
            "size": size,
            "levels": 8,
            "span_of_control": 20,
            "network": {"mean_degree": degree},
        },
    }


def measure(size: int, degree: int, program: bool) -> dict:
    """In this process: peak resident MiB of building and running one model."""
    import sim
    from sim.model.fit import estimate_run_bytes

    scen = sim.load_scenario(scenario(size, degree))
    arm = "reverse_mentoring" if program else "no_program"
    sim.ReverseMentoringModel(scen, arm=arm, rng=1).run()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    if not program:  # the estimate of a scenario without a program arm
        scen = sim.load_scenario({**scenario(size, degree), "arms": [{"name": "no_program"}]})
    return {
        "size": size,
        "mean_degree": degree,
        "program": program,
        "peak_mib": round(peak, 1),
        "estimate_mib": round(estimate_run_bytes(scen) / 1024**2, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks")
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        size, degree, program = args.one
        print(json.dumps(measure(int(size), int(degree), program == "1")))
        return 0
    rows = []
    for size, degree, program in SMALL if args.small else FULL:
        command = [sys.executable, __file__, "--one", str(size), str(degree), str(int(program))]
        out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results_memory.json").write_text(json.dumps(rows, indent=1) + "\n")
    print("| employees | mean degree | program | peak MiB | estimate MiB | estimate / peak |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        ratio = r["estimate_mib"] / r["peak_mib"]
        print(
            f"| {r['size']:,} | {r['mean_degree']} | {'yes' if r['program'] else 'no'} | "
            f"{r['peak_mib']:,.0f} | {r['estimate_mib']:,.0f} | {ratio:.2f} |"
        )
    return 0 if all(r["estimate_mib"] >= r["peak_mib"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
