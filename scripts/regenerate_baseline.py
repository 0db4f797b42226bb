"""Regenerate the pinned baseline: a fixed scenario and seed whose summary is checked in.

Run it only on purpose, when a change to the model is meant to change results, and review the
diff of tests/baseline/quickstart_summary.csv in the same commit:

    python scripts/regenerate_baseline.py
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "tests" / "baseline" / "quickstart_summary.csv"
SCENARIO = ROOT / "scenarios" / "quickstart.yaml"
OVERRIDES = {"replications": 4, "seed": 424242}


def compute_baseline() -> pd.DataFrame:
    """Per arm and outcome: mean and standard deviation over the pinned replications."""
    from sim import run_experiment

    results = run_experiment(_scenario())
    return results.summary[["arm", "outcome", "n", "mean", "std"]].reset_index(drop=True)


def _scenario():
    from sim import load_scenario

    return load_scenario(SCENARIO, overrides=OVERRIDES)


def main() -> None:
    BASELINE.parent.mkdir(parents=True, exist_ok=True)
    compute_baseline().to_csv(BASELINE, index=False, float_format="%.12g")
    print(f"wrote {BASELINE}")


if __name__ == "__main__":
    main()
