"""The results folder: atomic writes, finished parts as they come, the final tables at the end."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import pandas as pd

from sim.model.scenario import ScenarioError

if TYPE_CHECKING:
    from sim.experiments.experiment import Results, Task

PARTS = ".parts"
PLAN = "plan.json"


class RunOutput(NamedTuple):
    """What one model run gives back."""

    outcomes: dict[str, float]
    """Run outcomes (the last week's values plus the run-only outcomes)."""
    timeseries: pd.DataFrame
    """Weekly outcomes, one row per week."""
    pairs: pd.DataFrame
    """Every pair's history (empty without a program)."""
    people: pd.DataFrame | None = None
    """The week-0 workforce's records, to compare the same people between arms (kept with the
    parts only: it is personal data and is not written to the final tables)."""


def write_tables(results: Results, out: Path) -> None:
    """Write runs, time series, summary, comparison and the manifest (last) into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "runs.parquet", lambda p: results.runs.to_parquet(p, index=False))
    atomic_write(out / "runs.csv", lambda p: results.runs.to_csv(p, index=False))
    atomic_write(
        out / "timeseries.parquet", lambda p: results.timeseries.to_parquet(p, index=False)
    )
    atomic_write(out / "summary.csv", lambda p: results.summary.to_csv(p, index=False))
    atomic_write(out / "comparison.csv", lambda p: results.comparison.to_csv(p, index=False))
    if len(results.pairs):
        atomic_write(out / "pairs.parquet", lambda p: results.pairs.to_parquet(p, index=False))
    text = json.dumps(results.manifest, indent=2, sort_keys=False, default=str)
    atomic_write(out / "manifest.json", lambda p: p.write_text(text + "\n"))


def atomic_write(path: Path, writer: Callable[[Path], None]) -> None:
    """Write ``path`` through a temporary file in the same folder, then rename it into place."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        writer(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


class Store:
    """A results folder: finished parts as they come, the final tables at the end."""

    def __init__(self, path: Path, plan: dict[str, Any], resume: bool) -> None:
        self.path = path
        self.parts = path / PARTS
        self.created = not path.exists()
        plan_data = json.loads(json.dumps(plan))
        if resume:
            self._check_resume(plan_data)
        elif path.exists() and any(path.iterdir()):
            raise ScenarioError(
                [
                    f"results folder {path} is not empty; use --resume to continue it or pick another --out"
                ]
            )
        self.parts.mkdir(parents=True, exist_ok=True)
        plan_file = self.parts / PLAN
        if not plan_file.exists():
            atomic_write(
                plan_file, lambda p: p.write_text(json.dumps(plan_data, indent=1, sort_keys=True))
            )

    def _check_resume(self, plan_data: dict[str, Any]) -> None:
        plan_file = self.parts / PLAN
        if not self.path.is_dir():
            raise ScenarioError([f"--resume {self.path}: no such results folder"])
        if not plan_file.exists():
            if (self.path / "manifest.json").exists():
                return  # already complete: the parts were folded into the final tables
            raise ScenarioError([f"--resume {self.path}: not a results folder (no {PARTS}/{PLAN})"])
        stored = json.loads(plan_file.read_text())
        if stored != plan_data:
            diffs = _differences(stored, plan_data)
            raise ScenarioError(
                [
                    f"--resume {self.path}: the scenario differs from the stored one at {', '.join(diffs[:5])}"
                ]
            )

    def finished(self) -> dict[str, Any]:
        """Keys of the finished tasks (values are loaded lazily)."""
        if not self.parts.exists():
            return {}
        return {p.name[: -len(".run.json")]: None for p in self.parts.glob("*.run.json")}

    def save(self, task: Task, output: RunOutput) -> None:
        """Write one finished task: series and pairs first, then its run row (the marker)."""
        stem = str(self.parts / task.key)
        atomic_write(
            Path(stem + ".ts.parquet"), lambda p: output.timeseries.to_parquet(p, index=False)
        )
        for part, frame in (("pairs", output.pairs), ("people", output.people)):
            if frame is not None and len(frame):
                atomic_write(
                    Path(f"{stem}.{part}.parquet"),
                    lambda p, frame=frame: frame.to_parquet(p, index=False),
                )
        atomic_write(Path(stem + ".run.json"), lambda p: p.write_text(json.dumps(output.outcomes)))

    def load(self, task: Task) -> RunOutput:
        """Read one finished task back."""
        stem = str(self.parts / task.key)
        final = json.loads(Path(stem + ".run.json").read_text())
        pairs_file, people_file = Path(stem + ".pairs.parquet"), Path(stem + ".people.parquet")
        pairs = pd.read_parquet(pairs_file) if pairs_file.exists() else pd.DataFrame()
        people = pd.read_parquet(people_file) if people_file.exists() else None
        return RunOutput(final, pd.read_parquet(Path(stem + ".ts.parquet")), pairs, people)

    def write(self, results: Results) -> None:
        """Write the final tables atomically, the manifest last, then drop the parts."""
        write_tables(results, self.path)
        results.path = self.path
        shutil.rmtree(self.parts, ignore_errors=True)


def _differences(a: Any, b: Any, prefix: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            out += _differences(a.get(k), b.get(k), f"{prefix}.{k}" if prefix else k)
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        out = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            out += _differences(x, y, f"{prefix}.{i}")
        return out
    return [] if a == b else [prefix or "(top level)"]
