"""`reelkeep` / `python -m app`: headless commands, or the main window when no command is given."""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    multiprocessing.freeze_support()  # the probe pool spawns workers; a frozen app must handle that
    argv = list(sys.argv[1:] if argv is None else argv)
    from app import cli

    # `reelkeep FILE…` (and the desktop file's "Open with"): play files in the window.
    files = [a for a in argv if not a.startswith("-") and a not in cli.COMMANDS and os.path.isfile(a)]
    if files and not any(a in cli.COMMANDS for a in argv):
        argv = [a for a in argv if a not in files]
    else:
        files = []
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
