"""Figures and the HTML report: files, self-containment, numbers, escaping, determinism."""

from __future__ import annotations

import copy
import dataclasses
import html
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim import run_experiment
from sim.ui.figures import (
    adoption_figure,
    forest_figure,
    make_figures,
    mean_band,
    sweep_figure,
    unit_of,
    write_figures,
)
from sim.ui.report import describe_program, difference_sentence, render_report, write_report

ROOT = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n"
SMALL = {
    "name": "report_small",
    "seed": 5,
    "horizon_weeks": 20,
    "replications": 3,
    "organization": {"size": 150, "levels": 4, "span_of_control": 8},
}
EVIL = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def small():
    return run_experiment(SMALL)


@pytest.fixture(scope="module")
def march():
    return run_experiment(
        ROOT / "scenarios" / "validation" / "march1991.yaml",
        points=[{"march.p1": 0.1, "march.p2": 0.5}, {"march.p1": 0.9, "march.p2": 0.5}],
        replications=3,
    )


@pytest.fixture(scope="module")
def report(small):
    """The report's text without figures (drawing them is tested once, below)."""
    return render_report(small, figures={})


# ---------------------------------------------------------------------- figures


def test_figures_are_written_as_png_and_svg_the_same_every_time(small, tmp_path):
    folder = tmp_path / "first"
    paths = write_figures(small, folder)
    names = ["adoption", "retention", "innovation", "pairs", "forest"]
    assert [p.name for p in paths] == [f"{n}.{ext}" for n in names for ext in ("png", "svg")]
    for path in paths:
        assert path.parent == folder / "figures" and path.stat().st_size > 1000
        data = path.read_bytes()
        if path.suffix == ".png":
            assert data.startswith(PNG)
        else:
            assert b"<svg" in data[:2000] and data.rstrip().endswith(b"</svg>")
    assert sorted(p.name for p in (folder / "figures").iterdir()) == sorted(p.name for p in paths)

    # the same results give byte-identical files
    again = write_figures(small, tmp_path / "second")
    for a, b in zip(paths, again, strict=True):
        assert a.name == b.name and a.read_bytes() == b.read_bytes(), a.name
    svg = paths[1].read_text()
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg


def test_mean_band_is_the_t_interval(small):
    ts = small.timeseries
    band = mean_band(ts, "adoption_seniors", ["arm", "week"])
    assert len(band) == ts["arm"].nunique() * ts["week"].nunique()
    values = ts.loc[
        (ts["arm"] == "reverse_mentoring") & (ts["week"] == 10), "adoption_seniors"
    ].to_numpy(float)
    n = values.size
    low, high = stats.t.interval(
        0.95, n - 1, loc=values.mean(), scale=values.std(ddof=1) / np.sqrt(n)
    )
    row = band[(band["arm"] == "reverse_mentoring") & (band["week"] == 10)].iloc[0]
    assert row["n"] == n == 3
    assert row["mean"] == pytest.approx(values.mean())
    assert (row["low"], row["high"]) == (pytest.approx(low), pytest.approx(high))
    assert high > low  # a real band, not a degenerate one

    # the band drawn in the seniors' panel is that interval
    fig = adoption_figure(small)
    seniors = fig.axes[1]
    (poly,) = [c for c in seniors.collections if c.get_label() == "_band:reverse_mentoring"]
    vertices = poly.get_paths()[0].vertices
    at_week = vertices[np.isclose(vertices[:, 0], 10.0), 1]
    assert at_week.min() == pytest.approx(low) and at_week.max() == pytest.approx(high)
    assert seniors.get_xlabel() == "week" and fig.axes[0].get_ylabel() == "adopted share"


def test_mean_band_of_a_single_value_has_no_width():
    frame = pd.DataFrame({"g": ["a", "a", "b"], "y": [1.0, 3.0, 5.0]})
    band = mean_band(frame, "y", ["g"]).set_index("g")
    assert band.loc["b", ["mean", "low", "high"]].tolist() == [5.0, 5.0, 5.0]
    half = stats.t.ppf(0.975, 1) * np.std([1.0, 3.0], ddof=1) / np.sqrt(2)
    assert band.loc["a", "high"] == pytest.approx(2.0 + half)


def test_units_come_from_the_catalog():
    assert unit_of("adoption_seniors[genai_assistant]") == "share"
    assert unit_of("retention_12m[gen_z]") == "share"
    assert unit_of("adoption_level3[analytics_dashboards]") == "share"
    assert unit_of("implemented_per_100_per_year") == "ideas/100 employees/year"
    assert unit_of("no_such_outcome") == ""


