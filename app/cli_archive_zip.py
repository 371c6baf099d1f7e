"""`reelkeep archive export|import|members|unpack`: a version as a ZIP of STORED members, back, where each member's
bytes are (docs/archive.md, "ZIP export"), and files copied out of an archive or a ZIP."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from app.catalog.catalog import Catalog

Handler = Callable[[Catalog, argparse.Namespace, TextIO], int]
EXIT_OK, EXIT_ERROR = 0, 1


def add_parsers(verbs: argparse._SubParsersAction) -> None:
    """Add this module's verbs to `reelkeep archive`."""
    export = verbs.add_parser("export", help="one version as a ZIP64 file whose members are all STORED (playable "
                                             "in place)")
    export.add_argument("archive", metavar="ARCHIVE")
    export.add_argument("out", metavar="OUT.zip")
    export.add_argument("--version", metavar="V", help="a version (v3) or branch (default: head of main)")
    export.add_argument("--overwrite", action="store_true",
                        help="replace OUT.zip (default: write OUT_2.zip… and say so)")
    export.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    imported = verbs.add_parser("import", help="a ZIP of STORED members (e.g. an export) as a new archive, every "
                                               "member checked")
    imported.add_argument("zip", metavar="IN.zip")
    imported.add_argument("archive", metavar="ARCHIVE", help="a new (or empty) folder")
    imported.add_argument("-m", "--message", default="", help="the version's message (default: the export's)")
    imported.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    members = verbs.add_parser("members", help="the members of a ZIP with their data offsets and the URLs that "
                                               "play them in place")
    members.add_argument("zip", metavar="IN.zip")
    members.add_argument("--json", action="store_true", help="print JSON")
    unpack = verbs.add_parser("unpack", help="copy files of an archive version or a ZIP (compressed members too) "
                                             "into a folder, each checked before it appears")
    unpack.add_argument("source", metavar="ARCHIVE|IN.zip")
    unpack.add_argument("dest", metavar="FOLDER")
    unpack.add_argument("paths", nargs="*", metavar="PATH",
                        help="logical paths of files or folders (default: every file of the version)")
    unpack.add_argument("--version", metavar="V", help="a version (v3) or branch of an archive folder "
                                                       "(default: head of main)")
    unpack.add_argument("--overwrite", action="store_true",
                        help="replace files in FOLDER (default: write NAME_2… beside them and say so)")
    unpack.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def command_export(_catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    from app.archive.zip_export import ExportZipJob
    from app.cli import run_job

    result = run_job(ExportZipJob(Path(args.archive), Path(args.out), args.version, args.overwrite), args.quiet)
    note = f" ({args.out} exists and was left alone)" if result.renamed else ""
    out.write(f"{result.path}: {result.version} as {result.members} STORED members, {result.bytes:,} bytes{note}\n")
    return EXIT_OK


def command_import(_catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    from app.archive.zip_import import ImportZipJob
    from app.cli import run_job
    from app.cli_archive import change_summary

    result = run_job(ImportZipJob(Path(args.zip), Path(args.archive), args.message), args.quiet)
    checked = "every member checked against the export's inventory" if result.checked_against_inventory else \
        "not a Reelkeep export: members checked by their CRC-32 only"
    out.write(f"{args.archive}: wrote {result.version.name} on branch main: "
              f"{change_summary(Path(args.archive), result.version)} ({checked})\n")
    return EXIT_OK


def command_members(_catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    from app.archive.zip_members import read_members, slice_url, subfile_url

    rows = []
    for member in read_members(Path(args.zip)):
        if member.is_folder:
            continue
        playable = member.stored and not member.encrypted
        rows.append({"name": member.name, "size": member.size, "offset": member.data_offset,
                     "method": member.method_name,
                     "encrypted": member.encrypted,
                     "mpv": slice_url(args.zip, member) if playable else None,
                     "ffmpeg": subfile_url(args.zip, member) if playable else None})
    if args.json:
        json.dump(rows, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return EXIT_OK
    for row in rows:
        where = row["mpv"] or ("encrypted" if row["encrypted"] else
                              f"compressed ({row['method']}): `reelkeep archive unpack` it to play it")
        out.write(f"{row['name']}\t{row['size']}\t@{row['offset']}\t{where}\n")
    return EXIT_OK


def command_unpack(_catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    from app.archive.unpack import UnpackJob
    from app.cli import run_job

    result = run_job(UnpackJob(Path(args.source), Path(args.dest), args.paths, args.version, args.overwrite),
                     args.quiet)
    for logical, placed in result.renamed:
        out.write(f"{logical}: a file of that name exists; written as {placed}\n")
    out.write(f"{args.dest}: unpacked {len(result.written)} file(s), {result.bytes:,} bytes\n")
    return EXIT_OK


HANDLERS: dict[str, Handler] = {"export": command_export, "import": command_import, "members": command_members,
                                "unpack": command_unpack}
