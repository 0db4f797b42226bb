"""Scenario files: load YAML safely, apply ``--set`` overrides, validate against the schema.

A scenario holds one organization, dynamics overrides, run settings and one or more program
arms to compare against a baseline arm. Every error names the field path and the bad value.
"""

from __future__ import annotations

import contextlib
import copy
import os
import re
import stat
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ValidationError, field_validator, model_validator

from sim.core.errors import ScenarioError, clip, shown
from sim.core.money import DEFAULT_CURRENCY, check_currency
from sim.core.organization_params import COHORTS, Cohorts, Organization
from sim.core.params import Params, param
from sim.mechanisms.adoption import AdoptionParams
from sim.mechanisms.attitudes import AttitudeParams
from sim.mechanisms.careers import CareersParams
from sim.mechanisms.economics import EconomicsParams
from sim.mechanisms.innovation import InnovationParams
from sim.mechanisms.learning import LearningParams
from sim.mechanisms.meetings import MeetingParams
from sim.mechanisms.peer_learning import PeerLearningParams
from sim.mechanisms.relationship import RelationshipParams
from sim.mechanisms.retention import RetentionParams
from sim.mechanisms.staffing import StaffingParams
from sim.model.levers import parse_levers
from sim.model.uncertainty import UncertainRange, normalise_entry, scenario_factors
from sim.program.design import Program
from sim.program.participation import ParticipationParams
from sim.validation.march1991_params import MarchParams


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
    careers: CareersParams = param(
        doc="Promotions in grade and their readiness", default_factory=CareersParams
    )
    staffing: StaffingParams = param(
        doc="Vacancies: promotion into them and hiring", default_factory=StaffingParams
    )
    economics: EconomicsParams = param(
        doc="Salaries, replacement cost, value of ideas", default_factory=EconomicsParams
    )


NAME_PATTERN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}")
"""Names of scenarios and arms: they become folder and file names, so no path may hide in one."""


def check_name(name: str) -> str:
    """Return ``name`` if it is a safe scenario or arm name, else raise ``ValueError``."""
    if not NAME_PATTERN.fullmatch(name):
        raise ValueError(
            "may only hold letters, digits, '_', '.' and '-', start with a letter, a digit or "
            "'_', and have at most 100 characters"
        )
    return name


class Arm(Params):
    """One program design to compare; ``program: null`` means no program."""

    name: str = param(doc="Arm name (unique within the scenario; letters, digits, '_', '.', '-')")
    program: Program | None = param(None, doc="The program design, or null for no program")

    _safe_name = field_validator("name")(check_name)


