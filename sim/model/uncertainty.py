"""Uncertain parameters: the declared plausible ranges, or a scenario's own ``uncertain:`` block.

Every mechanism parameter whose value is an assumption declares a plausible range with
:func:`sim.core.params.param` (``plausible=(low, high, reason)``). Sensitivity analysis varies
those of ``dynamics`` by default; a scenario's ``uncertain:`` block replaces that set::

    uncertain:
      dynamics.adoption.mentoring: [0, 8]                    # uniform on [0, 8]
      dynamics.adoption.imitation: {low: 1, high: 4, dist: triangular, peak: 2.5}
      dynamics.retention.recognition: {low: 0.05, high: 0.25, dist: normal}
      organization.network.homophily_generation: plausible   # the declared range

``normal`` reads ``low`` and ``high`` as the central 95% interval (mean at the midpoint,
standard deviation (high - low) / 3.92), truncated to the field's valid range and to four
standard deviations; ``triangular`` peaks at ``peak`` (default: the midpoint).
"""

from __future__ import annotations

import math
import typing
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

from sim.core.params import Params, field_bounds, param, plausible_range

DISTRIBUTIONS = ("uniform", "normal", "triangular")
"""Distributions an uncertain parameter may take over its range."""

UNCERTAIN_ROOTS = ("organization", "dynamics", "arms", "march")
"""Top-level blocks whose fields may be uncertain (run settings and seeds may not)."""

Z95 = 1.959963984540054
"""Standard normal quantile of 0.975: ``[low, high]`` of a normal is its central 95%."""

NORMAL_TAIL_SD = 4.0
"""A normal is cut at this many standard deviations (Morris' end levels need finite values)."""


class UncertainRange(Params):
    """One entry of a scenario's ``uncertain:`` block."""

    low: float = param(doc="Lower end of the range")
    high: float = param(doc="Upper end of the range")
    dist: Literal["uniform", "normal", "triangular"] = param(
        "uniform",
        doc="uniform on [low, high]; normal with [low, high] its central 95%; triangular",
    )
    peak: float | None = param(None, doc="Mode of a triangular distribution (null: the midpoint)")


@dataclass(frozen=True)
class Factor:
    """An uncertain parameter, resolved: where it is, its range, its distribution.

    Attributes:
        path: Dotted field path in the scenario (``dynamics.adoption.mentoring``).
        low: Lower end of the range.
        high: Upper end of the range.
        dist: One of :data:`DISTRIBUTIONS`.
        peak: Mode of a triangular distribution.
        integer: The field holds whole numbers (values are rounded).
        default: The scenario's value of the field.
        reason: Why the range: the declared reason, or "scenario" for the file's own range.
        valid_low: Lower end of the valid range (None: unbounded).
        valid_high: Upper end of the valid range (None: unbounded).
    """

    path: str
    low: float
    high: float
    dist: str = "uniform"
    peak: float | None = None
    integer: bool = False
    default: float = math.nan
    reason: str = ""
    valid_low: float | None = None
    valid_high: float | None = None

    @property
    def name(self) -> str:
        """Short name: the path without its top-level block (``adoption.mentoring``)."""
        head, _, rest = self.path.partition(".")
        return rest if head == "dynamics" else self.path

    def cast(self, value: float) -> float | int:
        """The value as the field takes it (rounded for whole-number fields)."""
        return round(float(value)) if self.integer else float(value)


# ---------------------------------------------------------------------- walking the schema


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(inner annotation, is a list) of ``X``, ``X | None``, ``list[X]``."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) is list:
        return args[0], True
    if args and typing.get_origin(annotation) in (typing.Union, type(int | None)):
        return _unwrap(args[0]) if len(args) == 1 else (annotation, False)
    return annotation, False


def locate(model: type[BaseModel], data: Any, path: str) -> tuple[Any, Any]:
    """Return (field info, current value) of the numeric field at ``path``.

    Args:
        model: The schema class the path starts from (the scenario).
        data: The resolved scenario as plain data (to check list items exist).
        path: Dotted path; list items by index.

    Raises:
        ValueError: Naming the path, when it is no field, or not a number.
    """
    annotation: Any = model
    info, node = None, data
    parts = path.split(".")
    for i, part in enumerate(parts):
        if node is None:
            raise ValueError(f"{'.'.join(parts[:i])} is null")
        inner, is_list = _unwrap(annotation)
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ValueError(f"no list item {part!r} (the list has {len(node)} items)")
            node, annotation = node[int(part)], inner
            continue
        if is_list or not (isinstance(inner, type) and issubclass(inner, BaseModel)):
            raise ValueError("no such field")
        if part not in inner.model_fields or not isinstance(node, dict):
            raise ValueError("no such field")
        info = inner.model_fields[part]
        node, annotation = node.get(part), info.annotation
    leaf, is_list = _unwrap(annotation)
    if is_list or leaf not in (int, float) or isinstance(node, bool) or node is None:
        raise ValueError(f"not a number (the field holds {node!r})")
    return info, node


