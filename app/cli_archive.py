"""`reelkeep archive …`: project archives (docs/archive.md). The verbs come from three modules that each add
their own subparsers and handlers: the archive itself (here), versions (cli_versions) and ZIP (cli_archive_zip)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TextIO

from app.catalog.catalog import Catalog
from app.cli_archive_zip import HANDLERS as ZIP_HANDLERS
from app.cli_archive_zip import add_parsers as add_zip_parsers
from app.cli_versions import HANDLERS as VERSION_HANDLERS
from app.cli_versions import add_parsers as add_version_parsers

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
Handler = Callable[[Catalog, argparse.Namespace, TextIO], int]


def add_parser(sub: argparse._SubParsersAction) -> None:
    archive = sub.add_parser("archive", help="project archives: create, add, list, verify, versions, ZIP export",
                             description="Project archives (OCFL 1.1 folders with embedded proxies and an ASC MHL "
                                         "per version). See docs/archive.md.")
    verbs = archive.add_subparsers(dest="archive_command", metavar="VERB")
    add_archive_parsers(verbs)
    add_version_parsers(verbs)
    add_zip_parsers(verbs)


def add_archive_parsers(verbs: argparse._SubParsersAction) -> None:
    """create, add, list, verify."""


HANDLERS: dict[str, Handler] = {}


def command_archive(catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    handler = {**HANDLERS, **VERSION_HANDLERS, **ZIP_HANDLERS}.get(args.archive_command or "")
    if handler is None:
        print("reelkeep archive: give a verb (reelkeep archive --help lists them)", file=sys.stderr)
        return EXIT_USAGE
    return handler(catalog, args, out)
