"""The benchmark suite runs at a small size and writes its results (it asserts no times)."""

import json
import subprocess
import sys

from tests.conftest import ROOT


def test_benchmark_suite_writes_its_results(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--small", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert {r["engine"] for r in results["models"]} == {"vector", "agent"}
    assert all(r["agent_steps_per_s"] > 0 and r["peak_mib"] > 0 for r in results["models"])
    assert all(r["reference_ms"] > 0 for r in results["models"]), "the machine's speed is noted"
    assert all("kib_per_employee" in r for r in results["models"]), "memory per employee"
    assert results["ratio"]["vector_over_agent"] > 0
    assert len(results["pairing"]) == 9, "every pairing policy is timed"
    assert {r["executor"] for r in results["executors"]} >= {
        "in process (1 worker)",
        "2 local processes",
    }
    assert "| target |" in (tmp_path / "results.md").read_text()


def test_roster_benchmark_writes_its_results(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bench_roster.py"),
            "--small",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((tmp_path / "results_roster.json").read_text())
    rows = [r["rows"] for r in results["rosters"]]
    assert rows == [5_000, 20_000], "each roster is built whole"
    assert all(
        r["load_s"] > 0 and r["build_s"] > 0 and r["peak_mib"] > 0 for r in results["rosters"]
    )
    assert "| rows |" in proc.stdout


def test_sensitivity_benchmark_writes_its_results(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_sensitivity.py"), "--small",
         "--workers", "1", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    record = json.loads((tmp_path / "results_sensitivity.json").read_text())
    assert record["runs"] == 2 * 3 * 2 * 1 + 2 * 1 * 2, "2 trajectories x 3 points x 2 arms, noise"
    assert record["wall_s"] > 0 and record["model_runs_per_s_before"] > 0
    assert record["efficiency"] > 0, record