class Scenario(Params):
    """A whole scenario: organization, dynamics, run settings and program arms."""

    model: Literal["reverse_mentoring", "march1991"] = param(
        "reverse_mentoring",
        doc="Which model runs: reverse mentoring, or March's (1991) organizational learning (validation)",
    )
    name: str = param(
        "quickstart",
        doc="Scenario name, used in the results folder (letters, digits, '_', '.', '-'; a file without one takes its file name)",
    )
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
    currency: str = param(
        DEFAULT_CURRENCY,
        doc="ISO 4217 code of every amount of money (unit 'currency': salaries, costs, the value of ideas) and of the results",
    )
    uncertain: dict[str, UncertainRange | None] | None = param(
        None,
        doc="Uncertain parameters for `mentorsim sensitivity` and `mentorsim calibrate` (field path to [low, high], {low, high, dist, peak} or plausible); null: every dynamics parameter over its declared plausible range",
    )
    levers: dict[str, Any] | None = param(
        None,
        doc="Program fields `mentorsim optimize` may change in the optimized arm (field inside the program to [low, high], {low, high, log}, a list of choices or {choices: [...]}); null: none",
    )

    @field_validator("currency")
    @classmethod
    def _iso_currency(cls, code: str) -> str:
        return check_currency(code)

    @model_validator(mode="before")
    @classmethod
    def _organization_from_roster(cls, data: Any) -> Any:
        org = data.get("organization") if isinstance(data, dict) else None
        if isinstance(org, dict) and org.get("roster") is not None:
            data = {**data, "organization": with_roster_fields(org)}
        return data

    _safe_name = field_validator("name")(check_name)

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
        if self.organization.roster is not None:
            from sim.core.workforce import organization_roster

            skills = self.organization.skill_names
            unknown = [s for s in organization_roster(self.organization).skills if s not in skills]
            if unknown:
                raise ValueError(
                    f"organization.roster: columns {', '.join('skill.' + s for s in unknown)} "
                    f"name no skill of organization.skills {skills}; add the skills or ignore the columns"
                )
        bad = [p for p in self.patterns if not 1 <= p <= 8]
        if bad:
            raise ValueError(f"patterns: {bad} are not pattern numbers 1-8")
        names = [a.name for a in self.arms]
        if not names:
            raise ValueError("arms: at least one arm is needed")
        if len(set(names)) != len(names):
            raise ValueError(f"arms: duplicate arm names in {names}")
        if self.baseline_arm is not None and self.baseline_arm not in names:
            raise ValueError(f"baseline_arm: {self.baseline_arm!r} is not one of the arms {names}")
        skills = self.organization.skill_names
        valued = self.dynamics.economics.valued_skills or []
        if [s for s in valued if s not in skills]:
            raise ValueError(
                f"dynamics.economics.valued_skills: {[s for s in valued if s not in skills]} "
                f"not among the skills {skills}"
            )
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
        if self.levers is not None:
            self._check_levers()
        return self

    def _check_levers(self) -> None:
        """Check the ``levers:`` block against the first arm besides the baseline with a program."""
        if not self.levers:
            raise ValueError("levers: the block is empty; leave it out, or name program fields")
        others = [a for a in self.arms if a.name != self.baseline and a.program is not None]
        program = others[0].program.model_dump(mode="json") if others else None
        try:
            parse_levers(
                self.levers, self.organization.skill_names, self.organization.levels - 1, program
            )
        except ValueError as exc:
            raise ValueError(f"levers.{exc}") from None

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
        """The scenario as resolved (every default filled in), as plain data.

        With a roster, the fields it sets (size, levels, departments, ...) are left out:
        reading the roster sets them again, and ``--set`` overrides of the roster options then
        take effect without clashing with the old file's values.
        """
        data = self.model_dump(mode="json")
        if self.organization.roster is not None:
            org = data["organization"]
            for key in roster_fields(self.organization):
                if key == "cohorts":
                    for spec in org["cohorts"].values():
                        spec.pop("share", None)
                else:
                    org.pop(key, None)
        return data


# ---------------------------------------------------------------- organizations from a roster

ROSTER_OPTIONS = (
    "roster",
    "as_of",
    "ties",
    "skill_scale",
    "ignore_columns",
    "cohorts",
    "reference_year",
)
"""The ``organization`` fields that say how to read a roster."""

ROSTER_SET = (
    "size",
    "levels",
    "span_of_control",
    "departments",
    "reference_year",
    "underrepresented_share",
    "cohorts",
)
"""The ``organization`` fields a roster sets (the cohorts' shares, when it gives ages)."""


def roster_fields(org: Organization) -> dict[str, Any]:
    """The ``organization`` fields the scenario's roster sets, with their values.

    ``cohorts`` (the shares of each generation) is set only when the roster gives ages or
    generations.
    """
    from sim.core.workforce import cohort_shares, derived_fields, organization_roster

    roster = organization_roster(org)
    fields: dict[str, Any] = derived_fields(roster)
    shares = cohort_shares(roster)
    if shares is not None:
        fields["cohorts"] = shares
    return fields


