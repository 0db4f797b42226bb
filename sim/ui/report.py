"""A self-contained HTML report of an experiment, for a client as much as for an analyst.

:func:`write_report` writes ``OUT/report.html`` from the Jinja2 template
``sim/ui/templates/report.html.j2`` (autoescaped: every string from the scenario or the results
is escaped by the template engine). In order: an executive summary (one paragraph and a table
ranking the designs against the baseline on the headline outcomes, saying which differences
are clear), the scenario in words, each design's headline outcomes, the differences from the
baseline, the retention of participants compared like with like, the figures of
:mod:`sim.ui.figures` embedded as PNG, footnotes, and the provenance (manifest, code revision)
at the foot. Nothing is loaded from elsewhere (no external CSS, scripts or fonts).
"""

from __future__ import annotations

import base64
import json
import math
import struct
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sim.core.money import DEFAULT_CURRENCY
from sim.experiments.stats import is_clear
from sim.model.assumptions import assumptions_line
from sim.model.outcomes import label_of
from sim.ui import text
from sim.ui.describe import describe_program, describe_scenario
from sim.ui.figures import FIGURES, STYLE, figure_bytes, make_figures, varied_columns
from sim.ui.text import difference_sentence, phrase

if TYPE_CHECKING:
    from jinja2 import Template
    from matplotlib.figure import Figure

    from sim.experiments.experiment import Results

REPORT_OUTCOMES: tuple[str, ...] = (
    "adoption_seniors",
    "adoption_juniors",
    "digital_skill_gap",
    "retention_12m",
    "implemented_per_100_per_year",
    "mean_resistance_seniors",
    "program_cost",
    "net_benefit",
    "roi",
)
"""Headline outcomes of the summary table and the sentences (those the results have)."""

EXECUTIVE_DIFFERENCES: tuple[str, ...] = (
    "adoption_seniors",
    "retention_12m",
    "implemented_per_100_per_year",
)
"""Outcomes the executive summary compares with the baseline (the first ranks the designs)."""

EXECUTIVE_OWN: tuple[str, ...] = ("program_cost", "roi")
"""Each design's own figures in the executive summary (ROI is already against the baseline)."""

LIKE_WITH_LIKE = ("retention_12m_mentors", "retention_12m_mentees", "retention_12m_nonparticipants")
"""Participation groups whose retention is compared like with like."""

CAPTIONS: dict[str, str] = {
    "adoption": "Adopted share of all employees and of seniors, week by week: mean over "
    "replications (line) and 95% interval (band).",
    "retention": "Retention of the week-0 workforce by cohort; and each design's mentors, "
    "mentees and non-participants next to the same people in the baseline (same replication) "
    "and, for mentors and mentees, next to comparable non-participants of their own design "
    "(same cohort and level, same weeks). Means and 95% intervals over replications.",
    "innovation": "Ideas per 100 employees per year since week 0, and implemented ideas since "
    "week 0: mean and 95% interval over replications.",
    "pairs": "Mentoring pairs per run by final status (mean and 95% interval over "
    "replications), and the pairs' relationship quality when they ended (or at the end of the "
    "run), in bins of 0.05.",
    "forest": "Each design's difference from the baseline at the end of the run, paired by "
    "replication, with its 95% interval; shares in points. The dashed line marks no "
    "difference. In a sweep, one row per sweep point (and design), ordered by the varied "
    "parameters, its label shared by the outcomes' panels.",
    "sweep": "The outcome's mean over replications at each sweep point against the first varied "
    "parameter, one line per value of the second, with 95% intervals.",
}
"""Caption of each figure by name."""

FOOTNOTES: dict[str, str] = {
    "paired": "Brackets after a difference hold its paired 95% interval: replication i of "
    "every design runs the same organization with the same random numbers, so each design is "
    "compared with the baseline replication by replication and the interval is the t interval "
    "of those differences. A difference is clear when its interval excludes zero.",
    "shares": "Intervals of shares (percentages) are t intervals computed on the logit scale "
    "and mapped back, so they stay between 0% and 100%; those of counts, rates and costs, "
    "which cannot be negative, are t intervals cut at 0; other intervals are t intervals.",
    "roi": "Return on investment and net benefit are each design's own figures against the "
    "baseline named (retention savings and the value of extra implemented ideas, less the "
    "program's cost, replication by replication); they are not differences.",
}
"""The footnotes, each explained once."""

