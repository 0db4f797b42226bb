"""The command line under hostile conditions: every failure a clear message, the right exit status.

Each test reproduces a failure of the command line (a traceback, a hang, a wrong exit status
or a silent change) and checks that it is now reported as a user's mistake (exit 2) or a
fault (exit 1), naming what is wrong, without a traceback, leaving nothing half-written.
"""

import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.ui.cli import main
from tests.conftest import ROOT

QUICK = str(ROOT / "scenarios" / "quickstart.yaml")
TINY = ["--set", "organization.size=100", "--set", "organization.levels=4", "--weeks", "3"]


def cli(*args, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "sim.ui.cli", *args], capture_output=True, text=True, **kwargs
    )


def tiny_file(tmp_path, extra=""):
    path = tmp_path / "tiny.yaml"
    path.write_text(
        "name: tiny\nseed: 5\nhorizon_weeks: 3\nreplications: 2\n"
        "organization: {size: 100, levels: 4}\n" + extra
    )
    return str(path)


# ------------------------------------------------------------------ validate = run's checks


def test_validate_runs_the_program_fit_check_that_run_runs(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "organization: {size: 60, levels: 3}\n"
        "arms:\n  - {name: none}\n  - name: boards\n    program: {format: group, group_size: 50}\n"
    )
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{bad}: invalid scenario") or "invalid scenario" in err
    assert "arms.1.program.group_size: 50" in err, err


def test_an_organization_too_large_for_memory_is_refused_before_it_is_built(
    tmp_path, capsys, monkeypatch
):
    import sim.model.fit as fit

    monkeypatch.setattr(fit, "available_memory", lambda: 8 * 1024**3)
    huge = [
        "--set",
        "organization.size=5000000",
        "--set",
        "organization.levels=15",
        "--set",
        "organization.span_of_control=100",
        "--set",
        "organization.network.mean_degree=200",
    ]
    start = time.perf_counter()
    assert main(["validate", QUICK, *huge]) == 2
    err = capsys.readouterr().err
    assert "too large for this machine" in err and "5,000,000 employees" in err, err
    assert "GiB" in err and "8.0 GiB available" in err, err
    out = tmp_path / "r"
    assert main(["run", QUICK, *huge, "--out", str(out), "--quiet"]) == 2
    assert not out.exists(), "nothing is written"
    # building 5,000,000 employees takes tens of seconds; the estimate takes milliseconds
    assert time.perf_counter() - start < 20


