"""Program levers: the fields of a program design that ``mentorsim optimize`` may change.

A scenario's ``levers:`` block maps fields of the optimized arm's program (dotted inside the
program: ``cadence_per_month``, ``eligibility.mentee_min_level``) to what they may take::

    levers:
      cadence_per_month: [1, 4]               # a range: whole numbers for an integer field
      duration_months: {low: 2, high: 12}     # the same, as a mapping (log: true for a log scale)
      pairing: [optimal, random, influence_first]   # choices, for a field that is not a number
      mentor_training: [false, true]
      focus: [[], [genai_tools], [genai_tools, data_analytics]]   # choices of skill lists
      mentor_capacity: {choices: [1, 2, 4]}   # choices, for a number

Every range end and every choice is checked against the field's declaration (its type, its
valid range, the pairing policies, the organization's skills and levels), so a bad lever is
reported when the scenario loads, naming ``levers.FIELD`` and the value.
"""

from __future__ import annotations

import json
import typing
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from sim.core.errors import shown
from sim.core.params import field_bounds
from sim.program.design import Program

KINDS = ("int", "float", "choice")
"""How a lever is searched: whole numbers, real numbers, or one of a list of choices."""


@dataclass(frozen=True)
class Lever:
    """One lever, resolved: the program field, and the values it may take.

    Attributes:
        path: Dotted field path inside the program (``eligibility.mentee_min_level``).
        kind: ``int`` or ``float`` (a range), or ``choice``.
        low: Lower end of a range (None for choices).
        high: Upper end of a range (None for choices).
        log: Search a range on a log scale.
        choices: The values a ``choice`` lever may take, as the program takes them.
    """

    path: str
    kind: str
    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: tuple[Any, ...] = ()

    @property
    def labels(self) -> tuple[str | int | float | bool | None, ...]:
        """The choices as a search library takes them: lists become their JSON text."""
        return tuple(label(c) for c in self.choices)

    def value(self, searched: Any) -> Any:
        """The program value of a searched value (a label back to its choice)."""
        if self.kind != "choice":
            return int(searched) if self.kind == "int" else float(searched)
        return self.choices[self.labels.index(searched)]


def label(choice: Any) -> str | int | float | bool | None:
    """A choice as a scalar: lists (focus skills) as their JSON text, scalars as they are."""
    return json.dumps(choice) if isinstance(choice, list | tuple) else choice


# ---------------------------------------------------------------------- the program schema


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(annotation without ``None``, whether ``None`` is allowed)."""
    args = typing.get_args(annotation)
    if type(None) in args and typing.get_origin(annotation) is not Literal:
        rest = [a for a in args if a is not type(None)]
        return (rest[0] if len(rest) == 1 else annotation), True
    return annotation, False


def program_field(path: str) -> tuple[Any, Any, bool]:
    """(field info, annotation, nullable) of the program field at dotted ``path``.

    Raises:
        ValueError: When ``path`` names no field of a program (nested blocks are walked, lists
            and the blocks themselves are not levers).
    """
    model: type[BaseModel] = Program
    parts = path.split(".")
    for i, part in enumerate(parts):
        if part not in model.model_fields:
            known = ", ".join(model.model_fields)
            where = "a program" if i == 0 else f"program.{'.'.join(parts[:i])}"
            raise ValueError(f"{part!r} is not a field of {where} (fields: {known})")
        info = model.model_fields[part]
        annotation, nullable = _unwrap(info.annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if i == len(parts) - 1:
                raise ValueError("is a block of fields; name one of them, e.g. " + _example(path))
            model = annotation
            continue
        if i != len(parts) - 1:
            raise ValueError(f"{'.'.join(parts[: i + 1])} is not a block of fields")
        return info, annotation, nullable
    raise ValueError("not a program field")  # pragma: no cover - the loop returns or raises


def _example(path: str) -> str:
    model = Program.model_fields[path.split(".")[0]].annotation
    first = next(iter(model.model_fields)) if isinstance(model, type) else "field"
    return f"{path}.{first}"


def _is_number(annotation: Any) -> bool:
    return annotation in (int, float)


def _is_skill_list(path: str) -> bool:
    return path == "focus"


def _is_list_of_names(annotation: Any) -> bool:
    """A list of names (skills, cohorts): searched as choices of whole lists."""
    if typing.get_origin(annotation) is not list:
        return False
    (item,) = typing.get_args(annotation)
    return item is str or typing.get_origin(item) is Literal


# ---------------------------------------------------------------------- parsing one entry


def parse_lever(path: str, spec: Any) -> Lever:
    """Read one ``levers:`` entry into a :class:`Lever` (field type and form checked).

    Raises:
        ValueError: Naming what is wrong with the entry (not the path: the caller adds it).
    """
    info, annotation, _ = program_field(path)
    if typing.get_origin(annotation) is list and not _is_list_of_names(annotation):
        raise ValueError("a list of blocks or numbers is not a lever (waves, hourly costs)")
    if isinstance(spec, dict):
        if set(spec) == {"choices"}:
            return _choices(path, spec["choices"], annotation)
        return _range(path, spec, annotation, info)
    if not isinstance(spec, list):
        raise ValueError(
            f"expected [low, high], {{low, high}} or a list of choices, got {shown(spec)}"
        )
    if _is_number(annotation):
        if len(spec) != 2:
            raise ValueError(
                f"a number field takes [low, high] or {{choices: [...]}}; got {shown(spec)}"
            )
        return _range(path, {"low": spec[0], "high": spec[1]}, annotation, info)
    return _choices(path, spec, annotation)


def _range(path: str, spec: dict, annotation: Any, info: Any) -> Lever:
    if not _is_number(annotation):
        raise ValueError(f"a range needs a number field; this one takes {_type_name(annotation)}")
    unknown = set(spec) - {"low", "high", "log"}
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)} (a range has low, high and log)")
    if "low" not in spec or "high" not in spec:
        raise ValueError(f"a range needs low and high, got {shown(spec)}")
    low, high, log = spec["low"], spec["high"], spec.get("log", False)
    kind = "int" if annotation is int else "float"
    for name, end in (("low", low), ("high", high)):
        if isinstance(end, bool) or not isinstance(end, int | float):
            raise ValueError(f"{name} must be a number, got {shown(end)}")
        if kind == "int" and not float(end).is_integer():
            raise ValueError(f"{name} must be a whole number for an integer field, got {end}")
    if not isinstance(log, bool):
        raise ValueError(f"log must be true or false, got {shown(log)}")
    if not low < high:
        raise ValueError(f"low ({low}) must be below high ({high})")
    if log and low <= 0:
        raise ValueError(f"a log range needs low > 0 (got {low})")
    _within_bounds(info, low, high)
    cast = int if kind == "int" else float
    return Lever(path, kind, cast(low), cast(high), log)


def _within_bounds(info: Any, low: float, high: float) -> None:
    lo, hi, lo_incl, hi_incl = field_bounds(info)
    if lo is not None and (low < lo or (low == lo and not lo_incl)):
        raise ValueError(f"low ({low}) is outside the field's valid range ({_bounds(info)})")
    if hi is not None and (high > hi or (high == hi and not hi_incl)):
        raise ValueError(f"high ({high}) is outside the field's valid range ({_bounds(info)})")


def _bounds(info: Any) -> str:
    from sim.core.params import field_range

    return field_range(info) or "unbounded"


def _choices(path: str, choices: Any, annotation: Any) -> Lever:
    if not isinstance(choices, list) or len(choices) < 2:
        raise ValueError(f"give at least two choices, got {shown(choices)}")
    labels = [label(c) if _hashable(c) else c for c in choices]
    if any(not _hashable(c) for c in choices) or len(set(map(json.dumps, labels))) != len(labels):
        raise ValueError(f"choices must be distinct values, got {shown(choices)}")
    if _is_list_of_names(annotation) and not all(isinstance(c, list) for c in choices):
        raise ValueError(
            f"the choices of a list field are lists, e.g. [[], [genai_tools]]; got {shown(choices)}"
        )
    return Lever(path, "choice", choices=tuple(choices))


def _hashable(choice: Any) -> bool:
    if isinstance(choice, list | tuple):
        return all(isinstance(c, str) for c in choice)
    return choice is None or isinstance(choice, str | int | float | bool)


def _type_name(annotation: Any) -> str:
    if typing.get_origin(annotation) is Literal:
        return "one of " + ", ".join(map(str, typing.get_args(annotation)))
    return getattr(annotation, "__name__", str(annotation))


# ---------------------------------------------------------------------- values in a program


def with_value(program: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of a program's plain data with the field at ``path`` set to ``value``."""
    import copy

    out = copy.deepcopy(program)
    node = out
    parts = path.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return out