TEMPLATE = "report.html.j2"


# ---------------------------------------------------------------------- context


def _currency(results: Results) -> str:
    scenario = (results.manifest or {}).get("scenario") or {}
    return str(scenario.get("currency") or DEFAULT_CURRENCY)


def _horizon(results: Results) -> int | None:
    scenario = (results.manifest or {}).get("scenario") or {}
    if scenario.get("model") == "march1991":
        return None
    if scenario.get("horizon_weeks") is not None:
        return int(scenario["horizon_weeks"])
    ts = results.timeseries
    return int(ts["week"].max()) if "week" in ts.columns and len(ts) else None


def _baseline(results: Results) -> str | None:
    base = (results.manifest or {}).get("baseline_arm")
    if base is None and "baseline" in results.comparison.columns and len(results.comparison):
        base = results.comparison["baseline"].iloc[0]
    return None if base is None else str(base)


def _shown_outcomes(results: Results, outcomes: Sequence[str] | None) -> list[str]:
    s = results.summary
    available = list(dict.fromkeys(s["outcome"])) if "outcome" in s.columns else []
    wanted = [o for o in (outcomes or REPORT_OUTCOMES) if o in available]
    if not wanted:  # another model (March 1991): show what it has
        wanted = [o for o in (results.outcomes or available) if o in available][:6]
    return wanted


def _group_columns(frame: pd.DataFrame, results: Results) -> list[str]:
    if "point" not in frame.columns or frame["point"].nunique() < 2:
        return []
    varied = [v for v in varied_columns(results) if v in frame.columns]
    return varied or ["point"]


def _point_text(row: Mapping[str, Any], keys: Sequence[str]) -> str:
    return ", ".join(f"{k.rsplit('.', 1)[-1]} = {row[k]}" for k in keys)


def _outcome_head(
    outcome: str, currency: str, change: bool = False, horizon: int | None = None
) -> dict[str, str]:
    unit = text.unit_text(outcome, currency)
    if change and unit == "%":
        unit = "points"
    return {"label": text.label(outcome, horizon), "column": outcome, "unit": unit}


def _estimate(outcome: str, row: Mapping[str, Any] | None, currency: str) -> dict[str, str]:
    if row is None or not int(row.get("n") or 0):
        return {"value": "n/a", "interval": "", "muted": True}
    mean, low, high = (float(row[k]) for k in ("mean", "ci95_low", "ci95_high"))
    return {
        "value": text.value(outcome, mean, currency),
        "interval": text.interval(outcome, low, high),
        "muted": False,
    }


def _change(outcome: str, row: Mapping[str, Any] | None, currency: str) -> dict[str, Any]:
    """A difference's cell: signed value, interval, and whether it is clear (``verdict``)."""
    if row is None or not math.isfinite(float(row.get("diff", math.nan))):
        return {"value": "n/a", "words": "n/a", "interval": "", "verdict": None}
    low, high = float(row["paired_ci95_low"]), float(row["paired_ci95_high"])
    return {
        "value": text.difference(outcome, float(row["diff"]), currency, words=False),
        "words": text.difference(outcome, float(row["diff"]), currency),
        "interval": text.interval(outcome, low, high),
        "verdict": is_clear(low, high),
    }


# ---------------------------------------------------------------------- sections


def _differences(results: Results) -> pd.DataFrame:
    """Rows of the comparison that are differences from the baseline arm (with numbers)."""
    c = results.comparison
    if not len(c) or not {"against", "outcome", "diff"} <= set(c.columns):
        return pd.DataFrame(columns=["arm", "outcome", "against", "diff"])
    keep = c["against"].astype(str).str.endswith(", same replications") & c["diff"].notna()
    return c[keep]


