"""A self-contained HTML report of an experiment: scenario, summary, differences, figures.

:func:`write_report` writes ``OUT/report.html``: the scenario in words (organization, horizon,
replications, each arm's program design in plain language), the headline outcomes per arm
(mean and 95% CI over replications), each arm's paired difference from the baseline arm with a
sentence per headline outcome, the figures of :mod:`sim.ui.figures` embedded as base64 PNG, and
the manifest. Nothing is loaded from elsewhere (no external CSS, scripts or fonts); every
string that comes from the scenario or the results is escaped.
"""

from __future__ import annotations

import base64
import html
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.model.assumptions import assumptions_line
from sim.model.outcomes import CATALOG
from sim.ui.figures import FIGURES, figure_bytes, is_share, make_figures, unit_of, varied_columns

if TYPE_CHECKING:
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
    "roi",
)
"""Headline outcomes of the summary table and the sentences (those the results have)."""

PHRASES: dict[str, str] = {
    "adoption": "adoption",
    "adoption_seniors": "senior adoption",
    "adoption_juniors": "junior adoption",
    "digital_skill_gap": "the digital skill gap",
    "digital_skill_seniors": "seniors' digital skill",
    "digital_skill_juniors": "juniors' digital skill",
    "retention": "retention of the week-0 workforce",
    "retention_12m": "12-month retention",
    "retention_12m_mentors": "12-month retention of mentors",
    "retention_12m_mentees": "12-month retention of mentees",
    "retention_12m_nonparticipants": "12-month retention of non-participants",
    "ideas_per_100_per_year": "the idea rate",
    "implemented_per_100_per_year": "the rate of implemented ideas",
    "implemented_ideas": "implemented ideas",
    "mean_resistance_seniors": "seniors' resistance to being mentored",
    "mean_resistance": "resistance to being mentored",
    "mean_engagement": "engagement",
    "program_cost": "program cost",
    "net_benefit": "the net benefit",
    "roi": "the return on investment",
    "code_knowledge": "code knowledge",
    "code_accuracy": "code accuracy",
    "mean_individual_knowledge": "individual knowledge",
}
"""Outcomes in words, for the sentences; others use their name."""

UNIT_WORDS: dict[str, str] = {
    "": "",
    "-": "",
    "ratio": "",
    "currency": "currency units",
    "skill (0-1)": "on the 0-1 skill scale",
    "attitude (0-1)": "on the 0-1 attitude scale",
    "engagement (0-1)": "on the 0-1 engagement scale",
    "quality (0-1)": "on the 0-1 quality scale",
    "index (-1..1)": "on the -1..1 index",
}
"""How a difference's unit reads after the number; other units are written as they are."""

CAPTIONS: dict[str, str] = {
    "adoption": "Adopted share of all employees and of seniors, week by week: mean over "
    "replications (line) and 95% t interval (band).",
    "retention": "Share of the week-0 workforce still employed, by cohort and by participation: "
    "mean and 95% t interval over replications. Arms without mentors (mentees) have no bar "
    "there.",
    "innovation": "Ideas per 100 employees per year since week 0, and implemented ideas since "
    "week 0: mean and 95% t interval over replications.",
    "pairs": "Mentoring pairs per run by final status (mean and 95% t interval over "
    "replications), and the distribution of the pairs' final relationship quality.",
    "forest": "Each arm's difference from the baseline arm at the end of the run, paired by "
    "replication (common random numbers), with its 95% t interval; shares in points. The "
    "dashed line marks no difference.",
    "sweep": "The outcome's mean over replications at each sweep point against the first varied "
    "parameter, one line per value of the second, with 95% t intervals.",
}
"""Caption of each figure by name."""

