"""An interactive app: watch one reverse-mentoring program run in an organization, week by week.

Built on Mesa's visualization (its model controller drives Step / Play / Reset) and solara. The
sidebar holds the run (Step, Play, Reset, weeks per step, the pause while playing) and the
settings (organization size, pairing policy, meeting cadence, focus skill, resistance,
sponsorship, seed), each slider showing its value; Reset builds a new model from the settings.
The main view shows the week, the informal network (nodes coloured by digital adoption,
mentoring pairs in orange) and live charts of adoption by seniority, retention, ideas and
resistance.

The page's front-end files are served by solara from a folder on this machine
(:func:`frontend_folder`); :func:`install_frontend_packages` (``mentorsim app
--install-assets``) fills it once, after which the app needs no network.

Run it with ``solara run sim/ui/app.py`` or, from Python, :func:`main`::

    from sim.ui.app import main
    main()  # http://127.0.0.1:8765
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import weakref
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib as mpl
import networkx as nx
import numpy as np
import pandas as pd
import solara
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from mesa.visualization import Slider
from mesa.visualization.solara_viz import ModelController
from mesa.visualization.utils import update_counter

from sim.core.organization_params import COHORTS, Cohorts, Organization
from sim.model.model import ReverseMentoringModel
from sim.model.scenario import Scenario, load_scenario
from sim.program.pairing import POLICY_FUNCTIONS

HORIZON_WEEKS = 104
"""Weeks one app run covers (two years: a program wave at week 0 and another at week 52)."""

WAVE_WEEKS = (0, 52)
"""Start weeks of the program's waves (each pairs the eligible who opt in then)."""

MAX_NODES = 400
"""Largest number of employees the network view draws; larger organizations show a sample."""

ARM = "app"
"""Name of the single program arm of the app's scenario."""

NO_FOCUS = "none"
"""Focus value meaning an unfocused program (all digital skills)."""

DPI = 100
PAIR_COLOR = "#ff7f0e"
TIE_COLOR = "#c8c8c8"


def _digital_skills() -> list[str]:
    return [s.name for s in Organization().skills if s.kind == "digital"]


def _parse_seed(seed: int | str) -> int:
    """An integer seed from a number or any text (text is hashed, so every input works)."""
    if isinstance(seed, int | np.integer):
        return abs(int(seed))
    text = str(seed).strip()
    if text.lstrip("-").isdigit():
        return abs(int(text))
    return zlib.crc32(text.encode("utf-8"))


def app_scenario(
    size: int = 300,
    pairing: str = "optimal",
    cadence: float = 2.0,
    focus: str = NO_FOCUS,
    resistance: float = 1.0,
    sponsorship: float = 0.5,
    seed: int | str = 42,
    weeks: int = HORIZON_WEEKS,
) -> Scenario:
    """The scenario behind the app: one organization and one program arm built from the controls.

    Args:
        size: Employees in the organization.
        pairing: Pairing policy, a name in :data:`sim.program.pairing.POLICY_FUNCTIONS`.
        cadence: Planned meetings per month.
        focus: One skill to focus the program on, or ``"none"``.
        resistance: Factor applied to every cohort's mean resistance to being mentored (1 keeps
            the defaults; results are kept inside (0, 1)).
        sponsorship: Executive sponsorship, 0 to 1.
        seed: Root seed (an integer, or text that is hashed to one).
        weeks: Horizon in weeks.

    Returns:
        The validated scenario; its only arm is called :data:`ARM`.

    Raises:
        sim.model.scenario.ScenarioError: When a value is out of range (an unknown policy, say).
    """
    program: dict[str, Any] = {
        "pairing": pairing,
        "cadence_per_month": float(cadence),
        "focus": [] if focus in (None, "", NO_FOCUS) else [focus],
        "sponsorship": float(sponsorship),
        "waves": [{"start_week": w} for w in WAVE_WEEKS if w < weeks],
    }
    data = {
        "name": "app",
        "seed": _parse_seed(seed),
        "horizon_weeks": int(weeks),
        "replications": 1,
        "organization": {"size": int(size)},
        "arms": [{"name": ARM, "program": program}],
    }
    defaults = Cohorts().ordered()
    overrides = {
        f"organization.cohorts.{name}.resistance_mean": float(
            np.clip(spec.resistance_mean * float(resistance), 0.01, 0.99)
        )
        for name, spec in zip(COHORTS, defaults, strict=True)
    }
    return load_scenario(data, overrides=overrides)


