"""The printed summary: the report's units and intervals, 100 columns, one table for a sweep."""

from __future__ import annotations

import io
import re

import pytest

from sim import run_experiment
from sim.ui.terminal import WIDTH, stage, summary_table

THREE = {
    "seed": 4,
    "horizon_weeks": 26,
    "replications": 3,
    "currency": "GBP",
    "organization": {"size": 150, "levels": 4, "span_of_control": 8},
    "arms": [
        {"name": "no_program"},
        {"name": "monthly_meetings", "program": {"cadence_per_month": 1}},
        {"name": "weekly_meetings", "program": {"cadence_per_month": 4}},
    ],
}


@pytest.fixture(scope="module")
def three():
    return run_experiment(THREE)


def test_the_summary_fits_in_100_columns(three):
    text = summary_table(three)
    assert max(len(line) for line in text.splitlines()) <= WIDTH
    for arm in ("no_program", "monthly_meetings", "weekly_meetings"):
        assert arm in text


def test_shares_in_percent_money_in_the_currency_bounded_intervals(three):
    text = summary_table(three)
    assert "shares in %, money in GBP" in text and "Program cost (GBP)" in text
    assert "currency" not in text
    s = three.summary.set_index(["arm", "outcome"])
    adoption = s.loc[("weekly_meetings", "adoption_seniors")]
    expected = f"{100 * adoption['mean']:.1f} [{100 * adoption['ci95_low']:.1f}, "
    assert expected in text, "the same numbers as the report: percent and bounded interval"
    for line in text.splitlines():
        if "(%)" in line:
            for low, high in re.findall(r"\[(-?[\d.]+), (-?[\d.]+)\]", line):
                assert 0.0 <= float(low) <= float(high) <= 100.0, line
    cost = s.loc[("weekly_meetings", "program_cost"), "mean"]
    assert f"{cost:,.0f} [" in text, "money with thousands separators, no decimals"


def test_differences_are_in_points_and_say_which_are_clear(three):
    text = summary_table(three)
    part = text.split("Differences from no_program", 1)[1]
    assert "Senior adoption (points)" in part and "(* clear" in part
    c = three.comparison
    row = c[
        (c["arm"] == "weekly_meetings")
        & (c["outcome"] == "adoption_seniors")
        & c["against"].str.endswith("same replications")
    ].iloc[0]
    assert f"{100 * row['diff']:+.1f} [" in part
    assert "Return on investment" not in part, "ROI is an arm's own figure, not a difference"


def test_a_sweep_is_one_table_labelled_by_its_values():
    res = run_experiment(
        {**THREE, "replications": 2, "horizon_weeks": 6, "arms": THREE["arms"][:2]},
        points=[{"arms.1.program.cadence_per_month": c} for c in (1, 2, 4)],
    )
    text = summary_table(res)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= WIDTH
    header = next(i for i, line in enumerate(lines) if line.startswith("cadence_per_month"))
    rows = lines[header + 1 : header + 1 + 6]
    assert [r.split()[0] for r in rows] == ["1", "1", "2", "2", "4", "4"]
    assert [r.split()[1] for r in rows] == ["no_program", "monthly_meetings"] * 3
    assert text.count("cadence_per_month  ") == 1, "one table, not a block per point"


def test_the_progress_bar_counts_arm_x_replication_runs_then_says_what_it_does(capsys):
    run_experiment({**THREE, "replications": 2, "horizon_weeks": 3}, progress=True)
    err = capsys.readouterr().err
    assert "runs (3 arms x 2 replications)" in err
    assert "6/6" in err and "summary and comparison tables" in err


def test_stages_after_the_runs_are_announced():
    out = io.StringIO()
    with stage("drawing the figures", True, out):
        pass
    assert re.fullmatch(r"drawing the figures \.\.\. done in \d+\.\d s\n", out.getvalue())
    quiet = io.StringIO()
    with stage("drawing the figures", False, quiet):
        pass
    assert quiet.getvalue() == ""
