"""`reelkeep catalog …`: the catalog itself. `migrate-to URL` copies this catalog file onto a PostgreSQL server;
`map-root` keeps this machine's root mapping (catalog path -> path here) in its settings; `--map-root` (every
command, for one run) is parsed and applied here too."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TextIO

from app.catalog.catalog import Catalog
from app.catalog.db import is_server_url, redacted
from app.catalog.transfer import migrate_to
from app.core.root_map import ROOT_MAP_ENV, RootMap, RootMapError, RootMapping

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
MAP_ROOT_HELP = ("CATALOG_PATH=LOCAL_PATH: a path the catalog stores under CATALOG_PATH is under LOCAL_PATH on this "
                 "machine, for this run (repeatable; over the mapping saved with `reelkeep catalog map-root add`)")


def map_root_argument(text: str) -> RootMapping:
    """argparse type of --map-root: a clear usage error for a malformed mapping."""
    try:
        return RootMapping.parse(text)
    except RootMapError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_parser(sub: argparse._SubParsersAction) -> None:
    catalog = sub.add_parser("catalog", help="the catalog itself: copy it onto a PostgreSQL server; this machine's "
                                             "root mapping",
                             description="Commands on the catalog itself. See docs/scaling.md.")
    actions = catalog.add_subparsers(dest="catalog_command", metavar="ACTION")
    move = actions.add_parser(
        "migrate-to", help="copy this catalog (--catalog, a file) into an empty catalog on a PostgreSQL server",
        description="Copies every table of the catalog file into the empty catalog at URL (created and migrated "
                    "there first), then compares row counts and checksums of every table; the server keeps the "
                    "copy only when all agree. The file is left as it is.")
    move.add_argument("url", metavar="URL", help="postgresql://user@host:port/database")

    mapping = actions.add_parser(
        "map-root", help="this machine's root mapping: where paths the catalog stores are on this machine",
        description="A shared catalog stores each path as the machine that scanned it saw it (the catalog's form). "
                    "A machine that mounts that storage elsewhere maps the catalog's prefix to its own, e.g. "
                    "/Volumes/RAID -> /mnt/raid: it then sees every path in its form, and what it records goes back "
                    "in the catalog's. The mapping is kept in this machine's settings (never in the catalog); "
                    "--map-root adds entries for one run. The longest matching prefix wins; prefixes match whole "
                    "path components. See docs/scaling.md.")
    verbs = mapping.add_subparsers(dest="map_root_command", metavar="VERB", required=True)
    add = verbs.add_parser("add", help="map CATALOG_PATH to LOCAL_PATH on this machine (replaces the entry for "
                                       "CATALOG_PATH)")
    add.add_argument("paths", nargs="+", metavar="PATH", help="CATALOG_PATH LOCAL_PATH, or CATALOG_PATH=LOCAL_PATH")
    remove = verbs.add_parser("remove", help="forget the entry for CATALOG_PATH")
    remove.add_argument("catalog_path", metavar="CATALOG_PATH")
    listing = verbs.add_parser("list", help="the mapping this machine uses (saved, and this run's --map-root)")
    listing.add_argument("--json", action="store_true", help="print JSON")
    verbs.add_parser("clear", help="forget every entry of this machine's mapping")


def effective_root_map(overrides: Sequence[RootMapping] = ()) -> RootMap:
    """What this run maps: this machine's saved mapping, then what a parent Reelkeep handed down
    ($REELKEEP_ROOT_MAP), then --map-root; a later entry for the same catalog path wins."""
    from app.services.settings import Settings  # QtCore's QSettings: loaded by the commands that need it

    return Settings().root_map().merged(RootMap.from_environment()).merged(overrides)


@contextmanager
def handed_down(mapping: RootMap) -> Iterator[RootMap]:
    """The run's mapping in $REELKEEP_ROOT_MAP while it runs: a catalog the run opens elsewhere (the streaming
    server's thread and worker processes) maps the same way. The previous value is put back afterwards."""
    previous = os.environ.get(ROOT_MAP_ENV)
    if mapping:
        os.environ[ROOT_MAP_ENV] = mapping.to_json()
    else:
        os.environ.pop(ROOT_MAP_ENV, None)
    try:
        yield mapping
    finally:
        if previous is None:
            os.environ.pop(ROOT_MAP_ENV, None)
        else:
            os.environ[ROOT_MAP_ENV] = previous


