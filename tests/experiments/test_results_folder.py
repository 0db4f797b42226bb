"""Damaged results folders: every damaged part is named and recomputed; nothing damaged is trusted."""

import json
import logging
import os

import pytest

from sim import run_experiment
from sim.core.errors import ResultsFolderError
from sim.experiments.storage import PARTS, PLAN, Store, atomic_write


@pytest.fixture
def tiny(small):
    return dict(small, horizon_weeks=6, replications=3)


@pytest.fixture
def full(tiny, tmp_path):
    run_experiment(tiny, out=tmp_path / "full")
    return tmp_path / "full"


def interrupted(tiny, folder, finished=(0, 2)):
    """A folder as an interrupted run leaves it: the parts of the ``finished`` replications."""
    from sim.experiments.experiment import Plan, run_model
    from sim.model.scenario import load_scenario

    scenario = load_scenario(tiny)
    plan = Plan(scenario, [{}], scenario.replications)
    store = Store(folder, plan.to_dict(), resume=False)
    for task in plan.tasks():
        if task.replication in finished:
            store.save(task, run_model(scenario, arm=task.arm, seed=task.seed))
    return sorted(folder.joinpath(PARTS).glob("*.run.json"))


def resume(tiny, folder, caplog):
    ran = []
    with caplog.at_level(logging.WARNING, logger="sim.experiments.storage"):
        run_experiment(tiny, out=folder, resume=True, on_result=ran.append)
    return sorted(t.replication for t in ran), caplog.text


def same_tables(a, b):
    for name in ("runs.csv", "runs.parquet", "timeseries.parquet", "summary.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (
            lambda parts, key: (parts / f"{key}.ts.parquet").write_bytes(b""),
            "ts.parquet does not match",
        ),
        (
            lambda parts, key: (parts / f"{key}.ts.parquet").write_bytes(
                (parts / f"{key}.ts.parquet").read_bytes()[:100]
            ),
            "ts.parquet does not match",
        ),
        (lambda parts, key: (parts / f"{key}.ts.parquet").unlink(), "ts.parquet is missing"),
        (
            lambda parts, key: (parts / f"{key}.run.json").write_text(
                (parts / f"{key}.run.json").read_text()[:40]
            ),
            "marker does not read back",
        ),
        (
            lambda parts, key: (parts / f"{key}.run.json").write_bytes(b""),
            "marker does not read back",
        ),
    ],
    ids=["empty-series", "truncated-series", "missing-series", "truncated-marker", "empty-marker"],
)
def test_a_damaged_part_is_named_and_recomputed(tiny, full, tmp_path, caplog, damage, reason):
    cut = tmp_path / "cut"
    markers = interrupted(tiny, cut)
    key = markers[0].name[: -len(".run.json")]
    damage(cut / PARTS, key)
    ran, log = resume(tiny, cut, caplog)
    assert f"damaged part {key}" in log and reason in log, log
    assert ran == [0, 1], "the damaged replication 0 and the missing replication 1 run again"
    same_tables(cut, full)


def test_a_corrupt_plan_is_replaced_and_the_parts_checked_against_the_plan(
    tiny, full, tmp_path, caplog
):
    cut = tmp_path / "cut"
    interrupted(tiny, cut)
    (cut / PARTS / PLAN).write_text('{"plan": {"scen')
    ran, log = resume(tiny, cut, caplog)
    assert "plan.json is damaged" in log, log
    assert ran == [1], "the parts made for this plan are intact and kept"
    same_tables(cut, full)


def test_parts_of_another_plan_are_not_trusted_when_the_plan_is_lost(tiny, tmp_path, caplog):
    cut = tmp_path / "cut"
    interrupted(tiny, cut)
    (cut / PARTS / PLAN).unlink()
    other = dict(tiny, seed=tiny["seed"] + 1)
    ran, log = resume(other, cut, caplog)
    assert ran == [0, 1, 2] and log.count("made for another plan") == 2, log


def test_resuming_a_finished_folder_with_its_settings_runs_nothing(tiny, full, caplog):
    before = {p.name: p.read_bytes() for p in full.iterdir() if p.is_file()}
    ran, log = resume(tiny, full, caplog)
    assert ran == [] and not log
    assert {p.name: p.read_bytes() for p in full.iterdir() if p.is_file()} == before
    results = run_experiment(tiny, out=full, resume=True)
    fresh = run_experiment(tiny)
    assert results.runs.equals(fresh.runs) and results.summary.equals(fresh.summary)
    assert results.timeseries.equals(fresh.timeseries)


def test_resuming_a_finished_folder_with_another_seed_is_refused(tiny, full):
    before = {p.name: p.read_bytes() for p in full.iterdir() if p.is_file()}
    with pytest.raises(
        ResultsFolderError, match=r"finished experiment with other settings, at scenario\.seed"
    ):
        run_experiment(dict(tiny, seed=99), out=full, resume=True)
    assert {p.name: p.read_bytes() for p in full.iterdir() if p.is_file()} == before
    assert not (full / PARTS).exists()


def test_a_finished_folder_with_a_damaged_table_is_recomputed(tiny, full, caplog):
    good = (full / "runs.csv").read_bytes()
    (full / "timeseries.parquet").write_bytes(b"PAR1")
    ran, log = resume(tiny, full, caplog)
    assert "timeseries.parquet is damaged" in log and ran == [0, 1, 2], log
    assert (full / "runs.csv").read_bytes() == good


def test_a_folder_that_is_not_a_results_folder_is_refused(tiny, tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "notes.txt").write_text("mine")
    with pytest.raises(ResultsFolderError, match="not a results folder"):
        run_experiment(tiny, out=tmp_path / "x", resume=True)
    (tmp_path / "x" / "manifest.json").write_text("{trunc")
    with pytest.raises(ResultsFolderError, match=r"manifest\.json is damaged"):
        run_experiment(tiny, out=tmp_path / "x", resume=True)
    assert sorted(p.name for p in (tmp_path / "x").iterdir()) == ["manifest.json", "notes.txt"]


def test_atomic_write_syncs_the_file_before_and_the_folder_after_the_rename(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", os.path.isdir(f"/proc/self/fd/{fd}") or "file"))
        real_fsync(fd)

    def replace(a, b):
        events.append(("rename", None))
        real_replace(a, b)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    digest = atomic_write(tmp_path / "a.json", lambda p: p.write_text(json.dumps({"a": 1})))
    assert [e[0] for e in events] == ["fsync", "rename", "fsync"], events
    if os.path.exists("/proc/self/fd"):
        assert events[0][1] == "file" and events[2][1] is True, "file first, then its folder"
    import hashlib

    assert digest == hashlib.sha256(b'{"a": 1}').hexdigest()
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"], "no temporary file is left"
