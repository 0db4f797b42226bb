"""Scenario files: load YAML safely, apply ``--set`` overrides, validate against the schema.

A scenario holds one organization, dynamics overrides, run settings and one or more program
arms to compare against a baseline arm. Every error names the field path and the bad value.
"""

from __future__ import annotations

import contextlib
import copy
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ValidationError, field_validator, model_validator

from sim.core.organization_params import Organization
from sim.core.params import Params, param
from sim.mechanisms.adoption import AdoptionParams
from sim.mechanisms.attitudes import AttitudeParams
from sim.mechanisms.economics import EconomicsParams
from sim.mechanisms.innovation import InnovationParams
from sim.mechanisms.learning import LearningParams
from sim.mechanisms.meetings import MeetingParams
from sim.mechanisms.peer_learning import PeerLearningParams
from sim.mechanisms.relationship import RelationshipParams
from sim.mechanisms.retention import RetentionParams
from sim.mechanisms.staffing import StaffingParams
from sim.model.uncertainty import UncertainRange, normalise_entry, scenario_factors
from sim.program.design import Program
from sim.program.participation import ParticipationParams
from sim.validation.march1991_params import MarchParams


class ScenarioError(Exception):
    """A scenario (file, dict or override) is invalid; ``errors`` lists every problem."""

    def __init__(self, errors: list[str], source: str | None = None) -> None:
        self.errors = errors
        self.source = source
        head = f"{source}: " if source else ""
        super().__init__(head + "; ".join(errors))

    def report(self) -> str:
        """Return every error on its own line, for a terminal."""
        head = f"{self.source}: invalid scenario\n" if self.source else "invalid scenario\n"
        return head + "\n".join(f"  - {e}" for e in self.errors)


class Dynamics(Params):
    """Mechanism parameters; each block is declared in its mechanism's module."""

    participation: ParticipationParams = param(
        doc="Opt-in to voluntary programs", default_factory=ParticipationParams
    )
    meetings: MeetingParams = param(doc="Meetings and attendance", default_factory=MeetingParams)
    learning: LearningParams = param(
        doc="Two-way learning at meetings", default_factory=LearningParams
    )
    relationship: RelationshipParams = param(
        doc="Relationship quality and dissolution", default_factory=RelationshipParams
    )
    attitudes: AttitudeParams = param(doc="Resistance and openness", default_factory=AttitudeParams)
    peer_learning: PeerLearningParams = param(
        doc="Informal peer learning", default_factory=PeerLearningParams
    )
    adoption: AdoptionParams = param(doc="Digital adoption", default_factory=AdoptionParams)
    innovation: InnovationParams = param(
        doc="Ideas and their implementation", default_factory=InnovationParams
    )
    retention: RetentionParams = param(
        doc="Engagement, quits and retirement", default_factory=RetentionParams
    )
    staffing: StaffingParams = param(doc="Promotion and hiring", default_factory=StaffingParams)
    economics: EconomicsParams = param(
        doc="Salaries, replacement cost, value of ideas", default_factory=EconomicsParams
    )


class Arm(Params):
    """One program design to compare; ``program: null`` means no program."""

    name: str = param(doc="Arm name (unique within the scenario)")
    program: Program | None = param(None, doc="The program design, or null for no program")


