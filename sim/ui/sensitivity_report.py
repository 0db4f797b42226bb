"""The sensitivity analysis in plain words, figures and a self-contained HTML page.

:func:`summary_text` says, per outcome and arm, which assumptions the effect depends on most
(above the noise floor), how often it was positive across the plausible space, and under which
assumptions the program pays off (the PRIM box). :func:`write_figures` draws the Morris
mu*-sigma plot or the Sobol S1/ST bars, and the effect against each of the two most
influential parameters, into ``OUT/figures/``. :func:`write_html` writes ``OUT/sensitivity.html``
from a Jinja2 template with autoescape, figures embedded, nothing loaded from elsewhere; the
main experiment report can link to it.
"""

from __future__ import annotations

import base64
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.ui.figures import OKABE_ITO, STYLE, figure_bytes, unit_of

if TYPE_CHECKING:
    from sim.experiments.sensitivity import Sensitivity

TOP_NAMED = 3
"""Most parameters a sentence names."""

TOP_LABELLED = 8
"""Most parameters labelled in a Morris plot, and (x2) drawn as Sobol bars."""


# ---------------------------------------------------------------------- words


def _num(value: float, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:+.3g}" if signed else f"{value:.3g}"


def _short(path: str) -> str:
    return path.removeprefix("dynamics.")


def _subject(result: Sensitivity, outcome: str, arm: str) -> str:
    if result.settings.raw:
        return f"{outcome} in arm {arm}"
    return f"the effect of {arm} on {outcome} (paired, minus {result.baseline})"


def influence_sentence(result: Sensitivity, outcome: str, arm: str) -> str:
    """Which parameters the effect depends on most, above the noise floor, in one sentence."""
    table = _table(result, outcome, arm)
    index = "mu_star" if result.settings.method == "morris" else "ST"
    label = "mu*" if index == "mu_star" else "ST"
    floor = float(table[f"{index}_noise_floor"].iloc[0])
    above = table[~table["below_noise_floor"]]
    subject = _subject(result, outcome, arm)
    values = _values(result, outcome, arm)
    if len(values) and np.ptp(values) == 0:
        return (
            f"{subject[0].upper()}{subject[1:]} is the same at every point "
            f"({_num(values[0], not result.settings.raw)}): no uncertain parameter moves it."
        )
    if above.empty:
        return (
            f"No parameter moves {subject} beyond the noise floor: every {label} is at or "
            f"below what replication noise alone gives with independent seeds ({_num(floor)})."
        )
    named = above.head(TOP_NAMED)
    parts = [
        f"{_short(p)} ({label} {_num(v)})"
        for p, v in zip(named["parameter"], named[index], strict=True)
    ]
    listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    below = table[table["below_noise_floor"] & (table[index] > 0)]
    after = ""
    if len(below):
        top = below.head(TOP_NAMED)
        named = ", ".join(
            f"{_short(p)} ({_num(v)})" for p, v in zip(top["parameter"], top[index], strict=True)
        )
        after = f" Next, at or below the floor: {named}."
    return (
        f"{subject[0].upper()}{subject[1:]} depends most on {listed}; "
        f"{int(table['below_noise_floor'].sum())} of {len(table)} parameters are at or below "
        f"the noise floor ({label} {_num(floor)}: what replication noise alone gives with "
        f"independent seeds, a conservative floor here, where every point shares its seeds)."
        f"{after}"
    )


def robustness_sentence(result: Sensitivity, outcome: str, arm: str) -> str:
    """How often the paired effect was positive, its spread, and its value at the defaults."""
    r = result.robustness
    row = r[(r["outcome"] == outcome) & (r["arm"] == arm)]
    if row.empty:
        return ""
    row = row.iloc[0]
    return (
        f"It was positive at {row['positive']} of {row['points']} points "
        f"({100 * row['share_positive']:.0f}%, 95% Wilson interval "
        f"{100 * row['share_ci95_low']:.0f}-{100 * row['share_ci95_high']:.0f}%), ranging from "
        f"{_num(row['min'], True)} to {_num(row['max'], True)} (median {_num(row['median'], True)}); "
        f"at the defaults it is {_num(row['effect_at_defaults'], True)} "
        f"(95% CI {_num(row['effect_at_defaults_ci95_low'], True)} to "
        f"{_num(row['effect_at_defaults_ci95_high'], True)}, "
        f"{row['replications_at_defaults']} replications)."
    )


