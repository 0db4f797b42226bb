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

    Returns:
        A pydantic ``FieldInfo`` carrying the declaration.
    """
    extra = {"unit": unit, "source": source}
    kwargs: dict[str, Any] = {"description": doc, "json_schema_extra": extra}
    for name, bound in (("ge", ge), ("le", le), ("gt", gt), ("lt", lt)):
        if bound is not None:
            kwargs[name] = bound
    if default_factory is not None:
        return Field(default_factory=default_factory, **kwargs)
    return Field(default, **kwargs)


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