def with_roster_fields(org: dict[str, Any]) -> dict[str, Any]:
    """The raw ``organization`` block with the fields its roster sets filled in.

    The roster (and ties) file is read and checked here, so a broken file is reported when
    the scenario loads. A relative path is taken from the working directory
    (:func:`load_scenario` first makes a file's paths relative to the scenario file).

    Raises:
        RosterError: The roster or ties file has problems.
        ScenarioError: The block also sets a field the roster sets, to another value.
    """
    org = _absolute_paths(org, Path.cwd())
    given = {k: org[k] for k in ROSTER_OPTIONS if k in org}
    if isinstance(given.get("cohorts"), dict):  # birth years matter here, shares do not
        given["cohorts"] = _default_shares(given["cohorts"])
    try:
        options = Organization.model_validate(given)
    except ValidationError:
        return org  # the scenario's own validation names the problem
    from sim.core.workforce import organization_roster, organization_ties  # reads the roster

    roster = organization_roster(options)
    organization_ties(options, roster)
    fields = roster_fields(options)
    shares = fields.pop("cohorts", None)
    errors = [
        f"organization.{key}: set by the roster ({_shown(value)}); remove it from the scenario"
        for key, value in fields.items()
        if key in org and org[key] != value
    ]
    out = {**org, **fields}
    if shares is not None:
        out["cohorts"] = _with_shares(org.get("cohorts"), shares, errors)
    if errors:
        raise ScenarioError(errors)
    return out


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return f"{len(value)} of them"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _with_shares(raw: Any, shares: dict[str, float], errors: list[str]) -> Any:
    if raw is not None and not isinstance(raw, dict):
        return raw
    defaults = Cohorts().model_dump()
    out = {}
    for name in COHORTS:
        given = (raw or {}).get(name)
        if given is not None and not isinstance(given, dict):
            return raw
        spec = {**defaults[name], **(given or {})}
        if given and "share" in given and given["share"] != shares[name]:
            errors.append(
                f"organization.cohorts.{name}.share: set by the roster's ages "
                f"({shares[name]:.4g}); remove it from the scenario"
            )
        spec["share"] = shares[name]
        out[name] = spec
    return {**(raw or {}), **out}


def _default_shares(raw: dict[str, Any]) -> dict[str, Any]:
    defaults = Cohorts().model_dump()
    out = dict(raw)
    for name in COHORTS:
        spec = raw.get(name)
        if spec is None or isinstance(spec, dict):
            out[name] = {**defaults[name], **(spec or {})}
            out[name]["share"] = defaults[name]["share"]
            out[name]["hire_share"] = defaults[name]["hire_share"]
    return out


def _absolute_paths(org: dict[str, Any], base: Path) -> dict[str, Any]:
    """``roster`` and ``ties`` as absolute paths, relative ones taken from ``base``."""
    out = dict(org)
    for key in ("roster", "ties"):
        value = out.get(key)
        if isinstance(value, str) and value and not Path(value).is_absolute():
            out[key] = str(base / value)
    return out


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
            messages.append(f"{path}: unknown field (value {shown(err['input'])})")
        elif err["type"] == "missing":
            messages.append(f"{path}: required field is missing")
        elif "input" in err and not isinstance(err["input"], dict) and not match:
            messages.append(f"{path}: {msg} (got {shown(err['input'])})")
        else:
            messages.append(f"{path}: {msg}")
    return messages


def parse_value(text: str) -> Any:
    """Parse the value of a ``--set PATH=VALUE`` override as YAML (``500``, ``0.3``, ``[a, b]``)."""
    try:
        return load_yaml_text(text) if text.strip() else ""
    except (yaml.YAMLError, RecursionError):
        return text