class MentoringAppModel(ReverseMentoringModel):
    """The app's model: a :class:`ReverseMentoringModel` built from the control values.

    SolaraViz rebuilds the model on Reset as ``type(model)(**controls)``, so this class takes the
    controls as keyword arguments (see :func:`app_scenario` for their meaning). The model stops
    running (Play halts) at the horizon.
    """

    def __init__(
        self,
        size: int = 300,
        pairing: str = "optimal",
        cadence: float = 2.0,
        focus: str = NO_FOCUS,
        resistance: float = 1.0,
        sponsorship: float = 0.5,
        seed: int | str = 42,
        weeks: int = HORIZON_WEEKS,
    ) -> None:
        self.controls = {
            "size": int(size),
            "pairing": pairing,
            "cadence": float(cadence),
            "focus": focus,
            "resistance": float(resistance),
            "sponsorship": float(sponsorship),
            "seed": seed,
            "weeks": int(weeks),
        }
        scenario = app_scenario(**self.controls)
        super().__init__(scenario, arm=ARM, rng=scenario.seed)

    def step(self) -> None:
        """Advance one week; stop running at the horizon."""
        super().step()
        self.running = self.week < self.config.horizon_weeks


def build_model(
    size: int = 300,
    pairing: str = "optimal",
    cadence: float = 2.0,
    focus: str = NO_FOCUS,
    resistance: float = 1.0,
    sponsorship: float = 0.5,
    seed: int | str = 42,
    weeks: int = HORIZON_WEEKS,
) -> MentoringAppModel:
    """Build the app's model from control values (the arguments of :func:`app_scenario`).

    Returns:
        A :class:`MentoringAppModel` (a :class:`~sim.model.model.ReverseMentoringModel`) at week 0.
    """
    return MentoringAppModel(
        size=size,
        pairing=pairing,
        cadence=cadence,
        focus=focus,
        resistance=resistance,
        sponsorship=sponsorship,
        seed=seed,
        weeks=weeks,
    )


def model_params() -> dict[str, Any]:
    """The controls of the app, as SolaraViz ``model_params`` (names match :func:`build_model`).

    The pairing dropdown lists the policies registered when this is called, built in or added
    with :func:`sim.program.pairing.register_policy`.
    """
    return {
        "size": Slider("Employees", value=300, min=100, max=2000, step=50),
        "pairing": {
            "type": "Select",
            "value": "optimal",
            "values": list(POLICY_FUNCTIONS),
            "label": "Pairing policy",
        },
        "cadence": Slider("Meetings per month", value=2.0, min=0.5, max=8.0, step=0.5),
        "focus": {
            "type": "Select",
            "value": NO_FOCUS,
            "values": [NO_FOCUS, *_digital_skills()],
            "label": "Focus skill",
        },
        "resistance": Slider(
            "Resistance (x cohort means)", value=1.0, min=0.25, max=2.0, step=0.05
        ),
        "sponsorship": Slider("Executive sponsorship", value=0.5, min=0.0, max=1.0, step=0.05),
        "seed": {"type": "InputText", "value": "42", "label": "Seed"},
    }


# ---------------------------------------------------------------------------- the data


@dataclass(frozen=True)
class NetworkLayout:
    """Where the network view draws each employee; computed once per model.

    Attributes:
        slots: The slots drawn (all of them, or a fixed random sample of :data:`MAX_NODES`).
        pos: ``(len(slots), 2)`` positions, in the order of ``slots``.
        ties: ``(E, 2)`` informal ties among the drawn slots, as row indices into ``slots``.
        row: For each slot of the organization, its row in ``slots`` (-1 when not drawn).
    """

    slots: np.ndarray
    pos: np.ndarray
    ties: np.ndarray
    row: np.ndarray

    @property
    def sampled(self) -> bool:
        """Whether only a sample of the organization is drawn."""
        return self.slots.size < self.row.size


@dataclass(frozen=True)
class NetworkFrame:
    """What changes from week to week in the network view.

    Attributes:
        adoption: Adopted share of the introduced technologies, per drawn slot.
        alive: Whether each drawn slot holds an employee (vacant slots are drawn hollow).
        senior: Whether each drawn slot's employee is senior (a potential mentee).
        pairs: ``(P, 2)`` active mentoring links (mentee, mentor) among the drawn slots, as row
            indices into the layout's ``slots``.
        in_pair: Whether each drawn slot's employee is in an active pair (as mentee or mentor),
            whether or not the partner is drawn.
        active_pairs: Active mentoring links in the whole organization.
    """

    adoption: np.ndarray
    alive: np.ndarray
    senior: np.ndarray
    pairs: np.ndarray
    in_pair: np.ndarray
    active_pairs: int


