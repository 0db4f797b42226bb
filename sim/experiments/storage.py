"""The results folder: durable atomic writes, verified parts, the final tables at the end.

Each finished (point, arm, replication) is saved in ``DIR/.parts`` as its series and pairs,
then a marker (``KEY.run.json``) written last: the run's outcomes, the checksum of each file of
the part and the digest of the plan it belongs to. A resume trusts a part only when its marker
reads back and every checksum and the plan digest match; any other part is named as damaged
and recomputed. The plan (``.parts/plan.json``) carries its own digest; the final tables are
written with a manifest (last) that holds theirs. Every file is written to a temporary name,
synced to disk, renamed into place, and its folder synced, so a power loss leaves either the
old file or the new one, never a truncated one.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import pandas as pd

from sim.core.errors import ResultsFolderError

if TYPE_CHECKING:
    from sim.experiments.experiment import Results, Task

PARTS = ".parts"
PLAN = "plan.json"
MANIFEST = "manifest.json"
MARKER = ".run.json"
FORMAT = 2
"""Version of the parts' layout; parts of another version are recomputed."""

log = logging.getLogger(__name__)


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


# ---------------------------------------------------------------------- durable writes


def atomic_write(path: Path, writer: Callable[[Path], None]) -> str:
    """Write ``path`` durably: a temporary file, synced, renamed into place, folder synced.

    Args:
        path: The file to write.
        writer: Writes the content to the temporary path it is given.

    Returns:
        The SHA-256 of the written file (hex).
    """
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        writer(tmp)
        digest = _sync_and_hash(tmp)
        os.replace(tmp, path)
        _sync_folder(path.parent)
    except OSError as exc:  # name the file, whichever library wrote it
        raise _with_path(exc, path) from exc
    finally:
        if tmp.exists():
            tmp.unlink()
    return digest


def _with_path(exc: OSError, path: Path) -> OSError:
    """``exc`` with the file it is about and, for a full disk, its error number (pyarrow omits both)."""
    code = exc.errno
    if code is None and "No space left" in str(exc):
        code = errno.ENOSPC
    return OSError(code, exc.strerror or str(exc), str(path))


def _sync_and_hash(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
        os.fsync(handle.fileno())
    return sha.hexdigest()


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the system can open folders: not Windows)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def file_digest(path: Path) -> str | None:
    """SHA-256 of a file (hex), or None when it cannot be read."""
    sha = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                sha.update(block)
    except OSError:
        return None
    return sha.hexdigest()


def plan_digest(plan: dict[str, Any]) -> str:
    """SHA-256 of a plan's canonical JSON."""
    return hashlib.sha256(json.dumps(plan, sort_keys=True).encode()).hexdigest()


# ---------------------------------------------------------------------- final tables


TABLES = (
    ("runs.parquet", lambda r, p: r.runs.to_parquet(p, index=False)),
    ("runs.csv", lambda r, p: r.runs.to_csv(p, index=False)),
    ("timeseries.parquet", lambda r, p: r.timeseries.to_parquet(p, index=False)),
    ("summary.csv", lambda r, p: r.summary.to_csv(p, index=False)),
    ("comparison.csv", lambda r, p: r.comparison.to_csv(p, index=False)),
)


def write_tables(results: Results, out: Path) -> None:
    """Write runs, time series, summary, comparison, pairs, then the manifest with their checksums."""
    out.mkdir(parents=True, exist_ok=True)
    files = {}
    for name, write in TABLES:
        files[name] = atomic_write(out / name, lambda p, w=write: w(results, p))
    if len(results.pairs):
        files["pairs.parquet"] = atomic_write(
            out / "pairs.parquet", lambda p: results.pairs.to_parquet(p, index=False)
        )
    results.manifest["files"] = files
    text = json.dumps(results.manifest, indent=2, sort_keys=False, default=str)
    atomic_write(out / MANIFEST, lambda p: p.write_text(text + "\n"))


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest of a finished results folder, or None when it is missing or damaged."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and "scenario" in manifest else None


def stored_plan(folder: Path) -> dict[str, Any] | None:
    """The plan a results folder was started with (unfinished or finished), None if unreadable."""
    plan = _read_plan(folder / PARTS / PLAN)
    if plan is not None:
        return plan
    manifest = read_manifest(folder)
    if manifest is None:
        return None
    return {k: manifest.get(k) for k in ("scenario", "points", "replications")}


