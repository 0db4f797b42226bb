"""Headless tests of the app (sim/ui/app.py): the model factory, the data behind the views, and the
page rendered with solara (controls, Step, Reset) without a browser.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

solara = pytest.importorskip("solara", reason="the app needs solara (the 'app' extra)")
ipywidgets = pytest.importorskip("ipywidgets")
v = pytest.importorskip("ipyvuetify")

from sim.model.model import ReverseMentoringModel  # noqa: E402
from sim.program.pairing import POLICY_FUNCTIONS  # noqa: E402
from sim.ui import app  # noqa: E402

SMALL = {"size": 150, "weeks": 12}


@pytest.fixture(scope="module")
def stepped():
    """A small model run for 4 weeks (the program pairs at week 0)."""
    model = app.build_model(**SMALL)
    model.run(4)
    return model


# ---------------------------------------------------------------------- the model factory


def test_build_model_uses_every_control():
    model = app.build_model(
        size=180,
        pairing="random",
        cadence=4.0,
        focus="genai_tools",
        resistance=0.5,
        sponsorship=0.9,
        seed=5,
        weeks=20,
    )
    assert isinstance(model, ReverseMentoringModel)
    assert model.state.size == 180
    program = model.program.program
    assert program.pairing == "random"
    assert program.cadence_per_month == 4.0
    assert program.focus == ["genai_tools"]
    assert program.sponsorship == 0.9
    assert model.config.horizon_weeks == 20
    assert model.seed == 5
    base = app.build_model(size=180, seed=5, weeks=20)
    for name in ("gen_z", "millennial", "gen_x", "boomer"):
        low = getattr(model.config.organization.cohorts, name).resistance_mean
        default = getattr(base.config.organization.cohorts, name).resistance_mean
        assert low == pytest.approx(default * 0.5)
    assert model.state.attitudes[:, 0].mean() < base.state.attitudes[:, 0].mean()


def test_size_control_sets_the_number_of_slots():
    assert app.build_model(size=150).state.size == 150
    assert app.build_model(size=250).state.size == 250


def test_focus_none_is_unfocused_and_resistance_stays_in_range():
    model = app.build_model(size=120, focus="none", resistance=2.0)
    assert model.program.program.focus == []
    for spec in model.config.organization.cohorts.ordered():
        assert 0 < spec.resistance_mean < 1


def test_text_seeds_are_reproducible():
    a = app.build_model(size=120, seed="pilot A")
    b = app.build_model(size=120, seed="pilot A")
    c = app.build_model(size=120, seed="pilot B")
    assert a.seed == b.seed != c.seed
    np.testing.assert_array_equal(a.state.skills, b.state.skills)


def test_model_class_takes_the_controls_as_keywords():
    # Mesa's model controller rebuilds the model on Reset as type(model)(**controls)
    params = inspect.signature(app.MentoringAppModel.__init__).parameters
    controls = app.model_params()
    assert set(controls) <= set(params)
    assert "scenario" not in params  # else Mesa's controller would pass it a Mesa scenario
    assert all(p.default is not inspect.Parameter.empty for n, p in params.items() if n != "self")


def test_controls_cover_the_design_levers():
    controls = app.model_params()
    assert set(controls) == {
        "size",
        "pairing",
        "cadence",
        "focus",
        "resistance",
        "sponsorship",
        "seed",
    }
    assert controls["pairing"]["values"] == list(POLICY_FUNCTIONS)
    assert controls["focus"]["values"][0] == "none"
    assert "genai_tools" in controls["focus"]["values"]


def test_the_run_stops_at_the_horizon():
    model = app.build_model(size=120, weeks=3)
    model.run()
    assert model.steps == 3
    assert model.running is False


# ---------------------------------------------------------------------- the data of the views


def test_chart_data_grows_with_the_steps():
    model = app.build_model(**SMALL)
    first = app.chart_data(model)
    assert len(first) == 1
    assert set(app.CHART_COLUMNS) <= set(first.columns)
    model.step()
    model.step()
    data = app.chart_data(model)
    assert len(data) == 3
    assert data["week"].tolist() == [0, 1, 2]
    assert data[list(app.CHART_COLUMNS)].notna().all().all()


def test_layout_is_computed_once_per_model(stepped):
    calls = app._LAYOUT_CALLS["computed"]
    first = app.network_layout(stepped)
    again = app.network_layout(stepped)
    assert again is first
    app.network_frame(stepped)
    app.draw_network(stepped)
    assert app.network_layout(stepped) is first
    assert app._LAYOUT_CALLS["computed"] <= calls + 1
    assert first.pos.shape == (stepped.state.size, 2)
    assert np.isfinite(first.pos).all()


def test_a_new_model_gets_its_own_layout(stepped):
    other = app.build_model(**SMALL)
    assert app.network_layout(other) is not app.network_layout(stepped)


def test_large_organizations_draw_a_fixed_sample():
    model = app.build_model(size=600, weeks=4)
    layout = app.network_layout(model)
    assert layout.sampled
    assert layout.slots.size == app.MAX_NODES
    assert len(np.unique(layout.slots)) == app.MAX_NODES
    model.run(2)
    assert app.network_layout(model) is layout  # sampled once, kept while the model runs
    frame = app.network_frame(model)
    assert frame.adoption.shape == (app.MAX_NODES,)
    assert (frame.pairs < app.MAX_NODES).all()
    assert app.network_layout(app.build_model(size=600, weeks=4)).slots.tolist() == (
        layout.slots.tolist()
    )


def test_frame_highlights_the_active_pairs(stepped):
    links = app.active_links(stepped)
    assert len(links) > 0, "the program should have formed pairs by week 4"
    frame = app.network_frame(stepped)
    assert frame.active_pairs == len(links)
    assert len(frame.pairs) == len(links)  # every employee is drawn in a small organization
    layout = app.network_layout(stepped)
    assert frame.in_pair[layout.row[links[:, 0]]].all()
    assert stepped.state.senior[links[:, 0]].all()  # mentees are senior
    assert frame.adoption.min() >= 0 and frame.adoption.max() <= 1


def test_no_program_draws_no_pairs():
    model = ReverseMentoringModel({"organization": {"size": 120}, "arms": [{"name": "none"}]})
    model.step()
    assert app.active_links(model).shape == (0, 2)
    assert app.network_frame(model).pairs.shape == (0, 2)
    assert app.network_png(model).startswith(b"\x89PNG")


def test_drawings_are_png_images(stepped):
    assert app.network_png(stepped).startswith(b"\x89PNG")
    assert app.charts_png(stepped).startswith(b"\x89PNG")
    assert app.status_text(stepped).startswith("Week 4 of 12")


# ---------------------------------------------------------------------- the page, rendered


def render_page(**controls):
    model = solara.reactive(app.build_model(**controls))
    _box, rc = solara.render(solara.AppLayout(children=[app.Page(model=model)]), handle_error=False)
    return model, rc


def chart_images(rc) -> list[bytes]:
    images = rc.find(ipywidgets.Image).widgets
    return [bytes(w.value) for w in images if "mentorsim-charts" in w._dom_classes]


def status(rc) -> str:
    return rc.find(v.Html, class_="mentorsim-status").widget.children[0]


def test_step_button_advances_the_model_and_the_views():
    model, rc = render_page(**SMALL)
    try:
        assert model.value.steps == 0
        assert status(rc).startswith("Week 0 of 12")
        before = chart_images(rc)
        assert len(before) == 2, "adoption and retention beside the network, two charts below"
        step = rc.find(v.Btn, children=["Step"])
        step.widget.click()
        step.widget.click()
        assert model.value.steps == 2
        assert status(rc).startswith("Week 2 of 12")
        after = chart_images(rc)
        assert all(a != b for a, b in zip(after, before, strict=True)), "charts not redrawn"
        texts = [w.children[0] for w in rc.find(v.Html).widgets if w.children]
        assert not any(str(t).startswith("Time:") for t in texts), "the week is counted once"
    finally:
        rc.close()


def test_every_slider_shows_its_value_and_the_run_controls_say_what_they_do():
    _model, rc = render_page(**SMALL)
    try:
        labels = [w.label for w in rc.find(v.Slider).widgets]
        assert "Employees: 150" in labels and "Executive sponsorship: 0.5" in labels
        assert "Weeks per step: 1" in labels
        assert f"Pause while playing: {app.PLAY_INTERVAL_MS} ms" in labels
        assert all(": " in label for label in labels), labels
        rc.find(v.Slider, label="Meetings per month: 2").widget.v_model = 4.0
        assert "Meetings per month: 4" in [w.label for w in rc.find(v.Slider).widgets]
        texts = " ".join(str(w.children[0]) for w in rc.find(v.Html).widgets if w.children)
        assert app.RUN_HELP in texts and "Changes apply when you press Reset." in texts
        for mesa_word in ("Play Interval", "Render Interval", "Use Threads"):
            assert mesa_word not in texts and mesa_word not in " ".join(labels)
    finally:
        rc.close()


def test_changing_a_control_and_reset_rebuild_the_model():
    model, rc = render_page(**SMALL)
    try:
        first = model.value
        assert first.state.size == 150
        rc.find(v.Slider, label="Employees: 150").widget.v_model = 250
        rc.find(v.Select, label="Pairing policy").widget.v_model = "random"
        rc.find(v.Btn, children=["Reset"]).widget.click()
        rebuilt = model.value
        assert rebuilt is not first
        assert isinstance(rebuilt, app.MentoringAppModel)
        assert rebuilt.state.size == 250
        assert rebuilt.program.program.pairing == "random"
        assert rebuilt.config.horizon_weeks == 12, "the other settings are kept"
        assert rebuilt.steps == 0
        assert status(rc).endswith("0 active mentoring links")
        assert "250 employees" in status(rc)
    finally:
        rc.close()


def test_the_log_says_where_the_front_end_files_come_from(monkeypatch):
    monkeypatch.setattr(app, "missing_frontend_packages", lambda: [])
    assert "no network needed" in app.assets_message()
    monkeypatch.setattr(app, "missing_frontend_packages", lambda: ["requirejs@2.3.6"])
    message = app.assets_message()
    assert "requirejs@2.3.6" in message and "mentorsim app --install-assets" in message
    assert str(app.frontend_folder()) in message


def test_module_exposes_the_page_and_main():
    assert app.page is not None
    assert callable(app.main)
    sig = inspect.signature(app.main)
    assert sig.parameters["host"].default == "127.0.0.1"
    assert sig.parameters["port"].default == 8765


def test_main_runs_solara_on_the_given_address(monkeypatch):
    seen = {}

    def fake_call(command, env):
        seen["command"], seen["env"] = command, env
        return 0

    monkeypatch.setattr(app.subprocess, "call", fake_call)
    assert app.main(host="127.0.0.2", port=9123) == 0
    command = seen["command"]
    assert command[1:4] == ["-m", "solara", "run"]
    assert command[4].endswith("app.py")
    assert command[command.index("--host") + 1] == "127.0.0.2"
    assert command[command.index("--port") + 1] == "9123"


def test_frontend_packages_name_the_served_files():
    packages = app.frontend_packages()
    assert any(p.startswith("requirejs@") for p in packages)
    assert any("solara-vuetify" in p for p in packages)
    assert all("@" in p.lstrip("@") for p in packages)
