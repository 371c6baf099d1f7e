"""`reelkeep catalog …`: the catalog itself. `migrate-to URL` copies this catalog file onto a PostgreSQL server."""

from __future__ import annotations

import argparse
from typing import TextIO

from app.catalog.catalog import Catalog
from app.catalog.db import is_server_url, redacted
from app.catalog.transfer import migrate_to

EXIT_OK, EXIT_USAGE = 0, 2


def add_parser(sub: argparse._SubParsersAction) -> None:
    catalog = sub.add_parser("catalog", help="the catalog itself: copy it onto a PostgreSQL server",
                             description="Commands on the catalog itself. See docs/scaling.md.")
    actions = catalog.add_subparsers(dest="catalog_command", metavar="ACTION")
    move = actions.add_parser(
        "migrate-to", help="copy this catalog (--catalog, a file) into an empty catalog on a PostgreSQL server",
        description="Copies every table of the catalog file into the empty catalog at URL (created and migrated "
                    "there first), then compares row counts and checksums of every table; the server keeps the "
                    "copy only when all agree. The file is left as it is.")
    move.add_argument("url", metavar="URL", help="postgresql://user@host:port/database")


def command_catalog(catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    if args.catalog_command != "migrate-to":
        out.write("usage: reelkeep catalog migrate-to postgresql://user@host:port/database\n")
        return EXIT_USAGE
    if not is_server_url(args.url):
        out.write(f"reelkeep catalog migrate-to: {args.url!r} is no postgresql:// URL\n")
        return EXIT_USAGE
    out.write(f"Copying {catalog.path} to {redacted(args.url)}\n")
    copied = migrate_to(catalog, args.url, report=lambda line: out.write(f"  {line}\n"))
    out.write(f"Done: {sum(c.rows for c in copied)} rows in {len(copied)} tables, verified. Open it with "
              f"--catalog '{redacted(args.url)}' (or set REELKEEP_CATALOG).\n")
    return EXIT_OK