def _read_plan(path: Path) -> dict[str, Any] | None:
    try:
        stored = json.loads(path.read_text())
        plan, digest = stored["plan"], stored["digest"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return plan if isinstance(plan, dict) and plan_digest(plan) == digest else None


# ---------------------------------------------------------------------- the folder


class Store:
    """A results folder: verified parts as they come, the final tables at the end.

    Args:
        path: The results folder.
        plan: The experiment's plan as plain data (scenario, points, replications).
        resume: Continue the experiment already in ``path`` (it must be the same plan).

    Raises:
        ResultsFolderError: When ``path`` is not empty (without ``resume``), is not a results
            folder, or holds another experiment.
    """

    def __init__(self, path: Path, plan: dict[str, Any], resume: bool) -> None:
        self.path = path
        self.parts = path / PARTS
        self.plan = json.loads(json.dumps(plan))
        self.digest = plan_digest(self.plan)
        self.complete = False
        """Whether the folder already holds this experiment's final tables (nothing to run)."""
        self.damaged: list[str] = []
        """Parts found damaged on resume (named, with the reason); they are recomputed."""
        if resume:
            self._open_existing()
        elif path.exists() and (not path.is_dir() or any(path.iterdir())):
            raise ResultsFolderError(
                [
                    f"{path} is not empty: continue the experiment in it with resume=True "
                    "(--resume on the command line) or choose another folder"
                ]
            )
        if not self.complete:
            self._write_plan_if_needed()

    def _open_existing(self) -> None:
        if not self.path.is_dir():
            raise ResultsFolderError([f"{self.path}: no such results folder to resume"])
        plan_file = self.parts / PLAN
        if plan_file.exists():
            stored = _read_plan(plan_file)
            if stored is None:
                self._note(f"{plan_file} is damaged; the parts are checked against this plan")
            else:
                self._same_plan(stored, "the interrupted experiment")
            return
        manifest = read_manifest(self.path)
        if manifest is not None:
            finished = {k: manifest.get(k) for k in ("scenario", "points", "replications")}
            self._same_plan(finished, "the finished experiment")
            self.complete = self._tables_intact(manifest)
            return
        if self.parts.is_dir():
            self._note(f"{plan_file} is missing; the parts are checked against this plan")
            return
        what = "its manifest.json is damaged" if (self.path / MANIFEST).exists() else "no plan"
        raise ResultsFolderError(
            [f"{self.path}: not a results folder that can be resumed ({what}); start a new one"]
        )

    def _same_plan(self, stored: dict[str, Any], what: str) -> None:
        if stored != self.plan:
            diffs = differences(stored, self.plan)
            raise ResultsFolderError(
                [
                    f"{self.path} holds {what} with other settings, at {', '.join(diffs[:5])}"
                    f"{' and more' if len(diffs) > 5 else ''}: resume it with its own settings "
                    "or choose another folder (nothing was changed)"
                ]
            )

    def _tables_intact(self, manifest: dict[str, Any]) -> bool:
        files = manifest.get("files")
        if not isinstance(files, dict) or not files:
            self._note(f"{self.path / MANIFEST} lists no checksums; recomputing every run")
            return False
        for name, digest in files.items():
            if file_digest(self.path / name) != digest:
                self._note(f"{self.path / name} is damaged or missing; recomputing every run")
                return False
        return True

    def _write_plan_if_needed(self) -> None:
        self.parts.mkdir(parents=True, exist_ok=True)
        if _read_plan(self.parts / PLAN) == self.plan:
            return
        text = json.dumps({"plan": self.plan, "digest": self.digest}, indent=1, sort_keys=True)
        atomic_write(self.parts / PLAN, lambda p: p.write_text(text))

    def _note(self, message: str) -> None:
        self.damaged.append(message)
        log.warning("%s", message)

    # ------------------------------------------------------------------ parts

    def finished(self, keys: list[str]) -> dict[str, Any]:
        """Which of the tasks ``keys`` are finished and intact (values are loaded lazily).

        A part whose marker does not read back, whose files are missing or do not match their
        checksums, or that belongs to another plan is named (see :attr:`damaged`), removed and
        left to be recomputed.
        """
        if self.complete:
            return dict.fromkeys(keys)
        if not self.parts.exists():
            return {}
        done = {}
        wanted = set(keys)
        for marker in sorted(self.parts.glob("*" + MARKER)):
            key = marker.name[: -len(MARKER)]
            if key not in wanted:
                continue
            problem = self._check_part(key)
            if problem is None:
                done[key] = None
            else:
                self._note(f"damaged part {key} ({problem}): recomputing it")
                self._remove_part(key)
        return done

    def _check_part(self, key: str) -> str | None:
        try:
            marker = json.loads((self.parts / (key + MARKER)).read_text())
            files, outcomes = marker["files"], marker["outcomes"]
        except (OSError, ValueError, KeyError, TypeError):
            return "its marker does not read back"
        if marker.get("format") != FORMAT or marker.get("plan") != self.digest:
            return "made for another plan or version"
        if not isinstance(outcomes, dict) or "ts.parquet" not in files:
            return "its marker is incomplete"
        for suffix, digest in files.items():
            actual = file_digest(self.parts / f"{key}.{suffix}")
            if actual is None:
                return f"{suffix} is missing"
            if actual != digest:
                return f"{suffix} does not match its checksum"
        return None

    def _remove_part(self, key: str) -> None:
        for leftover in self.parts.glob(key + ".*"):
            leftover.unlink(missing_ok=True)

    def save(self, task: Task, output: RunOutput) -> None:
        """Write one finished task: series and pairs first, then its marker (with their checksums)."""
        self.writer().save(task, output)

    def writer(self) -> PartWriter:
        """What a worker process needs to write parts into this folder itself (picklable)."""
        return PartWriter(str(self.parts), self.digest)

    def load(self, task: Task) -> RunOutput:
        """Read one finished task back from its part."""
        stem = str(self.parts / task.key)
        final = json.loads(Path(stem + MARKER).read_text())["outcomes"]
        pairs_file, people_file = Path(stem + ".pairs.parquet"), Path(stem + ".people.parquet")
        pairs = pd.read_parquet(pairs_file) if pairs_file.exists() else pd.DataFrame()
        people = pd.read_parquet(people_file) if people_file.exists() else None
        return RunOutput(final, pd.read_parquet(Path(stem + ".ts.parquet")), pairs, people)

    def write(self, results: Results) -> None:
        """Write the final tables atomically, the manifest last, then drop the parts."""
        write_tables(results, self.path)
        results.path = self.path
        shutil.rmtree(self.parts, ignore_errors=True)

    # ------------------------------------------------------------------ a finished folder

    def manifest(self) -> dict[str, Any]:
        """The finished folder's manifest (as written when it finished)."""
        return read_manifest(self.path) or {}

    def final_tables(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """(runs, timeseries, pairs) of a finished folder, as written."""
        pairs = self.path / "pairs.parquet"
        return (
            pd.read_parquet(self.path / "runs.parquet"),
            pd.read_parquet(self.path / "timeseries.parquet"),
            pd.read_parquet(pairs) if pairs.exists() else pd.DataFrame(),
        )


class PartWriter(NamedTuple):
    """Writes finished tasks into a results folder's parts, from any process.

    Sent to each worker, so that workers write their own parts (atomically, the marker last)
    instead of sending every run's series back to be written one at a time.
    """

    parts: str
    """The folder of the parts."""
    digest: str
    """The digest of the plan the parts belong to."""

    def save(self, task: Task, output: RunOutput) -> None:
        """Write one finished task: series and pairs first, then its marker (with their checksums)."""
        stem = str(Path(self.parts) / task.key)
        files = {
            "ts.parquet": atomic_write(
                Path(stem + ".ts.parquet"), lambda p: output.timeseries.to_parquet(p, index=False)
            )
        }
        for part, frame in (("pairs", output.pairs), ("people", output.people)):
            if frame is not None and len(frame):
                files[f"{part}.parquet"] = atomic_write(
                    Path(f"{stem}.{part}.parquet"),
                    lambda p, frame=frame: frame.to_parquet(p, index=False),
                )
        marker = {"format": FORMAT, "plan": self.digest, "files": files}
        marker["outcomes"] = output.outcomes
        atomic_write(Path(stem + MARKER), lambda p: p.write_text(json.dumps(marker)))


def differences(a: Any, b: Any, prefix: str = "") -> list[str]:
    """Dotted paths at which two plain-data values differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            out += differences(a.get(k), b.get(k), f"{prefix}.{k}" if prefix else k)
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        out = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            out += differences(x, y, f"{prefix}.{i}")
        return out
    return [] if a == b else [prefix or "(top level)"]
