"""privdesk-cli: the PrivDesk pipeline, headless, over the same core functions as the GUI.

Each subcommand lives in privdesk/commands/<name>.py. Errors meant for the user print one line on
stderr and exit with status 2; no traceback unless --debug is given.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from typing import Callable, Sequence

from privdesk import __version__
from privdesk.commands import COMMANDS
from privdesk.commands.common import EXIT_USAGE


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="privdesk-cli",
        description="PrivDesk, headless: inspect datasets, generate synthetic PII data, detect, mask, train, evaluate.",
    )
    parser.add_argument("--version", action="version", version=f"privdesk {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logging (never data values)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"privdesk.commands.{name}")
        except ModuleNotFoundError as error:
            if error.name == f"privdesk.commands.{name}":
                continue  # that stage has not landed yet
            raise
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from privdesk.core.appconfig import apply_network_policy
    from privdesk.core.errors import PrivDeskError

    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    apply_network_policy()  # no outbound connection unless the analyst allowed it (after logging: refusals are logged)
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return handler(args)
    except PrivDeskError as error:
        if args.debug:
            raise
        print(f"privdesk-cli: error: {error.message}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("privdesk-cli: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
