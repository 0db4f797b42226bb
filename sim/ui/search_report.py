"""Calibration and design search in plain words, figures and self-contained HTML pages.

Calibration: :func:`calibration_summary` says how well the best values fit (with the search's
replications and with the check run's), which parameters the targets pin down and which they
leave free; the fit figure draws each target against the check run's weekly mean and 10-90%
band. Design search: :func:`optimization_summary` states each re-run design's paired effects
and cost with 95% intervals; the Pareto figure draws every trial on the first two objectives
with the front highlighted. Pages are written from a Jinja2 template with autoescape, figures
embedded, nothing loaded from elsewhere.
"""

from __future__ import annotations

import base64
import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure

from sim.ui.figures import OKABE_ITO, STYLE, figure_bytes

if TYPE_CHECKING:
    from sim.experiments.calibration import Calibration
    from sim.experiments.optimization import Optimization


def _num(value: float, signed: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:+.3g}" if signed else f"{value:.3g}"


def _tex(text: str) -> str:
    return text.replace("$", r"\$")


# ---------------------------------------------------------------------- calibration


def calibration_summary(result: Calibration) -> str:
    """The calibration in plain words: the fit, the best values, what the targets pin down."""
    s = result.settings
    ident = result.identifiability
    loose = [r.parameter for r in ident.itertuples() if not r.pinned]
    lines = [
        f"Calibration of {result.scenario_name} (arm {result.arm}) to {len(result.targets)} "
        f"targets: {len(result.trials)} trials x {s.reps} replications (the same seeds for every trial).",
        f"Best: trial {result.best_trial}, objective {_num(result.best_objective)} with the "
        f"search's {s.reps} replications; {_num(result.check_objective)} when its values, as "
        f"written to calibrated.yaml, are run with {s.check_reps} replications "
        "(weighted mean squared error, standardized by sd where given).",
    ]
    for r in ident.itertuples():
        state = "pinned down" if r.pinned else "NOT pinned down"
        lines.append(
            f"- {r.parameter} = {result.best[r.parameter]} (range [{_num(r.low)}, {_num(r.high)}], "
            f"default {_num(r.default)}): best {r.top_trials} trials span "
            f"{_num(r.top_min)}-{_num(r.top_max)}, spread {_num(r.relative_spread)} of a "
            f"uniform draw's: {state}"
        )
    if loose:
        lines.append(
            "The targets do not pin down " + ", ".join(loose) + ": other values fit about as "
            "well; add targets that depend on them, or keep them at their defaults."
        )
    return "\n".join(lines)


def fit_figure(result: Calibration) -> Figure:
    """Each target outcome: the check run's weekly mean and 10-90% band, and the targets."""
    import matplotlib as mpl

    outcomes = list(dict.fromkeys(result.targets["outcome"]))
    bands = result.bands.set_index(["stat", "week"])
    with mpl.rc_context(STYLE):
        fig = Figure(figsize=(3.4 * min(len(outcomes), 3), 3.0 * math.ceil(len(outcomes) / 3)),
                     layout="constrained")  # fmt: skip
        axes = fig.subplots(math.ceil(len(outcomes) / 3), min(len(outcomes), 3), squeeze=False)
        for ax, outcome in zip(axes.flat, outcomes, strict=False):
            weeks = bands.loc["mean"].index.to_numpy()
            ax.fill_between(weeks, bands.loc["p10"][outcome], bands.loc["p90"][outcome],
                            color=OKABE_ITO[0], alpha=0.2, label="simulated 10-90%")  # fmt: skip
            ax.plot(weeks, bands.loc["mean"][outcome], color=OKABE_ITO[0], label="simulated mean")
            t = result.targets[result.targets["outcome"] == outcome]
            sd = t["sd"].to_numpy(float)
            ax.errorbar(t["week"], t["value"], yerr=np.where(np.isnan(sd), 0, sd), fmt="o",
                        color=OKABE_ITO[1], markersize=4, label="target (+- sd)")  # fmt: skip
            ax.set_title(_tex(outcome), fontsize=9)
            ax.set_xlabel("week")
        for ax in list(axes.flat)[len(outcomes) :]:
            ax.set_visible(False)
        axes.flat[0].legend(loc="best", fontsize=7)
        fig.suptitle(
            f"Fit at the calibrated values ({result.settings.check_reps} replications)", fontsize=9
        )
    return fig