def executive_summary(results: Results) -> dict[str, Any] | None:
    """The executive summary: a short paragraph and a table of designs against the baseline.

    Returns:
        ``{"sentences", "columns", "rows", "baseline", "ranked_by"}``, or None when there is no
        design to compare with the baseline.
    """
    diffs = _differences(results)
    base = _baseline(results)
    if not len(diffs) or base is None:
        return None
    currency, keys = _currency(results), _group_columns(diffs, results)
    own = results.summary
    if "outcome" in own.columns:  # only the rows the table shows: a sweep has thousands
        own = own[own["outcome"].isin(EXECUTIVE_OWN)]
    shown = diffs[diffs["outcome"].isin(EXECUTIVE_DIFFERENCES)]
    lookup = {(r.get("point"), r["arm"], r["outcome"]): r for r in shown.to_dict("records")}
    stats_of = {(r.get("point"), r["arm"], r["outcome"]): r for r in own.to_dict("records")}
    points = diffs["point"] if "point" in diffs.columns else [None] * len(diffs)
    designs = list(dict.fromkeys(zip(points, diffs["arm"], strict=True)))
    rank = EXECUTIVE_DIFFERENCES[0]
    if not keys:
        designs.sort(key=lambda d: -_diff_value(lookup.get((*d, rank))))
    rows = []
    for point, arm in designs:
        row = {"design": str(arm), "point": _point_text(_point_row(results, point), keys)}
        row["changes"] = [
            _change(o, lookup.get((point, arm, o)), currency) for o in EXECUTIVE_DIFFERENCES
        ]
        row["own"] = [_estimate(o, stats_of.get((point, arm, o)), currency) for o in EXECUTIVE_OWN]
        roi = stats_of.get((point, arm, "roi"))
        row["pays"] = _pays(roi)
        rows.append(row)
    return {
        "baseline": base,
        "ranked_by": None if keys else label_of(rank).lower(),
        "sweep": bool(keys),
        "differences": [
            _outcome_head(o, currency, change=True, horizon=_horizon(results))
            for o in EXECUTIVE_DIFFERENCES
        ],
        "own": [_outcome_head(o, currency) for o in EXECUTIVE_OWN],
        "rows": rows,
        "sentences": _executive_sentences(results, rows, base, _horizon(results)),
    }


def _pays(roi: Mapping[str, Any] | None) -> str:
    """Whether a design clearly pays back (its ROI interval above 0), clearly loses, or neither."""
    if roi is None or not int(roi.get("n") or 0):
        return ""
    low, high = float(roi["ci95_low"]), float(roi["ci95_high"])
    if not is_clear(low, high):
        return "not clear whether it pays back"
    return "pays back" if low > 0 else "loses money"


def _diff_value(row: Mapping[str, Any] | None) -> float:
    value = float(row["diff"]) if row is not None else math.nan
    return value if math.isfinite(value) else -math.inf


def _point_row(results: Results, point: Any) -> Mapping[str, Any]:
    runs = results.runs
    if point is None or "point" not in runs.columns:
        return {}
    return runs[runs["point"] == point].iloc[0].to_dict()


