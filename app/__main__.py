"""`reelkeep` / `python -m app`: headless commands, or the main window when no command is given."""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
from collections.abc import Sequence

_OPTIONS_WITH_VALUE = ("--catalog",)


def split_open_files(argv: list[str], commands: Sequence[str]) -> tuple[list[str], list[str]]:
    """`reelkeep [options] FILE…` (and the desktop file's "Open with"): the files to play, apart from the
    options. With a command (scan, list, …) nothing is taken as a file to play."""
    if any(a in commands for a in argv):
        return argv, []
    rest: list[str] = []
    files: list[str] = []
    expects_value = False
    for arg in argv:
        if expects_value:
            rest.append(arg)
            expects_value = False
        elif arg in _OPTIONS_WITH_VALUE:
            rest.append(arg)
            expects_value = True
        elif not arg.startswith("-") and os.path.isfile(arg):
            files.append(arg)
        else:
            rest.append(arg)
    return rest, files


def main(argv: Sequence[str] | None = None) -> int:
    multiprocessing.freeze_support()  # the probe pool spawns workers; a frozen app must handle that
    argv = list(sys.argv[1:] if argv is None else argv)
    from app import cli

    argv, files = split_open_files(argv, cli.COMMANDS)
    args, _ = cli.build_parser().parse_known_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.self_test:
        from app.selftest import run_self_test

        return run_self_test(args.catalog)
    if args.command in cli.COMMANDS:
        return cli.main(argv)
    from app.bootstrap import run_gui

    return run_gui(args.catalog, files)


if __name__ == "__main__":
    os.environ.setdefault("LC_NUMERIC", "C")
    sys.exit(main())
