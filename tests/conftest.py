"""Shared fixtures: small scenarios that run in a fraction of a second."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def small() -> dict:
    """A 200-person, 26-week scenario as plain data."""
    return {
        "name": "small",
        "seed": 7,
        "horizon_weeks": 26,
        "replications": 3,
        "organization": {"size": 200, "levels": 4, "span_of_control": 8},
    }