def test_memory_running_out_anywhere_is_a_clear_fault(monkeypatch, capsys, tmp_path):
    import sim.experiments.experiment as experiment

    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(experiment, "run_experiment", exhausted)
    assert main(["run", *TINY, "--reps", "1", "--out", str(tmp_path / "r")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("failed") and "ran out of memory" in err and "--workers" in err, err


def test_too_many_workers_for_memory_is_refused_with_a_number_that_fits(monkeypatch, capsys):
    import sim.model.fit as fit

    monkeypatch.setattr(fit, "available_memory", lambda: 1 * 1024**3)
    code = main(["run", *TINY, "--reps", "8", "--workers", "8", "--out", "unused", "--quiet"])
    assert code == 2
    err = capsys.readouterr().err
    assert "8 worker processes need about" in err and "available: use --workers" in err, err


# ------------------------------------------------------------------ the results folder


def test_out_on_a_file_or_below_a_file_is_refused(tmp_path, capsys):
    afile = tmp_path / "file.txt"
    afile.write_text("keep me")
    for out, needle in (
        (afile, "is a file, not a folder"),
        (afile / "sub", "is a file, so no folder"),
    ):
        assert main(["run", *TINY, "--reps", "1", "--out", str(out), "--quiet"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("invalid option") and needle in err, err
    assert afile.read_text() == "keep me"


def test_a_results_folder_that_is_not_empty_says_how_to_resume(tmp_path, capsys):
    out = tmp_path / "r"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["run", *TINY, "--reps", "1", "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("invalid option"), "not an 'invalid scenario': the scenario is fine"
    assert f"--resume {out}" in err


def test_writing_errors_are_reported_by_kind(tmp_path, capsys, monkeypatch):
    import errno

    import sim.experiments.storage as storage

    for code, expected, needle in (
        (errno.ENOSPC, 1, "no space left"),
        (errno.EROFS, 2, "read-only file system"),
        (errno.EACCES, 2, "permission denied"),
    ):

        def refuse(path, writer, code=code):
            raise OSError(code, os.strerror(code), str(path))

        monkeypatch.setattr(storage, "atomic_write", refuse)
        out = tmp_path / f"r{code}"
        assert main(["run", *TINY, "--reps", "1", "--out", str(out), "--quiet"]) == expected
        err = capsys.readouterr().err
        assert needle in err and str(out) in err and "Traceback" not in err, err


def namespace_shell(script: str):
    """Run ``script`` in a private mount namespace (so it may mount tmpfs); skip if not allowed."""
    unshare = shutil.which("unshare")
    if unshare is None or sys.platform != "linux":
        pytest.skip("needs Linux and unshare")
    probe = subprocess.run([unshare, "-rm", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("user namespaces are not allowed here")
    return subprocess.run(
        [unshare, "-rm", "sh", "-c", script], capture_output=True, text=True, timeout=300
    )


def test_a_full_disk_is_a_fault_that_leaves_only_verified_parts_and_resumes(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    run = f"{sys.executable} -m sim.ui.cli run {QUICK} {' '.join(TINY)} --reps 3 --workers 1 --quiet --no-report"
    proc = namespace_shell(
        f"mount -t tmpfs -o size=48k tmpfs {disk} || exit 99\n"
        f"{run} --out {disk}/r; echo code=$?\n"
        f"ls -a {disk}/r/.parts | grep -c tmp; "
        f"mount -o remount,size=64m {disk}\n"
        f"{run} --resume {disk}/r; echo resumed=$?\n"
        f"cat {disk}/r/runs.csv | wc -l\n"
    )
    if "code=" not in proc.stdout:
        pytest.skip(f"cannot mount a small file system here: {proc.stderr[-200:]}")
    assert "code=1" in proc.stdout, proc.stdout + proc.stderr
    assert "no space left" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stdout.splitlines()[1].strip() == "0", "no temporary file is left behind"
    assert "resumed=0" in proc.stdout, proc.stderr
    assert proc.stdout.splitlines()[-1].strip() == "7", "2 arms x 3 replications and a header"


def test_a_read_only_file_system_is_refused_before_anything_runs(tmp_path):
    disk = tmp_path / "ro"
    disk.mkdir()
    proc = namespace_shell(
        f"mount -t tmpfs -o ro tmpfs {disk} || exit 99\n"
        f"{sys.executable} -m sim.ui.cli run {' '.join(TINY)} --reps 1 --out {disk}/r; echo code=$?\n"
    )
    if "code=" not in proc.stdout:
        pytest.skip(f"cannot mount a file system here: {proc.stderr[-200:]}")
    assert "code=2" in proc.stdout and "read-only" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


# ------------------------------------------------------------------ resume keeps its settings


def test_resume_keeps_the_interrupted_runs_settings(tmp_path, capsys, monkeypatch):
    import sim.experiments.experiment as experiment

    out = tmp_path / "r"
    real = experiment.run_model
    calls = []

    def flaky(scenario, arm=None, seed=None, weeks=None):
        calls.append(seed)
        if len(calls) == 2:
            raise RuntimeError("interrupted here")
        return real(scenario, arm=arm, seed=seed, weeks=weeks)

    monkeypatch.setattr(experiment, "run_model", flaky)
    args = ["run", QUICK, *TINY, "--workers", "1", "--quiet", "--no-report"]
    assert main([*args, "--reps", "3", "--out", str(out)]) == 1
    capsys.readouterr()
    monkeypatch.setattr(experiment, "run_model", real)
    # the file says 10 replications; the interrupted experiment has 3, and keeps them
    assert main(["run", QUICK, "--resume", str(out), "--quiet", "--no-report"]) == 0
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 2 * 3 and runs["headcount"].max() <= 100


def test_resume_refuses_a_command_line_that_asks_for_other_settings(tmp_path, capsys):
    out = tmp_path / "r"
    args = ["run", QUICK, *TINY, "--workers", "1", "--quiet", "--no-report"]
    assert main([*args, "--reps", "2", "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    for extra, needle in (
        (["--reps", "5"], "--reps 5: the experiment in"),
        (["--seed", "99"], "--seed 99: the experiment in"),
        (["--set", "organization.size=120"], "--set organization.size=120"),
    ):
        capsys.readouterr()
        assert main([*args, "--reps", "2", *extra, "--resume", str(out)]) == 2, extra
        err = capsys.readouterr().err
        assert needle in err and "resume with the experiment's own settings" in err, err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before, "nothing was changed"


def test_resume_of_a_finished_folder_with_its_own_settings_rewrites_only_the_report(
    tmp_path, capsys, monkeypatch
):
    import sim.ui.figures as figures
    import sim.ui.report as report

    reported = []
    monkeypatch.setattr(figures, "make_figures", lambda results: {})
    monkeypatch.setattr(figures, "write_figures", lambda results, out, drawn=None, **kw: [])
    monkeypatch.setattr(
        report, "write_report", lambda results, out, figures=None: reported.append(results)
    )
    out = tmp_path / "r"
    args = ["run", QUICK, *TINY, "--reps", "2", "--workers", "1", "--quiet"]
    assert main([*args, "--out", str(out), "--no-report"]) == 0
    tables = {p.name: p.read_bytes() for p in out.iterdir()}
    assert main(["run", "--resume", str(out), "--quiet"]) == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == tables, "no table is rewritten"
    assert len(reported) == 1 and len(reported[0].runs) == 4, "the report gets the results"


def test_a_scenario_file_that_differs_on_resume_is_noted_and_not_applied(tmp_path, capsys):
    path = tiny_file(tmp_path)
    out = tmp_path / "r"
    assert main(["run", path, "--out", str(out), "--quiet", "--no-report", "--workers", "1"]) == 0
    before = (out / "runs.csv").read_bytes()
    Path(path).write_text(Path(path).read_text().replace("size: 100", "size: 90"))
    capsys.readouterr()
    assert main(["run", path, "--resume", str(out), "--quiet", "--no-report"]) == 0
    err = capsys.readouterr().err
    assert "organization.size (100 there, 90 here)" in err and "own settings are kept" in err
    assert (out / "runs.csv").read_bytes() == before


# ------------------------------------------------------------------ processes


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_workers_exit_when_the_main_process_is_killed(tmp_path):
    out = tmp_path / "r"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.ui.cli", "run", QUICK, "--reps", "40", "--weeks", "26",
         "--set", "organization.size=300", "--workers", "2", "--quiet", "--no-report", "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.time() + 120
    while time.time() < deadline and not list(out.glob(".parts/*.run.json")):
        time.sleep(0.1)
    children = descendants(proc.pid)
    assert len(children) >= 2, "the workers and the resource tracker run"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # each worker checks its parent once a second; 20 s is ample on a busy machine
    deadline = time.time() + 20
    while time.time() < deadline and any(alive(pid) for pid in children):
        time.sleep(0.2)
    left = [pid for pid in children if alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, f"orphaned processes still running: {left}"


def descendants(pid):
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        kids = [p for p, pp in parents.items() if pp == parent]
        found += kids
        frontier += kids
    return found


def alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_ctrl_c_while_figures_are_written_prints_no_traceback(tmp_path, capsys, monkeypatch):
    import sim.ui.figures as figures

    def interrupted(results, out, drawn=None, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(figures, "write_figures", interrupted)
    out = tmp_path / "r"
    assert main(["run", *TINY, "--reps", "1", "--workers", "1", "--out", str(out)]) == 130
    err = capsys.readouterr().err
    assert "interrupted while writing the figures" in err and f"--resume {out}" in err, err
    assert (out / "runs.csv").exists(), "the tables were complete"


# ------------------------------------------------------------------ sweeps


def test_a_range_with_infinity_is_refused(capsys):
    code = main(
        [
            "sweep",
            QUICK,
            "--lhs",
            "3",
            "--range",
            "organization.technologies.0.introduced_week=0:inf",
        ]
    )
    assert code == 2 and "must be finite numbers" in capsys.readouterr().err


def test_a_huge_latin_hypercube_is_refused_before_anything_is_allocated(capsys):
    start = time.perf_counter()
    code = main(
        ["sweep", QUICK, "--lhs", "1000000000", "--range", "dynamics.adoption.imitation=1:4"]
    )
    err = capsys.readouterr().err
    assert code == 2 and "1,000,000,000 points x 2 arms x 10 replications" in err, err
    assert "too large for this machine" in err and "GiB" in err
    assert time.perf_counter() - start < 10, "refused at once, nothing drawn"


def test_a_huge_grid_is_refused_before_it_is_built(capsys):
    values = ",".join(str(v / 1000) for v in range(1, 1001))
    axes = [f"dynamics.adoption.{f}={values}" for f in ("imitation", "innovation", "manager_push")]
    args = ["sweep", QUICK] + [a for axis in axes for a in ("--vary", axis)]
    assert main(args) == 2
    assert "1,000,000,000 points" in capsys.readouterr().err


# ------------------------------------------------------------------ Dask


def test_an_unreachable_scheduler_fails_within_the_stated_wait(capsys):
    pytest.importorskip("distributed")
    from sim.ui.cli.common import CONNECT_TIMEOUT_S

    start = time.perf_counter()
    code = main(
        [
            "run",
            *TINY,
            "--reps",
            "1",
            "--executor",
            "dask",
            "--scheduler",
            "tcp://127.0.0.1:1",
            "--out",
            "unused",
        ]
    )
    err = capsys.readouterr().err
    assert (
        code == 1
        and "cannot reach the Dask scheduler" in err
        and f"within {CONNECT_TIMEOUT_S} s" in err
    ), err
    assert time.perf_counter() - start < CONNECT_TIMEOUT_S + 10


@pytest.mark.parametrize(
    "address", ["nonsense://x", "tcp://127.0.0.1:notaport", "tcp://:8786", "tcp://h:70000"]
)
def test_a_malformed_scheduler_address_is_a_user_error(address, capsys):
    pytest.importorskip("distributed")
    code = main(["run", *TINY, "--executor", "dask", "--scheduler", address, "--out", "unused"])
    err = capsys.readouterr().err
    assert code == 2 and "expected tcp://HOST:PORT" in err, err


def test_absurd_worker_counts_start_no_more_workers_than_runs():
    from sim.ui.cli import build_parser
    from sim.ui.cli.common import executor_for

    args = build_parser().parse_args(["run", "--workers", str(10**30)])
    _, workers, close = executor_for(args, tasks=4)
    close()
    assert workers == 4
    args = build_parser().parse_args(["run", "--workers", "0"])
    with pytest.raises(Exception, match="at least 1"):
        executor_for(args, tasks=4)


def _distributed_log_level() -> int:
    return logging.getLogger("distributed").level


def _dask_setting(name: str):
    import dask

    return dask.config.get(name)


def test_dask_local_with_absurd_workers_starts_one_worker_per_run():
    """One worker for one run, and the worker process runs with the cluster's quiet settings
    (they are set in this process; a worker process that did not get them would check its
    event loop every 20 ms, as Dask does by default)."""
    pytest.importorskip("distributed")
    from sim.ui.cli import build_parser
    from sim.ui.cli.common import DASK_LOCAL_CONFIG, closing_quietly, executor_for

    args = build_parser().parse_args(["run", "--executor", "dask-local", "--workers", str(10**30)])
    executor, workers, close = executor_for(args, tasks=1)
    try:
        assert workers == 1 and executor.submit(sum, [1, 2]).result(timeout=60) == 3
        for name, value in DASK_LOCAL_CONFIG.items():
            got = executor.submit(_dask_setting, name).result(timeout=60)
            assert got == value, f"{name}: {got!r} in the worker, {value!r} set"
        # the cluster closes without its shutdown's log lines: Dask's loggers are set to
        # critical in the worker and here, and here set back once it is closed
        before = logging.getLogger("distributed").level
        with closing_quietly(executor._client):
            assert logging.getLogger("distributed").level == logging.CRITICAL
            worker_level = executor.submit(_distributed_log_level).result(timeout=60)
            assert worker_level == logging.CRITICAL, worker_level
        assert logging.getLogger("distributed").level == before
    finally:
        close()


def test_dask_local_cluster_starts_early_and_is_closed_when_no_experiment_takes_it(monkeypatch):
    """``run`` starts a dask-local cluster while it loads the scenario: the experiment takes
    that cluster when its worker count is the one needed; otherwise, and when the command
    fails or is interrupted before its experiment, the cluster is closed, not left."""
    pytest.importorskip("distributed")
    from argparse import Namespace

    from distributed.core import Status

    from sim.ui.cli import common

    started = []

    class Recorded(common.ClusterStart):
        def _start(self):
            super()._start()
            started.append(self._cluster)

    args = Namespace(executor="dask-local", workers=1, scheduler=None, cluster_start=Recorded(1))
    executor, _, close = common.executor_for(args, tasks=1)
    try:
        assert executor._client.cluster is started[0] and executor.submit(abs, -3).result() == 3
        assert args.cluster_start.take(1) is None, "a cluster is taken once"
    finally:
        close()
    assert started[0].status == Status.closed
    assert Recorded(1).take(2) is None and started[1].status == Status.closed
    monkeypatch.setattr(common, "ClusterStart", Recorded)
    code = main(
        [
            "run",
            str(QUICK),
            "--set",
            "organization.size=-5",
            "--executor",
            "dask-local",
            "--workers",
            "2",
            "--quiet",
        ]
    )
    assert code == 2 and len(started) == 3
    assert started[2] is not None and started[2].status == Status.closed

    def interrupted(args):  # Ctrl-C while the scenario loads, the cluster starting meanwhile
        raise KeyboardInterrupt

    monkeypatch.setattr("sim.ui.cli.run.load_for_run", interrupted)
    code = main(["run", str(QUICK), "--executor", "dask-local", "--workers", "1", "--quiet"])
    assert code == 130 and len(started) == 4 and started[3].status == Status.closed
    # more workers than cores: nothing starts early (executor_for checks runs and memory first)
    many = Namespace(executor="dask-local", workers=(os.cpu_count() or 1) + 1)
    common.warm_local_workers(many)
    assert not hasattr(many, "cluster_start") and len(started) == 4


# ------------------------------------------------------------------ the app


def test_app_port_out_of_range_is_a_user_error(capsys):
    assert main(["app", "--port", "70000"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("invalid option") and "--port 70000" in err


def test_app_on_all_interfaces_warns_and_app_extra_hint_matches_the_readme(capsys, monkeypatch):
    import sim.ui.app as app

    started = []
    monkeypatch.setattr(app, "main", lambda host, port: started.append((host, port)) or 0)
    assert main(["app", "--host", "0.0.0.0", "--port", "8800"]) == 0
    assert started == [("0.0.0.0", 8800)]
    assert "reachable from the network" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "sim.ui.app", None)  # as if the app extra were missing
    assert main(["app"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("missing optional dependency") and "pip install '.[app]'" in err
    assert "pip install -e '.[app]'" in err


def test_the_readme_python_api_snippet_runs_as_written(tmp_path):
    text = (ROOT / "README.md").read_text()
    snippet = text.split("## Python API", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    assert "out=" not in snippet.split("results = ", 1)[1].split("\n", 1)[0], "writes nothing"
    proc = subprocess.run(
        [sys.executable, "-c", snippet], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
