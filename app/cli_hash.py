"""`reelkeep hash [PATH…]`: content hashes for cataloged files that have none (app/ingest/content_hashes.py)."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from app.catalog.catalog import Catalog

EXIT_OK, EXIT_PROBLEMS = 0, 1


def add_parser(sub: argparse._SubParsersAction) -> None:
    hashing = sub.add_parser(
        "hash", help="read cataloged files whole for their content hash (xxh3-128), so tapes match them exactly",
        description="Reads each cataloged file that has no content hash yet (or every one with --rehash) and "
                    "records its xxh3-128, the digest offloads and tape writes record as they read; the tape "
                    "catalog then knows exactly which tape holds a file. A file that changed since it was "
                    "scanned is left alone and named (rescan it).")
    hashing.add_argument("paths", nargs="*", metavar="PATH", help="cataloged files or folders (default: all)")
    hashing.add_argument("--rehash", action="store_true", help="hash files that have a content hash too")
    hashing.add_argument("-q", "--quiet", action="store_true", help="no progress line")


def command_hash(catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    from app.cli import _ids_for_paths, run_job
    from app.ingest.content_hashes import HashFilesJob

    ids = _ids_for_paths(catalog, args.paths) if args.paths else catalog.query_ids()
    if ids is None:
        return EXIT_PROBLEMS
    result = run_job(HashFilesJob(catalog, ids, args.rehash), args.quiet)
    out.write(f"Hashed: {result.summary()}\n")
    for path in result.changed[:50]:
        out.write(f"  changed since the scan: {path}\n")
    for problem in result.unreadable[:50]:
        out.write(f"  cannot read: {problem}\n")
    if result.changed or result.unreadable:
        print("reelkeep: some files were not hashed (listed above); rescan them, then run `reelkeep hash` again",
              file=sys.stderr)
        return EXIT_PROBLEMS
    return EXIT_OK
