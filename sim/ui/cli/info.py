"""Small commands: ``validate``, ``list``, ``app`` and ``docs``."""

from __future__ import annotations

import argparse
import sys
from importlib import import_module
from pathlib import Path

from sim.core.errors import MissingExtraError, OptionError
from sim.ui.cli.common import EXIT_FAILED, EXIT_USAGE, add_scenario_args, extra_hint

LOOPBACK = ("127.0.0.1", "localhost", "::1")
"""Addresses only this machine can connect to."""


def add_parsers(sub) -> None:
    """Add the ``validate``, ``list``, ``app`` and ``docs`` commands."""
    p = sub.add_parser(
        "validate",
        help="check a scenario file with every check a run makes first; prints ok or every error",
    )
    add_scenario_args(p, file_required=True)
    p.set_defaults(handler=_validate)

    p = sub.add_parser("list", help="list outcomes or pairing policies")
    p.add_argument("what", choices=["outcomes", "policies"])
    p.set_defaults(handler=_list)

    p = sub.add_parser("app", help="start the interactive web app (needs the 'app' extra)")
    p.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)"
    )
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.add_argument(
        "--install-assets",
        action="store_true",
        help="fetch the page's front-end files once (with npm) so the app then works offline",
    )
    p.set_defaults(handler=_app)

    p = sub.add_parser(
        "docs", help="regenerate docs/SCENARIOS.md and the ODD parameter table from the schema"
    )
    p.add_argument("--out", type=Path, default=Path("docs/SCENARIOS.md"))
    p.set_defaults(handler=_docs)


def _validate(args: argparse.Namespace) -> int:
    from sim.model.fit import check_runnable
    from sim.model.scenario import load_scenario

    check_runnable(load_scenario(args.file, overrides=args.overrides))
    print("ok")
    return 0


def _list(args: argparse.Namespace) -> int:
    if args.what == "outcomes":
        from sim.model.outcomes import CATALOG

        width = max(len(o.name) for o in CATALOG)
        for o in CATALOG:
            print(f"{o.name:<{width}}  {o.unit:<16}  {o.doc}{'' if o.weekly else ' (per run)'}")
    else:
        from sim.program.pairing import POLICY_DOCS

        width = max(map(len, POLICY_DOCS))
        for name, doc in POLICY_DOCS.items():
            print(f"{name:<{width}}  {doc}")
    return 0


def _app(args: argparse.Namespace) -> int:
    if not 1 <= args.port <= 65535:
        raise OptionError([f"--port {args.port}: a port is a number from 1 to 65535"])
    if args.host not in LOOPBACK:
        print(
            f"warning: --host {args.host}: the app is then reachable from the network by anyone "
            "who can reach this machine, and it has no login; use 127.0.0.1 to keep it private",
            file=sys.stderr,
        )
    try:
        app = import_module("sim.ui.app")
    except ImportError:
        raise MissingExtraError([f"the app needs the app extra: {extra_hint('app')}"]) from None
    if args.install_assets:
        return _install_assets(app)
    return app.main(host=args.host, port=args.port)


def _install_assets(app) -> int:
    import shutil
    import subprocess

    if shutil.which("npm") is None:
        print("--install-assets needs npm (Node.js's package manager) on the PATH", file=sys.stderr)
        return EXIT_USAGE
    try:
        installed = app.install_frontend_packages()
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        print(f"npm could not fetch the front-end files: {exc}", file=sys.stderr)
        return EXIT_FAILED
    done = ", ".join(installed) if installed else "nothing was missing"
    print(f"front-end files in {app.frontend_folder()}: {done}")
    return 0


def _docs(args: argparse.Namespace) -> int:
    from sim.ui.docgen import odd_with_table, scenarios_markdown

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(scenarios_markdown())
    print(f"wrote {args.out}")
    odd = args.out.parent / "ODD.md"
    if odd.exists():
        odd.write_text(odd_with_table(odd.read_text()))
        print(f"updated the parameter table of {odd}")
    return 0
