"""Declaring parameters once: default, unit, valid range, documentation and source.

Every scenario field and every mechanism parameter is declared with :func:`param` on a
:class:`Params` subclass. The validator (pydantic) enforces the range, the generated
``docs/SCENARIOS.md`` and the ODD parameter table read the same declaration, so the three can
never disagree.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

ASSUMPTION = "assumption"


class Params(BaseModel):
    """Base of every parameter block: unknown keys and wrong types are errors."""

    model_config = ConfigDict(extra="forbid", strict=True, validate_assignment=True, frozen=False)


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