_WEEKLY = {o.name: o.weekly for o in CATALOG}

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       max-width: 1100px; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.5rem; text-align: right; vertical-align: top; }
th { background: #f3f3f3; }
td.key, th.key { text-align: left; }
.unit { font-weight: normal; color: #555; font-size: 0.8rem; }
figure { margin: 1.5rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #444; font-size: 0.9rem; }
pre { background: #f7f7f7; padding: 0.8rem; overflow-x: auto; font-size: 0.8rem; }
.muted { color: #555; }
li { margin: 0.25rem 0; }
"""


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


# ---------------------------------------------------------------------- numbers


def _decimals(*values: float, digits: int = 3) -> int:
    """Decimals that give ``digits`` significant digits to the largest magnitude."""
    finite = [abs(v) for v in values if v is not None and math.isfinite(v)]
    top = max(finite, default=0.0)
    if top == 0:
        return 2
    return max(0, min(6, digits - 1 - math.floor(math.log10(top))))


def _fmt(value: float, decimals: int, currency: bool = False) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    text = f"{value:,.0f}" if currency else f"{value:.{decimals}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]  # no "-0.0"
    return text


def format_value(outcome: str, mean: float, low: float, high: float) -> str:
    """Format a mean and its 95% CI for the summary table: ``mean [low, high]``.

    Shares are shown as percentages, currency without decimals, others with three
    significant digits.

    Args:
        outcome: The outcome's name (its unit comes from :data:`sim.model.outcomes.CATALOG`).
        mean: The mean.
        low: Lower end of the interval.
        high: Upper end of the interval.

    Returns:
        The cell text, e.g. ``57.3% [52.1%, 62.5%]``.
    """
    if is_share(outcome):
        return f"{_fmt(100 * mean, 1)}% [{_fmt(100 * low, 1)}%, {_fmt(100 * high, 1)}%]"
    currency = unit_of(outcome) == "currency"
    d = _decimals(mean, low, high)
    return f"{_fmt(mean, d, currency)} [{_fmt(low, d, currency)}, {_fmt(high, d, currency)}]"


def outcome_phrase(outcome: str, horizon: int | None = None) -> str:
    """Return an outcome in words, with the week its value is taken at.

    Args:
        outcome: The outcome's name.
        horizon: The run's last week; weekly outcomes are read there (``at week 52``).

    Returns:
        E.g. ``senior adoption at week 52``; ``12-month retention`` (``retention at week H``
        when the horizon H is shorter than 52 weeks).
    """
    phrase = PHRASES.get(outcome, outcome)
    if outcome.startswith("retention_12m") and horizon is not None and horizon < 52:
        return f"{phrase.replace('12-month retention', 'retention')} at week {horizon}"
    if _WEEKLY.get(outcome, False) and horizon is not None:
        phrase += f" at week {horizon}"
    return phrase


def difference_sentence(
    row: Mapping[str, Any], horizon: int | None = None, ci: str = "paired"
) -> str:
    """One plain-language sentence for one arm's difference from the baseline (plain text).

    Shares are in points (x100, one decimal), other outcomes in their unit with three
    significant digits. The verb follows the sign of the mean difference ("raised ... over",
    "lowered ... compared with"); a reduction's CI is given as magnitudes ("lowered ... by 1.7
    points (95% CI 1.2 to 2.3)"). When the 95% CI includes zero the sentence says "made no
    clear difference to ..." with the signed difference and CI.

    Args:
        row: A row of ``results.comparison`` (``arm``, ``baseline``, ``outcome``, ``diff``,
            ``paired_ci95_low``, ``paired_ci95_high``).
        horizon: The run's last week, for weekly outcomes.
        ci: ``"paired"`` or ``"unpaired"`` interval.

    Returns:
        E.g. ``reverse_mentoring raised senior adoption at week 52 by 4.0 points (95% CI 2.7
        to 5.2) over no_program``.
    """
    arm, base, outcome = str(row["arm"]), str(row["baseline"]), str(row["outcome"])
    diff = float(row["diff"])
    low, high = float(row[f"{ci}_ci95_low"]), float(row[f"{ci}_ci95_high"])
    what = outcome_phrase(outcome, horizon)
    if not all(math.isfinite(v) for v in (diff, low, high)):
        return f"the difference in {what} between {arm} and {base} could not be estimated"
    if is_share(outcome):
        factor, unit, decimals, currency = 100.0, "points", 1, False
    else:
        raw = unit_of(outcome)
        factor, unit = 1.0, UNIT_WORDS.get(raw, raw)
        decimals, currency = _decimals(diff, low, high), raw == "currency"
    d, lo, hi = diff * factor, low * factor, high * factor
    tail = f" {unit}" if unit else ""

    def num(value: float) -> str:
        return _fmt(value, decimals, currency)

    if lo <= 0.0 <= hi:
        signed = ("+" if d > 0 else "") + num(d)
        return (
            f"{arm} made no clear difference to {what} compared with {base}: "
            f"{signed}{tail} (95% CI {num(lo)} to {num(hi)})"
        )
    if d > 0:
        return f"{arm} raised {what} by {num(d)}{tail} (95% CI {num(lo)} to {num(hi)}) over {base}"
    return (
        f"{arm} lowered {what} by {num(-d)}{tail} (95% CI {num(-hi)} to {num(-lo)}) "
        f"compared with {base}"
    )


# ---------------------------------------------------------------------- scenario in words


def _plural(n: float, word: str) -> str:
    return f"{n:g} {word}" + ("" if n == 1 else "s")


def describe_program(program: Mapping[str, Any] | None) -> str:
    """Describe an arm's program design in plain language (plain text).

    Args:
        program: The arm's ``program`` block as plain data (None: no program).

    Returns:
        One sentence per aspect: pairing policy, eligibility, participation, format, cadence
        and duration, waves, focus, sponsorship, mentor training and re-pairing.
    """
    if not program:
        return "No program: the organization as it is, without reverse mentoring."
    from sim.program.design import POLICIES

    p = dict(program)
    parts = []
    policy = str(p.get("pairing", "?"))
    meaning = POLICIES.get(policy)
    parts.append(
        f"Pairing policy {policy}" + (f": {meaning[0].lower()}{meaning[1:]}" if meaning else ".")
    )
    elig = p.get("eligibility") or {}
    if elig:
        cohorts = ", ".join(str(c).replace("_", " ") for c in elig.get("mentor_cohorts") or [])
        top = elig.get("mentee_max_level")
        levels = (
            f"levels {elig.get('mentee_min_level')} to {top}"
            if top is not None
            else f"level {elig.get('mentee_min_level')} and above"
        )
        parts.append(
            f"Mentors from the {cohorts or 'no'} cohorts up to level "
            f"{elig.get('mentor_max_level')}; mentees at {levels}."
        )
    if p.get("participation") == "mandatory":
        parts.append("Participation is mandatory: every eligible employee takes part.")
    elif p.get("participation"):
        parts.append("Participation is voluntary: employees opt in according to their attitudes.")
    if p.get("format") == "group":
        parts.append(
            f"Group format: a junior board of {p.get('group_size')} mentors per executive."
        )
    elif p.get("format"):
        cap = p.get("mentor_capacity") or 1
        extra = f", each mentor taking up to {cap} mentees" if cap > 1 else ""
        parts.append(f"One-to-one pairs{extra}.")
    if p.get("cadence_per_month") is not None:
        hours = p.get("hours_per_meeting")
        length = f" of {_plural(float(hours), 'hour')}" if hours is not None else ""
        months = p.get("duration_months")
        lasting = f", for {_plural(float(months), 'month')} per pairing" if months else ""
        parts.append(
            f"{_plural(float(p['cadence_per_month']), 'meeting')} a month{length}{lasting}."
        )
    waves = p.get("waves") or []
    if waves:
        texts = [
            f"week {w.get('start_week', 0)}"
            + (f" (up to {w['size']} mentees)" if w.get("size") else "")
            for w in waves
        ]
        noun = "One wave starting at" if len(waves) == 1 else f"{len(waves)} waves starting at"
        parts.append(f"{noun} {', '.join(texts)}.")
    focus = p.get("focus") or []
    parts.append(
        f"Focus on {', '.join(str(f) for f in focus)}." if focus else "No particular skill focus."
    )
    if p.get("sponsorship") is not None:
        s = float(p["sponsorship"])
        level = "none" if s == 0 else "weak" if s < 0.34 else "moderate" if s < 0.67 else "strong"
        parts.append(f"Executive sponsorship {s:g} on a 0-1 scale ({level}).")
    if "mentor_training" in p:
        parts.append(
            "Mentors are trained before the first meeting."
            if p["mentor_training"]
            else "No mentor training."
        )
    repair = p.get("repairing") or {}
    if repair.get("enabled"):
        parts.append(
            "A mentee whose pair dissolves early is re-paired (up to "
            f"{_plural(float(repair.get('max_times', 1)), 'time')})."
        )
    return " ".join(parts)


def describe_scenario(scenario: Mapping[str, Any], replications: int | None = None) -> list[str]:
    """Describe a scenario's setting in plain language (plain text, one sentence per item).

    Args:
        scenario: The scenario as resolved (``results.manifest["scenario"]``).
        replications: Replications actually run (default: the scenario's).

    Returns:
        Sentences on the organization (or March's model), horizon and replications.
    """
    s = dict(scenario)
    reps = replications if replications is not None else s.get("replications")
    lines = []
    if s.get("model") == "march1991":
        m = s.get("march") or {}
        lines.append(
            f"March's (1991) model of mutual learning: {m.get('n', '?')} individuals and an "
            f"organizational code hold beliefs about a reality of {m.get('m', '?')} dimensions. "
            f"Base values (a sweep overrides some): socialization rate p1 = {m.get('p1', '?')}, code learning rate p2 = "
            f"{m.get('p2', '?')}, turnover p3 = {m.get('p3', '?')}, turbulence p4 = "
            f"{m.get('p4', '?')}. Each run goes on until equilibrium (or its period limit)."
        )
        if reps is not None:
            lines.append(f"{_plural(float(reps), 'replication')} per point.")
        return lines
    org = s.get("organization") or {}
    if org:
        depts = org.get("departments") or []
        dept_text = (
            f" across {len(depts)} departments ({', '.join(str(d) for d in depts)})"
            if depts
            else ""
        )
        lines.append(
            f"An organization of {org.get('size', '?')} employees in {org.get('levels', '?')} "
            f"levels (span of control {org.get('span_of_control', '?')}){dept_text}."
        )
        cohorts = org.get("cohorts") or {}
        shares = [
            f"{100 * float(c['share']):.0f}% {name.replace('_', ' ')}"
            for name, c in cohorts.items()
            if isinstance(c, Mapping) and "share" in c
        ]
        if shares:
            lines.append(f"Workforce by generation: {', '.join(shares)}.")
        techs = [t for t in org.get("technologies") or [] if isinstance(t, Mapping)]
        if techs:
            tech_text = ", ".join(
                f"{t.get('name')} (from week {t.get('introduced_week', 0)})" for t in techs
            )
            lines.append(f"Technologies to adopt: {tech_text}.")
    if s.get("horizon_weeks") is not None:
        lines.append(f"Simulated for {_plural(float(s['horizon_weeks']), 'week')}.")
    if reps is not None:
        lines.append(
            f"{_plural(float(reps), 'replication')} per arm; replication i of every arm sees "
            "the same organization and the same background random draws (common random "
            "numbers), so arms differ only through their program."
        )
    return lines


# ---------------------------------------------------------------------- sections


def _horizon(results: Results) -> int | None:
    scenario = (results.manifest or {}).get("scenario") or {}
    if scenario.get("model") == "march1991":
        return None
    if scenario.get("horizon_weeks") is not None:
        return int(scenario["horizon_weeks"])
    ts = results.timeseries
    return int(ts["week"].max()) if "week" in ts.columns and len(ts) else None


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


def _scenario_section(results: Results) -> str:
    manifest = results.manifest or {}
    scenario = manifest.get("scenario") or {}
    out = ["<h2>Scenario</h2>"]
    if scenario.get("description"):
        out.append(f"<p>{_esc(str(scenario['description']).strip())}</p>")
    reps = manifest.get("replications")
    if reps is None and "replication" in results.runs.columns:
        reps = int(results.runs["replication"].nunique())
    lines = describe_scenario(scenario, reps) if scenario else []
    varied = [v for v in varied_columns(results) if v in results.runs.columns]
    if varied:
        n_points = results.runs["point"].nunique()
        values = "; ".join(
            f"{v} over {', '.join(str(x) for x in dict.fromkeys(results.runs[v].tolist()))}"
            for v in varied
        )
        lines.append(f"A sweep over {n_points} points, varying {values}.")
    if lines:
        out.append("<ul>" + "".join(f"<li>{_esc(line)}</li>" for line in lines) + "</ul>")
    arms = scenario.get("arms") or [{"name": a} for a in manifest.get("arms") or []]
    base = manifest.get("baseline_arm")
    if arms and scenario.get("model") != "march1991":
        out.append("<h3>Arms</h3><ul>")
        for arm in arms:
            name = arm.get("name", "?")
            tag = " (baseline)" if name == base else ""
            text = describe_program(arm.get("program")) if "program" in arm else ""
            out.append(f"<li><strong>{_esc(name)}</strong>{_esc(tag)}: {_esc(text)}</li>")
        out.append("</ul>")
        # what the headline effects rest on (sim.model.assumptions)
        out.append(f"<p><strong>Assumptions.</strong> {_esc(assumptions_line(scenario))}</p>")
    return "\n".join(out)


def _summary_section(results: Results, outcomes: list[str]) -> str:
    s = results.summary
    need = {"outcome", "mean", "ci95_low", "ci95_high"}
    if not len(s) or not need <= set(s.columns) or not outcomes:
        return "<h2>Summary</h2><p class='muted'>No summary statistics in these results.</p>"
    keys = [*_group_columns(s, results), *(["arm"] if "arm" in s.columns else [])]
    s = s[s["outcome"].isin(outcomes)]
    n = int(s["n"].max()) if "n" in s.columns and len(s) else 0
    head = "".join(f"<th class='key'>{_esc(k)}</th>" for k in keys)
    head += "".join(
        f"<th>{_esc(o)}<br><span class='unit'>{_esc(unit_of(o))}</span></th>" for o in outcomes
    )
    rows = []
    groups = s.groupby(keys, sort=False) if keys else [((), s)]
    for key, frame in groups:
        key = key if isinstance(key, tuple) else (key,)
        cells = "".join(f"<td class='key'>{_esc(k)}</td>" for k in key)
        by_outcome = {r["outcome"]: r for r in frame.to_dict("records")}
        for o in outcomes:
            r = by_outcome.get(o)
            text = (
                format_value(o, float(r["mean"]), float(r["ci95_low"]), float(r["ci95_high"]))
                if r
                else ""
            )
            cells += f"<td>{_esc(text)}</td>"
        rows.append(f"<tr>{cells}</tr>")
    return (
        "<h2>Summary</h2>"
        f"<p>Headline outcomes at the end of the run: mean [95% CI] over {n} replications "
        "(shares in percent).</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _differences_section(results: Results, outcomes: list[str]) -> str:
    c = results.comparison
    need = {"arm", "baseline", "outcome", "diff", "paired_ci95_low", "paired_ci95_high"}
    if not len(c) or not need <= set(c.columns):
        return (
            "<h2>Differences from the baseline</h2>"
            "<p class='muted'>No comparison between arms in these results (one arm only).</p>"
        )
    c = c[c["outcome"].isin(outcomes)]
    rank = {o: i for i, o in enumerate(outcomes)}
    c = c.iloc[np.argsort(c["outcome"].map(rank).to_numpy(), kind="stable")]
    if "point" in c.columns:
        c = c.iloc[np.argsort(c["point"].to_numpy(), kind="stable")]
    horizon = _horizon(results)
    keys = _group_columns(c, results)
    unpaired = {"unpaired_ci95_low", "unpaired_ci95_high"} <= set(c.columns)
    items, rows = [], []
    for r in c.to_dict("records"):
        sentence = difference_sentence(r, horizon)
        if keys:
            sentence = "At " + ", ".join(f"{k} = {r[k]}" for k in keys) + ", " + sentence
        items.append(f"<li>{_esc(sentence)}.</li>")
        factor = 100.0 if is_share(r["outcome"]) else 1.0
        values = [factor * float(r[k]) for k in ("diff", "paired_ci95_low", "paired_ci95_high")]
        d = 1 if factor == 100.0 else _decimals(*values)
        money = unit_of(r["outcome"]) == "currency"
        cells = "".join(f"<td class='key'>{_esc(r[k])}</td>" for k in keys)
        cells += f"<td class='key'>{_esc(r['arm'])}</td><td class='key'>{_esc(r['outcome'])}</td>"
        cells += f"<td>{_esc(_fmt(values[0], d, money))}</td>"
        cells += f"<td>{_esc(_fmt(values[1], d, money))} to {_esc(_fmt(values[2], d, money))}</td>"
        if unpaired:
            lo, hi = (factor * float(r[k]) for k in ("unpaired_ci95_low", "unpaired_ci95_high"))
            cells += f"<td>{_esc(_fmt(lo, d, money))} to {_esc(_fmt(hi, d, money))}</td>"
        rows.append(f"<tr>{cells}</tr>")
    base = str(c["baseline"].iloc[0]) if len(c) else ""
    head = "".join(f"<th class='key'>{_esc(k)}</th>" for k in keys)
    head += (
        "<th class='key'>arm</th><th class='key'>outcome</th><th>difference</th>"
        "<th>paired 95% CI</th>" + ("<th>unpaired 95% CI</th>" if unpaired else "")
    )
    return (
        "<h2>Differences from the baseline</h2>"
        f"<p>Each arm against {_esc(base)}, replication by replication (the same organizations "
        "and random draws), with the paired 95% t interval; shares in percentage points. "
        "&ldquo;No clear difference&rdquo; means the interval includes zero.</p>"
        f"<ul>{''.join(items)}</ul>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _figures_section(figures: Mapping[str, Figure]) -> str:
    if not figures:
        return "<h2>Figures</h2><p class='muted'>No figure could be drawn from these results.</p>"
    out = ["<h2>Figures</h2>"]
    names = [n for n in FIGURES if n in figures] + [n for n in figures if n not in FIGURES]
    for name in names:
        data = base64.b64encode(figure_bytes(figures[name], "png", dpi=110)).decode("ascii")
        caption = CAPTIONS.get(name, name)
        out.append(
            f"<figure id='figure-{_esc(name)}'><img alt='{_esc(name)} figure' "
            f"src='data:image/png;base64,{data}'><figcaption>{_esc(caption)}</figcaption>"
            "</figure>"
        )
    return "\n".join(out)


def _manifest_section(results: Results) -> str:
    text = json.dumps(results.manifest or {}, indent=2, sort_keys=False, default=str)
    return (
        "<h2>Provenance</h2><details><summary>Manifest: scenario as resolved, seeds, package "
        f"versions, code revision, wall time</summary><pre>{_esc(text)}</pre></details>"
    )


def render_report(
    results: Results,
    outcomes: Sequence[str] | None = None,
    figures: Mapping[str, Figure] | None = None,
) -> str:
    """Render the report as one self-contained HTML document.

    Args:
        results: Experiment results.
        outcomes: Headline outcomes (default: :data:`REPORT_OUTCOMES` present in the results,
            else the first six outcomes).
        figures: Figures to embed by name (default: :func:`sim.ui.figures.make_figures`).

    Returns:
        The HTML text.
    """
    shown = _shown_outcomes(results, outcomes)
    figures = make_figures(results) if figures is None else figures
    manifest = results.manifest or {}
    name = (manifest.get("scenario") or {}).get("name") or "experiment"
    revision = manifest.get("code_revision")
    body = "\n".join(
        [
            f"<h1>Report: {_esc(name)}</h1>",
            f"<p class='muted'>Code revision {_esc(revision)}.</p>" if revision else "",
            _scenario_section(results),
            _summary_section(results, shown),
            _differences_section(results, shown),
            _figures_section(figures),
            _manifest_section(results),
        ]
    )
    return (
        "<!DOCTYPE html>\n<html lang='en'>\n<head>\n<meta charset='utf-8'>\n"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>\n"
        f"<title>Report: {_esc(name)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"{body}\n</body>\n</html>\n"
    )


def write_report(
    results: Results,
    out_dir: str | Path,
    outcomes: Sequence[str] | None = None,
    figures: Mapping[str, Figure] | None = None,
) -> Path:
    """Write ``out_dir/report.html`` atomically (a temporary file renamed into place).

    Args:
        results: Experiment results.
        out_dir: The results folder (created if needed).
        outcomes: Headline outcomes (default: :data:`REPORT_OUTCOMES` present).
        figures: Figures already drawn, by name, to embed instead of drawing them again.

    Returns:
        The path of the report.
    """
    from sim.experiments.storage import atomic_write

    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    text = render_report(results, outcomes=outcomes, figures=figures)
    path = folder / "report.html"
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))
    return path


__all__ = [
    "CAPTIONS",
    "PHRASES",
    "REPORT_OUTCOMES",
    "describe_program",
    "describe_scenario",
    "difference_sentence",
    "format_value",
    "outcome_phrase",
    "render_report",
    "write_report",
]
