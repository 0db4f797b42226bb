"""Draw the validation figures of docs/VALIDATION.md and print their tables.

python scripts/validation_figures.py            # writes docs/figures/bass.png, march1991.png
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "docs" / "figures"


def bass(t, p, q):
    e = np.exp(-(p + q) * t)
    return (1 - e) / (1 + (q / p) * e)


def bass_figure() -> None:
    from sim import ReverseMentoringModel, load_scenario

    scenario = load_scenario(ROOT / "scenarios" / "validation" / "bass.yaml")
    p, q = scenario.dynamics.adoption.innovation, scenario.dynamics.adoption.imitation
    curves = np.array(
        [
            ReverseMentoringModel(scenario, rng=r).run().timeseries()["adoption[tool]"].to_numpy()
            for r in range(scenario.replications)
        ]
    )
    t = np.arange(curves.shape[1]) / 52.0
    closed = bass(t, p, q)
    mean = curves.mean(axis=0)
    fig = Figure(figsize=(6.5, 4))
    ax = fig.subplots()
    ax.plot(t, closed, color="#000000", lw=2, label="Bass closed form")
    ax.plot(t, mean, color="#E69F00", lw=1.5, ls="--", label=f"model, mean of {len(curves)} runs")
    ax.fill_between(
        t,
        curves.min(axis=0),
        curves.max(axis=0),
        color="#E69F00",
        alpha=0.25,
        label="model, range of runs",
    )
    ax.set_xlabel("years")
    ax.set_ylabel("adopted share")
    ax.set_title(f"Bass limit, p = {p}, q = {q} per year, {scenario.organization.size:,} employees")
    ax.legend(loc="lower right")
    fig.savefig(FIGURES / "bass.png", dpi=110, metadata={"Software": None})
    print("| years | closed form | model mean | max gap over runs |")
    print("|---|---|---|---|")
    for year in (1, 2, 5, 6.19, 8, 10):
        w = round(year * 52)
        print(
            f"| {year} | {closed[w]:.3f} | {mean[w]:.3f} | {np.abs(curves[:, w] - closed[w]).max():.3f} |"
        )
    print(f"max |mean - closed form| over all weeks: {np.abs(mean - closed).max():.4f}")


def march_figure(reps: int = 200) -> None:
    from sim.validation.march1991 import equilibrium_table

    p1 = [round(0.1 * i, 1) for i in range(1, 10)]
    table = equilibrium_table(p1, [0.1, 0.5, 0.9], replications=reps, seed=1991)
    fig = Figure(figsize=(6.5, 4))
    ax = fig.subplots()
    for p2, colour in zip((0.1, 0.5, 0.9), ("#0072B2", "#D55E00", "#009E73"), strict=True):
        rows = table[table["p2"] == p2]
        ax.errorbar(
            rows["p1"],
            rows["code_knowledge"],
            yerr=1.96 * rows["code_knowledge_se"],
            color=colour,
            marker="o",
            label=f"p2 = {p2}",
        )
    ax.set_xlabel("socialization rate p1")
    ax.set_ylabel("equilibrium code knowledge (score / m)")
    ax.set_title(f"March (1991) Figure 1: m = 30, n = 50, {reps} runs per point")
    ax.legend()
    fig.savefig(FIGURES / "march1991.png", dpi=110, metadata={"Software": None})
    wide = table.pivot(index="p1", columns="p2", values="code_knowledge")
    print("| p1 | p2 = 0.1 | p2 = 0.5 | p2 = 0.9 |")
    print("|---|---|---|---|")
    for p, row in wide.iterrows():
        print(f"| {p} | {row[0.1]:.3f} | {row[0.5]:.3f} | {row[0.9]:.3f} |")


if __name__ == "__main__":
    FIGURES.mkdir(parents=True, exist_ok=True)
    bass_figure()
    march_figure()