def command_map_root(args: argparse.Namespace, out: TextIO, overrides: Sequence[RootMapping] = ()) -> int:
    """`reelkeep catalog map-root add|remove|list|clear`: this machine's settings, no catalog opened."""
    from app.services.settings import Settings

    settings = Settings()
    where = settings.file_name()
    if args.map_root_command == "clear":
        settings.set_root_map(RootMap())
        settings.sync()
        out.write(f"This machine's root mapping is empty now (in {where})\n")
        return EXIT_OK
    try:
        saved = settings.root_map()
        if args.map_root_command == "list":
            return _list(saved, RootMap.from_environment().merged(overrides), where, args.json, out)
        if args.map_root_command == "add":
            entry = _entry(args.paths)
            replaced = [m for m in saved if os.fsencode(m.catalog) == os.fsencode(entry.catalog)]
            updated = saved.merged([entry])
        else:
            updated = saved.without(args.catalog_path)
    except RootMapError as exc:
        print(f"reelkeep: {exc}", file=sys.stderr)
        return EXIT_USAGE if args.map_root_command in ("add", "remove") else EXIT_ERROR
    settings.set_root_map(updated)
    settings.sync()
    if args.map_root_command == "add":
        was = f" (was {replaced[0].local})" if replaced else ""
        out.write(f"Mapped {entry.catalog} -> {entry.local}{was} on this machine (in {where})\n")
        if not os.path.isdir(entry.local):
            out.write(f"note: {entry.local} is not a folder on this machine now (not mounted?)\n")
    else:
        out.write(f"Removed the mapping of {_normal(args.catalog_path)} (in {where})\n")
    return EXIT_OK


def _normal(path: str) -> str:
    return RootMapping(path, "/").catalog


def _entry(paths: Sequence[str]) -> RootMapping:
    if len(paths) == 1:
        return RootMapping.parse(paths[0])
    if len(paths) == 2:
        return RootMapping(paths[0], paths[1])
    raise RootMapError("give CATALOG_PATH LOCAL_PATH (or CATALOG_PATH=LOCAL_PATH), nothing more")


def _list(saved: RootMap, extra: RootMap, where: str, as_json: bool, out: TextIO) -> int:
    effective = saved.merged(extra)
    from_run = {os.fsencode(m.catalog) for m in extra if m not in saved.mappings}
    if as_json:
        json.dump([{"catalog": m.catalog, "local": m.local,
                    "from": "this run" if os.fsencode(m.catalog) in from_run else "settings"} for m in effective],
                  out, indent=2, ensure_ascii=False)
        out.write("\n")
        return EXIT_OK
    if not effective:
        out.write(f"No root mapping on this machine (settings: {where}); paths are used as the catalog stores "
                  "them\n")
        return EXIT_OK
    width = max(len(m.catalog) for m in effective)
    for m in effective:
        note = "  (this run only)" if os.fsencode(m.catalog) in from_run else ""
        out.write(f"{m.catalog.ljust(width)}  ->  {m.local}{note}\n")
    out.write(f"(settings: {where})\n")
    return EXIT_OK


def command_catalog(catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    if args.catalog_command != "migrate-to":
        out.write("usage: reelkeep catalog migrate-to postgresql://user@host:port/database\n"
                  "       reelkeep catalog map-root add|remove|list|clear …\n")
        return EXIT_USAGE
    if not is_server_url(args.url):
        out.write(f"reelkeep catalog migrate-to: {args.url!r} is no postgresql:// URL\n")
        return EXIT_USAGE
    out.write(f"Copying {catalog.path} to {redacted(args.url)}\n")
    copied = migrate_to(catalog, args.url, report=lambda line: out.write(f"  {line}\n"))
    out.write(f"Done: {sum(c.rows for c in copied)} rows in {len(copied)} tables, verified. Open it with "
              f"--catalog '{redacted(args.url)}' (or set REELKEEP_CATALOG).\n")
    return EXIT_OK