_LAYOUTS: weakref.WeakKeyDictionary[ReverseMentoringModel, NetworkLayout] = (
    weakref.WeakKeyDictionary()
)
_LAYOUT_CALLS = {"computed": 0}  # how many layouts were computed (for tests and profiling)


def network_layout(model: ReverseMentoringModel, max_nodes: int = MAX_NODES) -> NetworkLayout:
    """The model's network layout, computed on the first call and cached for the model's life.

    Organizations larger than ``max_nodes`` are drawn as a random sample of ``max_nodes`` slots,
    drawn once from the model's seed. Positions come from a spring layout of the informal
    network among the drawn slots; in a sample, two drawn employees with common acquaintances
    outside the sample are also pulled together (weakly), so that clusters stay visible.

    Args:
        model: The model.
        max_nodes: Most slots drawn.

    Returns:
        The cached :class:`NetworkLayout` (the same object on every call for this model).
    """
    cached = _LAYOUTS.get(model)
    if cached is not None:
        return cached
    st = model.state
    n = st.size
    rng = np.random.default_rng([int(model.seed) % 2**63, 7])
    slots = np.arange(n) if n <= max_nodes else np.sort(rng.choice(n, max_nodes, replace=False))
    row = np.full(n, -1, dtype=np.int64)
    row[slots] = np.arange(slots.size)
    net = st.network.tocsr()
    direct = net[slots][:, slots].tocoo()
    keep = direct.row < direct.col
    ties = np.column_stack([direct.row[keep], direct.col[keep]]).astype(np.int64)
    graph = nx.Graph()
    graph.add_nodes_from(range(slots.size))
    if slots.size < n:  # weak pulls through common acquaintances outside the sample
        common = (net[slots] @ net[:, slots]).tocoo()
        upper = common.row < common.col
        graph.add_weighted_edges_from(
            zip(
                common.row[upper].tolist(),
                common.col[upper].tolist(),
                (0.15 * common.data[upper]).tolist(),
                strict=True,
            )
        )
    graph.add_weighted_edges_from((int(i), int(j), 1.0) for i, j in ties)
    pos_map = nx.spring_layout(graph, seed=int(rng.integers(2**31)), iterations=60)
    pos = np.array([pos_map[i] for i in range(slots.size)], dtype=float).reshape(-1, 2)
    if slots.size > 2:  # pull far-flung loners (small components) in to the rim
        centre = np.median(pos, axis=0)
        radius = np.linalg.norm(pos - centre, axis=1)
        rim = max(float(np.quantile(radius, 0.97)), 1e-9)
        pos = centre + (pos - centre) * np.minimum(1.0, rim / np.maximum(radius, 1e-12))[:, None]
    layout = NetworkLayout(slots=slots, pos=pos, ties=ties, row=row)
    _LAYOUTS[model] = layout
    _LAYOUT_CALLS["computed"] += 1
    return layout


def active_links(model: ReverseMentoringModel) -> np.ndarray:
    """Active mentoring links as ``(mentee slot, mentor slot)`` rows (none without a program)."""
    prog = model.program
    if prog is None:
        return np.zeros((0, 2), dtype=np.int64)
    boards = prog.book.active()
    board_links = prog.board_links(boards)
    mentee = prog.slots(prog.book.mentee[board_links.board])
    links = np.column_stack([mentee, board_links.mentor]).astype(np.int64)
    return links[(links >= 0).all(axis=1)]


def adoption_share(model: ReverseMentoringModel) -> np.ndarray:
    """Per slot, the share of the technologies introduced so far that the employee adopted."""
    introduced = model.introduced_weeks <= model.week
    if not introduced.any():
        return np.zeros(model.state.size)
    return model.state.adopted[:, introduced].mean(axis=1)


