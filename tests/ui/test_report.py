"""Figures and the HTML report: files, self-containment, numbers, escaping, determinism."""

from __future__ import annotations

import copy
import dataclasses
import html
import os
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim import run_experiment
from sim.experiments.stats import share_interval, t_interval
from sim.ui.figures import (
    adoption_figure,
    figure_bytes,
    forest_figure,
    make_figures,
    mean_band,
    sweep_figure,
    unit_of,
    write_figures,
)
from sim.ui.report import (
    CAPTIONS,
    describe_program,
    difference_sentence,
    executive_summary,
    render_report,
    write_report,
)

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

    # the same results give byte-identical files, whichever process drew them (three
    # processes: each figure drawn in a forked child or here, in turn)
    again = write_figures(small, tmp_path / "second", processes=3)
    for a, b in zip(paths, again, strict=True):
        assert a.name == b.name and a.read_bytes() == b.read_bytes(), a.name
    svg = paths[1].read_text()
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="figures are forked on Linux")
def test_a_figure_that_fails_in_a_forked_process_fails_the_whole_write(
    small, tmp_path, monkeypatch
):
    """Every figure fails where a child draws it; this process draws its figures only once a
    child has taken one (the processes take figures as they go, so which figure a child takes
    is not fixed), and it then draws all the others."""
    import time

    import sim.ui.figures as figures

    parent = os.getpid()
    taken = tmp_path / "a child took a figure"

    def failing_in_a_child(draw):
        def figure(results):
            if os.getpid() != parent:
                if draw(results) is None:  # a figure these results do not have (the sweep's)
                    return None
                taken.touch()
                raise ValueError("no such column")
            deadline = time.monotonic() + 60
            while not taken.exists() and time.monotonic() < deadline:
                time.sleep(0.01)
            return draw(results)

        return figure

    for name, draw in list(figures.FIGURES.items()):
        monkeypatch.setitem(figures.FIGURES, name, failing_in_a_child(draw))
    with pytest.raises(RuntimeError, match="ValueError: no such column"):
        write_figures(small, tmp_path, processes=2)
    written = {p.stem for p in (tmp_path / "figures").glob("*.png")}
    svgs = {p.stem for p in (tmp_path / "figures").glob("*.svg")}
    assert taken.exists() and written == svgs, "this process's figures were written, in full"
    # the child stops at its first failure: the four others are drawn here
    assert len(written) == 4, f"the child's figure left nothing: {sorted(written)}"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="figures are forked on Linux")
def test_processes_take_the_figures_from_one_queue_each_drawn_once(small, tmp_path, monkeypatch):
    """Three processes taking figures from one queue draw each figure exactly once; the queue
    holds the slowest to draw first (:data:`~sim.ui.figures.DRAW_ORDER`)."""
    import sim.ui.figures as figures

    log = tmp_path / "drawn"

    def logged(name, draw):
        def figure(results):
            with open(log, "a") as f:  # one short line per write: appends do not interleave
                f.write(f"{name} {os.getpid()}\n")
            return draw(results)

        return figure

    for name, draw in list(figures.FIGURES.items()):
        monkeypatch.setitem(figures.FIGURES, name, logged(name, draw))
    paths = write_figures(small, tmp_path, processes=3)
    lines = [line.split() for line in log.read_text().splitlines()]
    assert sorted(n for n, _ in lines) == sorted(figures.FIGURES), "each figure drawn once"
    assert [p.stem for p in paths[::2]] == [
        "adoption",
        "retention",
        "innovation",
        "pairs",
        "forest",
    ]
    # the queue holds the slowest first; a figure not in DRAW_ORDER goes last
    assert figures.draw_order([*figures.FIGURES, "new"]) == [*figures.DRAW_ORDER, "new"]
    assert figures.draw_order(["adoption", "forest"]) == ["forest", "adoption"]


