"""Time loading, checking and building an organization from a roster file.

Full size: rosters of 100,000 and 1,000,000 employees (the synthetic template, every roster
column: ids, managers, departments, levels, hire dates, birth years, under-representation, 11
skills, 3 attitudes), written as CSV. Each size is timed in a fresh process, on one core:

* ``load_s``: reading the scenario, which reads and checks the roster and sets the scenario's
  fields from it (``sim.load_scenario``);
* ``build_s``: building the organization from it (``sim.core.workforce.build_workforce``: the
  drawn fields, the informal network, the slot order);

with the process's peak resident memory and the machine's speed at the time
(``reference_ms``, see ``benchmarks/run.py``). Targets: 100,000 rows in under 10 s, 1,000,000
in under 2 minutes (load and build together). ``--small`` times 5,000 and 20,000 rows (CI).

    .venv/bin/python benchmarks/bench_roster.py [--small] [--out DIR]

Writes ``results_roster.json`` (to ``benchmarks/`` at full size; ``--small`` writes only with
``--out``) and prints a Markdown table.
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

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from run import ONE_CORE, reference_ms  # noqa: E402 (benchmarks/run.py, beside this file)

FULL = [(100_000, 7, 10.0), (1_000_000, 8, 120.0)]
SMALL = [(5_000, 5, 10.0), (20_000, 6, 10.0)]
"""(rows, levels, target seconds for load and build together)."""


def write_roster(rows: int, levels: int, folder: Path) -> Path:
    """The synthetic template of ``rows`` employees as a CSV roster."""
    from sim.core.organization_params import Organization
    from sim.core.roster_template import roster_template, write_roster

    table, _ = roster_template(Organization(size=rows, levels=levels, span_of_control=10), seed=1)
    return write_roster(table, folder / f"roster_{rows}.csv")


def measure_one(path: str) -> dict:
    """Load, check and build the roster at ``path`` in this process."""
    from sim import load_scenario
    from sim.core.rng import Streams
    from sim.core.workforce import build_workforce

    start = time.perf_counter()
    scenario = load_scenario({"organization": {"roster": path, "as_of": "2026-01-01"}})
    loaded = time.perf_counter()
    workforce = build_workforce(scenario.organization, Streams(1))
    built = time.perf_counter()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rows = workforce.state.size
    del workforce, scenario
    return {
        "rows": rows,
        "load_s": round(loaded - start, 3),
        "build_s": round(built - loaded, 3),
        "total_s": round(built - start, 3),
        "peak_mib": round(peak_kib / 1024, 1),
        "reference_ms": reference_ms(),
    }


def in_child(path: Path) -> dict:
    """Run :func:`measure_one` in a fresh process, on one core."""
    out = subprocess.run(
        [sys.executable, __file__, "--one", str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, **ONE_CORE},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def markdown(results: dict) -> str:
    """The results as a Markdown table."""
    lines = [
        "| rows | file MB | load and check s | build s | total s | target s | met | peak MiB | reference ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results["rosters"]:
        lines.append(
            f"| {r['rows']:,} | {r['file_mb']} | {r['load_s']} | {r['build_s']} | {r['total_s']} "
            f"| {r['target_s']:g} | {'yes' if r['met'] else 'no'} | {r['peak_mib']} | {r['reference_ms']} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Generate the rosters, time each in a fresh process, write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="5,000 and 20,000 rows (CI)")
    parser.add_argument("--out", type=Path, help="folder for results_roster.json")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure_one(args.one)))
        return 0
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for size, levels, target in SMALL if args.small else FULL:
            path = write_roster(size, levels, Path(folder))
            result = in_child(path)
            result.update(
                file_mb=round(path.stat().st_size / 1e6, 1),
                target_s=target,
                met=result["total_s"] < target,
            )
            rows.append(result)
            path.unlink()
            print(f"{size:,} rows: {result['total_s']} s", file=sys.stderr)
    results = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "created_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "rosters": rows,
    }
    out = args.out or (None if args.small else HERE)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "results_roster.json").write_text(json.dumps(results, indent=2) + "\n")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