def prim_sentence(result: Sensitivity, arm: str) -> str:
    """Under which assumptions the program pays off (the PRIM box), in one sentence."""
    p = result.prim
    if p.empty or arm not in set(p["arm"]):
        return ""
    rows = p[p["arm"] == arm]
    head = rows.iloc[0]
    cond = head["condition"]
    if head["hits"] == head["points"]:
        return f"{cond} held at every one of the {head['points']} points for {arm}."
    if head["hits"] == 0:
        return f"{cond} held at none of the {head['points']} points for {arm}."
    held = f"{cond} held for {arm} at {head['hits']} of {head['points']} points"
    limits = rows[rows["parameter"] != ""]
    if limits.empty or pd.isna(limits["low"]).all():
        return f"{held}; no box of parameter ranges concentrates them (PRIM)."
    where = "; ".join(
        f"{_short(r.parameter)} in [{_num(r.low)}, {_num(r.high)}]" for r in limits.itertuples()
    )
    caveat = (
        f"PRIM box found on this sample; Morris points come in {result.settings.size} "
        "trajectories that share most of their values, so read it as a lead and check it with "
        "a Sobol sample"
        if result.settings.method == "morris"
        else "PRIM box found on this sample"
    )
    return (
        f"{held} ({100 * head['hits'] / head['points']:.0f}%). Where {where}, it held at "
        f"{100 * head['density']:.0f}% of the points, which hold {100 * head['coverage']:.0f}% "
        f"of all the points where it held ({caveat})."
    )


def summary_text(result: Sensitivity) -> str:
    """The whole analysis in plain words, one paragraph per outcome and arm."""
    s = result.settings
    what = "raw outcomes" if s.raw else f"paired effects against {result.baseline}"
    head = (
        f"Sensitivity of {result.scenario_name}: {s.method}, {len(result.factors)} uncertain "
        f"parameters, {len(result.design)} points x {s.reps} replications, {what}."
    )
    lines = [head, ""]
    for outcome in s.outcomes:
        for arm in s.arms:
            lines.append(f"- {influence_sentence(result, outcome, arm)}")
            rob = robustness_sentence(result, outcome, arm)
            if rob:
                lines.append(f"  {rob}")
    boxes = [prim_sentence(result, arm) for arm in s.arms]
    lines += [f"- {b}" for b in boxes if b]
    return "\n".join(lines)


def _values(result: Sensitivity, outcome: str, arm: str) -> np.ndarray:
    p = result.points
    return p.loc[(p["outcome"] == outcome) & (p["arm"] == arm), "value"].to_numpy(float)


def _table(result: Sensitivity, outcome: str, arm: str) -> pd.DataFrame:
    t = result.indices
    return t[(t["outcome"] == outcome) & (t["arm"] == arm)]


# ---------------------------------------------------------------------- figures


def _file_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_")


def index_figure(result: Sensitivity, outcome: str, arm: str) -> Figure:
    """Morris mu* against sigma, or Sobol S1 and ST bars with their 95% intervals."""
    import matplotlib as mpl

    with mpl.rc_context(STYLE):
        if result.settings.method == "morris":
            return _morris_figure(result, outcome, arm)
        return _sobol_figure(result, outcome, arm)


def _morris_figure(result: Sensitivity, outcome: str, arm: str) -> Figure:
    table = _table(result, outcome, arm)
    fig = Figure(figsize=(6.4, 4.4), layout="constrained")
    ax = fig.add_subplot()
    below = table["below_noise_floor"].to_numpy()
    ax.scatter(table["mu_star"], table["sigma"], s=18, c=np.where(below, "#999999", OKABE_ITO[0]))
    floor = float(table["mu_star_noise_floor"].iloc[0])
    ax.axvline(floor, color=OKABE_ITO[1], linestyle="--", linewidth=1, label="noise floor")
    for row in table.head(TOP_LABELLED).itertuples():
        ax.annotate(_short(row.parameter), (row.mu_star, row.sigma), fontsize=7,
                    xytext=(3, 3), textcoords="offset points")  # fmt: skip
    ax.set_xlabel(f"mu* (mean |elementary effect| per full range, {_unit(result, outcome)})")
    ax.set_ylabel("sigma (spread: interactions, non-linearity)")
    ax.set_title(_title(result, outcome, arm), fontsize=9)
    ax.legend(loc="upper left")
    return fig


