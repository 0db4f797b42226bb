"""Make the example history: what an organization "saw", made by the model at known values.

A client gives its own history (weekly leavers, the adoption curve of its last tool rollout).
This example is made by mentorsim itself, so that ``mentorsim calibrate`` has a known answer:
the quickstart organization without a program, at an innovation rate of tool adoption of 0.35 a
year (default 0.2) and a millennial turnover of 0.30 a year (default 0.21), on seed 2024 (the
searches use the scenario's seed, 12345). ``value`` is the mean of 12 replications and ``sd``
their standard deviation: how much one organization's history varies around that mean.

Run it again to regenerate ``scenarios/data/example_history.csv`` (the same bytes each time):

    python scripts/make_example_history.py
"""

from __future__ import annotations

from pathlib import Path

import sim

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "scenarios" / "data" / "example_history.csv"
TRUTH = {
    "dynamics.adoption.innovation": 0.35,
    "dynamics.retention.annual_turnover.millennial": 0.30,
}
WEEKS = (8, 16, 26, 39, 52)
OUTCOMES = ("adoption[genai_assistant]", "leavers")


def main() -> None:
    overrides = {**TRUTH, "seed": 2024, "arms": [{"name": "no_program", "program": None}]}
    scenario = sim.load_scenario(ROOT / "scenarios" / "search_example.yaml", overrides=overrides)
    seen = sim.run_experiment(scenario, replications=12, workers=1, summaries=False).timeseries
    lines = ["outcome,week,value,sd"]
    for outcome in OUTCOMES:
        for week in WEEKS:
            values = seen.loc[seen["week"] == week, outcome]
            lines.append(f"{outcome},{week},{values.mean():.4f},{values.std(ddof=1):.4f}")
    OUT.write_text("\n".join(lines) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