def apply_override(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """Return a copy of ``data`` with the field at dotted ``path`` set to ``value``.

    List items are addressed by index (``arms.1.program.cadence_per_month``). Missing mapping
    levels are created so that the validator, not this function, reports unknown fields.
    """
    out = copy.deepcopy(data)
    parts = path.split(".")
    if not path or any(not p for p in parts):
        raise ScenarioError([f"--set {shown(path)}: not a dotted field path"])
    node: Any = out
    for i, part in enumerate(parts[:-1]):
        node = _child(node, part, ".".join(parts[: i + 1]), create=True)
    last = parts[-1]
    if isinstance(node, list):
        node[_index(node, last, path)] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise ScenarioError(
            [
                f"{clip(path, 120)}: {clip('.'.join(parts[:-1]), 120)} is not a mapping (got {shown(node)})"
            ]
        )
    return out


def _index(node: list, part: str, path: str) -> int:
    if not part.isdigit() or int(part) >= len(node):
        raise ScenarioError(
            [f"{clip(path, 120)}: no list item {shown(part)} (the list has {len(node)} items)"]
        )
    return int(part)


def _child(node: Any, part: str, path: str, create: bool) -> Any:
    if isinstance(node, list):
        return node[_index(node, part, path)]
    if isinstance(node, dict):
        if node.get(part) is None and create:
            node[part] = {}
        return node[part]
    raise ScenarioError([f"{clip(path, 120)}: cannot descend into {shown(node)}"])


def get_path(data: Any, path: str) -> Any:
    """Return the value at dotted ``path`` in plain data (dicts and lists)."""
    node = data
    for part in path.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


MAX_FILE_BYTES = 2 * 1024 * 1024
"""Largest scenario file read (a scenario is a few kilobytes)."""
MAX_NODES = 100_000
"""Most YAML nodes in a document once its aliases are expanded (a scenario has a few hundred)."""
MAX_DEPTH = 64
"""Deepest nesting of a YAML document, aliases expanded (a scenario nests about 6 deep)."""


class _ScenarioLoader(yaml.SafeLoader):
    """PyYAML's safe loader that refuses duplicate keys and bounds nesting while composing."""

    def compose_node(self, parent, index):
        """Compose one node, refusing nesting deeper than :data:`MAX_DEPTH`."""
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"nested more than {MAX_DEPTH} levels deep",
                    self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        """Construct a mapping, refusing a key written twice (naming it and both lines)."""
        seen: dict[Any, int] = {}
        for key_node, _ in node.value if isinstance(node, yaml.MappingNode) else []:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # keys merged with << may be overridden: that is what merging is for
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            try:
                first = seen.setdefault(key, line)
            except TypeError:
                continue  # an unhashable key: the base class reports it
            if first != line:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key {shown(key)} (first at line {first}, again at line {line})",
                    key_node.start_mark,
                )
        return super().construct_mapping(node, deep=deep)


