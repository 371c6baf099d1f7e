"""`reelkeep tape plan/write --library [FILTERS]`: library files as a tape plan's source (app/tape/plan_library.py),
chosen with the filters `reelkeep list` takes."""

from __future__ import annotations

import argparse
import sys

from app.catalog.catalog import Catalog


class _LibraryFilters:
    """`reelkeep list`'s filter options (app/cli.py) in a group of their own, without --json: a plan prints its
    summary, not records."""

    def __init__(self, group: argparse._ArgumentGroup) -> None:
        self.group = group

    def add_argument(self, *names: str, **options) -> None:  # noqa: ANN003 - argparse's own keywords
        if "--json" not in names:
            self.group.add_argument(*names, **options)


def library_options(parser: argparse.ArgumentParser) -> None:
    from app.cli import _add_filter_arguments

    group = parser.add_argument_group(
        "a library selection (--library)",
        "cataloged files, chosen with the filters `reelkeep list` takes (all files without one), each at "
        "ROOT_NAME/PATH_UNDER_ITS_LIBRARY_FOLDER on tape; missing or changed files stop the plan")
    group.add_argument("--library", action="store_true",
                       help="plan the library files the filters below choose (with or without SRC folders)")
    group.add_argument("--with-proxies", action="store_true",
                       help="their proxies and posters too, under .reelkeep/proxies/ and .reelkeep/posters/")
    group.add_argument("--skip-missing", action="store_true",
                       help="leave out files missing on disk or changed since cataloged (listed on stderr) "
                            "instead of stopping")
    _add_filter_arguments(_LibraryFilters(group))  # type: ignore[arg-type]  # it only calls add_argument


def library_source(catalog: Catalog, args: argparse.Namespace):  # noqa: ANN202 - a LibrarySource or None
    """The --library selection (ids from the filters, as `reelkeep list` picks them), or None without --library."""
    from app.cli import _filter_from
    from app.tape.plan_library import LibrarySource
    from app.tape.profiles import TapeError

    chosen = {"kind": ",".join(args.kind or ()), "tag": args.tag, "min-rating": args.min_rating or None,
              "favourites": args.favourites, "status": args.status, "artist": args.artist, "album": args.album,
              "sort": args.sort if args.limit else None, "desc": args.desc and bool(args.limit), "limit": args.limit}
    given = [f"--{key}" if value is True else f"--{key} {value}" for key, value in chosen.items() if value]
    if not args.library:
        extra = given or [f"--{k}" for k in ("with-proxies", "skip-missing") if getattr(args, k.replace("-", "_"))]
        if extra or args.sort != "name" or args.desc:
            raise TapeError(f"{(extra or ['--sort/--desc'])[0].split()[0]} goes with --library (library files)")
        return None
    ids = catalog.query_ids(_filter_from(args))
    ids = ids[: args.limit] if args.limit else ids
    if not ids:
        raise TapeError("no cataloged file matches the library filters (`reelkeep list` with them shows the files)")
    label = " ".join(["library", *given]) if given else "whole library"
    return LibrarySource(tuple(ids), args.with_proxies, args.skip_missing, label)


def say_skipped(job) -> None:  # noqa: ANN001 - a PlanTapesJob or PlanLibraryJob
    """What a library plan left out (--skip-missing), on stderr: the plan is made, the user must know."""
    skipped, gone = getattr(job, "skipped", []), getattr(job, "gone_extras", 0)
    for problem in skipped:
        print(f"SKIPPED {problem}", file=sys.stderr)
    if skipped:
        print(f"reelkeep: {len(skipped):,} library file(s) missing or changed were left out of the plan (rescan the "
              "library to catalog them as they are now)", file=sys.stderr)
    if gone:
        print(f"reelkeep: {gone:,} proxies or posters the catalog knows of are gone from disk and were left out",
              file=sys.stderr)
