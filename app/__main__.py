"""`reelkeep` / `python -m app`: headless commands, or the main window when no command is given."""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence

_OPTIONS_WITH_VALUE = ("--catalog", "--map-root")
EXIT_BROKEN_PIPE = 128 + 13  # 128 + SIGPIPE, what a shell reports for a writer whose reader left


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


def _run_command(command: Callable[[list[str]], int], argv: list[str]) -> int:
    """A headless command; a reader that goes away (`reelkeep list | head -1`) ends it quietly."""
    try:
        code = command(argv)
        sys.stdout.flush()  # inside the try: the last lines may only fail to go out here
    except BrokenPipeError:
        # Nothing more can be shown, and Python would complain again flushing at exit: point stdout at
        # devnull and end with the status of a process stopped by SIGPIPE, as `ls | head -1` does.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    return code


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
        return _run_command(cli.main, argv)
    from app.bootstrap import run_gui

    return run_gui(args.catalog, files, args.map_root or ())


if __name__ == "__main__":
    os.environ.setdefault("LC_NUMERIC", "C")
    sys.exit(main())
