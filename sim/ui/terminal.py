"""The compact text summary the command line prints."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from sim.experiments.experiment import Results

HEADLINE = (
    "adoption_seniors",
    "adoption_juniors",
    "digital_skill_gap",
    "retention_12m",
    "implemented_per_100_per_year",
    "program_cost",
    "roi",
)
"""Outcomes shown in the printed summary (all are in the files)."""


def summary_table(results: Results, outcomes: tuple[str, ...] = HEADLINE) -> str:
    """A compact text table: per arm, mean and 95% CI of the headline outcomes."""
    s = results.summary
    if not s["outcome"].isin(outcomes).any():  # another model (March 1991): show what it has
        outcomes = tuple(results.outcomes[:6])
    s = s[s["outcome"].isin(outcomes)]
    group = [
        c
        for c in s.columns
        if c not in {"outcome", "n", "mean", "std", "ci95_low", "ci95_high", "median", "p10", "p90"}
    ]
    cells = s.assign(
        value=[
            f"{m:.3f} [{lo:.3f}, {hi:.3f}]"
            for m, lo, hi in zip(s["mean"], s["ci95_low"], s["ci95_high"], strict=True)
        ]
    )
    table = cells.pivot_table(
        index=group, columns="outcome", values="value", aggfunc="first", sort=False
    )
    table = table[[o for o in outcomes if o in table.columns]]
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        text = f"mean [95% CI] over {int(s['n'].max())} replications\n{table.to_string()}"
    c = results.comparison
    if len(c):
        c = c[c["outcome"].isin(outcomes)]
        lines = [
            f"  {r.arm} - {r.baseline}: {r.outcome} {r.diff:+.3f} (paired 95% CI {r.paired_ci95_low:+.3f} to {r.paired_ci95_high:+.3f})"
            for r in c.itertuples()
        ]
        text += "\ndifferences from the baseline arm (same replications):\n" + "\n".join(lines)
    return text