# ---------------------------------------------------------------------- design search


def optimization_summary(result: Optimization) -> str:
    """The design search in plain words: the front, and each re-run design's effects with CIs."""
    s = result.settings
    budget = f" within a budget of {s.budget:g} per replication" if s.budget is not None else ""
    feasible = result.trials
    if "feasible" in feasible.columns:
        feasible = feasible[feasible["feasible"].astype(bool)]
    lines = [
        f"Design search on arm {result.arm} against {result.baseline}{budget}: "
        f"{len(result.trials)} trials x {s.reps} replications (both arms, the same seeds), "
        f"{len(feasible[feasible['state'] == 'complete'])} feasible, {len(result.front)} on the "
        f"Pareto front of {', '.join(o.text for o in result.objectives)}.",
    ]
    if result.front.empty:
        lines.append("No design was feasible: raise --budget or widen the levers.")
        return "\n".join(lines)
    if result.recheck.empty:
        return "\n".join(lines)
    lines.append(
        f"Re-run with {s.check_reps} replications on fresh seeds (paired effects: the arm minus "
        f"{result.baseline}, replication by replication; 95% t intervals):"
    )
    for design, rows in result.recheck.groupby("design", sort=False):
        levers = _design_levers(result, int(rows["trial"].iloc[0]))
        parts = [
            f"{r.objective} {_num(r.value, r.paired)} ({_num(r.ci95_low, r.paired)} to "
            f"{_num(r.ci95_high, r.paired)})"
            for r in rows.itertuples()
        ]
        over = ""
        if s.budget is not None and rows["cost_max"].iloc[0] > s.budget:
            over = f"; over budget in the re-run (cost up to {_num(rows['cost_max'].iloc[0])})"
        lines.append(f"- {design} [{levers}]: {'; '.join(parts)}{over}")
    return "\n".join(lines)


def _design_levers(result: Optimization, trial: int) -> str:
    row = result.front[result.front["trial"] == trial].iloc[0]
    return ", ".join(f"{lv.path}={_value(lv.value(row[lv.path]))}" for lv in result.levers)


def _value(v) -> str:
    return _num(v) if isinstance(v, float) else str(v)


def pareto_figure(result: Optimization) -> Figure:
    """Every trial on the first two objectives (x: first, y: second), the front highlighted."""
    import matplotlib as mpl

    objs = result.objectives[:2] if len(result.objectives) > 1 else result.objectives * 2
    t = result.trials[result.trials["state"] == "complete"]
    feasible = t["feasible"].astype(bool) if "feasible" in t.columns else np.ones(len(t), bool)
    with mpl.rc_context(STYLE):
        fig = Figure(figsize=(5.6, 4.2), layout="constrained")
        ax = fig.add_subplot()
        x, y = objs[0].column, objs[1].column
        ax.scatter(t.loc[feasible, x], t.loc[feasible, y], s=12, color="#999999", label="trial")
        if (~feasible).any():
            ax.scatter(t.loc[~feasible, x], t.loc[~feasible, y], s=14, marker="x",
                       color=OKABE_ITO[1], label="over budget")  # fmt: skip
        f = result.front
        if not f.empty:
            ax.errorbar(f[x], f[y], xerr=_err(f, x), yerr=_err(f, y), fmt="o", color=OKABE_ITO[0],
                        markersize=5, linewidth=0.8, label="Pareto front (95% CI)")  # fmt: skip
        ax.set_xlabel(_tex(_axis(objs[0], result)))
        ax.set_ylabel(_tex(_axis(objs[1], result)))
        ax.legend(loc="best", fontsize=7)
        ax.set_title(f"Designs of {result.arm}: {len(t)} trials", fontsize=9)
    return fig