def test_png_files_hold_the_pixels_matplotlib_draws(small):
    import io

    import matplotlib as mpl
    from PIL import Image

    from sim.ui.figures import STYLE, adoption_figure, figure_bytes

    fig = adoption_figure(small)
    ours = Image.open(io.BytesIO(figure_bytes(fig, "png")))
    reference = io.BytesIO()
    with mpl.rc_context(STYLE):
        fig.savefig(reference, format="png")
    theirs = Image.open(reference)
    # an opaque figure is stored as RGB, with the same pixels and the same dpi
    assert ours.mode == "RGB" and ours.size == theirs.size
    assert ours.info["dpi"] == theirs.info["dpi"]
    assert np.array_equal(np.asarray(ours.convert("RGBA")), np.asarray(theirs.convert("RGBA")))


def test_report_embeds_the_png_files_at_the_110_dpi_size(small, tmp_path):
    import base64

    paths = write_figures(small, tmp_path)
    pngs = {p.stem: p.read_bytes() for p in paths if p.suffix == ".png"}
    text = render_report(small, figures=pngs)
    for name, data in pngs.items():
        assert base64.b64encode(data).decode("ascii") in text, name
        width = int.from_bytes(data[16:20], "big")
        height = int.from_bytes(data[20:24], "big")
        tag = re.search(rf'<img alt="{name} figure" width="(\d+)" height="(\d+)"', text)
        assert tag is not None, name
        # files at 150 dpi shown at 110: within a pixel of the figure's size at 110 dpi
        assert abs(int(tag[1]) - width * 110 / 150) <= 0.5
        assert abs(int(tag[2]) - height * 110 / 150) <= 0.5


