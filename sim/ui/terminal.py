"""The compact text summary the command line prints: the report's numbers in 100 columns.

The same units as the report (shares in percent, their differences in points, money in the
scenario's currency without decimals), the same bounded intervals, plain outcome names. A
single experiment prints one table of each design's outcomes and one of the differences from
the baseline; a sweep prints one table with a row per point and design, labelled by the
values of the varied fields.
"""

from __future__ import annotations

import math
import sys
import textwrap
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

from sim.experiments.stats import is_clear
from sim.model.outcomes import is_share
from sim.ui import text

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

SWEEP_HEADLINE = ("adoption_seniors", "retention_12m", "program_cost", "roi")
"""Outcomes of the one-table sweep summary, as many as fit the width."""

WIDTH = 100
"""Columns the summary fits in."""

LABEL = 36
"""Width of the outcome-name column."""

SHORT_UNITS = {
    "ideas/100 employees/year": "per 100 a year",
    "skill (0-1)": "0-1",
    "attitude (0-1)": "0-1",
    "engagement (0-1)": "0-1",
    "quality (0-1)": "0-1",
    "index (-1..1)": "-1..1",
}
"""Units shortened for the terminal (the report and the files have them in full)."""


def _number(outcome: str, value: float, signed: bool = False) -> str:
    """A value in its table unit (the unit is in the row or column heading)."""
    if not math.isfinite(value):
        return "n/a"
    if is_share(outcome):
        return text.number(100 * value, 1, signed)
    if text.is_money(outcome):
        out = f"{value:{'+' if signed else ''},.0f}"
        return out.lstrip("+-") if out.lstrip("+-") == "0" else out
    return text.number(value, text.decimals(value), signed)


def _cell(outcome: str, mean: float, low: float, high: float, signed: bool = False) -> str:
    if not math.isfinite(mean):
        return "n/a"
    interval = text.interval(outcome, low, high)
    return f"{_number(outcome, mean, signed)} {interval}".strip()


def _heading(outcome: str, currency: str, horizon: int | None, change: bool = False) -> str:
    unit = text.unit_text(outcome, currency)
    unit = SHORT_UNITS.get(unit, unit)
    if change and unit == "%":
        unit = "points"
    name = text.label(outcome, horizon)
    name = name if len(name) + len(unit) + 3 <= LABEL else name[: LABEL - len(unit) - 5] + "…"
    return f"{name} ({unit})" if unit else name


def _table(header: Sequence[str], rows: list[list[str]], first: int = LABEL) -> list[str]:
    """Left-aligned first columns, right-aligned values; split by columns to fit :data:`WIDTH`."""
    widths = [max(len(r[i]) for r in [list(header), *rows]) for i in range(len(header))]
    widths[0] = max(widths[0], min(first, widths[0]))
    blocks, current, used = [], [0], widths[0]
    for i in range(1, len(header)):
        if used + 2 + widths[i] > WIDTH and len(current) > 1:
            blocks.append(current)
            current, used = [0], widths[0]
        current.append(i)
        used += 2 + widths[i]
    blocks.append(current)
    lines = []
    for block in blocks:
        for row in [list(header), *rows]:
            cells = [row[0].ljust(widths[0])]
            cells += [row[i].rjust(widths[i]) for i in block[1:]]
            lines.append("  ".join(cells).rstrip())
        lines.append("")
    return lines[:-1]


def summary_table(results: Results, outcomes: tuple[str, ...] = HEADLINE) -> str:
    """The printed summary: each design's outcomes, then the differences from the baseline.

    Args:
        results: Experiment results.
        outcomes: Outcomes to show (those the results have; another model shows its first six).

    Returns:
        Lines of at most :data:`WIDTH` characters.
    """
    s = results.summary
    if not s["outcome"].isin(outcomes).any():  # another model (March 1991): show what it has
        outcomes = tuple(results.outcomes[:6])
    if "point" in s.columns and s["point"].nunique() > 1:
        return sweep_table(results)
    currency, horizon = _currency(results), _horizon(results)
    s = s[s["outcome"].isin(outcomes)]
    arms = list(dict.fromkeys(s["arm"]))
    n = int(s["n"].max()) if len(s) else 0
    by = {(r["arm"], r["outcome"]): r for r in s.to_dict("records")}
    rows = [
        [_heading(o, currency, horizon)] + [_estimate(o, by.get((a, o))) for a in arms]
        for o in outcomes
        if any((a, o) in by for a in arms)
    ]
    lines = [f"Mean [95% interval] over {n} replications; shares in %, money in {currency}:"]
    lines += _table(["outcome", *arms], rows)
    lines += _differences(results, outcomes, currency, horizon)
    return "\n".join(lines)