def _sobol_figure(result: Sensitivity, outcome: str, arm: str) -> Figure:
    table = _table(result, outcome, arm).head(2 * TOP_LABELLED).iloc[::-1]
    fig = Figure(figsize=(6.4, 0.3 * len(table) + 1.6), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(table))
    ax.barh(y + 0.2, table["ST"], 0.4, xerr=table["ST_conf"], label="ST (total)",
            color=OKABE_ITO[0])  # fmt: skip
    ax.barh(y - 0.2, table["S1"], 0.4, xerr=table["S1_conf"], label="S1 (first order)",
            color=OKABE_ITO[2])  # fmt: skip
    floor = float(table["ST_noise_floor"].iloc[0])
    ax.axvline(floor, color=OKABE_ITO[1], linestyle="--", linewidth=1, label="ST noise floor")
    ax.set_yticks(y, [_short(p) for p in table["parameter"]], fontsize=7)
    ax.set_xlabel("share of the variance (bars: 95% bootstrap intervals)")
    ax.set_title(_title(result, outcome, arm), fontsize=9)
    ax.legend(loc="lower right")
    return fig


def effect_figure(result: Sensitivity, outcome: str, arm: str) -> Figure:
    """The value at every point against each of the two most influential parameters."""
    import matplotlib as mpl

    table = _table(result, outcome, arm)
    top = list(table["parameter"].head(2))
    pts = result.points
    sel = pts[(pts["outcome"] == outcome) & (pts["arm"] == arm)]
    with mpl.rc_context(STYLE):
        fig = Figure(figsize=(3.4 * len(top), 3.2), layout="constrained")
        axes = fig.subplots(1, len(top), squeeze=False)[0]
        for ax, param in zip(axes, top, strict=True):
            ax.scatter(sel[param], sel["value"], s=10, alpha=0.6, color=OKABE_ITO[0])
            if not result.settings.raw:
                ax.axhline(0.0, color="#444444", linewidth=0.8)
            ax.set_xlabel(_short(param))
            ax.set_ylabel(f"{'' if result.settings.raw else 'effect on '}{outcome}")
        fig.suptitle(_title(result, outcome, arm), fontsize=9)
    return fig


def _unit(result: Sensitivity, outcome: str) -> str:
    return unit_of(outcome) or "outcome units"


def _title(result: Sensitivity, outcome: str, arm: str) -> str:
    if result.settings.raw:
        return f"{outcome}, arm {arm}".replace("$", r"\$")
    return f"{outcome}: {arm} minus {result.baseline}".replace("$", r"\$")


def make_figures(result: Sensitivity) -> dict[str, Figure]:
    """Every figure by file stem: index figure and effect figure per outcome and arm."""
    figures = {}
    for outcome in result.settings.outcomes:
        for arm in result.settings.arms:
            stem = f"{_file_part(outcome)}__{_file_part(arm)}"
            figures[f"{result.settings.method}__{stem}"] = index_figure(result, outcome, arm)
            figures[f"effect_vs_top2__{stem}"] = effect_figure(result, outcome, arm)
    return figures


def write_figures(result: Sensitivity, out: str | Path) -> dict[str, bytes]:
    """Write every figure as PNG into ``OUT/figures/`` (atomically); return the PNG bytes."""
    from sim.experiments.storage import atomic_write

    folder = Path(out) / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for stem, fig in make_figures(result).items():
        data = figure_bytes(fig, "png")
        atomic_write(folder / f"{stem}.png", lambda p, data=data: p.write_bytes(data))
        written[stem] = data
    return written


# ---------------------------------------------------------------------- HTML

TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Which assumptions matter: {{ name }}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       color: #222; line-height: 1.45; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.5rem 0 1rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.2rem 0.6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
td.below { color: #888; }
img { max-width: 100%; }
.note { color: #555; font-size: 0.9rem; }
</style></head><body>
<h1>Which assumptions matter: {{ name }}</h1>
<p>{{ head }}</p>
<p class="note">{{ method_note }} Grey rows are at or below the noise floor: the index that
replication noise alone produces (95th percentile, every parameter at its default, seeds varied
from point to point). The analysis itself gives every point the same seeds, which removes much
of that noise, so the floor is conservative: a grey parameter may still matter, but its
influence is not shown beyond noise. The share of positive points has a 95% Wilson
interval that treats the points as independent draws{% if method == "morris" %} (Morris points
along a trajectory are not: read it as optimistic){% endif %}.</p>
{% for section in sections %}
<h2>{{ section.title }}</h2>
<p>{{ section.influence }}</p>
{% if section.robustness %}<p>{{ section.robustness }}</p>{% endif %}
<table><thead><tr><th>parameter</th>{% for c in section.columns %}<th>{{ c }}</th>{% endfor %}
<th>plausible range</th></tr></thead><tbody>
{% for row in section.rows %}<tr>
<td{% if row.below %} class="below"{% endif %}>{{ row.parameter }}</td>
{% for v in row.cells %}<td{% if row.below %} class="below"{% endif %}>{{ v }}</td>{% endfor %}
<td>{{ row.range }}</td></tr>
{% endfor %}</tbody></table>
{% for fig in section.figures %}<img alt="{{ fig.alt }}" src="data:image/png;base64,{{ fig.data }}">
{% endfor %}
{% endfor %}
{% if prim %}<h2>When does it pay off?</h2>
{% for line in prim %}<p>{{ line }}</p>{% endfor %}{% endif %}
<h2>Uncertain parameters</h2>
<table><thead><tr><th>parameter</th><th>default</th><th>range</th><th>distribution</th>
<th>why this range</th></tr></thead><tbody>
{% for f in factors %}<tr><td>{{ f.path }}</td><td>{{ f.default }}</td><td>{{ f.range }}</td>
<td>{{ f.dist }}</td><td style="text-align:left">{{ f.reason }}</td></tr>
{% endfor %}</tbody></table>
</body></html>
"""

MORRIS_NOTE = (
    "Morris screening: mu* is the mean absolute change of the analysed quantity when one "
    "parameter moves, scaled to its whole range; sigma is the spread of those changes "
    "(interactions or non-linearity). mu* ranks the parameters."
)
SOBOL_NOTE = (
    "Sobol indices: S1 is the share of the variance of the analysed quantity a parameter "
    "explains alone, ST the share it explains with all its interactions. ST ranks the "
    "parameters; intervals are 95% bootstrap intervals."
)


def render_html(result: Sensitivity, figures: dict[str, bytes]) -> str:
    """The page's HTML (autoescaped; figures embedded as base64 PNG)."""
    from jinja2 import Environment

    env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    s = result.settings
    return env.from_string(TEMPLATE).render(
        name=result.scenario_name,
        head=summary_text(result).splitlines()[0],
        method=s.method,
        method_note=MORRIS_NOTE if s.method == "morris" else SOBOL_NOTE,
        sections=[_section(result, o, a, figures) for o in s.outcomes for a in s.arms],
        prim=[t for t in (prim_sentence(result, a) for a in s.arms) if t],
        factors=[
            {
                "path": f.path,
                "default": _num(f.default),
                "range": f"[{_num(f.low)}, {_num(f.high)}]",
                "dist": f.dist,
                "reason": f.reason,
            }
            for f in result.factors
        ],
    )


def _section(result: Sensitivity, outcome: str, arm: str, figures: dict[str, bytes]) -> dict:
    cols = (
        ["mu_star", "mu_star_conf", "sigma", "mu"]
        if result.settings.method == "morris"
        else ["ST", "ST_conf", "S1", "S1_conf"]
    )
    ranges = {f.path: f"[{_num(f.low)}, {_num(f.high)}]" for f in result.factors}
    table = _table(result, outcome, arm)
    stem = f"{_file_part(outcome)}__{_file_part(arm)}"
    return {
        "title": _title(result, outcome, arm).replace(r"\$", "$"),
        "influence": influence_sentence(result, outcome, arm),
        "robustness": robustness_sentence(result, outcome, arm),
        "columns": cols,
        "rows": [
            {
                "parameter": _short(r["parameter"]),
                "cells": [_num(r[c]) for c in cols],
                "below": bool(r["below_noise_floor"]),
                "range": ranges.get(r["parameter"], ""),
            }
            for _, r in table.iterrows()
        ],
        "figures": [
            {"alt": f"{kind} {outcome} {arm}", "data": base64.b64encode(figures[key]).decode()}
            for kind in (result.settings.method, "effect_vs_top2")
            if (key := f"{kind}__{stem}") in figures
        ],
    }


def write_html(result: Sensitivity, out: str | Path, figures: dict[str, bytes]) -> Path:
    """Write ``OUT/sensitivity.html`` atomically and return its path."""
    from sim.experiments.storage import atomic_write

    path = Path(out) / "sensitivity.html"
    text = render_html(result, figures)
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))
    return path


def write_report(result: Sensitivity, out: str | Path) -> Path:
    """Figures, ``sensitivity.html`` and ``summary.txt`` in ``out``; returns the HTML path."""
    from sim.experiments.storage import atomic_write

    figures = write_figures(result, out)
    text = summary_text(result)
    atomic_write(Path(out) / "summary.txt", lambda p: p.write_text(text + "\n", encoding="utf-8"))
    return write_html(result, out, figures)


__all__ = [
    "effect_figure",
    "index_figure",
    "influence_sentence",
    "make_figures",
    "prim_sentence",
    "render_html",
    "robustness_sentence",
    "summary_text",
    "write_figures",
    "write_html",
    "write_report",
]
