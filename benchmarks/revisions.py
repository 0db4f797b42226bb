"""Another git revision of the project, exported to time it side by side with this one."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def exported(revision: str, scratch: Path, *paths: str) -> tuple[Path, str]:
    """The project at ``revision`` (only ``paths`` if given), exported with ``git archive``
    into a new folder of ``scratch``, and the revision's full hash."""
    full = subprocess.run(
        ["git", "rev-parse", "--verify", f"{revision}^{{commit}}"],
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    folder = scratch / f"rev-{full[:12]}"
    folder.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", full, *paths], check=True, cwd=ROOT, capture_output=True
    )
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder, full