def test_forest_plot_has_a_row_per_arm_and_outcome(small):
    fig = forest_figure(small)
    titles = [ax.get_title(loc="left") for ax in fig.axes]
    assert titles == [
        "adoption_seniors",
        "digital_skill_gap",
        "retention_12m",
        "implemented_per_100_per_year",
        "mean_resistance_seniors",
        "roi",
    ]
    ax = fig.axes[0]
    row = small.comparison.set_index(["arm", "outcome"]).loc[
        ("reverse_mentoring", "adoption_seniors")
    ]
    (x, _), *_ = ax.containers[0].lines[0].get_xydata()
    assert x == pytest.approx(100 * row["diff"])  # shares in points
    assert ax.get_xlabel() == "difference (points)"


# ---------------------------------------------------------------------- the report


def test_report_is_self_contained(small, tmp_path):
    path = write_report(small, tmp_path)
    assert path == tmp_path / "report.html" and sorted(tmp_path.iterdir()) == [path]
    report = path.read_text(encoding="utf-8")
    assert report.startswith("<!DOCTYPE html>")
    assert report.count("<img ") == 5
    assert "data:image/png;base64," in report or "<svg" in report
    lowered = report.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", lowered)
    assert "<link" not in lowered and "<script" not in lowered and "@import" not in lowered
    assert "<details>" in report and "&quot;baseline_arm&quot;" in report


def test_report_describes_the_scenario(report):
    assert "An organization of 150 employees in 4 levels (span of control 8)" in report
    assert "Simulated for 20 weeks." in report and "3 replications per arm" in report
    assert "Pairing policy optimal" in report and "Participation is voluntary" in report
    assert "2 meetings a month of 1 hour, for 6 months per pairing." in report


def _points(value: float) -> str:
    return f"{value:.1f}".replace("-0.0", "0.0")


def expected_sentence(row, what: str) -> str:
    """The report's sentence for a share outcome, written out from the comparison row."""
    arm, base = row["arm"], row["baseline"]
    d, lo, hi = (100 * row[k] for k in ("diff", "paired_ci95_low", "paired_ci95_high"))
    if lo <= 0 <= hi:
        sign = "+" if d > 0 else ""
        return (
            f"{arm} made no clear difference to {what} compared with {base}: "
            f"{sign}{_points(d)} points (95% CI {_points(lo)} to {_points(hi)})"
        )
    if d > 0:
        return (
            f"{arm} raised {what} by {_points(d)} points "
            f"(95% CI {_points(lo)} to {_points(hi)}) over {base}"
        )
    return (
        f"{arm} lowered {what} by {_points(-d)} points "
        f"(95% CI {_points(-hi)} to {_points(-lo)}) compared with {base}"
    )


@pytest.mark.parametrize(
    ("outcome", "what"),
    [
        ("adoption_seniors", "senior adoption at week 20"),
        ("adoption_juniors", "junior adoption at week 20"),
        ("retention_12m", "retention at week 20"),
    ],
)
def test_report_states_each_difference_in_words(small, report, outcome, what):
    c = small.comparison
    row = c[(c["arm"] == "reverse_mentoring") & (c["outcome"] == outcome)].iloc[0]
    sentence = expected_sentence(row, what)
    assert difference_sentence(row, horizon=20) == sentence
    assert html.escape(sentence) + "." in report


def test_sentence_wording_follows_the_sign_and_the_interval():
    row = {
        "arm": "reverse_mentoring",
        "baseline": "no_program",
        "outcome": "adoption_seniors",
        "diff": 0.0401,
        "paired_ci95_low": 0.0268,
        "paired_ci95_high": 0.0523,
    }
    assert difference_sentence(row, horizon=52) == (
        "reverse_mentoring raised senior adoption at week 52 by 4.0 points "
        "(95% CI 2.7 to 5.2) over no_program"
    )
    down = {**row, "diff": -0.0401, "paired_ci95_low": -0.0523, "paired_ci95_high": -0.0268}
    assert "lowered senior adoption at week 52 by 4.0 points (95% CI 2.7 to 5.2)" in (
        difference_sentence(down, horizon=52)
    )
    unclear = {**row, "paired_ci95_low": -0.01}
    assert difference_sentence(unclear, horizon=52) == (
        "reverse_mentoring made no clear difference to senior adoption at week 52 compared "
        "with no_program: +4.0 points (95% CI -1.0 to 5.2)"
    )
    cost = {**row, "outcome": "program_cost", "diff": 61234.4}
    cost.update(paired_ci95_low=50000.0, paired_ci95_high=72468.8)
    assert difference_sentence(cost, horizon=52) == (
        "reverse_mentoring raised program cost at week 52 by 61,234 currency units "
        "(95% CI 50,000 to 72,469) over no_program"
    )


