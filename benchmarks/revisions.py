"""Another git revision of the project, exported to time it side by side with this one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def exported(revision: str, scratch: Path, *paths: str) -> tuple[Path, str]:
    """The project at ``revision`` (only ``paths`` if given), exported with ``git archive``
    into a new folder of ``scratch``, and the revision's full hash.

    Raises:
        SystemExit: ``revision`` is not a commit of this repository (exit 2, after a message
            naming it).
    """
    try:
        full = subprocess.run(
            ["git", "rev-parse", "--verify", f"{revision}^{{commit}}"],
            check=True,
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except subprocess.CalledProcessError:
        print(f"--against {revision}: not a git revision of this repository", file=sys.stderr)
        raise SystemExit(2) from None
    folder = scratch / f"rev-{full[:12]}"
    folder.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", full, *paths], check=True, cwd=ROOT, capture_output=True
    )
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder, full