def network_frame(model: ReverseMentoringModel) -> NetworkFrame:
    """The week's colours and pairs for the network view (uses the cached layout)."""
    layout = network_layout(model)
    st = model.state
    links = active_links(model)
    rows = layout.row[links]
    in_pair = np.zeros(st.size, dtype=bool)
    in_pair[links.ravel()] = True
    return NetworkFrame(
        adoption=adoption_share(model)[layout.slots],
        alive=st.alive[layout.slots].astype(bool),
        senior=st.senior[layout.slots].astype(bool),
        pairs=rows[(rows >= 0).all(axis=1)],
        in_pair=in_pair[layout.slots],
        active_pairs=len(links),
    )


CHART_COLUMNS = (
    "adoption",
    "adoption_seniors",
    "adoption_juniors",
    "retention",
    "ideas",
    "implemented_ideas",
    "mean_resistance",
    "mean_resistance_seniors",
    "headcount",
)
"""Weekly outcomes the live charts plot."""


def chart_data(model: ReverseMentoringModel) -> pd.DataFrame:
    """The data the live charts plot: one row per week so far (``week`` and :data:`CHART_COLUMNS`)."""
    return model.timeseries().loc[:, ["week", *CHART_COLUMNS]]


# ---------------------------------------------------------------------------- the drawings


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi)
    return buffer.getvalue()


def draw_network(model: ReverseMentoringModel) -> Figure:
    """The network view as a matplotlib figure (informal ties grey, mentoring pairs orange)."""
    layout, frame = network_layout(model), network_frame(model)
    fig = Figure(figsize=(6.0, 5.4), dpi=DPI)
    ax = fig.add_axes((0.0, 0.0, 0.86, 0.9))
    ax.set_axis_off()
    pos = layout.pos
    if layout.ties.size:
        ax.add_collection(LineCollection(pos[layout.ties], colors=TIE_COLOR, linewidths=0.3))
    if frame.pairs.size:
        ax.add_collection(LineCollection(pos[frame.pairs], colors=PAIR_COLOR, linewidths=1.8))
    scatter = None
    for senior, marker, size in ((False, "o", 22), (True, "s", 34)):
        mask = frame.alive & (frame.senior == senior)
        scatter = ax.scatter(
            pos[mask, 0], pos[mask, 1], c=frame.adoption[mask], s=size, marker=marker,
            cmap="viridis", vmin=0.0, vmax=1.0, zorder=3,
            edgecolors=np.where(frame.in_pair[mask], PAIR_COLOR, "black"),
            linewidths=np.where(frame.in_pair[mask], 1.4, 0.3),
        )  # fmt: skip
    vacant = ~frame.alive
    ax.scatter(pos[vacant, 0], pos[vacant, 1], s=18, facecolors="none", edgecolors="grey", zorder=3)
    if scatter is not None:
        cax = fig.add_axes((0.87, 0.1, 0.03, 0.72))
        fig.colorbar(scatter, cax=cax, label="adopted share of tools")
    drawn = ""
    if layout.sampled:
        drawn = (
            f"{len(layout.slots)} of {layout.row.size} employees drawn "
            f"({len(frame.pairs)} of {frame.active_pairs} mentoring links)\n"
        )
    ax.set_title(
        f"{drawn}\u25a0 senior  \u25cf junior  \u25cb vacant  orange: in a mentoring pair",
        fontsize=10,
    )
    ax.autoscale_view()
    return fig


def _adoption_panel(ax, data: pd.DataFrame) -> None:
    weeks = data["week"]
    ax.plot(weeks, data["adoption_seniors"], label="seniors", color="#1f77b4")
    ax.plot(weeks, data["adoption_juniors"], label="juniors", color="#2ca02c")
    ax.plot(weeks, data["adoption"], label="all", color="black", linestyle="--", linewidth=1)
    ax.set(title="Digital adoption", ylabel="adopted share", ylim=(0, 1))
    ax.legend(loc="upper left")


def _retention_panel(ax, data: pd.DataFrame) -> None:
    ax.plot(data["week"], data["retention"], color="#9467bd")
    ax.set(title="Retention of the week-0 workforce", ylabel="share still employed")
    ax.set_ylim(min(0.8, float(data["retention"].min()) - 0.02), 1.005)


def _innovation_panel(ax, data: pd.DataFrame) -> None:
    ax.plot(data["week"], data["ideas"], label="produced", color="#ff7f0e")
    ax.plot(data["week"], data["implemented_ideas"], label="implemented", color="#d62728")
    ax.set(title="Innovation (ideas since week 0)", ylabel="ideas")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left")


