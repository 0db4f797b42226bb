"""Figures of an experiment's results: adoption, retention, innovation, pairs, differences, sweeps.

Every figure function takes :class:`~sim.experiments.experiment.Results` and returns a
:class:`matplotlib.figure.Figure` (no pyplot global state, so any backend, ``Agg`` included,
works), or None when the results lack the columns the figure needs (March (1991) results have
no program outcomes, a single-point experiment has no sweep). :func:`write_figures` writes
each figure that can be drawn as PNG and SVG into ``OUT/figures/``, atomically and
deterministically: the same results give the same bytes.

Bands and error bars are two-sided 95% t intervals of the mean over replications
(:func:`mean_band`), the same intervals as :mod:`sim.experiments.stats`.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator
from scipy import special, stats

from sim.model.outcomes import OTHER_UNITS, is_share, label_of, unit_of

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from sim.experiments.experiment import Results

OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#CC79A7",  # reddish purple
    "#000000",  # black
    "#F0E442",  # yellow (last: weak on white)
)
"""The Okabe-Ito colour-blind-safe palette, in the order series take it."""

FOREST_OUTCOMES: tuple[str, ...] = (
    "adoption_seniors",
    "digital_skill_gap",
    "retention_12m",
    "implemented_per_100_per_year",
    "mean_resistance_seniors",
)
"""Outcomes of the forest plot by default (differences only: ROI is an arm's own figure)."""

SWEEP_OUTCOMES: tuple[str, ...] = (
    "code_knowledge",
    "adoption_seniors",
    "retention_12m",
    "implemented_per_100_per_year",
    "digital_skill_gap",
)
"""Outcomes the sweep figure draws by default: the first one the results have."""

MAX_SERIES = 8
"""Most lines in one panel (one colour each); per-week figures with more are not drawn."""

EXTRA_UNITS = OTHER_UNITS
"""Units of outcomes outside :data:`sim.model.outcomes.CATALOG` (March (1991))."""

STATUS_LABELS: dict[str, str] = {
    "completed": "completed",
    "dissolved_early": "dissolved\nearly",
    "ended_by_departure": "ended by\ndeparture",
    "active": "still\nactive",
}
"""Pair statuses in drawing order, with their labels."""

STYLE: dict[str, Any] = {
    "svg.hashsalt": "mentorsim",
    "svg.fonttype": "path",
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "axes.prop_cycle": cycler(color=list(OKABE_ITO)),
    "legend.frameon": False,
    "legend.fontsize": 8.0,
    "figure.dpi": 100.0,
    "savefig.dpi": 150.0,
    "path.simplify": False,
}
"""Matplotlib settings every figure is drawn and saved with."""

ID_COLUMNS = ("point", "arm", "replication", "seed", "week")
"""Identifier columns of the results tables (not outcomes)."""


def _styled(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with mpl.rc_context(STYLE):
            return func(*args, **kwargs)

    return wrapper


# ---------------------------------------------------------------------- helpers


def axis_label(name: str, unit: str | None = None) -> str:
    """Return ``name (unit)``, or the name alone when the unit is unknown or "-"."""
    unit = unit_of(name) if unit is None else unit
    return f"{name} ({unit})" if unit and unit != "-" else name


def parameter_unit(path: str) -> str:
    """Return the declared unit of a scenario field path (``march.p1``), "" if unknown."""
    from pydantic import BaseModel

    from sim.model.scenario import Scenario

    model: Any = Scenario
    info = None
    for part in path.split("."):
        if part.isdigit():
            continue
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return ""
        info = fields[part]
        model = _model_in(info.annotation, BaseModel)
    extra = getattr(info, "json_schema_extra", None) or {}
    unit = extra.get("unit", "") if isinstance(extra, dict) else ""
    return "" if unit == "-" else str(unit)


def _model_in(annotation: Any, base: type) -> Any:
    import typing

    if isinstance(annotation, type) and issubclass(annotation, base):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_in(arg, base)
        if found is not None:
            return found
    return None


def _text(value: Any) -> str:
    """Plain text for a matplotlib label: dollar signs would start mathtext."""
    return str(value).replace("$", r"\$")


def mean_band(
    frame: pd.DataFrame, outcome: str, by: Sequence[str], level: float = 0.95
) -> pd.DataFrame:
    """Mean and two-sided 95% interval of an outcome over replications, per group.

    Args:
        frame: Tidy rows, one per replication (and week, ...), e.g. ``results.timeseries``.
        outcome: Column to summarize.
        by: Grouping columns, e.g. ``["arm", "week"]``; groups keep their first-seen order.
        level: Confidence level.

    Returns:
        One row per group with the ``by`` columns, ``n``, ``mean``, ``low`` and ``high``:
        ``mean -+ t(level, n - 1) * sd / sqrt(n)`` (sd with ddof 1), or for a share the same
        interval on the logit scale (:func:`sim.experiments.stats.share_interval`), which
        stays inside [0, 1]; ``low == high == mean`` when ``n < 2``. Missing values are left
        out.
    """
    by = list(by)
    agg = (
        frame.groupby(by, sort=False, dropna=False)[outcome]
        .agg(n="count", mean="mean", std="std")
        .reset_index()
    )
    n = agg["n"].to_numpy(float)
    sd = agg["std"].fillna(0.0).to_numpy(float)
    dof = np.maximum(n - 1.0, 1.0)
    half = stats.t.ppf(0.5 + level / 2.0, dof) * sd / np.sqrt(np.maximum(n, 1.0))
    half = np.where(n >= 2, half, 0.0)
    mean = agg["mean"].to_numpy(float)
    low, high = mean - half, mean + half
    if is_share(outcome):  # the logit t interval of sim.experiments.stats: inside [0, 1]
        inside = (mean > 0.0) & (mean < 1.0) & (half > 0)
        m = np.where(inside, mean, 0.5)
        wide = half / (m * (1.0 - m))
        low = np.where(inside, special.expit(special.logit(m) - wide), mean)
        high = np.where(inside, special.expit(special.logit(m) + wide), mean)
    out = agg[by].copy()
    out["n"] = agg["n"].astype(int)
    out["mean"], out["low"], out["high"] = mean, low, high
    return out


def varied_columns(results: Results) -> list[str]:
    """Return the varied field paths of a sweep (the columns between ``point`` and ``arm``)."""
    cols = list(results.runs.columns)
    if "point" not in cols:
        return []
    start = cols.index("point") + 1
    end = cols.index("arm") if "arm" in cols else start
    found = cols[start:end]
    if not found:  # a results table reordered by hand: fall back to the manifest's points
        points = (results.manifest or {}).get("points") or []
        keys = [k for p in points if isinstance(p, dict) for k in p]
        found = [k for k in dict.fromkeys(keys) if k in cols]
    return found


def arm_order(results: Results) -> list[str]:
    """Return the arms present in the results, in the scenario's order."""
    present: list[str] = []
    for frame in (results.runs, results.timeseries, results.comparison, results.pairs):
        if "arm" in frame.columns:
            present += [str(a) for a in frame["arm"].unique() if str(a) not in present]
    listed = [str(a) for a in (results.manifest or {}).get("arms") or [] if str(a) in present]
    return listed + [a for a in present if a not in listed]


def baseline_arm(results: Results) -> str | None:
    """Return the baseline arm's name (from the comparison, else the manifest), or None."""
    c = results.comparison
    if "baseline" in c.columns and len(c):
        return str(c["baseline"].iloc[0])
    base = (results.manifest or {}).get("baseline_arm")
    return str(base) if base is not None else None


def arm_colours(results: Results) -> dict[str, str]:
    """Return one Okabe-Ito colour per arm, the same in every figure."""
    return {arm: OKABE_ITO[i % len(OKABE_ITO)] for i, arm in enumerate(arm_order(results))}


def _replications(results: Results) -> int:
    if "replication" in results.runs.columns and len(results.runs):
        return int(results.runs["replication"].nunique())
    return int((results.manifest or {}).get("replications") or 0)


def _point_label(values: dict[str, Any]) -> str:
    """``name=value, ...`` with each field path shortened to its last part where unambiguous."""
    short = [k.rsplit(".", 1)[-1] for k in values]
    names = short if len(set(short)) == len(short) else list(values)
    return ", ".join(f"{n}={_cell(v)}" for n, v in zip(names, values.values(), strict=True))


def _short(path: str) -> str:
    return path.rsplit(".", 1)[-1]


def _cell(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class _Series:
    keys: dict[str, Any]
    label: str
    colour: str
    linestyle: str = "-"

    @property
    def hatch(self) -> str | None:
        """Bar hatch standing for the line style (arms in a sweep)."""
        return {"-": None, "--": "//", ":": "..", "-.": "xx"}.get(self.linestyle)

    def mask(self, frame: pd.DataFrame) -> pd.Series:
        keep = pd.Series(True, index=frame.index)
        for col, value in self.keys.items():
            keep &= frame[col] == value
        return keep


def _series(results: Results, frame: pd.DataFrame) -> list[_Series]:
    """One series per arm, or per (sweep point, arm) when the results hold several points."""
    if "arm" not in frame.columns or not len(frame):
        return []
    colours = arm_colours(results)
    arms = [a for a in arm_order(results) if (frame["arm"].astype(str) == a).any()]
    if "point" not in frame.columns or frame["point"].nunique() < 2:
        return [_Series({"arm": a}, _text(a), colours[a]) for a in arms]
    varied = [c for c in varied_columns(results) if c in frame.columns]
    points = frame.drop_duplicates("point")[["point", *varied]]
    styles = ("-", "--", ":", "-.")
    out = []
    for i, row in enumerate(points.itertuples(index=False)):
        values = dict(zip(["point", *varied], row, strict=True))
        label = _point_label({k: values[k] for k in varied}) or f"point {values['point']}"
        for j, arm in enumerate(arms):
            colour = OKABE_ITO[i % len(OKABE_ITO)]  # colour: the point; style: the arm
            style = styles[j % len(styles)]
            out.append(
                _Series(
                    {"point": values["point"], "arm": arm}, _text(f"{arm} ({label})"), colour, style
                )
            )
    return out


def _new_figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def _band_panel(
    ax: Axes,
    frame: pd.DataFrame,
    outcome: str,
    series: list[_Series],
    x: str = "week",
) -> None:
    keys = list(series[0].keys)
    band = mean_band(frame, outcome, [*keys, x])
    for s in series:
        sub = band[s.mask(band)].sort_values(x)
        if not len(sub):
            continue
        xs = sub[x].to_numpy(float)
        ax.fill_between(
            xs,
            sub["low"].to_numpy(float),
            sub["high"].to_numpy(float),
            color=s.colour,
            alpha=0.2,
            linewidth=0,
            label=f"_band:{s.label}",
        )
        ax.plot(xs, sub["mean"].to_numpy(float), color=s.colour, linestyle=s.linestyle, lw=1.6)
    ax.set_xlim(float(band[x].min()), float(band[x].max()))


def _legend(fig: Figure, series: list[_Series], bars: bool = False) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [
        Patch(facecolor=s.colour, hatch=s.hatch, edgecolor="white")
        if bars
        else Line2D([], [], color=s.colour, linestyle=s.linestyle, lw=2)
        for s in series
    ]
    longest = max(len(s.label) for s in series)
    fits = int(fig.get_figwidth() * 11 / (longest + 6))  # about 11 legend characters per inch
    fig.legend(
        handles,
        [s.label for s in series],
        loc="outside lower center",
        ncols=max(1, min(len(series), 4, fits)),
    )


def _subtitle(results: Results) -> str:
    n = _replications(results)
    return f"mean and 95% CI over {n} replication{'s' if n != 1 else ''}"


# ---------------------------------------------------------------------- figures


@_styled
def adoption_figure(results: Results) -> Figure | None:
    """Adoption curves per arm, overall and among seniors, with 95% CI bands.

    Args:
        results: Experiment results with weekly ``adoption`` and/or ``adoption_seniors``.

    Returns:
        One panel per outcome present (x: week, y: adopted share), or None when neither is.
    """
    ts = results.timeseries
    panels = [
        (o, t)
        for o, t in (("adoption", "All employees"), ("adoption_seniors", "Seniors"))
        if o in ts.columns
    ]
    series = _series(results, ts)
    if not panels or "week" not in ts.columns or not series or len(series) > MAX_SERIES:
        return None
    fig = _new_figure(4.2 * len(panels) + 0.6, 3.9)
    axes = fig.subplots(1, len(panels), sharey=True, squeeze=False)[0]
    for ax, (outcome, title) in zip(axes, panels, strict=True):
        _band_panel(ax, ts, outcome, series)
        ax.set_title(f"{title} ({outcome})")
        ax.set_xlabel("week")
        ax.set_ylim(bottom=0)
    axes[0].set_ylabel("adopted share")
    fig.suptitle(f"Digital adoption by design ({_subtitle(results)})")
    _legend(fig, series)
    return fig


def _retention_columns(columns: Iterable[str]) -> tuple[list, str]:
    cols = set(columns)
    prefix = "retention_12m" if "retention_12m" in cols else "retention"
    from sim.core.organization_params import COHORTS

    cohort = [("all", prefix)] + [(c.replace("_", " "), f"{prefix}[{c}]") for c in COHORTS]
    return [(label, col) for label, col in cohort if col in cols], prefix


LIKE_GROUPS = (
    ("mentors", "mentors"),
    ("mentees", "mentees"),
    ("non-\nparticipants", "nonparticipants"),
)
"""Participation groups of the like-with-like panel: (tick label, column part)."""

LIKE_BARS = (
    ("the group", "retention_12m_{g}"),
    ("the same people in {baseline}", "retention_12m_{g}_same_people_in_baseline"),
    ("comparable non-participants", "retention_12m_{g}_comparable"),
)
"""Bars of each group in the like-with-like panel: (legend label, column pattern)."""

COMPARABLE_COLOUR = "0.6"


def _like_with_like_groups(results: Results) -> list[tuple[str, str, str]]:
    """(tick label, group, arm) of each participant group that some program arm has."""
    runs = results.runs
    base = baseline_arm(results)
    out = []
    arms = [a for a in arm_order(results) if a != base]
    for arm in arms:
        rows = runs[runs["arm"].astype(str) == arm]
        for label, g in LIKE_GROUPS:
            col = f"retention_12m_{g}"
            if col in rows.columns and rows[col].notna().any():
                out.append((label, g, arm))
    return out


def _like_with_like_panel(ax: Axes, results: Results, groups, colours) -> list:
    runs, base = results.runs, baseline_arm(results) or "the baseline"
    handles = {}
    width = 0.8 / len(LIKE_BARS)
    for x, (_, g, arm) in enumerate(groups):
        rows = runs[runs["arm"].astype(str) == arm]
        for i, (label, pattern) in enumerate(LIKE_BARS):
            col = pattern.format(g=g)
            if col not in rows.columns or not rows[col].notna().any():
                continue
            colour = (colours[arm], colours.get(base, OKABE_ITO[0]), COMPARABLE_COLOUR)[i]
            hatch = (None, "//", None)[i]
            style = _Series({}, "", colour)
            band = mean_band(rows.assign(_all=0), col, ["_all"])
            bar = _ci_bar(ax, x - 0.4 + width * (i + 0.5), width, band, style, hatch)
            handles.setdefault(label.format(baseline=_text(base)), bar)
    ax.set_xticks(range(len(groups)), [tick for tick, _, _ in groups])
    arms = list(dict.fromkeys(arm for _, _, arm in groups))
    if len(arms) > 1:  # each arm's name under its groups, a line between arms
        for arm in arms:
            xs = [x for x, (_, _, a) in enumerate(groups) if a == arm]
            ax.annotate(
                _text(arm),
                (sum(xs) / len(xs), 0.0),
                xycoords=("data", "axes fraction"),
                xytext=(0, -40),
                textcoords="offset points",
                ha="center",
                va="top",
                fontweight="bold",
            )
            if xs[0] > 0:
                ax.axvline(xs[0] - 0.5, color="0.8", lw=0.8)
    return list(handles.items())


@_styled
def retention_figure(results: Results) -> Figure | None:
    """Retention by cohort per arm, and participants' retention compared like with like.

    The first panel: the week-0 workforce's 12-month retention (``retention_12m``, at week 52
    or the horizon if shorter; else the final week's ``retention``) by cohort, per arm. The
    second: each program arm's mentors, mentees and non-participants, next to the same
    people in the baseline arm (hatched, baseline colour) and, for mentors and mentees, next
    to comparable non-participants of their own arm (grey; same cohort and level, same
    weeks). Bars are means with 95% intervals over replications.

    Args:
        results: Experiment results.

    Returns:
        The figure, or None without retention columns.
    """
    runs = results.runs
    by_cohort, prefix = _retention_columns(runs.columns)
    series = _series(results, runs)
    if not by_cohort or not series or len(series) > MAX_SERIES:
        return None
    groups = _like_with_like_groups(results) if "point" not in runs.columns else []
    # inches per group: room for the bars and for the longest line of the tick labels
    longest = max((len(line) for tick, _, _ in groups for line in tick.split("\n")), default=0)
    inches = [max(0.5 * len(series), 0.6), max(1.0, 0.085 * longest)]
    widths = [len(by_cohort) * inches[0]] + ([len(groups) * inches[1]] if groups else [])
    fig = _new_figure(min(16.0, 1.4 + sum(widths)), 4.2)
    axes = fig.subplots(1, len(widths), sharey=True, squeeze=False, width_ratios=widths)[0]
    keys = list(series[0].keys)
    width = 0.8 / len(series)
    ax = axes[0]
    for g, (_, col) in enumerate(by_cohort):
        band = mean_band(runs, col, keys)
        for i, s in enumerate(series):
            row = band[s.mask(band)]
            if len(row):
                _ci_bar(ax, g - 0.4 + width * (i + 0.5), width, row, s)
    ax.set_xticks(range(len(by_cohort)), [label for label, _ in by_cohort])
    ax.set_title("By cohort")
    horizon = _horizon(results)
    at = f"week {min(52, horizon)}" if prefix == "retention_12m" and horizon else "the end"
    ax.set_ylabel(f"retained share at {at}")
    _legend(fig, series, bars=True)
    if groups:
        handles = _like_with_like_panel(axes[1], results, groups, arm_colours(results))
        axes[1].set_title("Participants, like with like")
        axes[1].legend(
            [h for _, h in handles],
            [n for n, _ in handles],
            loc="upper center",
            bbox_to_anchor=(0.5, -0.3 if len({a for _, _, a in groups}) > 1 else -0.2),
            fontsize=7.5,
        )
    for ax in axes:
        ax.set_ylim(0, 1.0)
        ax.grid(axis="x", visible=False)
    fig.suptitle(f"Retention of the week-0 workforce ({_subtitle(results)})")
    return fig


def _horizon(results: Results) -> int:
    scenario = (results.manifest or {}).get("scenario") or {}
    if scenario.get("horizon_weeks"):
        return int(scenario["horizon_weeks"])
    if "week" in results.timeseries.columns and len(results.timeseries):
        return int(results.timeseries["week"].max())
    return 0


@_styled
def innovation_figure(results: Results) -> Figure | None:
    """Innovation over time per arm: idea rate and implemented ideas with 95% CI bands.

    Args:
        results: Experiment results with weekly ``ideas_per_100_per_year`` and/or
            ``implemented_ideas``.

    Returns:
        One panel per outcome present, or None when neither is.
    """
    ts = results.timeseries
    panels = [
        (o, t)
        for o, t in (
            ("ideas_per_100_per_year", "Idea rate since week 0"),
            ("implemented_ideas", "Implemented ideas since week 0"),
        )
        if o in ts.columns
    ]
    series = _series(results, ts)
    if not panels or "week" not in ts.columns or not series or len(series) > MAX_SERIES:
        return None
    fig = _new_figure(4.2 * len(panels) + 0.6, 3.9)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (outcome, title) in zip(axes, panels, strict=True):
        frame = ts[ts["week"] >= 1] if outcome.endswith("_per_year") else ts  # 0 by definition
        _band_panel(ax, frame, outcome, series)
        ax.set_title(f"{title} ({outcome})")
        ax.set_xlabel("week")
        ax.set_ylabel(unit_of(outcome))
        ax.set_ylim(bottom=0)
    fig.suptitle(f"Innovation by design ({_subtitle(results)})")
    _legend(fig, series)
    return fig


def pair_status_counts(results: Results) -> pd.DataFrame:
    """Pairs per run by final status, zeros included, for the arms that formed pairs.

    Args:
        results: Experiment results with a ``pairs`` table (``arm``, ``replication``,
            ``status``).

    Returns:
        One row per run (``point`` when present, ``arm``, ``replication``) and status, with
        ``count``; empty when there are no pairs.
    """
    pairs = results.pairs
    if not {"arm", "replication", "status"} <= set(pairs.columns) or not len(pairs):
        return pd.DataFrame(columns=["arm", "replication", "status", "count"])
    keys = [c for c in ("point", "arm", "replication") if c in pairs.columns]
    arms = set(pairs["arm"].astype(str))
    runs = results.runs
    if set(keys) <= set(runs.columns):
        run_keys = runs.loc[runs["arm"].astype(str).isin(arms), keys].drop_duplicates()
    else:
        run_keys = pairs[keys].drop_duplicates()
    present = set(pairs["status"].astype(str))
    statuses = [s for s in STATUS_LABELS if s in present and s != "active"]
    statuses += sorted(present - set(statuses) - {"active"})
    statuses += ["active"] if "active" in present else []
    counted = pairs.groupby([*keys, "status"], sort=False).size().rename("count").reset_index()
    grid = run_keys.merge(pd.DataFrame({"status": statuses}), how="cross")
    out = grid.merge(counted, on=[*keys, "status"], how="left")
    out["count"] = out["count"].fillna(0).astype(int)
    return out


@_styled
def pairs_figure(results: Results) -> Figure | None:
    """Pair outcomes per arm: pairs per run by final status, and final relationship quality.

    Args:
        results: Experiment results with a ``pairs`` table.

    Returns:
        Bars of the mean number of pairs per run by status (95% CI over replications) and,
        when ``quality`` is present, the distribution (share of pairs) of the final
        relationship quality of the pairs that were not dissolved early, per arm. Pairs
        dissolved early all end just below the dissolution threshold (their quality fell
        below it): a dashed line marks it, with their share, instead of a spike. None
        without pairs.
    """
    pairs = results.pairs
    keys = [k for k in ("point", "arm") if k in pairs.columns]
    if keys and len(pairs[keys].drop_duplicates()) > MAX_SERIES:  # before counting anything
        return None
    counts = pair_status_counts(results)
    if not len(counts):
        return None
    series = [s for s in _series(results, pairs) if s.mask(pairs).any()]
    if not series or len(series) > MAX_SERIES:
        return None
    has_quality = "quality" in pairs.columns
    statuses = list(dict.fromkeys(counts["status"].astype(str)))
    bars_width = max(4.6, 0.9 + 0.32 * len(series) * len(statuses))
    fig = _new_figure(bars_width + (4.6 if has_quality else 0.0), 4.2)
    axes = fig.subplots(1, 2 if has_quality else 1, squeeze=False, width_ratios=None)[0]
    _status_bars(axes[0], counts, series, statuses)
    if has_quality:
        _quality_panel(axes[1], results, series)
    fig.suptitle(f"Mentoring pairs ({_subtitle(results)})")
    _legend(fig, series, bars=True)
    return fig


def _status_bars(ax: Axes, counts: pd.DataFrame, series: list[_Series], statuses: list[str]):
    keys = list(series[0].keys)
    band = mean_band(counts, "count", [*keys, "status"])
    band["low"] = band["low"].clip(lower=0.0)  # a count's mean is never below 0
    width = 0.8 / len(series)
    for i, s in enumerate(series):
        sub = band[s.mask(band)]
        for g, status in enumerate(statuses):
            row = sub[sub["status"].astype(str) == status]
            if len(row):
                _ci_bar(ax, g - 0.4 + width * (i + 0.5), width, row, s)
    ax.set_xticks(range(len(statuses)), [STATUS_LABELS.get(s, s) for s in statuses])
    ax.set_ylabel("pairs per run (pairs)")
    ax.set_title("Pairs by final status")
    ax.grid(axis="x", visible=False)


def _quality_panel(ax: Axes, results: Results, series: list[_Series]) -> None:
    pairs = results.pairs
    dissolved = pairs["status"].astype(str) == "dissolved_early"
    bins = np.linspace(0.0, 1.0, 21)
    for s in series:
        q = pairs.loc[s.mask(pairs) & ~dissolved, "quality"].dropna().to_numpy(float)
        if q.size:
            ax.hist(
                np.clip(q, 0.0, 1.0),
                bins=bins,
                weights=np.full(q.size, 1.0 / q.size),
                histtype="step",
                color=s.colour,
                linestyle=s.linestyle,
                lw=1.6,
            )
    threshold = _dissolution_threshold(results)
    if threshold is not None and dissolved.any():
        share = float(dissolved.mean())
        ax.axvline(threshold, color="0.35", ls="--", lw=1.0)
        ax.annotate(
            f"dissolution threshold\n({100 * share:.0f}% of pairs\ndissolved early)",
            (threshold, 0.97),
            xycoords=("data", "axes fraction"),
            xytext=(4, 0),
            textcoords="offset points",
            va="top",
            fontsize=8,
            color="0.3",
        )
    ax.set_xlabel("final relationship quality (0-1)")
    ax.set_ylabel("share of pairs not dissolved early")
    ax.set_xlim(0, 1)
    ax.set_title("Final relationship quality")


def _dissolution_threshold(results: Results) -> float | None:
    scenario = (results.manifest or {}).get("scenario") or {}
    value = ((scenario.get("dynamics") or {}).get("relationship") or {}).get("dissolve_below")
    return float(value) if value is not None else None


def _scale(outcome: str, currency: str) -> tuple[float, str]:
    if is_share(outcome):
        return 100.0, "points"
    unit = unit_of(outcome)
    if unit == "currency":
        return 1.0, currency
    return 1.0, unit if unit != "-" else ""


def currency_of(results: Results) -> str:
    """The scenario's currency code (USD when the manifest does not say)."""
    scenario = (results.manifest or {}).get("scenario") or {}
    return str(scenario.get("currency") or "USD")


@_styled
def forest_figure(
    results: Results, outcomes: Sequence[str] = FOREST_OUTCOMES, paired: bool = True
) -> Figure | None:
    """Forest plot: each arm's difference from the baseline with its 95% CI, per outcome.

    Without a sweep: one panel per outcome (units differ), stacked, one row per arm. In a
    sweep: one row per sweep point (and arm, with several), ordered by the varied parameters,
    and one panel per outcome side by side, the panels sharing the row labels on the left.
    A dashed vertical line marks zero; shares are shown in points (x100).

    Args:
        results: Experiment results with a ``comparison`` table.
        outcomes: Outcomes to show, in order; those the comparison lacks are skipped.
        paired: Paired (common random numbers) intervals, else the unpaired (Welch) ones.

    Returns:
        The figure, or None when the comparison holds none of the outcomes.
    """
    kind = "paired" if paired else "unpaired"
    found = _forest_table(results, outcomes, kind)
    if found is None:
        return None
    c, shown = found
    sweep = "point" in c.columns and c["point"].nunique() > 1
    draw = _sweep_forest if sweep else _arm_forest
    fig = draw(results, c, shown, kind)
    base = baseline_arm(results) or "the baseline"
    where = " at each sweep point" if sweep else ""
    fig.suptitle(
        _text(f"Difference from {base}{where}\n({kind} mean difference, 95% CI over replications)")
    )
    return fig


def _forest_table(
    results: Results, outcomes: Sequence[str], kind: str
) -> tuple[pd.DataFrame, list[str]] | None:
    """The comparison's differences from the baseline arm, and the outcomes it holds."""
    c = results.comparison
    needed = {"arm", "outcome", "diff", f"{kind}_ci95_low", f"{kind}_ci95_high"}
    if not needed <= set(c.columns) or not len(c):
        return None
    c = c[c["diff"].notna()]
    if "against" in c.columns:  # differences from the baseline arm, not the contrasts in runs
        c = c[c["against"].astype(str).str.endswith(", same replications")]
    shown = [o for o in outcomes if (c["outcome"] == o).any()]
    return (c, shown) if shown else None


def _forest_row_label(results: Results, c: pd.DataFrame) -> Callable[[dict[str, Any]], str]:
    """The label of a comparison row: the arm, with the sweep point's values in a sweep."""
    varied = [v for v in varied_columns(results) if v in c.columns]
    sweep = "point" in c.columns and c["point"].nunique() > 1
    several_arms = c["arm"].nunique() > 1

    def row_label(rec: dict[str, Any]) -> str:
        if not sweep:
            return _text(rec["arm"])
        point = _point_label({k: rec[k] for k in varied}) or f"point {rec['point']}"
        return _text(f"{rec['arm']} ({point})" if several_arms else point)

    return row_label


def _forest_panel(
    ax: Axes, results: Results, sub: pd.DataFrame, rows: np.ndarray, outcome: str, kind: str
) -> None:
    """Differences and intervals of one outcome at rows ``rows`` (y), a dashed line at 0."""
    factor = _scale(outcome, currency_of(results))[0]
    diff = sub["diff"].to_numpy(float) * factor
    low = sub[f"{kind}_ci95_low"].to_numpy(float) * factor
    high = sub[f"{kind}_ci95_high"].to_numpy(float) * factor
    colours = arm_colours(results)
    arm_colour = np.array([colours.get(str(a), OKABE_ITO[0]) for a in sub["arm"]])
    for colour in dict.fromkeys(arm_colour):  # one call per colour: hundreds of rows in a sweep
        at = np.flatnonzero(arm_colour == colour)
        ax.errorbar(
            diff[at],
            rows[at],
            xerr=[diff[at] - low[at], high[at] - diff[at]],
            fmt="o",
            color=colour,
            ecolor=colour,
            capsize=3 if len(rows) < 30 else 2,
            ms=5 if len(rows) < 30 else 3.5,
            lw=1.4 if len(rows) < 30 else 1.1,
        )
    ax.axvline(0.0, color="0.35", lw=0.9, ls="--", zorder=0)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(_forest_xlabel(outcome, currency_of(results)))
    ax.xaxis.set_major_formatter(FuncFormatter(_tick))
    low_all, high_all = min(0.0, float(low.min())), max(0.0, float(high.max()))
    pad = 0.08 * (high_all - low_all) or 1.0
    ax.set_xlim(low_all - pad, high_all + pad)


def _forest_xlabel(outcome: str, currency: str) -> str:
    unit = _scale(outcome, currency)[1]
    return f"difference ({unit})" if unit else "difference"


def _arm_forest(results: Results, c: pd.DataFrame, shown: list[str], kind: str) -> Figure:
    """The forest plot of a single design point: panels stacked, one row per arm."""
    row_label = _forest_row_label(results, c)
    rows_per = [int((c["outcome"] == o).sum()) for o in shown]
    longest = max(len(row_label(r)) for r in c.to_dict("records"))
    title = max(len(f"{label_of(o)} ({o})") for o in shown)
    width = max(4.6 + 0.065 * longest, 0.6 + 0.065 * longest + 0.072 * title)
    fig = _new_figure(width, 0.9 + sum(0.32 * r + 0.55 for r in rows_per))
    axes = fig.subplots(len(shown), 1, squeeze=False, height_ratios=[r + 1.2 for r in rows_per])
    for ax, outcome in zip(axes[:, 0], shown, strict=True):
        sub = c[c["outcome"] == outcome]
        labels = [row_label(rec) for rec in sub.to_dict("records")]
        _forest_panel(ax, results, sub, np.arange(len(labels)), outcome, kind)
        ax.set_yticks(range(len(labels)), labels)
        ax.set_ylim(len(labels) - 0.5, -0.5)
        ax.set_title(_text(f"{label_of(outcome)} ({outcome})"), loc="left")
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
    return fig


FOREST_ROW_INCHES = 0.16
"""Height of one row of a sweep's forest plot: its 7.5-point label with a little space."""


def _sweep_rows(results: Results, c: pd.DataFrame) -> pd.DataFrame:
    """One row per (sweep point, arm) of the comparison, ordered by the varied parameters.

    Numeric parameters sort by value, the first varied one first; then the point, then the
    arm in the scenario's order. The columns: ``point``, ``arm``, ``label``.
    """
    varied = [v for v in varied_columns(results) if v in c.columns]
    keys = c.drop_duplicates(["point", "arm"]).copy()
    arms = arm_order(results)
    order = []
    for i, name in enumerate(varied):
        values = _numeric(keys[name])
        if values is not None:
            keys[f"_by{i}"] = values
            order.append(f"_by{i}")
    keys["_arm"] = [arms.index(str(a)) if str(a) in arms else len(arms) for a in keys["arm"]]
    keys = keys.sort_values([*order, "point", "_arm"], kind="stable")
    row_label = _forest_row_label(results, c)
    keys["label"] = [row_label(rec) for rec in keys.to_dict("records")]
    return keys[["point", "arm", "label"]].reset_index(drop=True)


def _sweep_forest(results: Results, c: pd.DataFrame, shown: list[str], kind: str) -> Figure:
    """The forest plot of a sweep: one panel per outcome side by side, one label column."""
    import textwrap

    c = c[c["outcome"].isin(shown)]
    rows = _sweep_rows(results, c)
    n = len(rows)
    titles = [_text(f"{textwrap.fill(label_of(o), 24)}\n({o})") for o in shown]
    xlabels = [_forest_xlabel(o, currency_of(results)).replace(" (", "\n(", 1) for o in shown]
    widths = [  # each panel as wide as its title and axis label, plus room for tick labels
        max(1.6, _inches(title, 8.5) + 0.15, _inches(xlabel, 9.0) + 0.15)
        for title, xlabel in zip(titles, xlabels, strict=True)
    ]
    label_widths = [_inches(label, 7.5) for label in rows["label"]]
    label_column = max(label_widths) + 0.12  # the widest label, its 4-point offset, a margin
    fig = _new_figure(label_column + sum(widths) + 0.2, 1.9 + FOREST_ROW_INCHES * n)
    fig.get_layout_engine().set(w_pad=0.1)  # inches: room between neighbours' end ticks
    axes = fig.subplots(1, len(shown), squeeze=False, width_ratios=widths)[0]
    where = {key: i for i, key in enumerate(_point_arm(rows))}
    for ax, outcome, title in zip(axes, shown, titles, strict=True):
        sub = c[c["outcome"] == outcome]
        at = np.array([where[key] for key in _point_arm(sub)], float)
        _zebra(ax, n)
        _forest_panel(ax, results, sub, at, outcome, kind)
        ax.set_ylim(n - 0.5, -0.5)
        ax.set_title(title, loc="left", fontsize=8.5)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
        ax.tick_params(axis="x", top=n > 25, labeltop=n > 25, labelsize=7.5)  # tall: both ends
        ax.set_yticks([])  # the rows' labels: one column, left of the first panel
    for ax, xlabel in zip(axes, xlabels, strict=True):
        ax.set_xlabel(xlabel)
    _row_labels(axes[0], rows["label"].tolist(), label_widths)
    return fig


def _row_labels(ax: Axes, labels: list[str], widths: list[float]) -> None:
    """Each row's label left of the Axes, as a tick label would be, without a tick per row.

    Only the widest label (``widths``, in inches) takes part in the constrained layout: the
    room it needs is the room they all need, and laying out hundreds of labels twice per
    figure was most of the layout's work.
    """
    from matplotlib.transforms import offset_copy

    at = offset_copy(ax.get_yaxis_transform(), fig=ax.figure, x=-4.0, units="points")
    widest = int(np.argmax(widths))
    for y, label in enumerate(labels):
        text = ax.text(0.0, y, label, transform=at, ha="right", va="center_baseline", fontsize=7.5)
        text.set_in_layout(y == widest)


def _inches(text: str, size: float) -> float:
    """Width in inches of the widest line of ``text`` in the current font at ``size`` points."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    font = FontProperties(size=size)
    return max(
        text_to_path.get_text_width_height_descent(line, font, ismath=False)[0] / 72.0
        for line in text.split("\n")
    )


def _point_arm(frame: pd.DataFrame) -> list[tuple[Any, str]]:
    return list(zip(frame["point"].tolist(), frame["arm"].astype(str), strict=True))


def _zebra(ax: Axes, rows: int) -> None:
    """A light band behind every other row, to follow a row across the panels."""
    from matplotlib.collections import PolyCollection

    bands = [[(0, y - 0.5), (1, y - 0.5), (1, y + 0.5), (0, y + 0.5)] for y in range(1, rows, 2)]
    ax.add_collection(
        PolyCollection(
            bands, transform=ax.get_yaxis_transform(), facecolors="0.94", linewidths=0, zorder=0
        ),
        autolim=False,
    )


def _tick(value: float, _pos: int) -> str:
    """A tick label with thousands separators and no trailing zeros (``-25,000``, ``0.05``)."""
    text = f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.6g}"
    return "0" if text in ("-0", "0.0") else text


def _ci_bar(ax, x: float, width: float, row: pd.DataFrame, style, hatch: str | None = None):
    """One bar at ``x`` with its 95% CI as an error bar (``row`` has mean, low, high)."""
    mean = float(row["mean"].iloc[0])
    err = [[mean - float(row["low"].iloc[0])], [float(row["high"].iloc[0]) - mean]]
    return ax.bar(
        x,
        mean,
        width * 0.92,
        color=style.colour,
        hatch=hatch or style.hatch,
        edgecolor="white",
        linewidth=0,
        yerr=err,
        capsize=2.5,
        error_kw={"elinewidth": 1.0, "ecolor": "0.2"},
    )


def _numeric(values: pd.Series) -> pd.Series | None:
    converted = pd.to_numeric(values, errors="coerce")
    return converted if converted.notna().all() else None


@_styled
def sweep_figure(results: Results, outcome: str | None = None) -> Figure | None:
    """A sweep's outcome mean against the first varied parameter, one line per second one.

    This is how March's (1991) Figure 1 is drawn: ``code_knowledge`` against ``march.p1``,
    one line per ``march.p2``. With several arms each arm gets its own line style. A second
    parameter with more than :data:`MAX_SERIES` values (a Latin hypercube) is not split on.

    Args:
        results: Experiment results of a sweep (a ``point`` column and varied field columns).
        outcome: Run outcome to draw (default: the first of :data:`SWEEP_OUTCOMES` present,
            else the first outcome).

    Returns:
        The figure with 95% CI error bars over replications, or None when the results are not
        a sweep or hold no such outcome.
    """
    runs = results.runs
    varied = [v for v in varied_columns(results) if v in runs.columns]
    if "point" not in runs.columns or not varied:
        return None
    if outcome is None:
        candidates = [o for o in SWEEP_OUTCOMES if o in runs.columns]
        others = [
            o
            for o in (results.outcomes or list(runs.columns))
            if o in runs.columns and o not in ID_COLUMNS and o not in varied
        ]
        candidates += [o for o in others if pd.api.types.is_numeric_dtype(runs[o])]
        if not candidates:
            return None
        outcome = candidates[0]
    if outcome not in runs.columns:
        return None
    x = varied[0]
    line = varied[1] if len(varied) > 1 else None
    if line is not None and runs[line].nunique() > MAX_SERIES:
        line = None
    arms = [a for a in arm_order(results) if (runs["arm"].astype(str) == a).any()] or [None]
    by = [x, *([line] if line else []), *(["arm"] if "arm" in runs.columns else [])]
    band = mean_band(runs, outcome, by)
    xs_num = _numeric(band[x])
    categories = list(dict.fromkeys(band[x].tolist()))
    fig = _new_figure(6.0, 4.2)
    ax = fig.subplots()
    styles = ("-", "--", ":", "-.")
    line_values = list(dict.fromkeys(band[line].tolist())) if line else [None]
    with contextlib.suppress(TypeError):  # mixed types keep their first-seen order
        line_values = sorted(line_values)
    handles, labels = [], []
    for j, arm in enumerate(arms):
        for i, value in enumerate(line_values):
            keep = pd.Series(True, index=band.index)
            if line:
                keep &= band[line] == value
            if arm is not None and "arm" in band.columns:
                keep &= band["arm"].astype(str) == arm
            sub = band[keep]
            if not len(sub):
                continue
            if xs_num is not None:
                xv = xs_num[keep].to_numpy(float)
            else:
                xv = np.array([categories.index(v) for v in sub[x]], float)
            order = np.argsort(xv, kind="stable")
            xv = xv[order]
            mean = sub["mean"].to_numpy(float)[order]
            err = np.vstack(
                [
                    mean - sub["low"].to_numpy(float)[order],
                    sub["high"].to_numpy(float)[order] - mean,
                ]
            )
            colour = OKABE_ITO[(i if line else j) % len(OKABE_ITO)]
            handle = ax.errorbar(
                xv,
                mean,
                yerr=err,
                color=colour,
                linestyle=styles[j % len(styles)] if len(arms) > 1 else "-",
                marker="o",
                ms=4,
                capsize=3,
                lw=1.6,
            )
            parts = []
            if line:
                parts.append(_point_label({line: value}).replace("=", " = "))
            if len(arms) > 1 and arm is not None:
                parts.append(str(arm))
            handles.append(handle.lines[0])
            labels.append(_text(", ".join(parts) or outcome))
    if xs_num is None:
        ax.set_xticks(range(len(categories)), [_text(v) for v in categories])
    ax.set_xlabel(_text(axis_label(x, parameter_unit(x))))
    unit = unit_of(outcome)
    ax.set_ylabel(_text(axis_label(outcome, currency_of(results) if unit == "currency" else unit)))
    if is_share(outcome):  # a share's axis ends at 1 (its intervals do too)
        low, high = ax.get_ylim()
        ax.set_ylim(max(low, 0.0), min(high, 1.0))
    ax.set_title(
        _text(f"{outcome} against {_short(x)}" + (f", by {_short(line)}" if line else ""))
        + f"\n({_subtitle(results)})"
    )
    if len(handles) > 1 or line:
        ax.legend(handles, labels)
    return fig


FIGURES: dict[str, Callable[[Results], Figure | None]] = {
    "adoption": adoption_figure,
    "retention": retention_figure,
    "innovation": innovation_figure,
    "pairs": pairs_figure,
    "forest": forest_figure,
    "sweep": sweep_figure,
}
"""Figure functions by file stem, in the order they are written and shown."""


def make_figures(results: Results) -> dict[str, Figure]:
    """Draw every figure the results allow.

    Args:
        results: Experiment results.

    Returns:
        Figures by name (the keys of :data:`FIGURES`), leaving out those that cannot be drawn.
    """
    out = {}
    for name, func in FIGURES.items():
        fig = func(results)
        if fig is not None:
            out[name] = fig
    return out


@_styled
def figure_bytes(fig: Figure, fmt: str, dpi: float | None = None) -> bytes:
    """Render a figure to PNG or SVG bytes, without timestamps or software metadata.

    Args:
        fig: The figure.
        fmt: ``"png"`` or ``"svg"``.
        dpi: Resolution of a PNG (default: :data:`STYLE`'s ``savefig.dpi``).

    Returns:
        The file's bytes; the same figure gives the same bytes.
    """
    if fmt == "png":
        return _png_bytes(fig, float(mpl.rcParams["savefig.dpi"] if dpi is None else dpi))
    if fmt != "svg":
        raise ValueError(f"unsupported figure format {fmt!r}; use 'png' or 'svg'")
    buffer = io.BytesIO()
    kwargs: dict[str, Any] = {"format": "svg", "metadata": {"Date": None, "Creator": None}}
    if dpi is not None:
        kwargs["dpi"] = dpi
    fig.savefig(buffer, **kwargs)
    return buffer.getvalue()


PNG_COMPRESS_LEVEL = 1
"""zlib level of the PNG files. Measured on a 60-point sweep's forest plot as it was then
(916 x 14,947 pixels): level 1 on RGB takes under half the time of matplotlib's level 6 on
RGBA for a file of the same size (1.18 against 1.19 MB): figures are mostly flat colour."""


def _png_bytes(fig: Figure, dpi: float) -> bytes:
    """The figure rendered by Agg at ``dpi``, encoded as PNG without metadata but the dpi.

    An opaque figure (every figure here: the face is white) is stored as RGB, not RGBA: the
    same pixels in three quarters of the data to compress.
    """
    from PIL import Image

    raw = io.BytesIO()
    fig.savefig(raw, format="rgba", dpi=dpi)
    data = raw.getbuffer()
    width = int(fig.get_figwidth() * dpi)  # the Agg canvas: int() of the figure's bbox
    height = len(data) // (4 * width)
    if width * height * 4 != len(data):
        raise RuntimeError(f"unexpected Agg buffer of {len(data)} bytes for width {width}")
    image = Image.frombuffer("RGBA", (width, height), data, "raw", "RGBA", 0, 1)
    if image.getextrema()[3] == (255, 255):
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, format="png", dpi=(dpi, dpi), compress_level=PNG_COMPRESS_LEVEL)
    return out.getvalue()


@_styled
def _lay_out_once(fig: Figure, dpi: float) -> None:
    """Lay the figure out as saving it at ``dpi`` would, then keep that layout.

    ``savefig`` runs a whole drawing pass without output before the real one whenever the
    figure has a layout engine (a placeholder included): laid out once here, every file is
    then drawn once. The layout is the one ``savefig`` computes (the same Agg renderer at the
    same dpi: the same bytes), and the Agg canvas keeps its renderer for the PNG.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    engine = fig.get_layout_engine()
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    if engine is not None:
        shown_at = fig.get_dpi()
        fig.set_dpi(dpi)
        try:
            engine.execute(fig)
        finally:
            fig.set_dpi(shown_at)
    with mpl.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
        fig.set_layout_engine(None)  # None: no engine at all ("none" leaves a placeholder)


def write_figures(
    results: Results,
    out_dir: str | Path,
    figures: dict[str, Figure] | None = None,
    processes: int = 1,
) -> list[Path]:
    """Write every figure the results allow as PNG and SVG into ``out_dir/figures/``.

    Each file is written to a temporary name and renamed into place. Figures that cannot be
    drawn from the results' columns are skipped.

    Args:
        results: Experiment results.
        out_dir: The results folder.
        figures: Figures already drawn (:func:`make_figures`), so the report can reuse them.
        processes: Processes that draw and write the figures, each taking the next one
            as it finishes one, in :data:`DRAW_ORDER` (where processes fork: Linux; elsewhere
            one). Ignored when ``figures`` are given. A figure's bytes do not depend on the
            process that wrote it.

    Returns:
        The paths written, PNG then SVG for each figure, in :data:`FIGURES` order.
    """
    folder = Path(out_dir) / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    if figures is not None:
        return _write_drawn(figures, folder)
    names = list(FIGURES)
    processes = max(1, min(processes, len(names)))
    if processes == 1 or not _can_fork():
        return _draw_and_write(results, folder, names)
    written = _forked_queue(results, folder, draw_order(names), processes)
    order = {name: i for i, name in enumerate(names)}
    return sorted(written, key=lambda p: (order[p.stem], p.suffix != ".png"))


DRAW_ORDER = ("forest", "sweep", "retention", "pairs", "innovation", "adoption")
"""The order in which several processes take the figures: the slowest to draw first (the
forest has a panel per outcome; measured on the quickstart and a 60-point sweep), so that
none is left to draw alone at the end. Figures not named here come last."""


def draw_order(names: list[str]) -> list[str]:
    """``names`` in the order several processes take them (:data:`DRAW_ORDER`, then the rest)."""
    return sorted(names, key=lambda n: DRAW_ORDER.index(n) if n in DRAW_ORDER else len(DRAW_ORDER))


def _write_drawn(figures: dict[str, Figure], folder: Path) -> list[Path]:
    from sim.experiments.storage import atomic_write

    written = []
    for name, fig in figures.items():
        _lay_out_once(fig, float(STYLE["savefig.dpi"]))
        for fmt in ("png", "svg"):
            data = figure_bytes(fig, fmt)
            path = folder / f"{name}.{fmt}"
            atomic_write(path, lambda p, data=data: p.write_bytes(data))
            written.append(path)
    return written


def _draw_and_write(results: Results, folder: Path, names: list[str]) -> list[Path]:
    """Draw the figures ``names`` (those the results allow) and write them, one at a time."""
    written = []
    for name in names:
        fig = FIGURES[name](results)
        if fig is not None:
            written += _write_drawn({name: fig}, folder)
    return written


def _can_fork() -> bool:
    """Whether this process can fork workers that share its memory (Linux: macOS's fork is unsafe)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def _forked_queue(results: Results, folder: Path, names: list[str], processes: int) -> list[Path]:
    """Draw and write ``names`` here and in ``processes - 1`` forked children, at once.

    The figures wait in a pipe, one byte each, in the order given; each process takes the
    next as soon as it has written one (a one-byte read from a pipe is atomic, so every figure
    is drawn once), until the pipe is empty. A child starts with this process's memory (the
    results, the imported libraries) and sends back the paths it wrote through a pipe of its
    own; a child that fails makes this raise.
    """
    import json

    queue, fill = os.pipe()
    try:
        os.write(fill, bytes(range(len(names))))  # at most a few dozen bytes: never blocks
    finally:
        os.close(fill)
    children: list[tuple[int, int]] = []
    try:
        for _ in range(processes - 1):
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: figures from the queue, then out without this process's exit
                os.close(read)
                code = 0
                try:
                    message = json.dumps(
                        [str(p) for p in _draw_queued(results, folder, names, queue)]
                    )
                except BaseException as exc:  # any failure, for the parent to report
                    message, code = json.dumps(f"{type(exc).__name__}: {exc}"), 1
                with os.fdopen(write, "w") as pipe:
                    pipe.write(message)
                os._exit(code)
            os.close(write)
            children.append((pid, read))
        written = _draw_queued(results, folder, names, queue)
        errors = []
        while children:
            pid, read = children[-1]
            with os.fdopen(read) as pipe:
                answer = pipe.read()
            _, status = os.waitpid(pid, 0)
            children.pop()
            message = json.loads(answer or '"ended without an answer"')
            if os.waitstatus_to_exitcode(status) != 0 or isinstance(message, str):
                errors.append(message if isinstance(message, str) else f"exit status {status}")
            else:
                written += [Path(p) for p in message]
        if errors:
            raise RuntimeError("drawing the figures failed: " + "; ".join(errors))
        return written
    finally:
        os.close(queue)
        for pid, read in children:  # interrupted: end the children still drawing
            with contextlib.suppress(OSError):
                os.close(read)
            with contextlib.suppress(OSError):
                os.kill(pid, 9)
                os.waitpid(pid, 0)


def _draw_queued(results: Results, folder: Path, names: list[str], queue: int) -> list[Path]:
    """Draw and write figures taken one at a time from ``queue`` (:func:`_forked_queue`)."""
    written = []
    while taken := os.read(queue, 1):
        written += _draw_and_write(results, folder, [names[taken[0]]])
    return written


__all__ = [
    "DRAW_ORDER",
    "EXTRA_UNITS",
    "FIGURES",
    "FOREST_OUTCOMES",
    "OKABE_ITO",
    "STYLE",
    "SWEEP_OUTCOMES",
    "adoption_figure",
    "arm_colours",
    "arm_order",
    "axis_label",
    "baseline_arm",
    "draw_order",
    "figure_bytes",
    "forest_figure",
    "innovation_figure",
    "is_share",
    "make_figures",
    "mean_band",
    "pair_status_counts",
    "pairs_figure",
    "parameter_unit",
    "retention_figure",
    "sweep_figure",
    "unit_of",
    "varied_columns",
    "write_figures",
]
