"""Declaring parameters once: default, unit, valid range, documentation and source.

Every scenario field and every mechanism parameter is declared with :func:`param` on a
:class:`Params` subclass. The validator (pydantic) enforces the range, the generated
``docs/SCENARIOS.md`` and the ODD parameter table read the same declaration, so the three can
never disagree.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

ASSUMPTION = "assumption"

INT_MIN, INT_MAX = -(2**63), 2**63 - 1
"""Integers a parameter may hold: what the model's int64 arrays hold."""


class Params(BaseModel):
    """Base of every parameter block: unknown keys, wrong types, NaN and infinities are errors.

    Every number must be finite (``allow_inf_nan=False``, lists included) and every integer
    must fit the model's 64-bit arrays, whether or not the field declares a range.
    """

    model_config = ConfigDict(
        extra="forbid", strict=True, validate_assignment=True, frozen=False, allow_inf_nan=False
    )

    @field_validator("*", mode="after")
    @classmethod
    def _integers_fit_the_arrays(cls, value: Any) -> Any:
        for number in _integers(value):
            if not INT_MIN <= number <= INT_MAX:
                raise ValueError(
                    f"integer too large for the model's 64-bit arrays (at most {INT_MAX:,})"
                )
        return value


def _integers(value: Any) -> Iterator[int]:
    """Integers in a field's value (inside lists and mappings too, not in nested blocks)."""
    if isinstance(value, int) and not isinstance(value, bool):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _integers(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _integers(item)


def param(
    default: Any = ...,
    *,
    doc: str,
    unit: str = "-",
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    lt: float | None = None,
    source: str = ASSUMPTION,
    default_factory: Any = None,
    plausible: tuple[float, float, str] | None = None,
) -> Any:
    """Declare one parameter.

    Args:
        default: The default value (omit with ``default_factory``).
        doc: One line saying what the parameter means.
        unit: Unit of the value ("-" for dimensionless, "weeks", "1/year", ...).
        ge: Inclusive lower bound.
        le: Inclusive upper bound.
        gt: Exclusive lower bound.
        lt: Exclusive upper bound.
        source: A citation for the default, or "assumption".
        default_factory: Callable returning the default (for lists and nested blocks).
        plausible: ``(low, high, reason)``: the range the value plausibly takes, inside the
            valid range, with one line saying why. Sensitivity analysis varies the parameter
            over it (see :mod:`sim.experiments.sensitivity`); give one for every assumption.

    Returns:
        A pydantic ``FieldInfo`` carrying the declaration.

    Raises:
        ValueError: When the plausible range is empty, has no reason, or leaves the valid range.
    """
    extra: dict[str, Any] = {"unit": unit, "source": source}
    if plausible is not None:
        low, high, reason = _checked_plausible(plausible, ge=ge, le=le, gt=gt, lt=lt, doc=doc)
        extra["plausible"] = [low, high]
        extra["plausible_reason"] = reason
    kwargs: dict[str, Any] = {"description": doc, "json_schema_extra": extra}
    for name, bound in (("ge", ge), ("le", le), ("gt", gt), ("lt", lt)):
        if bound is not None:
            kwargs[name] = bound
    if default_factory is not None:
        return Field(default_factory=default_factory, **kwargs)
    return Field(default, **kwargs)


def _checked_plausible(
    plausible: tuple[float, float, str], *, doc: str, **bounds: float | None
) -> tuple[float, float, str]:
    low, high, reason = plausible
    if not low < high:
        raise ValueError(f"{doc!r}: plausible range ({low}, {high}) is empty")
    if not reason.strip():
        raise ValueError(f"{doc!r}: plausible range ({low}, {high}) needs a reason")
    inside = (
        (bounds["ge"] is None or low >= bounds["ge"])
        and (bounds["gt"] is None or low > bounds["gt"])
        and (bounds["le"] is None or high <= bounds["le"])
        and (bounds["lt"] is None or high < bounds["lt"])
    )
    if not inside:
        raise ValueError(f"{doc!r}: plausible range ({low}, {high}) leaves the valid range")
    return float(low), float(high), reason.strip()


def plausible_range(info: Any) -> tuple[float, float, str] | None:
    """Return a field's declared plausible range ``(low, high, reason)``, or None."""
    extra = getattr(info, "json_schema_extra", None) or {}
    if not isinstance(extra, dict) or "plausible" not in extra:
        return None
    low, high = extra["plausible"]
    return float(low), float(high), str(extra.get("plausible_reason", ""))


def field_bounds(info: Any) -> tuple[float | None, float | None, bool, bool]:
    """Return a field's valid bounds ``(low, high, low_inclusive, high_inclusive)``."""
    low = high = None
    low_incl = high_incl = True
    for meta in info.metadata:
        for attr, inclusive in (("ge", True), ("gt", False)):
            if getattr(meta, attr, None) is not None:
                low, low_incl = float(getattr(meta, attr)), inclusive
        for attr, inclusive in (("le", True), ("lt", False)):
            if getattr(meta, attr, None) is not None:
                high, high_incl = float(getattr(meta, attr)), inclusive
    return low, high, low_incl, high_incl


def field_range(info: Any) -> str:
    """Return a field's valid range as text, from its declared bounds."""
    low, high = "", ""
    for meta in info.metadata:
        for attr, symbol in (("ge", "["), ("gt", "(")):
            if getattr(meta, attr, None) is not None:
                low = f"{symbol}{getattr(meta, attr)}"
        for attr, symbol in (("le", "]"), ("lt", ")")):
            if getattr(meta, attr, None) is not None:
                high = f"{getattr(meta, attr)}{symbol}"
    if not low and not high:
        return ""
    return f"{low or '(-inf'}, {high or 'inf)'}"
