"""Generate ``docs/SCENARIOS.md`` from the scenario schema itself."""

from __future__ import annotations

import json
import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from sim.params import field_range
from sim.scenario import Scenario

HEADER = """# Scenario files

Generated from the schema by `mentorsim docs`; a test fails when this file and the schema
disagree. Do not edit by hand.

A scenario is a YAML file (read with a safe loader). Every field below is optional; unknown
fields, wrong types and out-of-range values are errors that name the field path. Any field can
be overridden from the command line with `--set PATH=VALUE` (list items by index, e.g.
`--set arms.1.program.cadence_per_month=4`).

| field | type | default | range | unit | meaning | source |
|---|---|---|---|---|---|---|
"""


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return " \\| ".join(repr(a) for a in typing.get_args(annotation))
    if origin in (typing.Union, types.UnionType):
        return " \\| ".join(_type_name(a) for a in typing.get_args(annotation))
    if origin is list:
        (inner,) = typing.get_args(annotation)
        return f"list[{_type_name(inner)}]"
    if origin is dict:
        return "mapping"
    if annotation is type(None):
        return "null"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "mapping"
    return getattr(annotation, "__name__", str(annotation))


def _default(info: Any) -> str:
    if info.default is not PydanticUndefined:
        value = info.default
    elif info.default_factory is not None:
        value = info.default_factory()
    else:
        return "(required)"
    if isinstance(value, BaseModel):
        return "(block)"
    if isinstance(value, list) and value and isinstance(value[0], BaseModel):
        value = [v.model_dump(mode="json") for v in value]
    text = json.dumps(value)
    return f"`{text}`" if len(text) <= 60 else f"`{text[:57]}...`"


def rows(model: type[BaseModel] = Scenario, prefix: str = "") -> list[str]:
    """One table row per field, depth first, nested blocks after their parent row."""
    out = []
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        extra = info.json_schema_extra or {}
        sub = _model_of(info.annotation)
        is_list = typing.get_origin(info.annotation) is list or any(
            typing.get_origin(a) is list for a in typing.get_args(info.annotation)
        )
        out.append(
            f"| `{path}` | {_type_name(info.annotation)} | {_default(info)} | {field_range(info)} "
            f"| {extra.get('unit', '-')} | {info.description or ''} | {extra.get('source', '')} |"
        )
        if sub is not None:
            out += rows(sub, f"{path}.N." if is_list else f"{path}.")
    return out


def scenarios_markdown() -> str:
    """The whole ``docs/SCENARIOS.md`` text."""
    return HEADER + "\n".join(rows()) + "\n"