def _expanded_size(root: yaml.Node) -> tuple[int, int]:
    """(nodes, depth) of a composed document with every alias expanded, without expanding it.

    Each node's expanded size and depth are computed once (aliases share nodes), iteratively,
    stopping as soon as the document passes :data:`MAX_NODES`; an alias inside its own anchor
    (a cycle) is an error.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    open_nodes: set[int] = set()
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            kids = _children(node)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            open_nodes.discard(key)
            if size[key] > MAX_NODES:
                return size[key], depth[key]
            continue
        if key in size:
            continue
        if key in open_nodes:
            raise yaml.composer.ComposerError(
                None, None, "an alias refers to the anchor it is inside of", node.start_mark
            )
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((k, False) for k in _children(node) if id(k) not in size)
    return size[id(root)], depth[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def load_yaml_text(text: str) -> Any:
    """Parse YAML safely: no duplicate keys, no alias bombs, no nesting deeper than a scenario's.

    Raises:
        yaml.YAMLError: With the line and column of the problem where known.
    """
    loader = _ScenarioLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        nodes, depth = _expanded_size(node)
        if nodes > MAX_NODES:
            raise yaml.composer.ComposerError(
                None, None, f"expands to more than {MAX_NODES:,} values (aliases)", None
            )
        if depth > MAX_DEPTH:
            raise yaml.composer.ComposerError(
                None, None, f"nested more than {MAX_DEPTH} levels deep (aliases)", None
            )
        return loader.construct_document(node)
    finally:
        loader.dispose()


def read_yaml(path: str | Path) -> dict[str, Any]:
    """Read a scenario file as a mapping, with clear errors for every way it can be unusable."""
    p = Path(path)
    text = _read_text(p)
    try:
        data = load_yaml_text(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError([f"not valid YAML{where}: {problem}"], source=str(p)) from None
    except RecursionError:
        raise ScenarioError(["not valid YAML: nested too deeply"], source=str(p)) from None
    if data is None:
        raise ScenarioError(["the file is empty"], source=str(p))
    if not isinstance(data, dict):
        raise ScenarioError(
            [f"the top level must be a mapping of fields, got {type(data).__name__}"], source=str(p)
        )
    return data


def _read_text(p: Path) -> str:
    """The text of a regular file of at most :data:`MAX_FILE_BYTES`, UTF-8."""
    try:
        info = os.stat(p)  # before opening: opening a FIFO without a writer would block
    except FileNotFoundError:
        raise ScenarioError(["file not found"], source=str(p)) from None
    except (OSError, ValueError) as exc:
        raise ScenarioError([f"cannot read the file: {exc}"], source=str(p)) from None
    if stat.S_ISDIR(info.st_mode):
        raise ScenarioError(["is a directory, not a scenario file"], source=str(p))
    if not stat.S_ISREG(info.st_mode):
        raise ScenarioError(
            ["is not a regular file (a device, a pipe or a socket); give a YAML file"],
            source=str(p),
        )
    try:
        with open(p, "rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(
            [f"cannot read the file: {exc.strerror or exc}"], source=str(p)
        ) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(
            [f"larger than {MAX_FILE_BYTES // 1024**2} MiB: not a scenario file"], source=str(p)
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError([f"not UTF-8 text (byte {exc.start})"], source=str(p)) from None


def validate(data: dict[str, Any], source: str | None = None) -> Scenario:
    """Validate plain data as a scenario, raising :class:`ScenarioError` with every problem.

    A roster named by the scenario is read and checked too; its problems raise
    :class:`~sim.core.roster_table.RosterError`.
    """
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_format_errors(exc), source=source) from None
    except ScenarioError as exc:
        raise ScenarioError(exc.errors, source=exc.source or source) from None


def load_scenario(
    source: str | Path | dict[str, Any] | Scenario | None = None,
    overrides: dict[str, Any] | list[str] | None = None,
) -> Scenario:
    """Load and validate a scenario.

    A block a file or mapping gives in part (``cohorts: {gen_z: {share: 0.3}}``) keeps the
    defaults of the fields it leaves out, as ``--set`` does; lists (arms, skills,
    technologies) replace the default list. A file without ``name`` is named after the file.

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
        data = with_defaults(copy.deepcopy(source))
    else:
        label = str(source)
        data = with_defaults(read_yaml(source))
        data.setdefault("name", name_from_file(Path(source)))
        if isinstance(data.get("organization"), dict):  # files named relative to the scenario
            org = _absolute_paths(data["organization"], Path(source).absolute().parent)
            data = {**data, "organization": org}
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


def with_defaults(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with each nested mapping it gives completed from the defaults' same mapping.

    Top-level fields left out stay out (the schema fills them, some from other fields); a
    mapping given inside one is merged key by key with the default mapping at the same path.
    """
    defaults = _default_data()
    org = data.get("organization")
    if isinstance(org, dict) and org.get("roster") is not None:
        for key in ROSTER_SET:  # the roster sets these (it completes a partial cohorts block)
            defaults["organization"].pop(key, None)
    return {key: _merge(defaults.get(key), value) for key, value in data.items()}


def _merge(default: Any, given: Any) -> Any:
    if isinstance(default, dict) and isinstance(given, dict):
        return {**default, **{k: _merge(default.get(k), v) for k, v in given.items()}}
    return given


_DEFAULTS: dict[str, Any] = {}


def _default_data() -> dict[str, Any]:
    if not _DEFAULTS:
        _DEFAULTS.update(Scenario().to_dict())
    return copy.deepcopy(_DEFAULTS)


def name_from_file(path: Path) -> str:
    """A scenario name from a file name: its stem, with characters a name may not hold as ``_``."""
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", path.stem).lstrip(".-")[:100]
    return stem or "scenario"


def _override_items(overrides: dict[str, Any] | list[str] | None) -> list[tuple[str, Any]]:
    if not overrides:
        return []
    if isinstance(overrides, dict):
        return list(overrides.items())
    items = []
    for text in overrides:
        if "=" not in text:
            raise ScenarioError([f"--set {shown(text)}: expected PATH=VALUE"])
        path, value = text.split("=", 1)
        items.append((path.strip(), parse_value(value)))
    return items
