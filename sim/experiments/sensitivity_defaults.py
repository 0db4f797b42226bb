"""The defaults and choices of a sensitivity analysis that the command line shows in its help.

Kept apart from :mod:`sim.experiments.sensitivity` (which needs pandas and scipy) so that
building the command line's parser imports nothing heavy.
"""

from __future__ import annotations

METHODS = ("morris", "sobol")
"""Sensitivity methods."""

DEFAULT_OUTCOMES = ("adoption_seniors", "retention_12m", "implemented_per_100_per_year", "roi")
"""Outcomes analysed by default: adoption, retention, innovation and money."""

DEFAULT_TRAJECTORIES = 10
"""Morris trajectories by default (each costs k + 1 points for k parameters)."""

DEFAULT_SAMPLES = 64
"""Sobol base samples by default (a power of 2; costs N (k + 2) points)."""

DEFAULT_REPS = 3
"""Replications per arm and point by default."""

NOISE_GROUPS = 20
"""Groups of K replications run at the defaults to measure the noise floor."""