def test_program_in_words():
    text = describe_program(
        {
            "pairing": "random",
            "participation": "mandatory",
            "format": "group",
            "group_size": 3,
            "cadence_per_month": 1,
            "duration_months": 12,
            "focus": ["genai_tools"],
            "sponsorship": 1.0,
            "mentor_training": True,
            "repairing": {"enabled": True, "max_times": 2},
        }
    )
    for part in (
        "Pairing policy random",
        "mandatory",
        "junior board of 3 mentors",
        "1 meeting a month, for 12 months",
        "Focus on genai_tools",
        "(strong)",
        "Mentors are trained",
        "up to 2 times",
    ):
        assert part in text
    assert describe_program(None).startswith("No program")


def _renamed(results, old: str, new: str):
    """A deep copy of the results with one arm renamed everywhere."""
    frames = {}
    for name in ("runs", "timeseries", "summary", "comparison", "pairs"):
        frame = getattr(results, name).copy()
        for col in ("arm", "baseline"):
            if col in frame.columns:
                frame[col] = frame[col].replace(old, new)
        frames[name] = frame
    manifest = copy.deepcopy(results.manifest)
    manifest["arms"] = [new if a == old else a for a in manifest["arms"]]
    for arm in manifest["scenario"]["arms"]:
        arm["name"] = new if arm["name"] == old else arm["name"]
    manifest["scenario"]["description"] = "<b>bold</b> & <img src=x onerror=alert(2)>"
    return dataclasses.replace(results, manifest=manifest, **frames)


def test_user_strings_are_escaped(small):
    evil = _renamed(small, "reverse_mentoring", EVIL)
    assert forest_figure(evil).axes[0].get_yticklabels()[0].get_text() == EVIL
    text = render_report(evil, figures={})
    assert EVIL not in text and "<script" not in text.lower()
    assert html.escape(EVIL) in text
    assert "<b>bold</b>" not in text and "<img src=x" not in text
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;img src=x onerror=alert(2)&gt;" in text
    row = evil.comparison[evil.comparison["outcome"] == "adoption_seniors"].iloc[0]
    assert html.escape(difference_sentence(row, horizon=20)) in text


# ---------------------------------------------------------------------- other results


def test_march_sweep_draws_what_its_columns_allow(march, tmp_path):
    paths = write_figures(march, tmp_path)
    assert [p.name for p in paths] == ["sweep.png", "sweep.svg"]
    assert paths[0].read_bytes().startswith(PNG)
    fig = sweep_figure(march)
    ax = fig.axes[0]
    xy = ax.containers[0].lines[0].get_xydata()
    means = march.runs.groupby("march.p1")["code_knowledge"].mean()
    assert xy[:, 0].tolist() == [0.1, 0.9]
    assert xy[:, 1] == pytest.approx(means.loc[[0.1, 0.9]].to_numpy())
    assert ax.get_xlabel().startswith("march.p1") and ax.get_ylabel().startswith("code_knowledge")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["p2 = 0.5"]
    text = write_report(march, tmp_path).read_text()
    assert "code_knowledge" in text and "data:image/png;base64," in text
    assert "No comparison between arms" in text and "March&#x27;s (1991) model" in text


def test_missing_columns_are_skipped_not_fatal(small):
    ts = small.timeseries.drop(columns=["adoption", "adoption_seniors", "implemented_ideas"])
    runs = small.runs[[c for c in small.runs.columns if not c.startswith("retention")]]
    pairs = small.pairs.drop(columns=["quality"])
    thin = dataclasses.replace(
        small,
        timeseries=ts,
        runs=runs,
        pairs=pairs,
        comparison=pd.DataFrame(),
        summary=pd.DataFrame(),
        manifest={},
    )
    figures = make_figures(thin)
    assert sorted(figures) == ["innovation", "pairs"]
    assert len(figures["innovation"].axes) == 1 and len(figures["pairs"].axes) == 1
    text = render_report(thin, figures=figures)
    assert "No comparison between arms" in text and "No summary statistics" in text
