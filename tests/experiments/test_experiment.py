import json
import os

import numpy as np
import pandas as pd
import pytest

from sim import ExperimentError, load_scenario, run_experiment
from sim.core.rng import replication_seed
from sim.experiments.experiment import Task
from sim.experiments.storage import Store


def test_same_seed_same_bytes_different_seed_differs(small, tmp_path):
    run_experiment(small, out=tmp_path / "a")
    run_experiment(small, out=tmp_path / "b")
    a = (tmp_path / "a" / "runs.csv").read_bytes()
    assert a == (tmp_path / "b" / "runs.csv").read_bytes()
    other = dict(small, seed=8)
    run_experiment(other, out=tmp_path / "c")
    assert a != (tmp_path / "c" / "runs.csv").read_bytes()


def test_results_folder_holds_every_file(small, tmp_path):
    res = run_experiment(small, out=tmp_path / "r")
    names = {p.name for p in (tmp_path / "r").iterdir()}
    assert {
        "manifest.json",
        "runs.parquet",
        "runs.csv",
        "timeseries.parquet",
        "summary.csv",
        "comparison.csv",
    } <= names
    assert ".parts" not in names, "the parts are folded into the tables when the run completes"
    runs = pd.read_parquet(tmp_path / "r" / "runs.parquet")
    assert list(runs.columns[:3]) == ["arm", "replication", "seed"] and len(runs) == 3
    ts = pd.read_parquet(tmp_path / "r" / "timeseries.parquet")
    assert len(ts) == 3 * 27 and list(ts.columns[:4]) == ["arm", "replication", "seed", "week"]
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert manifest["scenario"]["organization"]["size"] == 200
    assert manifest["seeds"] == [replication_seed(7, r) for r in range(3)]
    assert {"numpy", "mesa", "python"} <= set(manifest["packages"])
    assert manifest["wall_time_s"] >= 0
    summary = pd.read_csv(tmp_path / "r" / "summary.csv")
    row = summary[summary["outcome"] == "adoption"].iloc[0]
    values = res.runs["adoption"].to_numpy()
    assert row["n"] == 3 and np.isclose(row["mean"], values.mean())


def test_replication_i_shares_its_seed_across_arms(small):
    data = dict(small, arms=[{"name": "a"}, {"name": "b"}])
    res = run_experiment(data)
    a = res.runs[res.runs.arm == "a"].reset_index(drop=True)
    b = res.runs[res.runs.arm == "b"].reset_index(drop=True)
    assert (a["seed"] == b["seed"]).all()
    # with no program in either arm, common random numbers make the arms identical run by run
    # (but for the figures measured against the baseline arm a, which has none of its own)
    against = ["arm", "net_benefit", "roi"]
    pd.testing.assert_frame_equal(a.drop(columns=against), b.drop(columns=against))
    assert a["roi"].isna().all() and a["net_benefit"].isna().all(), "no ROI against itself"
    assert (b["net_benefit"] == 0).all(), "nothing differs, so nothing is gained or lost"
    assert b["roi"].isna().all(), "a program that costs nothing has no return on investment"


def test_two_workers_give_the_same_bytes(small, tmp_path):
    run_experiment(small, out=tmp_path / "one", workers=1)
    run_experiment(small, out=tmp_path / "two", workers=2)
    assert (tmp_path / "one" / "runs.csv").read_bytes() == (
        tmp_path / "two" / "runs.csv"
    ).read_bytes()


def test_resume_computes_only_what_is_missing(small, tmp_path):
    full = run_experiment(small, out=tmp_path / "full")
    scenario = load_scenario(small)
    # simulate an interruption: one finished part on disk, nothing else
    from sim.experiments.experiment import Plan, run_model

    plan = Plan(scenario, [{}], scenario.replications)
    store = Store(tmp_path / "cut", plan.to_dict(), resume=False)
    task = plan.tasks()[1]
    output = run_model(scenario, arm=task.arm, seed=task.seed)
    store.save(task, output)
    ran = []
    resumed = run_experiment(small, out=tmp_path / "cut", resume=True, on_result=ran.append)
    assert sorted(t.replication for t in ran) == [0, 2], "only the missing replications run"
    assert (tmp_path / "cut" / "runs.csv").read_bytes() == (
        tmp_path / "full" / "runs.csv"
    ).read_bytes()
    pd.testing.assert_frame_equal(resumed.timeseries, full.timeseries)


def test_resume_refuses_a_different_scenario(small, tmp_path):
    scenario = load_scenario(small)
    from sim.experiments.experiment import Plan

    Store(tmp_path / "cut", Plan(scenario, [{}], 3).to_dict(), resume=False)
    from sim.core.errors import ResultsFolderError

    with pytest.raises(ResultsFolderError, match=r"organization\.size"):
        run_experiment(
            dict(small, organization={"size": 300, "levels": 4, "span_of_control": 8}),
            out=tmp_path / "cut",
            resume=True,
        )