class Scenario(Params):
    """A whole scenario: organization, dynamics, run settings and program arms."""

    model: Literal["reverse_mentoring", "march1991"] = param(
        "reverse_mentoring",
        doc="Which model runs: reverse mentoring, or March's (1991) organizational learning (validation)",
    )
    name: str = param("quickstart", doc="Scenario name (used in the results folder)")
    engine: Literal["vector", "agent"] = param(
        "vector",
        doc="vector: each rule applied to all employees at once (fast); agent: each Mesa agent applies the same rules to itself (readable reference)",
    )
    description: str = param("", doc="What the scenario is about")
    patterns: list[int] = param(
        doc="Patterns of DESIGN.md section 2 (1-8) this scenario should show; tests check them",
        default_factory=list,
    )
    seed: int = param(12345, doc="Root seed of the scenario", ge=0, lt=2**63)
    horizon_weeks: int = param(52, doc="Weeks to simulate", unit="weeks", ge=1, le=2600)
    replications: int = param(10, doc="Replications per arm", ge=1, le=1_000_000)
    organization: Organization = param(doc="The organization", default_factory=Organization)
    dynamics: Dynamics = param(doc="Mechanism parameters", default_factory=Dynamics)
    arms: list[Arm] = param(
        doc="Program arms to compare",
        default_factory=lambda: [
            Arm(name="no_program"),
            Arm(name="reverse_mentoring", program=Program()),
        ],
    )
    baseline_arm: str | None = param(
        None, doc="Arm the others are compared with (null: the first arm)"
    )
    march: MarchParams = param(
        doc="March (1991) model parameters (used when model is march1991)",
        default_factory=MarchParams,
    )
    sweep: dict[str, list[Any]] | None = param(
        None,
        doc="Default grid for `mentorsim sweep` (field path to list of values) when no --vary or --lhs is given",
    )
    uncertain: dict[str, UncertainRange | None] | None = param(
        None,
        doc="Uncertain parameters for `mentorsim sensitivity` (field path to [low, high], {low, high, dist, peak} or plausible); null: every dynamics parameter over its declared plausible range",
    )

    @field_validator("uncertain", mode="before")
    @classmethod
    def _read_uncertain(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        out = {}
        for path, entry in value.items():
            try:
                out[path] = normalise_entry(entry)
            except ValueError as exc:
                raise ValueError(f"{path}: {exc}") from None
        return out

    @model_validator(mode="before")
    @classmethod
    def _march_has_one_arm(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("model") == "march1991" and "arms" not in data:
            data = {**data, "arms": [{"name": "march1991"}]}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        bad = [p for p in self.patterns if not 1 <= p <= 8]
        if bad:
            raise ValueError(f"patterns: {bad} are not pattern numbers 1-8")
        names = [a.name for a in self.arms]
        if not names:
            raise ValueError("arms: at least one arm is needed")
        if len(set(names)) != len(names):
            raise ValueError(f"arms: duplicate arm names in {names}")
        for name in names:
            if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
                raise ValueError(
                    f"arms: name {name!r} may only hold letters, digits, '_', '.', '-'"
                )
        if self.baseline_arm is not None and self.baseline_arm not in names:
            raise ValueError(f"baseline_arm: {self.baseline_arm!r} is not one of the arms {names}")
        skills = self.organization.skill_names
        for i, arm in enumerate(self.arms):
            if arm.program is None:
                continue
            unknown = [s for s in arm.program.focus if s not in skills]
            if unknown:
                raise ValueError(f"arms.{i}.program.focus: {unknown} not among the skills {skills}")
            top = self.organization.levels - 1
            elig = arm.program.eligibility
            if elig.mentee_max_level is not None and elig.mentee_max_level < elig.mentee_min_level:
                raise ValueError(
                    f"arms.{i}.program.eligibility.mentee_max_level: {elig.mentee_max_level} "
                    f"is below mentee_min_level ({elig.mentee_min_level})"
                )
            if elig.mentee_min_level > top:
                raise ValueError(
                    f"arms.{i}.program.eligibility.mentee_min_level: {elig.mentee_min_level} "
                    f"is above the top level ({top})"
                )
        if self.uncertain is not None:
            scenario_factors(type(self), self)  # raises naming the first entry that does not fit
        return self

    @property
    def baseline(self) -> str:
        """Name of the baseline arm."""
        return self.baseline_arm or self.arms[0].name

    def arm(self, name: str) -> Arm:
        """Return the arm called ``name``."""
        for arm in self.arms:
            if arm.name == name:
                return arm
        raise KeyError(f"no arm {name!r}; arms are {[a.name for a in self.arms]}")

    def to_dict(self) -> dict[str, Any]:
        """The scenario as resolved (every default filled in), as plain data."""
        return self.model_dump(mode="json")


# ---------------------------------------------------------------- loading and overrides


def _format_errors(exc: ValidationError) -> list[str]:
    messages = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        msg = err["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        match = re.match(r"^([A-Za-z_][\w.]*): (.*)$", msg, flags=re.S)
        if match:  # a cross-field check names the field it is about
            loc += match.group(1).split(".")
            msg = match.group(2)
        path = ".".join(loc) or "(top level)"
        if err["type"] == "extra_forbidden":
            messages.append(f"{path}: unknown field (value {err['input']!r})")
        elif err["type"] == "missing":
            messages.append(f"{path}: required field is missing")
        elif "input" in err and not isinstance(err["input"], dict) and not match:
            messages.append(f"{path}: {msg} (got {err['input']!r})")
        else:
            messages.append(f"{path}: {msg}")
    return messages


def parse_value(text: str) -> Any:
    """Parse the value of a ``--set PATH=VALUE`` override as YAML (``500``, ``0.3``, ``[a, b]``)."""
    try:
        return yaml.safe_load(text) if text.strip() else ""
    except yaml.YAMLError:
        return text


def apply_override(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """Return a copy of ``data`` with the field at dotted ``path`` set to ``value``.

    List items are addressed by index (``arms.1.program.cadence_per_month``). Missing mapping
    levels are created so that the validator, not this function, reports unknown fields.
    """
    out = copy.deepcopy(data)
    parts = path.split(".")
    if not path or any(not p for p in parts):
        raise ScenarioError([f"--set {path!r}: not a dotted field path"])
    node: Any = out
    for i, part in enumerate(parts[:-1]):
        node = _child(node, part, ".".join(parts[: i + 1]), create=True)
    last = parts[-1]
    if isinstance(node, list):
        node[_index(node, last, path)] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise ScenarioError([f"{path}: {'.'.join(parts[:-1])} is not a mapping (got {node!r})"])
    return out


def _index(node: list, part: str, path: str) -> int:
    if not part.isdigit() or int(part) >= len(node):
        raise ScenarioError([f"{path}: no list item {part!r} (the list has {len(node)} items)"])
    return int(part)


def _child(node: Any, part: str, path: str, create: bool) -> Any:
    if isinstance(node, list):
        return node[_index(node, part, path)]
    if isinstance(node, dict):
        if node.get(part) is None and create:
            node[part] = {}
        return node[part]
    raise ScenarioError([f"{path}: cannot descend into {node!r}"])


def get_path(data: Any, path: str) -> Any:
    """Return the value at dotted ``path`` in plain data (dicts and lists)."""
    node = data
    for part in path.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def read_yaml(path: str | Path) -> dict[str, Any]:
    """Read a scenario file as a mapping, with clear errors for every way it can be unusable."""
    p = Path(path)
    if not p.exists():
        raise ScenarioError(["file not found"], source=str(p))
    if p.is_dir():
        raise ScenarioError(["is a directory, not a scenario file"], source=str(p))
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError([f"cannot read the file: {exc}"], source=str(p)) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError([f"not valid YAML{where}: {problem}"], source=str(p)) from None
    if data is None:
        raise ScenarioError(["the file is empty"], source=str(p))
    if not isinstance(data, dict):
        raise ScenarioError(
            [f"the top level must be a mapping of fields, got {type(data).__name__}"], source=str(p)
        )
    return data


def validate(data: dict[str, Any], source: str | None = None) -> Scenario:
    """Validate plain data as a scenario, raising :class:`ScenarioError` with every problem."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_format_errors(exc), source=source) from None


def load_scenario(
    source: str | Path | dict[str, Any] | Scenario | None = None,
    overrides: dict[str, Any] | list[str] | None = None,
) -> Scenario:
    """Load and validate a scenario.

    Args:
        source: A YAML file path, a mapping, a :class:`Scenario`, or None for the defaults.
        overrides: ``{"organization.size": 200}`` or ``["organization.size=200"]``; each value
            is validated like the file.

    Returns:
        The validated scenario with every default filled in.

    Raises:
        ScenarioError: With every problem, each naming the field path and the bad value.
    """
    label = None
    if source is None:
        data: dict[str, Any] = {}
    elif isinstance(source, Scenario):
        data = source.to_dict()
    elif isinstance(source, dict):
        data = copy.deepcopy(source)
    else:
        label = str(source)
        data = read_yaml(source)
    items = _override_items(overrides)
    if items:
        # overrides address the resolved scenario, so defaults can be overridden too; the file's
        # own errors are reported after the overrides are applied
        with contextlib.suppress(ScenarioError):
            data = validate(data).to_dict()
    for path, value in items:
        try:
            data = apply_override(data, path, value)
        except ScenarioError as exc:
            raise ScenarioError(exc.errors, source=label) from None
    return validate(data, source=label)


def _override_items(overrides: dict[str, Any] | list[str] | None) -> list[tuple[str, Any]]:
    if not overrides:
        return []
    if isinstance(overrides, dict):
        return list(overrides.items())
    items = []
    for text in overrides:
        if "=" not in text:
            raise ScenarioError([f"--set {text!r}: expected PATH=VALUE"])
        path, value = text.split("=", 1)
        items.append((path.strip(), parse_value(value)))
    return items
