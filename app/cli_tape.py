"""`reelkeep tape …`: LTFS tapes from the command line (docs/tape.md)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from app.catalog.catalog import Catalog

EXIT_OK, EXIT_DAMAGED = 0, 1


def add_parser(sub: argparse._SubParsersAction) -> None:
    tape = sub.add_parser("tape", help="LTFS tapes: format, write, list, verify and restore (DEVICE: file:FOLDER, "
                                       "a simulated cartridge)",
                          description="LTO-8/LTO-9 tapes in LTFS format. DEVICE is file:FOLDER, a simulated "
                                      "cartridge in the LTFS reference implementation's file layout. "
                                      "See docs/tape.md.")
    verbs = tape.add_subparsers(dest="tape_command", metavar="VERB", required=True)
    fmt = verbs.add_parser("format", help="write an LTFS volume label and an empty index (erases the cartridge)")
    fmt.add_argument("device", metavar="DEVICE")
    fmt.add_argument("--barcode", required=True, help="six letters or digits and the media type, e.g. RK0001L9")
    fmt.add_argument("--generation", default="LTO9", help="LTO8 or LTO9 (default LTO9)")
    fmt.add_argument("--capacity", metavar="SIZE", help="a simulated cartridge's capacity (default: native)")
    write = verbs.add_parser("write", help="write folders onto the volume as a new index generation")
    write.add_argument("device", metavar="DEVICE")
    write.add_argument("sources", nargs="+", type=Path, metavar="SRC")
    write.add_argument("--to", default="", help="folder on the tape to write under (default: the root)")
    write.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    listing = verbs.add_parser("list", help="the files on the volume (from its newest index)")
    listing.add_argument("device", metavar="DEVICE")
    verify = verbs.add_parser("verify", help="read every file back and compare its xxh128 with the index; exit 1 "
                                             "and the damaged files named")
    verify.add_argument("device", metavar="DEVICE")
    verify.add_argument("-q", "--quiet", action="store_true", help="no progress line")
    back = verbs.add_parser("restore", help="copy files or folders from the tape back to disk, each checked against "
                                            "its xxh128; nothing is overwritten")
    back.add_argument("device", metavar="DEVICE")
    back.add_argument("paths", nargs="*", metavar="PATH", help="files or folders on the tape (default: all)")
    back.add_argument("--to", required=True, type=Path, dest="dest", help="folder to restore into")
    back.add_argument("-q", "--quiet", action="store_true", help="no progress line")


def command_tape(catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    return _VERBS[args.tape_command](catalog, args, out)


def _format(_catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    from app.cli import run_job
    from app.streaming.stream_cache import parse_size
    from app.tape.jobs import FormatTapeJob
    from app.tape.profiles import TapeError, generation

    try:
        capacity = parse_size(args.capacity) if args.capacity else None
    except ValueError as exc:
        raise TapeError(f"--capacity {exc}") from None
    chosen = generation(args.generation)
    volume = run_job(FormatTapeJob(args.device, args.barcode, chosen, capacity), True)
    out.write(f"formatted {args.barcode.upper()} ({chosen.name}): LTFS volume {volume.label.volume_uuid}\n")
    return EXIT_OK


def _write(_catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    from app.cli import run_job
    from app.tape.jobs import WriteTapeJob

    written = run_job(WriteTapeJob(args.device, args.sources, args.to), args.quiet)
    for result in written:
        out.write(f"wrote {result.files} files, {result.bytes:,} bytes: index generation "
                  f"{result.index.generation}\n")
    return EXIT_OK


def _list(_catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    from app.tape.jobs import open_device
    from app.tape.ltfs_index import FileEntry
    from app.tape.volume import read_volume

    volume = read_volume(open_device(args.device))
    for path, entry in volume.index.root.walk():
        if isinstance(entry, FileEntry):
            target = f" -> {entry.symlink}" if entry.symlink is not None else ""
            out.write(f"{entry.length:>15,}  {path}{target}\n")
        else:
            out.write(f"{'folder':>15}  {path}/\n")
    return EXIT_OK


def _restore(_catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    from app.cli import run_job
    from app.tape.jobs import RestoreTapeJob

    restored = run_job(RestoreTapeJob(args.device, args.paths, args.dest), args.quiet)
    for path, problem in restored.problems:
        print(f"NOT RESTORED {path}: {problem}", file=sys.stderr)
    out.write(f"restored {len(restored.restored)} files, {restored.bytes:,} bytes into {args.dest}\n")
    return EXIT_DAMAGED if restored.problems else EXIT_OK


def _verify(_catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    from app.cli import run_job
    from app.tape.jobs import VerifyTapeJob

    report = run_job(VerifyTapeJob(args.device), args.quiet)
    for path, problem in report.problems:
        print(f"DAMAGED {path}: {problem}", file=sys.stderr)
    if report.problems:
        out.write(f"tape DAMAGED: {len(report.problems)} of {report.files} files do not read back as written; "
                  "restore them from the other copy\n")
        return EXIT_DAMAGED
    out.write(f"tape OK: {report.files} files, {report.bytes:,} bytes read back and their xxh128 checked\n")
    return EXIT_OK


_VERBS: dict[str, Callable[[Catalog, argparse.Namespace, TextIO], int]] = {
    "format": _format, "write": _write, "list": _list, "restore": _restore, "verify": _verify,
}
