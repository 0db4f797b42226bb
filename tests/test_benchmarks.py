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
    pairing = results["pairing"]
    assert len(pairing) == 18 and len({r["policy"] for r in pairing}) == 9, "each policy, twice"
    assert {r["engine"] for r in pairing} == {"numpy"}, "the small size is below the compiler's"
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


def _script(name: str, *args: str) -> None:
    """Run ``benchmarks/NAME`` with ``args`` from the project's root; it must succeed."""
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / name), *args],
        check=True,
        cwd=ROOT,
        capture_output=True,
        timeout=300,
    )


def test_pairing_benchmark_compares_two_revisions_side_by_side(tmp_path):
    """``--against HEAD``: both revisions pair the same problem, in turn, to the same total,
    with each engine (the small problem is below the compiled loop's size: numpy both times)."""
    out = tmp_path / "pairing.json"
    policies = ["--policies", "random", "optimal"]
    _script(
        "bench_pairing.py",
        "--small",
        *policies,
        "--engines",
        "numpy",
        "compiled",
        "--against",
        "HEAD",
        "--rounds",
        "2",
        "--out",
        str(out),
    )
    results = json.loads(out.read_text())
    assert len(results["against"]) == 40 and results["rounds"] == 2
    rows = results["sizes"][0]["results"]
    assert [row["policy"] for row in rows] == ["random", "random", "optimal", "optimal"]
    assert [row["engine"] for row in rows] == ["numpy"] * 4
    assert rows[0]["total_score"] == rows[1]["total_score"]
    assert rows[2]["total_score"] == rows[3]["total_score"]
    for row in rows:
        assert len(row["each_s"]) == len(row["against_each_s"]) == 2
        assert row["against_total_score"] == row["total_score"]  # one code, one problem
        assert row["ratio_this_over_against"] > 0


def test_search_statistics_are_ordered_as_they_must_be(tmp_path):
    """The bound reaches at least the blocks the true best scores reach, and a query's union
    at least each mentee's own blocks; the bound is never below the score."""
    out = tmp_path / "stats.json"
    _script("search_stats.py", "--sizes", "small", "--out", str(out))
    stats = json.loads(out.read_text())["small"]
    per_mentee = stats["open_mentors_in_blocks_bound_reaches_per_mentee"]
    together = stats["open_mentors_in_blocks_bound_reaches_for_32_mentees_together"]
    assert stats["open_mentors_in_blocks_true_best_reaches_per_mentee"] <= per_mentee <= together
    assert stats["bound_slack_per_mentor_mean"] >= 0 and stats["bound_slack_per_block_mean"] >= 0
    assert stats["open_mentors"] < stats["mentors"]  # the first pairs closed some


def test_dask_idle_benchmark_writes_both_settings(tmp_path):
    """An idle dask-local cluster's CPU, with Dask's defaults and with the command line's."""
    _script(
        "bench_workers.py", "--dask-idle-only", "1", "--idle-seconds", "0.5", "--out", str(tmp_path)
    )
    rows = json.loads((tmp_path / "results_dask_idle.json").read_text())["clusters"]
    assert [r["settings"] for r in rows] == ["Dask's defaults", "dask-local's settings"]
    assert all(r["cpu_s"] >= 0 and len(r["each_s"]) == 1 and r["idle_s"] == 0.5 for r in rows)


def test_the_machine_probe_compares_two_processes_with_one():
    """The workers benchmark's probe of the machine runs its loop in forked processes and
    reports two processes' speed over one's: about 2 with both cores free, about 1 where they
    share one; never above 2 by more than timing noise."""
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.path.insert(0, 'benchmarks'); import bench_workers as b; "
            "b.LOOP_ITERATIONS = 200_000; print(b.two_process_speedup(1))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert 0.3 < float(out.stdout.split()[-1]) < 2.6


def test_a_command_is_timed_beside_another_revision_each_running_its_own_code(tmp_path):
    """``--command-only --against HEAD``: this checkout's command and HEAD's (exported, not a
    git checkout) run in turn; each results folder names the code it ran."""
    argv = ["--small", "--command-only", "2", "--config", "one", "--against", "HEAD"]
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.path.insert(0, 'benchmarks'); import bench_workers as b; "
            "b.FREE_CORES = 0; b.LOOP_ITERATIONS = 10_000; "  # no wait for free cores here
            f"sys.exit(b.main({[*argv, '--out', str(tmp_path)]!r}))",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads((tmp_path / "results_command.json").read_text())
    assert result["config"] == "1 local worker"
    assert result["workload"] == "quickstart, 4 replications"
    this, against = result["this"]["runs"], result["against"]["runs"]
    assert len(this) == len(against) == 2
    head = result["this_revision"][:40]
    assert all(run["code_revision"].startswith(head) for run in this)
    assert all(run["code_revision"] is None for run in against), "the exported tree ran"
    assert len(result["ratio_this_over_against_each_round"]) == 2
    assert result["ratio_of_medians"] > 0
