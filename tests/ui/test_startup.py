"""What the command line and a worker process import before they do any work.

Each check runs a fresh interpreter and reads its ``sys.modules``: the libraries named here
take most of a second to import, and the commands below have no use for them (timings in
BENCHMARKS.md, "Workers, start-up and the speed anchor").
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT

PLOTTING_AND_STATISTICS = (
    "matplotlib",
    "scipy.stats",
    "scipy.optimize",
    "jinja2",
    "SALib",
    "optuna",
)
"""Figures, reports and the analyses of many runs: none of them is needed to run one."""

COMPILER = ("numba", "llvmlite")
"""The optional compiler: imported only by a pairing large enough to use it."""

TABLES = ("pandas", "pyarrow")
"""Results tables: needed to run a model (it returns them), not to read or check a scenario."""


def loaded_after(code: str) -> dict:
    """Run ``code`` in a fresh interpreter; it prints a JSON object, which is returned."""
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


def command_modules(*argv: str) -> dict:
    """``mentorsim ARGV`` in a fresh interpreter: its exit status and the modules it loaded."""
    return loaded_after(
        "import json, sys\n"
        "from sim.ui.cli import main\n"
        "try:\n"
        f"    code = main({list(argv)!r})\n"
        "except SystemExit as stop:\n"
        "    code = stop.code\n"
        "print(json.dumps({'code': code, 'modules': sorted(sys.modules)}))\n"
    )


def test_help_imports_no_tables_model_or_plotting():
    out = command_modules("--help")
    assert out["code"] == 0
    heavy = (*TABLES, *PLOTTING_AND_STATISTICS, *COMPILER, "scipy", "mesa")
    assert not [m for m in heavy if m in out["modules"]]


def test_validate_imports_no_tables_model_or_plotting():
    out = command_modules("validate", str(ROOT / "scenarios" / "quickstart.yaml"))
    assert out["code"] == 0
    assert "sim.core.organization" in out["modules"], "validate builds the organization"
    heavy = (*TABLES, *PLOTTING_AND_STATISTICS, *COMPILER, "scipy", "mesa")
    assert not [m for m in heavy if m in out["modules"]]


def test_a_worker_starts_without_plotting_or_statistics():
    """A local worker, spawned as run_experiment spawns it, before its first task."""
    out = loaded_after(
        "import json, multiprocessing, os\n"
        "from concurrent.futures import ProcessPoolExecutor\n"
        "from sim.experiments.experiment import _start_worker\n"
        "if __name__ == '__main__':\n"
        "    spawn = multiprocessing.get_context('spawn')\n"
        "    with ProcessPoolExecutor(1, mp_context=spawn, initializer=_start_worker,\n"
        "                             initargs=(os.getpid(), [])) as pool:\n"
        "        modules = pool.submit(eval, 'sorted(__import__(\"sys\").modules)').result()\n"
        "    print(json.dumps({'modules': modules}))\n"
    )
    assert "sim.experiments.experiment" in out["modules"], "the worker imported what it runs"
    heavy = (*PLOTTING_AND_STATISTICS, *COMPILER, "sim.ui.figures", "sim.ui.report")
    assert not [m for m in heavy if m in out["modules"]]