# ---------------------------------------------------------------------- factors


def factor(
    path: str, info: Any, value: Any, entry: UncertainRange | None, reason: str = "scenario"
) -> Factor:
    """Resolve one uncertain field into a :class:`Factor` (no checks; see :func:`check`)."""
    valid_low, valid_high, _, _ = field_bounds(info)
    declared = plausible_range(info)
    if entry is None:
        if declared is None:
            raise ValueError("no plausible range is declared for this field; give [low, high]")
        low, high, reason = declared
        dist, peak = "uniform", None
    else:
        low, high, dist, peak = entry.low, entry.high, entry.dist, entry.peak
    return Factor(
        path=path,
        low=float(low),
        high=float(high),
        dist=dist,
        peak=peak,
        integer=isinstance(value, int),
        default=float(value),
        reason=reason,
        valid_low=valid_low,
        valid_high=valid_high,
    )


def check(path: str, info: Any, f: Factor) -> None:
    """Raise ValueError when a factor's range is empty or leaves the field's valid range."""
    if path.split(".")[0] not in UNCERTAIN_ROOTS:
        raise ValueError(f"only fields of {', '.join(UNCERTAIN_ROOTS)} can be uncertain")
    if not f.low < f.high:
        raise ValueError(f"low ({f.low:g}) must be below high ({f.high:g})")
    low, high, low_incl, high_incl = field_bounds(info)
    if low is not None and (f.low < low or (f.low == low and not low_incl)):
        raise ValueError(f"low ({f.low:g}) is outside the valid range of the field")
    if high is not None and (f.high > high or (f.high == high and not high_incl)):
        raise ValueError(f"high ({f.high:g}) is outside the valid range of the field")
    if f.dist != "triangular" and f.peak is not None:
        raise ValueError(f"peak is only for dist: triangular (dist is {f.dist})")
    if f.peak is not None and not f.low <= f.peak <= f.high:
        raise ValueError(f"peak ({f.peak:g}) is outside [low, high]")


def scenario_factors(model: type[BaseModel], scenario: Any) -> list[Factor]:
    """The uncertain parameters of a scenario: its ``uncertain:`` block, else the declared set.

    Args:
        model: The scenario schema class.
        scenario: The validated scenario.

    Returns:
        One :class:`Factor` per uncertain parameter, in the block's (or the schema's) order.

    Raises:
        ValueError: ``uncertain.PATH: problem`` for the first entry that does not fit.
    """
    data = scenario.model_dump(mode="json")
    if scenario.uncertain is None:
        return declared_factors(model, data)
    out = []
    for path, entry in scenario.uncertain.items():
        try:
            info, value = locate(model, data, path)
            f = factor(path, info, value, entry)
            check(path, info, f)
        except ValueError as exc:
            raise ValueError(f"uncertain.{path}: {exc}") from None
        out.append(f)
    if not out:
        raise ValueError("uncertain: the block is empty; leave it out to use the declared ranges")
    return out


def declared_factors(model: type[BaseModel], data: dict[str, Any]) -> list[Factor]:
    """Every ``dynamics`` parameter with a declared plausible range, in schema order."""
    paths = _plausible_paths(model.model_fields["dynamics"].annotation, "dynamics.")
    out = []
    for path in paths:
        info, value = locate(model, data, path)
        out.append(factor(path, info, value, None))
    return out


def _plausible_paths(model: type[BaseModel], prefix: str) -> list[str]:
    paths = []
    for name, info in model.model_fields.items():
        inner, is_list = _unwrap(info.annotation)
        if isinstance(inner, type) and issubclass(inner, BaseModel) and not is_list:
            paths += _plausible_paths(inner, f"{prefix}{name}.")
        elif plausible_range(info) is not None:
            paths.append(f"{prefix}{name}")
    return paths


def normalise_entry(value: Any) -> Any:
    """Read one ``uncertain:`` entry: ``[low, high]``, a mapping, or ``plausible``.

    Returns:
        A mapping for :class:`UncertainRange`, or None for ``plausible``.

    Raises:
        ValueError: For anything else.
    """
    if value is None or value == "plausible":
        return None
    if isinstance(value, list | tuple):
        if len(value) != 2:
            raise ValueError(f"expected [low, high], got {list(value)!r}")
        return {"low": value[0], "high": value[1]}
    if isinstance(value, dict | UncertainRange):
        return value
    raise ValueError(f"expected [low, high], {{low, high, dist}} or plausible, got {value!r}")


__all__ = [
    "DISTRIBUTIONS",
    "Factor",
    "UncertainRange",
    "declared_factors",
    "locate",
    "normalise_entry",
    "scenario_factors",
]
