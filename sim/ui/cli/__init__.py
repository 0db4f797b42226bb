"""The ``mentorsim`` command line: one module per group of commands.

Each command module has ``add_parsers(subparsers)``, which adds its commands and sets each
one's ``handler``; adding a command is adding a module to :data:`COMMAND_MODULES`. User
mistakes (a bad scenario, a bad override, a missing file) print a clear message and exit 2
without a traceback; failed replications exit 1 and say how to resume.
"""

from __future__ import annotations

import argparse
import sys
from importlib import import_module

from sim.model.scenario import ScenarioError
from sim.ui.cli.common import EXIT_USAGE

COMMAND_MODULES = ("sim.ui.cli.info", "sim.ui.cli.run", "sim.ui.cli.sensitivity")
"""The modules that add commands, in the order their commands are listed."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``mentorsim``."""
    parser = argparse.ArgumentParser(
        prog="mentorsim", description="Agent-based simulation of reverse-mentoring programs."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        import_module(name).add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``mentorsim`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except ScenarioError as exc:
        print(exc.report(), file=sys.stderr)
        return EXIT_USAGE