def test_mean_band_is_the_reports_interval(small):
    ts = small.timeseries
    band = mean_band(ts, "adoption_seniors", ["arm", "week"])
    assert len(band) == ts["arm"].nunique() * ts["week"].nunique()
    at = (ts["arm"] == "reverse_mentoring") & (ts["week"] == 10)
    values = ts.loc[at, "adoption_seniors"].to_numpy(float)
    # a share: the bounded (logit t) interval of the summary tables
    low, high = share_interval(values)
    row = band[(band["arm"] == "reverse_mentoring") & (band["week"] == 10)].iloc[0]
    assert row["n"] == 3
    assert row["mean"] == pytest.approx(values.mean())
    assert (row["low"], row["high"]) == (pytest.approx(low), pytest.approx(high))
    assert 0 < low < high < 1  # a real band, inside the share's bounds

    # the band drawn in the seniors' panel is that interval
    fig = adoption_figure(small)
    seniors = fig.axes[1]
    (poly,) = [c for c in seniors.collections if c.get_label() == "_band:reverse_mentoring"]
    vertices = poly.get_paths()[0].vertices
    at_week = vertices[np.isclose(vertices[:, 0], 10.0), 1]
    assert at_week.min() == pytest.approx(low) and at_week.max() == pytest.approx(high)
    assert seniors.get_xlabel() == "week" and fig.axes[0].get_ylabel() == "adopted share"

    # not a share: the t interval
    ideas = ts.loc[at, "ideas"].to_numpy(float)
    row = mean_band(ts, "ideas", ["arm", "week"])
    row = row[(row["arm"] == "reverse_mentoring") & (row["week"] == 10)].iloc[0]
    assert (row["low"], row["high"]) == pytest.approx(t_interval(ideas))
    n = ideas.size
    assert row["high"] == pytest.approx(
        ideas.mean() + stats.t.ppf(0.975, n - 1) * ideas.std(ddof=1) / np.sqrt(n)
    )


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
        "Senior adoption (adoption_seniors)",
        "Digital skill gap (digital_skill_gap)",
        "12-month retention (retention_12m)",
        "Implemented-idea rate (implemented_per_100_per_year)",
        "Seniors' resistance to being mentored (mean_resistance_seniors)",
    ], "plain names, and no ROI: an arm's own figure is not a difference"
    ax = fig.axes[0]
    c = small.comparison
    row = c[
        (c["arm"] == "reverse_mentoring")
        & (c["outcome"] == "adoption_seniors")
        & c["against"].str.endswith("same replications")
    ].iloc[0]
    (x, _), *_ = ax.containers[0].lines[0].get_xydata()
    assert x == pytest.approx(100 * row["diff"])  # shares in points
    assert ax.get_xlabel() == "difference (points)"
    assert len(ax.get_xticks()) <= 7, "few enough ticks not to run together"


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
    assert "<details>" in report and "&#34;baseline_arm&#34;" in report


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
            f"{sign}{_points(d)} points [{_points(lo)}, {_points(hi)}]"
        )
    if d > 0:
        return (
            f"{arm} raised {what} by {_points(d)} points [{_points(lo)}, {_points(hi)}] over {base}"
        )
    return (
        f"{arm} lowered {what} by {_points(-d)} points "
        f"[{_points(-hi)}, {_points(-lo)}] compared with {base}"
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
    c = c[c["against"].str.endswith("same replications")]
    row = c[(c["arm"] == "reverse_mentoring") & (c["outcome"] == outcome)].iloc[0]
    sentence = expected_sentence(row, what)
    assert difference_sentence(row, horizon=20) == sentence
    assert html.escape(sentence) + "." in report


def test_sentence_wording_follows_the_sign_and_the_interval():
    row = {
        "arm": "reverse_mentoring",
        "baseline": "no_program",
        "against": "no_program, same replications",
        "outcome": "adoption_seniors",
        "diff": 0.0401,
        "paired_ci95_low": 0.0268,
        "paired_ci95_high": 0.0523,
    }
    assert difference_sentence(row, horizon=52) == (
        "reverse_mentoring raised senior adoption at week 52 by 4.0 points [2.7, 5.2] "
        "over no_program"
    )
    down = {**row, "diff": -0.0401, "paired_ci95_low": -0.0523, "paired_ci95_high": -0.0268}
    assert "lowered senior adoption at week 52 by 4.0 points [2.7, 5.2]" in (
        difference_sentence(down, horizon=52)
    )
    unclear = {**row, "paired_ci95_low": -0.01}
    assert difference_sentence(unclear, horizon=52) == (
        "reverse_mentoring made no clear difference to senior adoption at week 52 compared "
        "with no_program: +4.0 points [-1.0, 5.2]"
    )
    cost = {**row, "outcome": "turnover_cost", "diff": -61234.4}
    cost.update(paired_ci95_low=-72468.8, paired_ci95_high=-50000.0)
    assert difference_sentence(cost, horizon=52, currency="EUR") == (
        "reverse_mentoring lowered turnover cost at week 52 by EUR 61,234 "
        "[50,000, 72,469] compared with no_program"
    )
    same = {**row, "outcome": "retention_12m_mentors", "against": "the same people in no_program"}
    assert difference_sentence(same).endswith("over the same people in no_program")


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
    c = evil.comparison
    row = c[(c["outcome"] == "adoption_seniors") & c["against"].str.endswith("replications")]
    assert html.escape(difference_sentence(row.iloc[0], horizon=20), quote=False) in text


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
    assert "No comparison between designs" in text and "March&#39;s (1991) model" in text


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
    assert "No comparison between designs" in text and "No summary statistics" in text


# ---------------------------------------------------------------------- for a client

THREE = {
    "name": "three_designs",
    "seed": 9,
    "horizon_weeks": 20,
    "replications": 3,
    "currency": "EUR",
    "organization": {"size": 160, "levels": 4, "span_of_control": 8},
    "arms": [
        {"name": "no_program"},
        {"name": "monthly", "program": {"cadence_per_month": 1}},
        {"name": "weekly_focused", "program": {"cadence_per_month": 4, "focus": ["genai_tools"]}},
    ],
}


@pytest.fixture(scope="module")
def three():
    return run_experiment(THREE)


def test_executive_summary_comes_first_and_ranks_the_designs(three):
    summary = executive_summary(three)
    designs = [r["design"] for r in summary["rows"]]
    assert sorted(designs) == ["monthly", "weekly_focused"]
    c = three.comparison
    c = c[c["against"].str.endswith("same replications")].set_index(["arm", "outcome"])
    gains = [c.loc[(d, "adoption_seniors"), "diff"] for d in designs]
    assert gains == sorted(gains, reverse=True), "ranked by the gain in senior adoption"
    for row in summary["rows"]:
        for outcome, cell in zip(
            ("adoption_seniors", "retention_12m", "implemented_per_100_per_year"),
            row["changes"],
            strict=True,
        ):
            r = c.loc[(row["design"], outcome)]
            clear = r["paired_ci95_low"] > 0 or r["paired_ci95_high"] < 0
            assert cell["verdict"] == clear, (row["design"], outcome)
    text = render_report(three, figures={})
    order = [text.index(f'id="{s}"') for s in ("executive-summary", "scenario", "summary")]
    assert order == sorted(order), "the executive summary comes first"
    assert text.index("Code revision") > text.index('id="notes"'), "revision in the footer"


def test_money_is_in_the_scenarios_currency_without_decimals(three):
    text = render_report(three, figures={})
    assert "EUR " in text and "USD" not in text and "currency units" not in text
    cost = three.summary.set_index(["arm", "outcome"]).loc[("monthly", "program_cost"), "mean"]
    assert f"EUR {cost:,.0f}" in text


def test_no_share_interval_leaves_zero_to_one(three):
    s = three.summary
    shares = s[s["interval"] == "logit t"]
    assert len(shares) > 20
    assert (shares["ci95_low"] >= 0).all() and (shares["ci95_high"] <= 1).all()
    text = render_report(three, figures={})
    percents = [float(v) for v in re.findall(r"(-?\d+\.\d)%", text)]
    assert percents and max(percents) <= 100.0


def test_the_interval_is_explained_once_not_in_every_sentence(three):
    text = render_report(three, figures={})
    assert text.count("replication by replication and the interval is the t interval") == 1
    c = three.comparison
    rows = c[c["against"].str.endswith("same replications") & c["diff"].notna()]
    for r in rows.to_dict("records"):
        sentence = difference_sentence(r, horizon=20, currency="EUR")
        assert "95%" not in sentence and "CI" not in sentence, sentence


def test_plain_names_head_the_tables(three):
    text = render_report(three, figures={})
    assert "Senior adoption" in text and '<span class="col">adoption_seniors</span>' in text
    assert not re.search(r"<th[^>]*>\s*adoption_seniors", text), "no column name as a heading"


def _overlaps(labels) -> bool:
    boxes = [t.get_window_extent() for t in labels if t.get_text()]
    return any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def test_tick_labels_do_not_run_together_with_three_designs(three):
    figures = make_figures(three)
    for name in ("pairs", "forest", "retention"):
        fig = figures[name]
        fig.canvas.draw()
        for ax in fig.axes:
            assert not _overlaps(ax.get_xticklabels()), f"{name}: x tick labels overlap"
            assert not _overlaps(ax.get_yticklabels()), f"{name}: y tick labels overlap"


def test_sweep_axes_of_a_share_stop_at_one():
    res = run_experiment(
        {**SMALL, "replications": 2, "horizon_weeks": 8},
        points=[{"dynamics.adoption.imitation": v} for v in (0.05, 0.5)],
    )
    ax = sweep_figure(res, "retention_12m").axes[0]
    assert ax.get_ylim()[1] <= 1.0


@pytest.fixture(scope="module")
def three_sweep():
    """Three designs at three sweep points of two parameters, listed out of order."""
    return run_experiment(
        {**THREE, "horizon_weeks": 8, "replications": 2},
        points=[
            {"dynamics.adoption.imitation": a, "dynamics.adoption.manager_push": b}
            for a, b in ((3.0, 0.1), (1.0, 0.3), (2.0, 0.1))
        ],
    )


def _forest_rows(fig) -> dict[float, str]:
    """The sweep forest plot's row labels by row (y)."""
    return {t.get_position()[1]: t.get_text() for t in fig.axes[0].texts}


def test_sweep_forest_labels_each_point_and_design_once(three_sweep):
    fig = forest_figure(three_sweep)
    c = three_sweep.comparison
    c = c[c["against"].str.endswith("same replications") & c["diff"].notna()]
    designs = c.drop_duplicates(["point", "arm"])
    expected = [
        f"{r['arm']} (imitation={r['dynamics.adoption.imitation']:.4g}, "
        f"manager_push={r['dynamics.adoption.manager_push']:.4g})"
        for r in designs.to_dict("records")
    ]
    rows = _forest_rows(fig)
    assert sorted(rows.values()) == sorted(expected) and len(expected) == 3 * 2
    # one label column shared by the panels, not a label per row and outcome
    assert len(fig.axes) == 5 and sum(len(ax.texts) for ax in fig.axes) == len(expected)
    assert all(not ax.get_yticklabels() for ax in fig.axes)
    # rows ordered by the first varied parameter (the points were listed 3, 1, 2)
    order = [rows[y] for y in sorted(rows)]
    imitation = [float(label.split("imitation=")[1].split(",")[0]) for label in order]
    assert imitation == sorted(imitation) and imitation[0] == 1.0
    suptitle = fig.get_suptitle()
    assert "paired mean difference, 95% CI" in suptitle and "each sweep point" in suptitle
    assert "paired by replication" in CAPTIONS["forest"]


def test_sweep_forest_draws_the_paired_differences_and_intervals(three_sweep):
    fig = forest_figure(three_sweep)
    c = three_sweep.comparison
    c = c[c["against"].str.endswith("same replications")]
    rows = _forest_rows(fig)
    checked = 0
    for ax in fig.axes:
        outcome = ax.get_title(loc="left").rsplit("(", 1)[1].rstrip(")")
        factor = 100.0 if unit_of(outcome) == "share" else 1.0  # shares in points
        for container in ax.containers:
            points = container.lines[0].get_xydata()
            segments = container.lines[2][0].get_segments()
            for (x, y), segment in zip(points, segments, strict=True):
                label = rows[y]
                arm, values = label.split(" (", 1)
                imitation = float(values.split("imitation=")[1].split(",")[0])
                push = float(values.split("manager_push=")[1].rstrip(")"))
                row = c[
                    (c["outcome"] == outcome)
                    & (c["arm"] == arm)
                    & (c["dynamics.adoption.imitation"] == imitation)
                    & (c["dynamics.adoption.manager_push"] == push)
                ]
                assert len(row) == 1, label
                row = row.iloc[0]
                (low, y_low), (high, y_high) = segment
                assert y_low == y_high == y, "the interval on the estimate's row"
                assert x == pytest.approx(factor * row["diff"])
                assert low == pytest.approx(factor * row["paired_ci95_low"])
                assert high == pytest.approx(factor * row["paired_ci95_high"])
                assert low <= x <= high
                checked += 1
    assert checked == 5 * 6, "every outcome at every point for both designs"


def test_sweep_forest_text_stays_apart_and_inside(three_sweep):
    fig = forest_figure(three_sweep)
    fig.draw_without_rendering()
    width = fig.bbox.width
    labels = fig.axes[0].texts
    assert not _overlaps(labels), "row labels overlap"
    assert all(t.get_window_extent().x0 >= 0 for t in labels), "a row label is cut off"
    assert max(t.get_window_extent().x1 for t in labels) <= fig.axes[0].bbox.x0
    titles = [ax.title for ax in fig.axes]  # left-aligned titles of neighbouring panels
    assert all(t.get_window_extent().x1 <= width for t in titles)
    assert not _overlaps(titles), "panel titles run into each other"
    ticks = [  # the tick labels drawn: those within each panel's limits
        t
        for ax in fig.axes
        for t in ax.get_xticklabels()
        if min(ax.get_xlim()) <= t.get_position()[0] <= max(ax.get_xlim())
    ]
    assert len(ticks) >= 2 * len(fig.axes)
    assert not _overlaps(ticks), "x tick labels of neighbouring panels run together"
    assert not _overlaps([ax.xaxis.label for ax in fig.axes]), "axis labels overlap"


def test_written_figures_have_the_bytes_savefig_gives(three_sweep, tmp_path):
    """Laid out once before writing: the files are what saving the figure would give."""
    drawn = {"forest": forest_figure(three_sweep)}
    png, svg = write_figures(three_sweep, tmp_path, drawn)
    for _ in range(3):  # the same bytes every time (an SVG's clip ids hash exact positions)
        fresh = forest_figure(three_sweep)
        assert png.read_bytes() == figure_bytes(fresh, "png")
        fresh.set_layout_engine("none")  # the SVG keeps the PNG's layout
        assert svg.read_bytes() == figure_bytes(fresh, "svg")
    text = render_report(three_sweep, figures={"forest": png.read_bytes()})
    assert 'id="figure-forest"' in text and CAPTIONS["forest"] in html.unescape(text)