def test_a_failing_replication_keeps_the_others(small, tmp_path, monkeypatch):
    import sim.experiments.experiment as experiment

    real = experiment.run_model
    bad_seed = replication_seed(7, 1)

    def flaky(scenario, arm=None, seed=None, weeks=None):
        if seed == bad_seed:
            raise RuntimeError("boom")
        return real(scenario, arm=arm, seed=seed, weeks=weeks)

    monkeypatch.setattr(experiment, "run_model", flaky)
    with pytest.raises(ExperimentError) as info:
        run_experiment(small, out=tmp_path / "r")
    assert info.value.failures[0][0] == Task(0, "no_program", 1, bad_seed)
    assert "boom" in str(info.value) and str(bad_seed) in str(info.value)
    parts = sorted(p.name for p in (tmp_path / "r" / ".parts").glob("*.run.json"))
    assert len(parts) == 2, parts
    assert not (tmp_path / "r" / "runs.csv").exists(), "no final table from a failed run"
    monkeypatch.setattr(experiment, "run_model", real)
    ran = []
    run_experiment(small, out=tmp_path / "r", resume=True, on_result=ran.append)
    assert [t.replication for t in ran] == [1]
    assert (tmp_path / "r" / "runs.csv").exists()


def test_a_pool_worker_sends_its_chunk_as_bytes_that_unpickle_to_the_outputs(small):
    """What a pool's worker sends back is :func:`run_chunk`'s list, pickled in one block.

    A Dask worker sizes a block of bytes at once; the data frames inside it (here 80 columns
    of weekly outcomes) it would otherwise size column by column, twice per chunk.
    """
    import pickle

    from sim.experiments.experiment import run_chunk, run_chunk_pickled

    seeds = [replication_seed(7, r) for r in range(2)]
    tasks = [Task(0, "no_program", r, seed) for r, seed in enumerate(seeds)]
    data = {0: load_scenario(small).to_dict()}
    sent = run_chunk_pickled(data, tasks, None)
    assert isinstance(sent, bytes)
    got, want = pickle.loads(sent), run_chunk(data, tasks, None)
    assert [task for task, _ in got] == tasks == [task for task, _ in want]
    for (_, a), (_, b) in zip(got, want, strict=True):
        assert pd.Series(a.outcomes).equals(pd.Series(b.outcomes))  # NaN where it is NaN
        pd.testing.assert_frame_equal(a.timeseries, b.timeseries)
        pd.testing.assert_frame_equal(a.people, b.people)
    assert not got[0][1].timeseries.equals(got[1][1].timeseries), "two seeds, two runs"
    sizeof = pytest.importorskip("dask.sizeof").sizeof
    assert len(sent) <= sizeof(sent) < len(sent) + 1024, "Dask sizes bytes by their length"


def test_refuses_to_overwrite_a_results_folder(small, tmp_path):
    run_experiment(small, out=tmp_path / "r")
    from sim.core.errors import ResultsFolderError

    with pytest.raises(ResultsFolderError, match=r"not empty.*resume=True"):
        run_experiment(small, out=tmp_path / "r")


def test_local_workers_start_with_one_math_thread_each(small, monkeypatch):
    """Worker processes inherit the environment at submit: one BLAS/OpenMP thread each."""
    import concurrent.futures

    import sim.experiments.experiment as experiment
    import sim.experiments.workers as workers

    seen = []

    class Recording(concurrent.futures.Executor):
        """Runs tasks here, noting the thread variables a worker started now would inherit."""

        def __init__(self, *args, initargs=(), **kwargs):
            self.scenarios = initargs[1]  # what each worker gets at its start (not its watcher)

        def submit(self, fn, *args):
            seen.append({name: os.environ.get(name) for name in workers.MATH_THREAD_VARIABLES})
            monkeypatch.setattr(experiment, "_WORKER_DATA", self.scenarios)
            future = concurrent.futures.Future()
            future.set_result(fn(*args))
            return future

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", Recording)
    monkeypatch.setenv("MKL_NUM_THREADS", "3")  # a user's own setting is kept
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.delenv("NUMBA_NUM_THREADS", raising=False)
    small["replications"] = 2
    run_experiment(load_scenario(small), workers=2)
    want = {
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "3",
        "NUMBA_NUM_THREADS": "1",
    }
    assert seen and all(s == want for s in seen), seen
    assert "OMP_NUM_THREADS" not in os.environ, "this process's environment is restored"
    assert os.environ["MKL_NUM_THREADS"] == "3"