def _resistance_panel(ax, data: pd.DataFrame) -> None:
    ax.plot(data["week"], data["mean_resistance_seniors"], label="seniors", color="#1f77b4")
    ax.plot(data["week"], data["mean_resistance"], label="all", color="black", linestyle="--")
    ax.set(title="Resistance to being mentored", ylabel="mean", ylim=(0, 1))
    ax.legend(loc="upper right")


CHART_PANELS = {
    "adoption": _adoption_panel,
    "retention": _retention_panel,
    "innovation": _innovation_panel,
    "resistance": _resistance_panel,
}
"""The live charts by name, in the order :func:`draw_charts` draws them by default."""


def draw_charts(
    model: ReverseMentoringModel, panels: tuple[str, ...] = tuple(CHART_PANELS), columns: int = 2
) -> Figure:
    """Live charts (adoption by seniority, retention, ideas, resistance) as one figure.

    Args:
        model: The model.
        panels: Names of :data:`CHART_PANELS` to draw, in order.
        columns: Panels side by side (the rest in rows below).

    Returns:
        A figure of about 4.4 by 2.9 inches per panel, its text at 10-12 points.
    """
    data = chart_data(model)
    horizon = max(model.config.horizon_weeks, int(data["week"].iloc[-1]))
    rows = -(-len(panels) // columns)
    fig = Figure(figsize=(4.4 * columns, 2.9 * rows), dpi=DPI, layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    with mpl.rc_context({"font.size": 10.0, "axes.titlesize": 12.0, "legend.fontsize": 9.0}):
        for ax, name in zip(axes, panels, strict=False):
            CHART_PANELS[name](ax, data)
            ax.set_xlim(0, horizon)
            ax.set_xlabel("week")
    for ax in axes[len(panels) :]:
        ax.set_axis_off()
    return fig


def network_png(model: ReverseMentoringModel) -> bytes:
    """The network view as PNG bytes."""
    return _png(draw_network(model))


def charts_png(
    model: ReverseMentoringModel, panels: tuple[str, ...] = tuple(CHART_PANELS), columns: int = 2
) -> bytes:
    """The live charts (see :func:`draw_charts`) as PNG bytes."""
    return _png(draw_charts(model, panels, columns))


def status_text(model: ReverseMentoringModel) -> str:
    """One line on where the run stands: week, headcount and active pairs."""
    pairs = len(active_links(model))
    return (
        f"Week {model.week} of {model.config.horizon_weeks} \u00b7 "
        f"{model.state.headcount} employees \u00b7 {pairs} active mentoring links"
    )


# ---------------------------------------------------------------------------- the components


@solara.component
def NetworkView(model: ReverseMentoringModel):
    """The organization's informal network, nodes coloured by adoption, pairs highlighted."""
    update_counter.get()  # redraw after every step
    image = solara.use_memo(lambda: network_png(model), dependencies=[model, model.steps])
    return solara.Image(image, width="100%", classes=["mentorsim-network-image"])


@solara.component
def ChartsView(
    model: ReverseMentoringModel, panels: tuple[str, ...] = tuple(CHART_PANELS), columns: int = 2
):
    """Live charts (some of :data:`CHART_PANELS`): adoption, retention, innovation, resistance."""
    update_counter.get()
    image = solara.use_memo(
        lambda: charts_png(model, panels, columns), dependencies=[model, model.steps, panels]
    )
    return solara.Image(image, width="100%", classes=["mentorsim-charts"])


@solara.component
def StatusLine(model: ReverseMentoringModel):
    """Where the run stands (the week is counted here, once)."""
    update_counter.get()
    return solara.Text(status_text(model), classes=["mentorsim-status"])


PLAY_INTERVAL_MS = 150
"""Default pause between weeks while playing."""

RUN_HELP = (
    "Step advances the weeks per step (the views are redrawn after each step); \u25b6 plays "
    "step after step, pausing between them, until the horizon; Reset builds a new "
    "organization from the settings below."
)
"""What the run buttons do, under them."""


def control_label(spec: Slider | dict[str, Any], value: Any) -> str:
    """A control's label with its current value (``Employees: 300``)."""
    label = spec.label if isinstance(spec, Slider) else spec.get("label", "")
    if isinstance(spec, Slider):
        shown = f"{value:g}" if isinstance(value, float) else str(value)
        return f"{label}: {shown}"
    return label


@solara.component
def Controls(parameters: solara.Reactive[dict[str, Any]]):
    """The organization and program settings, each slider showing its value.

    Args:
        parameters: The control values by name (what Reset builds the next model from).
    """
    specs = solara.use_memo(model_params, dependencies=[])
    for name, spec in specs.items():
        value = parameters.value.get(name, _default_value(spec))

        def set_value(new: Any, name: str = name) -> None:
            parameters.value = {**parameters.value, name: new}

        label = control_label(spec, value)
        if isinstance(spec, Slider):
            slider = solara.SliderFloat if spec.is_float_slider else solara.SliderInt
            slider(
                label, value=value, on_value=set_value, min=spec.min, max=spec.max, step=spec.step
            )
        elif spec["type"] == "Select":
            solara.Select(label, value=value, values=spec["values"], on_value=set_value)
        else:
            solara.InputText(label, value=value, on_value=set_value)
    solara.Text("Changes apply when you press Reset.", classes=["mentorsim-hint"])


def _default_value(spec: Slider | dict[str, Any]) -> Any:
    return spec.value if isinstance(spec, Slider) else spec.get("value")


def default_controls() -> dict[str, Any]:
    """The value of every control at start (the keyword arguments of :func:`build_model`)."""
    return {name: _default_value(spec) for name, spec in model_params().items()}


@solara.component
def RunCard(current: solara.Reactive, parameters: solara.Reactive[dict[str, Any]]):
    """Step, play and reset (Mesa's model controller), the play speed and the redraw step."""
    play = solara.use_reactive(PLAY_INTERVAL_MS)
    weeks = solara.use_reactive(1)
    threads = solara.use_reactive(False)
    with solara.Card("Run"):
        ModelController(
            current,
            model_parameters=parameters,
            play_interval=play,
            render_interval=weeks,
            use_threads=threads,
        )
        solara.Text(RUN_HELP, classes=["mentorsim-hint"])
        solara.SliderInt(f"Weeks per step: {weeks.value}", value=weeks, min=1, max=13)
        solara.SliderInt(
            f"Pause while playing: {play.value} ms",
            value=play,
            min=0,
            max=1000,
            step=10,
        )


@solara.component
def Page(model: ReverseMentoringModel | solara.Reactive | None = None):
    """The app: the run and the settings in the sidebar, the network view and the charts beside.

    Each browser session gets its own model (built from the controls' defaults on first render).
    The sidebar replaces SolaraViz's: every slider shows its value, Mesa's play interval and
    render interval read as what they do, and the step counter is the status line's week.

    Args:
        model: The model to show first (a plain or a reactive model); by default a model built
            from the controls' default values.
    """
    initial = solara.use_memo(lambda: build_model() if model is None else model, dependencies=[])
    given = isinstance(initial, solara.Reactive)
    own = solara.use_reactive(None if given else initial)
    current = initial if given else own
    first = initial.value if given else initial
    parameters = solara.use_reactive({**default_controls(), **getattr(first, "controls", {})})
    with solara.Column(style={"width": "100%"}) as main:
        with solara.AppBar():  # the app bar and the sidebar are placed by solara's layout
            solara.AppBarTitle("Reverse mentoring, week by week")
        with solara.Sidebar(), solara.Column():
            RunCard(current, parameters)
            with solara.Card("Organization and program"):
                Controls(parameters)
        StatusLine(current.value)
        with solara.Columns([1, 1]):
            NetworkView(current.value)
            ChartsView(current.value, ("adoption", "retention"), columns=1)
        ChartsView(current.value, ("innovation", "resistance"), columns=2)
    return main


page = Page()
"""The app's page element: ``solara run sim/ui/app.py`` serves it (as does :func:`main`)."""


# ---------------------------------------------------------------------------- serving

_FRONTEND = re.compile(
    r"(requirejs|font-awesome|@widgetti/solara-vuetify3?-app)"
    r"@(\d+\.\d+\.\d+(?:-[\w.]+)?)/"
)


def frontend_packages() -> list[str]:
    """The npm packages (``name@version``) whose files the app's pages load from solara's server.

    Solara's server serves them from its asset cache folder, filling it from a public CDN on
    first use; where that CDN cannot be reached, :func:`install_frontend_packages` fills the
    folder from the npm registry instead.
    """
    import ipyvue
    import solara.server.settings as settings

    root = Path(solara.__file__).parent
    texts = [(root / "server" / "templates" / "solara.html.j2").read_text(encoding="utf-8")]
    texts.append(settings.assets.fontawesome_path + "/")
    found = {f"{name}@{version}" for text in texts for name, version in _FRONTEND.findall(text)}
    vue3 = str(ipyvue.__version__).startswith("3")
    unused = "@widgetti/solara-vuetify-app@" if vue3 else "@widgetti/solara-vuetify3-app@"
    return sorted(p for p in found if not p.startswith(unused))


def frontend_folder() -> Path:
    """Solara's asset cache folder (``SOLARA_ASSETS_PROXY_CACHE_DIR``; by default in the venv)."""
    import solara.server.settings as settings

    return Path(settings.assets.proxy_cache_dir)


def missing_frontend_packages() -> list[str]:
    """The packages of :func:`frontend_packages` not yet in :func:`frontend_folder`."""
    folder = frontend_folder()
    return [p for p in frontend_packages() if not (folder / p / "package.json").is_file()]


def install_frontend_packages(npm: str = "npm", timeout: float = 300.0) -> list[str]:
    """Fill solara's asset cache from the npm registry, for machines that cannot reach the CDN.

    Runs ``npm pack NAME@VERSION`` for each missing package of :func:`frontend_packages` and
    unpacks it into :func:`frontend_folder` (``NAME@VERSION/``, as the CDN lays them out).

    Args:
        npm: The npm command.
        timeout: Seconds allowed for each ``npm pack``.

    Returns:
        The packages installed (empty when none was missing).

    Raises:
        subprocess.CalledProcessError: When npm fails.
    """
    import tarfile
    import tempfile

    missing = missing_frontend_packages()
    folder = frontend_folder()
    with tempfile.TemporaryDirectory() as tmp:
        for spec in missing:
            out = subprocess.run(
                [npm, "pack", spec, "--pack-destination", tmp, "--silent"],
                check=True,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
            tarball = Path(tmp) / out.stdout.strip().splitlines()[-1]
            target = folder / spec
            staging = Path(tmp) / "unpacked"
            with tarfile.open(tarball) as archive:
                archive.extractall(staging, filter="data")
            (top,) = list(staging.iterdir())  # npm tarballs hold one folder, usually package/
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(target, ignore_errors=True)
            shutil.move(str(top), str(target))
            shutil.rmtree(staging)
    return missing


def assets_message() -> str:
    """What the app's log says about the front-end files: served from here, or what to do."""
    missing = missing_frontend_packages()
    folder = frontend_folder()
    if not missing:
        return f"mentorsim app: front-end files served from {folder} (no network needed)"
    return (
        f"mentorsim app: front-end files missing from {folder}: {', '.join(missing)}.\n"
        "  The browser will ask for them and solara will try to fetch them from a public CDN; "
        "where that is blocked the page stays blank.\n"
        "  To serve them from this machine, run once (needs npm and its registry):\n"
        "    mentorsim app --install-assets\n"
        f"  or copy {folder} from a machine where the app works."
    )


def main(host: str = "127.0.0.1", port: int = 8765, *, production: bool = True) -> int:
    """Serve the app with solara's server until interrupted (Ctrl-C).

    Args:
        host: Address to bind (the loopback address by default: only this machine can connect).
        port: Port to listen on.
        production: Run solara in production mode (no reloading when files change).

    Returns:
        The server's exit status (0 after a clean stop).
    """
    command = [
        sys.executable,
        "-m",
        "solara",
        "run",
        str(Path(__file__).resolve()),
        "--host",
        str(host),
        "--port",
        str(int(port)),
        "--no-open",
    ]
    if production:
        command.append("--production")
    env = dict(os.environ)
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    print(assets_message(), flush=True)
    print(f"mentorsim app: serving on http://{host}:{port} (Ctrl-C stops)", flush=True)
    try:
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return 0


__all__ = [
    "CHART_PANELS",
    "HORIZON_WEEKS",
    "MAX_NODES",
    "ChartsView",
    "Controls",
    "MentoringAppModel",
    "NetworkFrame",
    "NetworkLayout",
    "NetworkView",
    "Page",
    "RunCard",
    "StatusLine",
    "active_links",
    "adoption_share",
    "app_scenario",
    "assets_message",
    "build_model",
    "chart_data",
    "charts_png",
    "control_label",
    "default_controls",
    "draw_charts",
    "draw_network",
    "frontend_folder",
    "frontend_packages",
    "install_frontend_packages",
    "main",
    "missing_frontend_packages",
    "model_params",
    "network_frame",
    "network_layout",
    "network_png",
    "page",
    "status_text",
]
