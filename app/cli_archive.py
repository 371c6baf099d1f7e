"""`reelkeep archive …`: project archives (docs/archive.md). The verbs come from three modules that each add
their own subparsers and handlers: the archive itself (here), versions (cli_versions) and ZIP (cli_archive_zip)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from app.archive.model import DEFAULT_BRANCH, RESERVED_PREFIX, VersionInfo
from app.archive.store import Archive
from app.catalog.catalog import Catalog
from app.cli_archive_zip import HANDLERS as ZIP_HANDLERS
from app.cli_archive_zip import add_parsers as add_zip_parsers
from app.cli_versions import HANDLERS as VERSION_HANDLERS
from app.cli_versions import add_parsers as add_version_parsers

if TYPE_CHECKING:
    from app.archive.jobs import WriteResult

# The jobs (and through them PyAV, numpy, ascmhl) are imported by the verbs that run them, so that quick verbs
# such as `archive branch` start in a fraction of a second.
EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
Handler = Callable[[Catalog, argparse.Namespace, TextIO], int]


def add_parser(sub: argparse._SubParsersAction) -> None:
    archive = sub.add_parser("archive", help="project archives: create, add, list, verify, versions, ZIP export and import",
                             description="Project archives (OCFL 1.1 folders with embedded proxies and an ASC MHL "
                                         "per version). See docs/archive.md.")
    verbs = archive.add_subparsers(dest="archive_command", metavar="VERB")
    add_archive_parsers(verbs)
    add_version_parsers(verbs)
    add_zip_parsers(verbs)


PRESETS = ("thumbnail", "preview", "editorial")


def presets_argument(text: str) -> tuple[str, ...]:
    names = tuple(p.strip() for p in text.split(",") if p.strip())
    unknown = [p for p in names if p not in PRESETS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown proxy preset {unknown[0]!r}: use {', '.join(PRESETS)}")
    return names


def add_archive_parsers(verbs: argparse._SubParsersAction) -> None:
    """create, add, list, verify."""
    create = verbs.add_parser("create", help="archive SRC_DIR's contents into a new archive folder (version v1 on "
                                             "branch main)")
    create.add_argument("source", metavar="SRC_DIR")
    create.add_argument("archive", metavar="ARCHIVE", help="a new (or empty) folder")
    create.add_argument("--proxies", type=presets_argument, default=(), metavar="PRESETS",
                        help="embed these proxies of every video: thumbnail,preview,editorial (comma-separated)")
    create.add_argument("-m", "--message", default="", help="the version's message")
    create.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    add = verbs.add_parser("add", help="add files or folders to branch main as a new version")
    add.add_argument("archive", metavar="ARCHIVE")
    add.add_argument("paths", nargs="+", metavar="PATH")
    add.add_argument("--to", default="", metavar="LOGICAL_PATH", help="folder inside the archive (default: its root)")
    add.add_argument("--proxies", type=presets_argument, default=(), metavar="PRESETS", help="as for create")
    add.add_argument("-m", "--message", default="", help="the version's message")
    add.add_argument("--rehash", action="store_true", help="read every file again even when it looks unchanged")
    add.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    listing = verbs.add_parser("list", help="the files of a version")
    listing.add_argument("archive", metavar="ARCHIVE")
    listing.add_argument("--version", metavar="V", help="a version (v3) or branch (default: head of main)")
    listing.add_argument("--all", action="store_true", help="also Reelkeep's own .reelkeep/ files")
    listing.add_argument("--json", action="store_true", help="print JSON")

    verify = verbs.add_parser("verify", help="check an archive: OCFL structure, every file present with its size, "
                                             "the MHLs (--full: every byte re-read and its digests compared)")
    verify.add_argument("archive", metavar="ARCHIVE")
    verify.add_argument("--full", action="store_true", help="re-read every stored file")
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    verify.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def catalog_facts(catalog: Catalog) -> Callable[[Path], dict | None]:
    """What the catalog knows about a source file (tags, rating, markers, links), for the archive metadata."""

    def lookup(path: Path) -> dict | None:
        media_id = catalog.id_for_path(path)
        return None if media_id is None else catalog.info(media_id)

    return lookup


def report_write(result: WriteResult, archive: Path, out: TextIO) -> None:
    for skipped in result.skipped:
        print(f"skipped {skipped}", file=sys.stderr)
    if result.version is None:
        print(f"nothing changed: {archive} already holds these files; no version written", file=out)
        return
    version = result.version
    print(f"{archive}: wrote {version.name} on branch {version.branch}: {change_summary(archive, version)}", file=out)


def change_summary(archive: Path, version: VersionInfo) -> str:
    """'2 added, 1 removed; 14 files in v3' — what the version changed against its first parent."""
    from app.versioning.diff import diff_states

    opened = Archive.open(archive)
    files = [f for f in opened.state(version.name) if not f.startswith(RESERVED_PREFIX)]
    parent = opened.state(version.parents[0]) if version.parents else {}
    diff = diff_states(parent, opened.state(version.name))
    parts = [f"{len(items)} {label}" for label, items in (("added", diff.added), ("modified", diff.modified),
                                                         ("renamed", diff.renamed), ("removed", diff.removed))
             if items]
    return f"{', '.join(parts) or 'no file changed'}; {len(files)} file(s) in {version.name}"


def command_create(catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    from app.archive.jobs import CreateArchiveJob
    from app.cli import run_job

    job = CreateArchiveJob(Path(args.source), Path(args.archive), args.proxies, args.message, catalog_facts(catalog))
    report_write(run_job(job, args.quiet), Path(args.archive), out)
    return EXIT_OK


def command_add(catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    from app.archive.jobs import CommitJob
    from app.cli import run_job

    job = CommitJob(Path(args.archive), [Path(p) for p in args.paths], args.to, DEFAULT_BRANCH, args.message,
                    proxies=args.proxies, rehash=args.rehash, catalog_facts=catalog_facts(catalog))
    report_write(run_job(job, args.quiet), Path(args.archive), out)
    return EXIT_OK


def command_list(_catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    archive = Archive.open(args.archive)
    version = archive.resolve(args.version)
    files = archive.files(version, include_reserved=args.all)
    if args.json:
        json.dump([{"path": f.logical_path, "size": f.size, "sha256": f.digest, "xxh128": f.xxh128,
                    "content_path": str(f.content_path.relative_to(archive.path))} for f in files], out, indent=1)
        out.write("\n")
        return EXIT_OK
    for f in files:
        print(f"{f.size:>14,}  {f.digest[:16]}  {f.logical_path}", file=out)
    print(f"{len(files)} files, {sum(f.size for f in files):,} bytes in {version}", file=out)
    return EXIT_OK


def command_verify(_catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    from app.archive.verify import VerifyArchiveJob
    from app.cli import run_job

    report = run_job(VerifyArchiveJob(Path(args.archive), full=args.full), args.quiet)
    if args.json:
        json.dump(report.as_json(), out, indent=1)
        out.write("\n")
    else:
        for problem in report.problems:
            print(problem.text(), file=out)
        print(report.summary(), file=out)
    return EXIT_OK if report.ok else EXIT_ERROR


HANDLERS: dict[str, Handler] = {"create": command_create, "add": command_add, "list": command_list,
                                "verify": command_verify}


def command_archive(catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    handler = {**HANDLERS, **VERSION_HANDLERS, **ZIP_HANDLERS}.get(args.archive_command or "")
    if handler is None:
        print("reelkeep archive: give a verb (reelkeep archive --help lists them)", file=sys.stderr)
        return EXIT_USAGE
    return handler(catalog, args, out)
