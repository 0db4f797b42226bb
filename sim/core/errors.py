"""Errors a user can act on: each kind has its own heading and exit status, none a traceback.

Every error the command line reports without a traceback derives from :class:`MentorsimError`:
it carries a list of problems (each naming the field, file or option and the value), a
heading that says what kind of problem it is, and the exit status (2 for a user's mistake, 1
for a fault that is not the user's). Values shown in a message go through :func:`shown`, which
bounds their length without ever expanding them.
"""

from __future__ import annotations

import reprlib
from typing import Any

EXIT_USAGE = 2
"""A user's mistake: a bad scenario, option or file."""
EXIT_FAULT = 1
"""A fault that is not the user's (failed replications, a full disk, memory running out)."""

MAX_SHOWN = 80
"""Most characters of a value shown in an error message."""
MAX_LINE = 600
"""Most characters of one error line."""

_REPR = reprlib.Repr(maxlevel=2, maxtuple=4, maxlist=4, maxdict=4, maxset=4, maxstring=60)
_REPR.maxother = 60
_REPR.maxlong = 40


def shown(value: Any, limit: int = MAX_SHOWN) -> str:
    """``repr`` of a value bounded to ``limit`` characters, never expanding nested data.

    ``reprlib`` stops after a few items and two levels, so a value built from YAML aliases
    (which shares its parts and would expand exponentially) is shown in constant time.
    """
    try:
        text = _REPR.repr(value)
    except Exception:  # a value whose repr fails must not hide the error it belongs to
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def clip(text: str, limit: int = MAX_LINE) -> str:
    """``text`` cut to ``limit`` characters (with ``...`` when cut)."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


class MentorsimError(Exception):
    """A problem reported without a traceback; ``errors`` lists every problem found.

    Args:
        errors: One line per problem, each naming what it is about.
        source: The file or folder the problems are in, if any.
    """

    heading = "error"
    """What kind of problem this is (the first line of the report)."""
    exit_code = EXIT_USAGE
    """Exit status of the command line."""

    def __init__(self, errors: list[str] | str, source: str | None = None) -> None:
        self.errors = [clip(e) for e in ([errors] if isinstance(errors, str) else errors)]
        self.source = source
        head = f"{source}: " if source else ""
        super().__init__(head + "; ".join(self.errors))

    def __reduce__(self):  # keep the problems and the source across processes (pickling)
        return (type(self), (self.errors, self.source))

    def report(self) -> str:
        """Return the heading and every problem on its own line, for a terminal."""
        head = f"{self.source}: {self.heading}" if self.source else self.heading
        return head + "\n" + "\n".join(f"  - {e}" for e in self.errors)


class ScenarioError(MentorsimError):
    """A scenario (file, mapping or override) is invalid."""

    heading = "invalid scenario"


class OptionError(MentorsimError):
    """A command-line option or a function argument is invalid."""

    heading = "invalid option"


class ResultsFolderError(MentorsimError):
    """A results folder cannot be used (not empty, damaged, or made by another experiment)."""

    heading = "cannot use the results folder"


class PathError(MentorsimError):
    """A file or folder cannot be written where the user asked (permissions, read-only, a file)."""

    heading = "cannot write there"


class DataFileError(MentorsimError):
    """A data file the user gave (calibration targets) is invalid: its problems name the line."""

    heading = "invalid data file"


class MissingExtraError(MentorsimError):
    """An optional dependency is not installed."""

    heading = "missing optional dependency"


class TooLargeError(MentorsimError):
    """What was asked for does not fit this machine (memory) or any sane budget."""

    heading = "too large for this machine"


class FaultError(MentorsimError):
    """A fault that is not the user's: a full disk, memory running out, a cluster unreachable."""

    heading = "failed"
    exit_code = EXIT_FAULT


__all__ = [
    "EXIT_FAULT",
    "EXIT_USAGE",
    "DataFileError",
    "FaultError",
    "MentorsimError",
    "MissingExtraError",
    "OptionError",
    "PathError",
    "ResultsFolderError",
    "ScenarioError",
    "TooLargeError",
    "clip",
    "shown",
]
