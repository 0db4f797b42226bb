"""An older Python is told which version mentorsim needs, at install and at import."""

import importlib.util
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def build_backend():
    spec = importlib.util.spec_from_file_location(
        "python_check", ROOT / "build_support" / "python_check.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_build_backend_names_the_python_version_needed(monkeypatch):
    backend = build_backend()
    monkeypatch.setattr(sys, "version_info", (3, 11, 7, "final", 0))
    for hook in (backend.get_requires_for_build_wheel, backend.get_requires_for_build_editable):
        with pytest.raises(SystemExit) as info:
            hook()
        assert "needs Python 3.12 or newer; this is Python 3.11.7" in str(info.value)


def test_the_build_backend_is_the_one_pip_uses():
    text = (ROOT / "pyproject.toml").read_text()
    assert 'build-backend = "python_check"' in text and 'backend-path = ["build_support"]' in text
    build_backend()._check()  # this Python (3.12 or newer) passes


@pytest.mark.skipif(shutil.which("python3.11") is None, reason="needs a Python 3.11")
def test_importing_under_python_3_11_names_the_version_needed():
    proc = subprocess.run(
        ["python3.11", "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r}); import sim"],
        capture_output=True,
        text=True,
        cwd="/",
    )
    assert proc.returncode != 0
    assert "mentorsim needs Python 3.12 or newer; this is Python 3.11" in proc.stderr
