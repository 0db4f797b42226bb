"""Build backend: setuptools' own, after a check of the Python version.

pip resolves the dependencies before it looks at ``requires-python`` of a project installed
from a folder, so on an older Python it stops at the first dependency that needs a newer one
("No matching distribution found for mesa[network]"). Checking here, in the first hook pip
calls, names the Python version needed instead.
"""

from __future__ import annotations

import sys
from types import ModuleType

REQUIRED = (3, 12)


def _setuptools() -> ModuleType:
    from setuptools import build_meta  # imported late: the check runs without it

    return build_meta


def _check() -> None:
    if sys.version_info < REQUIRED:
        found = ".".join(map(str, sys.version_info[:3]))
        raise SystemExit(
            f"mentorsim needs Python {REQUIRED[0]}.{REQUIRED[1]} or newer; this is Python {found} "
            f"({sys.executable}). Create the virtual environment with Python 3.12, for example "
            "`python3.12 -m venv .venv` (see the README's Quickstart)."
        )


def get_requires_for_build_wheel(config_settings=None):
    _check()
    return _setuptools().get_requires_for_build_wheel(config_settings)


def get_requires_for_build_editable(config_settings=None):
    _check()
    return _setuptools().get_requires_for_build_editable(config_settings)


def get_requires_for_build_sdist(config_settings=None):
    return _setuptools().get_requires_for_build_sdist(config_settings)


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    _check()
    return _setuptools().prepare_metadata_for_build_wheel(metadata_directory, config_settings)


def prepare_metadata_for_build_editable(metadata_directory, config_settings=None):
    _check()
    return _setuptools().prepare_metadata_for_build_editable(metadata_directory, config_settings)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    _check()
    return _setuptools().build_wheel(wheel_directory, config_settings, metadata_directory)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    _check()
    return _setuptools().build_editable(wheel_directory, config_settings, metadata_directory)


def build_sdist(sdist_directory, config_settings=None):
    return _setuptools().build_sdist(sdist_directory, config_settings)