def lever_values(lever: Lever) -> list[Any]:
    """The values checked for a lever: each choice, or both ends of a range."""
    return (
        list(lever.choices)
        if lever.kind == "choice"
        else [lever.value(lever.low), lever.value(lever.high)]
    )


def check_value(
    program: dict[str, Any], lever: Lever, value: Any, skills: list[str], top: int
) -> None:
    """Raise ValueError when ``value`` is no valid value of the lever's field in ``program``.

    Args:
        program: The optimized arm's program as plain data (or a default program).
        lever: The lever.
        value: One of its choices or range ends.
        skills: The organization's skill names (focus choices must be among them).
        top: The organization's top level (eligibility levels must not exceed it).
    """
    try:
        Program.model_validate(with_value(program, lever.path, value))
    except ValidationError as exc:
        problems = "; ".join(_message(e) for e in exc.errors())
        raise ValueError(f"{shown(value)} is not a valid value: {problems}") from None
    if _is_skill_list(lever.path):
        unknown = [s for s in value if s not in skills]
        if unknown:
            raise ValueError(
                f"the choice {shown(value)} names skills not in the organization: {unknown} (skills: {skills})"
            )
    is_level = lever.path.startswith("eligibility.") and lever.path.endswith("_level")
    if is_level and value is not None and value > top:
        raise ValueError(f"{shown(value)} is above the top level ({top})")


def _message(err: dict) -> str:
    msg = err["msg"].removeprefix("Value error, ")
    loc = ".".join(str(p) for p in err["loc"])
    return f"{loc}: {msg}" if loc else msg


def parse_levers(
    spec: Any, skills: list[str], top: int, program: dict[str, Any] | None = None
) -> list[Lever]:
    """Read and check a whole ``levers:`` block.

    Args:
        spec: The block (a mapping of program field paths to ranges or choices).
        skills: The organization's skill names.
        top: The organization's top level.
        program: The optimized arm's program as plain data (default: a default program).

    Returns:
        One :class:`Lever` per entry, in the block's order.

    Raises:
        ValueError: ``PATH: problem`` for the first entry that does not fit.
    """
    program = program if program is not None else Program().model_dump(mode="json")
    out = []
    for path, entry in spec.items():
        try:
            lever = parse_lever(str(path), entry)
            for value in lever_values(lever):
                check_value(program, lever, value, skills, top)
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None
        out.append(lever)
    return out


__all__ = [
    "KINDS",
    "Lever",
    "check_value",
    "label",
    "lever_values",
    "parse_lever",
    "parse_levers",
    "program_field",
    "with_value",
]
