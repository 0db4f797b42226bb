"""Sweep points: a grid over lists of values, or a Latin hypercube over ranges, of any field."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
from scipy.stats import qmc

from sim.core.errors import OptionError, shown
from sim.core.rng import Streams
from sim.model.scenario import Scenario, get_path, parse_value


def parse_vary(text: str) -> tuple[str, list[Any]]:
    """Parse ``PATH=V1,V2,...`` into (path, values); each value is read as YAML."""
    if "=" not in text:
        raise OptionError([f"--vary {shown(text)}: expected PATH=V1,V2,..."])
    path, values = text.split("=", 1)
    items = [parse_value(v) for v in values.split(",") if v.strip()]
    if not items:
        raise OptionError([f"--vary {shown(text)}: no values"])
    return path.strip(), items


def parse_range(text: str) -> tuple[str, float, float]:
    """Parse ``PATH=LO:HI`` into (path, low, high)."""
    try:
        path, bounds = text.split("=", 1)
        low, high = (float(b) for b in bounds.split(":"))
    except ValueError:
        raise OptionError([f"--range {shown(text)}: expected PATH=LO:HI with numbers"]) from None
    if not (math.isfinite(low) and math.isfinite(high)):
        raise OptionError([f"--range {shown(text)}: LO and HI must be finite numbers"])
    if not low < high:
        raise OptionError([f"--range {shown(text)}: LO must be below HI"])
    return path.strip(), low, high


def grid_points(axes: list[tuple[str, list[Any]]]) -> list[dict[str, Any]]:
    """Every combination of the axes' values, the last axis varying fastest."""
    paths = [p for p, _ in axes]
    if len(set(paths)) != len(paths):
        raise OptionError([f"--vary: a field is given twice in {paths}"])
    return [
        dict(zip(paths, combo, strict=True)) for combo in itertools.product(*(v for _, v in axes))
    ]


def lhs_points(
    scenario: Scenario, ranges: list[tuple[str, float, float]], n: int
) -> list[dict[str, Any]]:
    """``n`` Latin-hypercube points over the ranges, drawn from the scenario's seed.

    A field whose current value is an integer gets rounded values.
    """
    if n < 1:
        raise OptionError([f"--lhs: must be at least 1 (got {n})"])
    if not ranges:
        raise OptionError(["--lhs: give at least one --range PATH=LO:HI"])
    data = scenario.to_dict()
    kinds = []
    for path, _, _ in ranges:
        try:
            kinds.append(
                isinstance(get_path(data, path), int) and not isinstance(get_path(data, path), bool)
            )
        except (KeyError, IndexError, TypeError, ValueError):
            raise OptionError([f"--range {shown(path)}: no such field in the scenario"]) from None
    sampler = qmc.LatinHypercube(d=len(ranges), rng=Streams(scenario.seed)["sweep.lhs"])
    unit = sampler.random(n)
    low = np.array([r[1] for r in ranges])
    high = np.array([r[2] for r in ranges])
    values = qmc.scale(unit, low, high)
    return [
        {
            path: (round(float(v)) if is_int else float(v))
            for (path, _, _), v, is_int in zip(ranges, row, kinds, strict=True)
        }
        for row in values
    ]