def _err(front, column: str) -> np.ndarray:
    low = (front[column] - front[f"{column}_ci95_low"]).clip(lower=0)
    high = (front[f"{column}_ci95_high"] - front[column]).clip(lower=0)
    return np.vstack([low.to_numpy(float), high.to_numpy(float)])


def _axis(objective, result: Optimization) -> str:
    what = (
        f"effect on {objective.outcome} (minus {result.baseline})"
        if objective.paired
        else objective.outcome
    )
    return f"{what}, {objective.direction}"


# ---------------------------------------------------------------------- pages

TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{{ title }}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem;
       color: #222; line-height: 1.45; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.5rem 0 1rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.2rem 0.6rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
img { max-width: 100%; }
.note { color: #555; font-size: 0.9rem; }
</style></head><body>
<h1>{{ title }}</h1>
{% for line in lines %}<p>{{ line }}</p>
{% endfor %}
<p class="note">{{ note }}</p>
{% for fig in figures %}<img alt="{{ fig.alt }}" src="data:image/png;base64,{{ fig.data }}">
{% endfor %}
<table><thead><tr>{% for c in columns %}<th>{{ c }}</th>{% endfor %}</tr></thead><tbody>
{% for row in rows %}<tr>{% for v in row %}<td>{{ v }}</td>{% endfor %}</tr>
{% endfor %}</tbody></table>
</body></html>
"""

CALIBRATION_NOTE = (
    "Each trial runs the calibrated arm with the same replication seeds, so trials differ only "
    "by their parameter values. A parameter is pinned down when its values among the best 10% "
    "of trials spread less than half as much as a uniform draw over its range."
)
OPTIMIZATION_NOTE = (
    "Each trial runs the baseline and the optimized arm with the same seeds (common random "
    "numbers); paired effects are the arm minus the baseline, replication by replication. The "
    "front holds the feasible designs no other feasible design beats on every objective. "
    "The re-run uses seeds no trial used, so its effects are not inflated by the selection."
)


def _page(title, lines, note, figures, table) -> str:
    from jinja2 import Environment

    env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    return env.from_string(TEMPLATE).render(
        title=title,
        lines=lines,
        note=note,
        figures=[{"alt": k, "data": base64.b64encode(v).decode()} for k, v in figures.items()],
        columns=list(table.columns),
        rows=[[_value(v) for v in row] for row in table.itertuples(index=False)],
    )


def _write(out: Path, name: str, figure: Figure, title, text, note, table) -> Path:
    from sim.experiments.storage import atomic_write

    folder = out / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    data = figure_bytes(figure, "png")
    atomic_write(folder / f"{name}.png", lambda p: p.write_bytes(data))
    atomic_write(out / "summary.txt", lambda p: p.write_text(text + "\n", encoding="utf-8"))
    page = _page(title, text.splitlines(), note, {name: data}, table)
    path = out / f"{name}.html"
    atomic_write(path, lambda p: p.write_text(page, encoding="utf-8"))
    return path


def write_calibration_report(result: Calibration, out: str | Path) -> Path:
    """``figures/fit.png``, ``fit.html`` and ``summary.txt`` in ``out``; returns the page."""
    table = result.fit.drop(columns="line")
    return _write(Path(out), "fit", fit_figure(result), f"Calibration: {result.scenario_name}",
                  calibration_summary(result), CALIBRATION_NOTE, table)  # fmt: skip


def write_optimization_report(result: Optimization, out: str | Path) -> Path:
    """``figures/pareto.png``, ``pareto.html`` and ``summary.txt`` in ``out``; returns the page."""
    from sim.experiments.optimization import pareto_table

    return _write(Path(out), "pareto", pareto_figure(result),
                  f"Design search: {result.scenario.name}, arm {result.arm}",
                  optimization_summary(result), OPTIMIZATION_NOTE, pareto_table(result))  # fmt: skip


__all__ = [
    "calibration_summary",
    "fit_figure",
    "optimization_summary",
    "pareto_figure",
    "write_calibration_report",
    "write_optimization_report",
]
