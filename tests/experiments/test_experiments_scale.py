"""Experiments at scale: common random numbers, executors, resume after a kill, statistics."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from sim import run_experiment
from sim.experiments.stats import compare, describe
from tests.conftest import ROOT

QUICK = ROOT / "scenarios" / "quickstart.yaml"


def test_paired_ci_is_narrower_than_unpaired_on_the_quickstart():
    res = run_experiment(QUICK, replications=6)
    c = res.comparison.set_index("outcome")
    for outcome in ("adoption_seniors", "digital_skill_gap", "mean_resistance_seniors", "ideas"):
        row = c.loc[outcome]
        paired = row["paired_ci95_high"] - row["paired_ci95_low"]
        unpaired = row["unpaired_ci95_high"] - row["unpaired_ci95_low"]
        assert paired < unpaired, f"{outcome}: paired width {paired:.4g} vs unpaired {unpaired:.4g}"


def test_same_bytes_with_one_worker_two_workers_and_a_local_dask_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    overrides = {
        "replications": 3,
        "horizon_weeks": 12,
        "organization.size": 150,
        "organization.levels": 4,
    }
    from sim import load_scenario

    scenario = load_scenario(QUICK, overrides=overrides)
    run_experiment(scenario, out=tmp_path / "one", workers=1)
    run_experiment(scenario, out=tmp_path / "two", workers=2)
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},  # not port 8787
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        run_experiment(scenario, out=tmp_path / "dask", executor=client.get_executor())
    one = (tmp_path / "one" / "runs.csv").read_bytes()
    assert one == (tmp_path / "two" / "runs.csv").read_bytes()
    assert one == (tmp_path / "dask" / "runs.csv").read_bytes()
    a = pd.read_parquet(tmp_path / "one" / "timeseries.parquet")
    b = pd.read_parquet(tmp_path / "dask" / "timeseries.parquet")
    pd.testing.assert_frame_equal(a, b)


def test_dask_local_workers_run_one_math_thread_each(monkeypatch):
    """As local workers: two workers each running a compiled pairing or BLAS on every core would
    fight over the cores. Set by the cluster itself, so it holds whichever command started it
    and whatever environment a fork server already running was started with."""
    pytest.importorskip("distributed")
    from argparse import Namespace

    from sim.ui.cli.common import executor_for

    monkeypatch.setenv("MKL_NUM_THREADS", "3")  # a user's own setting is kept
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    args = Namespace(executor="dask-local", workers=2, scheduler=None)
    executor, workers, close = executor_for(args, tasks=2)
    try:
        seen = executor._client.run(lambda: dict(os.environ))
    finally:
        close()
    want = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "3"}
    want["NUMBA_NUM_THREADS"] = "1"
    got = [{name: env.get(name) for name in want} for env in seen.values()]
    assert workers == 2 and len(got) == 2, seen.keys()
    assert all(g == want for g in got), got


def test_a_dask_local_cluster_takes_no_fixed_port_and_serves_this_machine_only():
    """Dask's scheduler serves its status pages even without a dashboard, by default on port
    8787 of every interface, warning where another program holds it (a user's own Dask)."""
    pytest.importorskip("distributed")
    import socket
    import warnings

    from sim.ui.cli.common import local_cluster

    holder = socket.socket()
    try:
        holder.bind(("127.0.0.1", 8787))
        holder.listen()
    except OSError:  # taken already (another test's cluster): the case is there either way
        holder.close()
        holder = None
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            cluster = local_cluster(1)
        try:
            bound = {s.getsockname()[:2] for s in cluster.scheduler.http_server._sockets.values()}
        finally:
            cluster.close()
    finally:
        if holder is not None:
            holder.close()
    assert not [w for w in caught if "8787" in str(w.message)], [str(w.message) for w in caught]
    assert bound and all(host == "127.0.0.1" and port != 8787 for host, port in bound), bound


def test_resume_after_sigkill_gives_the_uninterrupted_results(tmp_path):
    args = [
        "--reps",
        "6",
        "--weeks",
        "30",
        "--set",
        "organization.size=300",
        "--workers",
        "1",
        "--quiet",
        "--no-report",  # the tables are what a resume must rebuild; figures come from them
    ]
    cli = [sys.executable, "-m", "sim.ui.cli", "run", str(QUICK)]
    subprocess.run([*cli, *args, "--out", str(tmp_path / "full")], check=True, capture_output=True)
    cut = tmp_path / "cut"
    proc = subprocess.Popen(
        [*cli, *args, "--out", str(cut)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.time() + 120
    while time.time() < deadline:
        done = list((cut / ".parts").glob("*.run.json")) if (cut / ".parts").exists() else []
        if len(done) >= 3:
            break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    parts = len(list((cut / ".parts").glob("*.run.json")))
    assert 3 <= parts < 12, f"killed mid-way with {parts} of 12 replications finished"
    assert not (cut / "runs.csv").exists()
    resumed = subprocess.run([*cli, *args, "--resume", str(cut)], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert (cut / "runs.csv").read_bytes() == (tmp_path / "full" / "runs.csv").read_bytes()
    a = pd.read_parquet(cut / "timeseries.parquet")
    b = pd.read_parquet(tmp_path / "full" / "timeseries.parquet")
    pd.testing.assert_frame_equal(a, b)


def test_summary_statistics_equal_a_hand_computed_case():
    values = np.array([1.0, 2.0, 6.0])
    d = describe(values)
    # mean 3, sample sd sqrt(((4 + 1 + 9) / 2)) = sqrt(7); t(0.975, 2) = 4.302652729911275
    half = 4.302652729911275 * np.sqrt(7.0) / np.sqrt(3.0)
    assert d["n"] == 3 and d["mean"] == 3.0 and np.isclose(d["std"], np.sqrt(7.0))
    assert np.isclose(d["ci95_low"], 3.0 - half) and np.isclose(d["ci95_high"], 3.0 + half)
    assert d["median"] == 2.0
    assert np.isclose(d["p10"], 1.2) and np.isclose(d["p90"], 5.2)  # linear interpolation


def test_paired_and_unpaired_intervals_equal_a_hand_computed_case():
    runs = pd.DataFrame(
        {
            "arm": ["a"] * 3 + ["b"] * 3,
            "replication": [0, 1, 2] * 2,
            "y": [1.0, 2.0, 6.0, 2.0, 4.0, 7.0],
        }
    )
    row = compare(runs, ["y"], baseline="a").iloc[0]
    # differences 1, 2, 1: mean 4/3, sd sqrt(1/3); paired half-width t(0.975, 2) sd / sqrt(3)
    half = 4.302652729911275 * np.sqrt(1 / 3) / np.sqrt(3)
    assert np.isclose(row["diff"], 4 / 3)
    assert np.isclose(row["paired_ci95_low"], 4 / 3 - half) and np.isclose(
        row["paired_ci95_high"], 4 / 3 + half
    )
    # Welch: variances 7 and 7 (b: 2, 4, 7 has mean 13/3, var 6.333...), hand-computed below
    va, vb = np.var([2.0, 4.0, 7.0], ddof=1) / 3, np.var([1.0, 2.0, 6.0], ddof=1) / 3
    dof = (va + vb) ** 2 / (va**2 / 2 + vb**2 / 2)
    from scipy import stats

    whalf = stats.t.ppf(0.975, dof) * np.sqrt(va + vb)
    assert np.isclose(row["unpaired_ci95_low"], 4 / 3 - whalf) and np.isclose(
        row["unpaired_ci95_high"], 4 / 3 + whalf
    )
    assert (
        row["paired_ci95_high"] - row["paired_ci95_low"]
        < row["unpaired_ci95_high"] - row["unpaired_ci95_low"]
    )


def test_cli_dask_executors_give_the_same_bytes(tmp_path):
    distributed = pytest.importorskip("distributed")
    from sim.ui.cli import main

    args = [
        "run",
        str(QUICK),
        "--reps",
        "2",
        "--weeks",
        "6",
        "--set",
        "organization.size=150",
        "--set",
        "organization.levels=4",
        "--quiet",
        "--no-report",
    ]
    assert main([*args, "--workers", "1", "--out", str(tmp_path / "one")]) == 0
    assert (
        main(
            [*args, "--executor", "dask-local", "--workers", "2", "--out", str(tmp_path / "local")]
        )
        == 0
    )
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},  # not port 8787
    ) as cluster:
        assert (
            main(
                [
                    *args,
                    "--executor",
                    "dask",
                    "--scheduler",
                    cluster.scheduler_address,
                    "--out",
                    str(tmp_path / "remote"),
                ]
            )
            == 0
        )
    one = (tmp_path / "one" / "runs.csv").read_bytes()
    assert one == (tmp_path / "local" / "runs.csv").read_bytes()
    assert one == (tmp_path / "remote" / "runs.csv").read_bytes()
    assert main([*args, "--executor", "dask", "--out", str(tmp_path / "none")]) == 2, (
        "dask needs --scheduler"
    )