def _estimate(outcome: str, row: dict | None) -> str:
    if row is None or not int(row.get("n") or 0):
        return "n/a"
    return _cell(outcome, row["mean"], row["ci95_low"], row["ci95_high"])


def _differences(
    results: Results, outcomes: Sequence[str], currency: str, horizon: int | None
) -> list[str]:
    c = results.comparison
    if not len(c) or "against" not in c.columns:
        return []
    c = c[c["against"].astype(str).str.endswith(", same replications") & c["diff"].notna()]
    c = c[c["outcome"].isin(outcomes)]
    if not len(c):
        return []
    arms = list(dict.fromkeys(c["arm"]))
    by = {(r["arm"], r["outcome"]): r for r in c.to_dict("records")}
    rows = []
    for o in outcomes:
        if not any((a, o) in by for a in arms):
            continue
        cells = []
        for a in arms:
            r = by.get((a, o))
            if r is None:
                cells.append("n/a")
                continue
            low, high = r["paired_ci95_low"], r["paired_ci95_high"]
            mark = " *" if is_clear(low, high) else "  "
            cells.append(_cell(o, r["diff"], low, high, signed=True) + mark)
        rows.append([_heading(o, currency, horizon, change=True), *cells])
    base = str(c["baseline"].iloc[0])
    head = f"Differences from {base}, paired by replication (* clear: the interval excludes 0):"
    notes = "ROI and program cost are each design's own figures above (ROI against " + base + ")."
    return ["", head, *_table(["outcome", *arms], rows), notes]


def sweep_table(results: Results, outcomes: Sequence[str] = SWEEP_HEADLINE) -> str:
    """One table for a sweep: a row per point and design, labelled by the varied values.

    Args:
        results: Sweep results.
        outcomes: Outcomes to show, as many as fit :data:`WIDTH`.

    Returns:
        The lines of the table.
    """
    from sim.ui.figures import varied_columns

    s = results.summary
    currency, horizon = _currency(results), _horizon(results)
    varied = [v for v in varied_columns(results) if v in s.columns] or ["point"]
    shown = [o for o in outcomes if (s["outcome"] == o).any()] or list(results.outcomes[:4])
    by = {(r["point"], r["arm"], r["outcome"]): r for r in s.to_dict("records")}
    keys = s.drop_duplicates(["point", "arm"])
    header = [v.rsplit(".", 1)[-1] for v in varied] + ["design"]
    rows = [[_plain(r[v]) for v in varied] + [str(r["arm"])] for r in keys.to_dict("records")]
    kept = []
    for o in shown:
        column = [_estimate(o, by.get((r["point"], r["arm"], o))) for r in keys.to_dict("records")]
        head = _heading(o, currency, horizon)
        width = sum(max(len(x) for x in col) + 2 for col in zip(header, *rows, strict=True))
        if kept and width + max(len(head), *map(len, column)) > WIDTH:
            break
        kept.append(o)
        header.append(head)
        for row, cell in zip(rows, column, strict=True):
            row.append(cell)
    n = int(s["n"].max()) if len(s) else 0
    intro = (
        f"Sweep over {', '.join(varied)}: mean [95% interval] over {n} replications; "
        f"shares in %, money in {currency}."
    )
    lines = textwrap.wrap(intro, WIDTH, break_on_hyphens=False)
    lines += _flat_table(header, rows, len(varied) + 1)
    if len(kept) < len(shown):
        lines.append("More outcomes in summary.csv and report.html.")
    return "\n".join(lines)


def _flat_table(header: list[str], rows: list[list[str]], left: int) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    out = []
    for row in [header, *rows]:
        cells = [
            c.ljust(w) if i < left else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
    return out


def _plain(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _currency(results: Results) -> str:
    scenario = (results.manifest or {}).get("scenario") or {}
    return str(scenario.get("currency") or "USD")


def _horizon(results: Results) -> int | None:
    scenario = (results.manifest or {}).get("scenario") or {}
    if scenario.get("model") == "march1991":
        return None
    value = scenario.get("horizon_weeks")
    return int(value) if value is not None else None


@contextmanager
def stage(what: str, show: bool, stream: TextIO | None = None) -> Iterator[None]:
    """Say what is being done after the runs (``drawing the figures ... done in 3.1 s``).

    Args:
        what: What is being done, in words.
        show: Print anything at all (the progress bar's setting).
        stream: Where to print (default: standard error, like the progress bar).
    """
    stream = stream or sys.stderr
    started = time.monotonic()
    if show:
        print(f"{what} ...", end="", file=stream, flush=True)
    yield
    if show:
        print(f" done in {time.monotonic() - started:.1f} s", file=stream, flush=True)


__all__ = ["HEADLINE", "WIDTH", "stage", "summary_table", "sweep_table"]