NUMBER_WORDS = ("No", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine")


def _executive_sentences(
    results: Results, rows: list[dict], base: str, horizon: int | None
) -> list[str]:
    manifest = results.manifest or {}
    reps = manifest.get("replications") or results.runs.get("replication", pd.Series()).nunique()
    designs = len({r["design"] for r in rows})
    count = NUMBER_WORDS[designs] if designs < len(NUMBER_WORDS) else str(designs)
    count += " design" if designs == 1 else " designs"
    weeks = f" of {horizon} weeks" if horizon else ""
    lines = [f"{count} compared with {base}, over {reps} replications{weeks}."]
    for row in rows[:6]:
        lines.append(_design_sentence(row, base, horizon))
    if len(rows) > 6:
        lines.append(f"The table gives all {len(rows)} rows.")
    return lines


def _design_sentence(row: dict[str, Any], base: str, horizon: int | None) -> str:
    """What one design did, in words: clear changes first, then the rest, then its cost."""
    heads = [phrase(o, horizon) for o in EXECUTIVE_DIFFERENCES]
    changes = list(zip(heads, row["changes"], strict=True))
    clear = [
        f"{'raised' if c['words'].startswith('+') else 'lowered'} {h} ({c['words']})"
        for h, c in changes
        if c["verdict"]
    ]
    unclear = [h for h, c in changes if c["verdict"] is False]
    where = f" at {row['point']}" if row["point"] else ""
    text_ = f"{row['design']}{where} " + (
        " and ".join(clear) if clear else "made no clear difference to " + _join(unclear)
    )
    if clear and unclear:
        text_ += f", with no clear difference to {_join(unclear)}"
    cost, roi = row["own"]
    text_ += f". It costs {cost['value']}"
    if not roi["muted"]:
        text_ += f", a return on investment of {roi['value']} {roi['interval']} against {base}"
        text_ += f" ({row['pays']})" if row["pays"] else ""
    return text_ + "."


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


MAX_DESIGN_COLUMNS = 4
"""Designs (or point x design) side by side in the outcomes table; more get a row each."""


def _summary_section(results: Results, outcomes: list[str]) -> dict[str, Any] | None:
    """Each design's outcomes, laid out to fit the window.

    Outcomes as rows and designs as columns when there are few designs, else a row per design
    (sweep point x design) and a column per outcome.
    """
    s = results.summary
    need = {"outcome", "mean", "ci95_low", "ci95_high"}
    if not len(s) or not need <= set(s.columns) or not outcomes:
        return None
    currency, horizon = _currency(results), _horizon(results)
    keys = _group_columns(s, results)
    s = s[s["outcome"].isin(outcomes)]
    designs, cells = [], {}
    for rec in s.to_dict("records"):
        design = (str(rec.get("arm", "")), _point_text(rec, keys) if keys else "")
        if design not in cells:
            designs.append(design)
            cells[design] = {}
        cells[design][rec["outcome"]] = _estimate(rec["outcome"], rec, currency)
    heads = [_outcome_head(o, currency, horizon=horizon) for o in outcomes]
    n = int(s["n"].max()) if "n" in s.columns and len(s) else 0
    by_outcome = len(designs) <= MAX_DESIGN_COLUMNS
    rows = [
        {"design": d, "point": p, "cells": [cells[(d, p)].get(o) for o in outcomes]}
        for d, p in designs
    ]
    columns = [{"design": d, "point": p} for d, p in designs]
    if by_outcome:
        rows = [
            {**h, "cells": [cells[d].get(o) for d in designs]}
            for h, o in zip(heads, outcomes, strict=True)
        ]
    return {"by_outcome": by_outcome, "columns": columns, "heads": heads, "rows": rows, "n": n}


def _differences_section(results: Results, outcomes: list[str]) -> dict[str, Any] | None:
    c = _differences(results)
    c = c[c["outcome"].isin(outcomes)]
    if not len(c):
        return None
    rank = {o: i for i, o in enumerate(outcomes)}
    c = c.assign(_rank=c["outcome"].map(rank)).sort_values(
        [*(["point"] if "point" in c.columns else []), "arm", "_rank"], kind="stable"
    )
    horizon, currency = _horizon(results), _currency(results)
    keys = _group_columns(c, results)
    items = []
    for r in c.to_dict("records"):
        sentence = difference_sentence(r, horizon, currency=currency)
        if keys:
            sentence = f"At {_point_text(r, keys)}, {sentence}"
        items.append(sentence + ".")
    return {"baseline": _baseline(results), "sentences": items}


def _like_with_like(results: Results) -> dict[str, Any] | None:
    c = results.comparison
    if not len(c) or not {"against", "outcome", "diff"} <= set(c.columns):
        return None
    c = c[c["outcome"].isin(LIKE_WITH_LIKE) & ~c["against"].str.endswith(", same replications")]
    c = c[c["diff"].notna()]
    if not len(c):
        return None
    keys = _group_columns(c, results)
    rows = []
    for r in c.to_dict("records"):
        outcome = r["outcome"]
        rows.append(
            {
                "design": r["arm"],
                "point": _point_text(r, keys) if keys else "",
                "group": text.label(outcome, _horizon(results)),
                "against": r["against"],
                "mine": text.value(outcome, float(r["mean_arm"])),
                "theirs": text.value(outcome, float(r["mean_against"])),
                "change": _change(outcome, r, _currency(results)),
            }
        )
    return {"rows": rows}


def _left_out(results: Results, outcomes: list[str]) -> list[dict[str, str]]:
    c = results.comparison
    if not len(c) or not {"reason", "outcome"} <= set(c.columns):
        return []
    c = c[c["reason"].fillna("").astype(bool) & c["outcome"].isin([*outcomes, *LIKE_WITH_LIKE])]
    seen = c.drop_duplicates("outcome")
    return [
        {"label": label_of(r["outcome"]), "column": r["outcome"], "reason": r["reason"]}
        for r in seen.to_dict("records")
    ]


def _with_roster_fields(scenario: Mapping[str, Any], roster: Mapping[str, Any]) -> dict:
    """The scenario with the fields its roster set (the manifest keeps them apart)."""
    org = dict(scenario["organization"])
    fields = dict(roster.get("set_by_roster") or {})
    shares = fields.pop("cohort_shares", None)
    org.update(fields)
    if shares and isinstance(org.get("cohorts"), Mapping):
        org["cohorts"] = {
            name: {**spec, "share": shares.get(name, 0.0)} for name, spec in org["cohorts"].items()
        }
    return {**scenario, "organization": org}


def _roster_sentence(roster: Mapping[str, Any]) -> str:
    drawn = ", ".join(roster.get("drawn") or []) or "nothing"
    return (
        f"The organization is read from the roster {Path(str(roster['file'])).name} "
        f"({roster['rows']} employees as of {roster['as_of']}, SHA-256 "
        f"{str(roster['sha256'])[:12]}...); drawn where the file says nothing: {drawn}."
    )


def _scenario_section(results: Results) -> dict[str, Any]:
    manifest = results.manifest or {}
    scenario = manifest.get("scenario") or {}
    reps = manifest.get("replications")
    if reps is None and "replication" in results.runs.columns:
        reps = int(results.runs["replication"].nunique())
    roster = manifest.get("roster")
    if roster and isinstance(scenario.get("organization"), Mapping):
        scenario = _with_roster_fields(scenario, roster)
    lines = describe_scenario(scenario, reps) if scenario else []
    if roster and lines:
        lines.insert(1, _roster_sentence(roster))
    varied = [v for v in varied_columns(results) if v in results.runs.columns]
    if varied:
        values = "; ".join(
            f"{v} over {', '.join(str(x) for x in dict.fromkeys(results.runs[v].tolist()))}"
            for v in varied
        )
        lines.append(f"A sweep over {results.runs['point'].nunique()} points, varying {values}.")
    arms = scenario.get("arms") or [{"name": a} for a in manifest.get("arms") or []]
    base = manifest.get("baseline_arm")
    described = [
        {
            "name": arm.get("name", "?"),
            "baseline": arm.get("name") == base,
            "text": describe_program(arm.get("program")) if "program" in arm else "",
        }
        for arm in arms
        if scenario.get("model") != "march1991"
    ]
    description = str(scenario.get("description") or "").strip()
    march = scenario.get("model") == "march1991"
    # what the headline effects rest on (sim.model.assumptions)
    assumptions = assumptions_line(scenario) if scenario and not march else ""
    return {
        "description": description,
        "lines": lines,
        "arms": described,
        "assumptions": assumptions,
    }


REPORT_DPI = 110.0
"""Pixels per inch of figure the report shows: the embedded PNG (the figure files' own, at
:data:`sim.ui.figures.STYLE`'s ``savefig.dpi``) is displayed at this size."""


def _figures(figures: Mapping[str, Figure | bytes]) -> list[dict[str, Any]]:
    names = [n for n in FIGURES if n in figures] + [n for n in figures if n not in FIGURES]
    out = []
    for name in names:
        figure = figures[name]
        png = figure if isinstance(figure, bytes) else figure_bytes(figure, "png")
        width, height = _display_size(png)
        out.append(
            {
                "name": name,
                "data": base64.b64encode(png).decode("ascii"),
                "width": width,
                "height": height,
                "caption": CAPTIONS.get(name, name),
            }
        )
    return out


def _display_size(png: bytes) -> tuple[int, int]:
    """Width and height in CSS pixels of a PNG shown at :data:`REPORT_DPI`.

    The pixel size is read from the PNG header, its resolution from its ``pHYs`` chunk
    (pixels per metre), else :data:`sim.ui.figures.STYLE`'s ``savefig.dpi``.
    """
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("a figure to embed must be PNG bytes")
    width, height = struct.unpack(">II", png[16:24])
    dpi = float(STYLE["savefig.dpi"])
    at = 8
    while at + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[at : at + 8])
        if kind == b"pHYs":
            per_unit, _, unit = struct.unpack(">IIB", png[at + 8 : at + 17])
            # unit 1: pixels per metre, stored rounded; figures are drawn at whole dpi
            dpi = float(round(per_unit * 0.0254)) if unit == 1 and per_unit else dpi
            break
        if kind == b"IDAT":
            break
        at += 12 + length
    scale = REPORT_DPI / dpi
    return round(width * scale), round(height * scale)


