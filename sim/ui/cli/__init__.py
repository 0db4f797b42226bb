"""The ``mentorsim`` command line: one module per group of commands.

Each command module has ``add_parsers(subparsers)``, which adds its commands and sets each
one's ``handler``; adding a command is adding a module to :data:`COMMAND_MODULES`. Nothing
reaches the user as a traceback: a user's mistake (a bad scenario, option, file, roster or results
folder) prints what is wrong under a heading that says what kind of problem it is and exits 2;
a fault that is not the user's (failed replications, a full disk, memory running out, a
cluster out of reach) exits 1; Ctrl-C exits 130.
"""

from __future__ import annotations

import argparse
import errno
import gc
import sys
from importlib import import_module

from sim.core.errors import EXIT_FAULT, EXIT_USAGE, FaultError, MentorsimError, PathError

COMMAND_MODULES = (
    "sim.ui.cli.info",
    "sim.ui.cli.run",
    "sim.ui.cli.org",
    "sim.ui.cli.sensitivity",
    "sim.ui.cli.search",
)
"""The modules that add commands, in the order their commands are listed."""

EXIT_INTERRUPTED = 130
"""Exit status after Ctrl-C (128 + SIGINT)."""

USER_ERRNOS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "not permitted",
    errno.EROFS: "read-only file system",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "is a folder",
    errno.EEXIST: "already exists",
    errno.ENAMETOOLONG: "name too long",
}
"""File-system errors caused by the path a user chose (exit 2); any other is a fault (exit 1)."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``mentorsim``."""
    parser = argparse.ArgumentParser(
        prog="mentorsim", description="Agent-based simulation of reverse-mentoring programs."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        import_module(name).add_parsers(sub)
    return parser


def console() -> int:
    """The ``mentorsim`` command: :func:`main`, then a quick exit.

    The objects the command leaves (the modules of pandas, scipy, matplotlib and Mesa, a few
    million) are frozen out of the garbage collector first: the collections the interpreter
    runs as it exits then skip them, about 0.4 s of a command that takes a few seconds.
    Nothing is lost: the files are written and closed, and the exit functions still run.
    """
    code = main()
    gc.freeze()
    return code


def main(argv: list[str] | None = None) -> int:
    """Run ``mentorsim`` with ``argv`` (default: the command line); return its exit status."""
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except MentorsimError as exc:
        return _report(exc)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except MemoryError:
        return _report(
            FaultError(
                [
                    "ran out of memory: run fewer worker processes (--workers), a smaller "
                    "organization, or fewer replications, points or weeks"
                ]
            )
        )
    except OSError as exc:
        return _report(file_error(exc))


def file_error(exc: OSError) -> MentorsimError:
    """A reportable error for a file-system error: the path, what went wrong, whose it is."""
    where = f"{exc.filename}: " if exc.filename else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return FaultError(
            [
                f"{where}no space left on the device (or the quota is used up); what was "
                "finished is kept and nothing half-written: free some space, then resume"
            ]
        )
    if exc.errno in USER_ERRNOS:
        return PathError([f"{where}{USER_ERRNOS[exc.errno]}"])
    return FaultError([f"{where}{exc.strerror or exc}"])


def _report(exc: MentorsimError) -> int:
    print(exc.report(), file=sys.stderr)
    return exc.exit_code if exc.exit_code in (EXIT_USAGE, EXIT_FAULT) else EXIT_FAULT
