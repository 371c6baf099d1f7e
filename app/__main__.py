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

    return run_gui(args.catalog)


if __name__ == "__main__":
    os.environ.setdefault("LC_NUMERIC", "C")
    sys.exit(main())