@cache
def _template() -> Template:
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=PackageLoader("sim.ui", "templates"),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True, default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template(TEMPLATE)


def render_report(
    results: Results,
    outcomes: Sequence[str] | None = None,
    figures: Mapping[str, Figure | bytes] | None = None,
) -> str:
    """Render the report as one self-contained HTML document.

    Args:
        results: Experiment results.
        outcomes: Headline outcomes (default: :data:`REPORT_OUTCOMES` present in the results,
            else the first six outcomes).
        figures: Figures to embed by name: a figure, or the PNG bytes of one (the file
            :func:`sim.ui.figures.write_figures` wrote, embedded as it is); default:
            :func:`sim.ui.figures.make_figures`.

    Returns:
        The HTML text.
    """
    shown = _shown_outcomes(results, outcomes)
    figures = make_figures(results) if figures is None else figures
    manifest = results.manifest or {}
    return _template().render(
        name=(manifest.get("scenario") or {}).get("name") or "experiment",
        executive=executive_summary(results),
        scenario=_scenario_section(results),
        summary=_summary_section(results, shown),
        differences=_differences_section(results, shown),
        like=_like_with_like(results),
        left_out=_left_out(results, shown),
        figures=_figures(figures),
        footnotes=FOOTNOTES,
        revision=manifest.get("code_revision"),
        created=manifest.get("created_utc"),
        manifest=json.dumps(manifest, indent=2, sort_keys=False, default=str),
    )


def write_report(
    results: Results,
    out_dir: str | Path,
    outcomes: Sequence[str] | None = None,
    figures: Mapping[str, Figure | bytes] | None = None,
) -> Path:
    """Write ``out_dir/report.html`` atomically (a temporary file renamed into place).

    Args:
        results: Experiment results.
        out_dir: The results folder (created if needed).
        outcomes: Headline outcomes (default: :data:`REPORT_OUTCOMES` present).
        figures: Figures already drawn, by name, to embed instead of drawing them again:
            figures, or PNG bytes (the files already written, so nothing is drawn twice).

    Returns:
        The path of the report.
    """
    from sim.experiments.storage import atomic_write

    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    html = render_report(results, outcomes=outcomes, figures=figures)
    path = folder / "report.html"
    atomic_write(path, lambda p: p.write_text(html, encoding="utf-8"))
    return path


__all__ = [
    "CAPTIONS",
    "EXECUTIVE_DIFFERENCES",
    "FOOTNOTES",
    "REPORT_OUTCOMES",
    "describe_program",
    "describe_scenario",
    "difference_sentence",
    "executive_summary",
    "phrase",
    "render_report",
    "write_report",
]
