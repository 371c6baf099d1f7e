"""Headless commands. They run the same job code as the GUI, with a text progress bar."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any, TextIO

from app import __version__
from app.catalog.catalog import Catalog
from app.catalog.filters import KINDS, SORT_COLUMNS, STATUS_FILTERS, LibraryFilter
from app.cli_archive import add_parser as add_archive_parser
from app.cli_archive import command_archive
from app.cli_catalog import (
    MAP_ROOT_HELP,
    command_catalog,
    command_map_root,
    effective_root_map,
    handed_down,
    map_root_argument,
)
from app.cli_catalog import add_parser as add_catalog_parser
from app.cli_edl import add_parser as add_edl_parser
from app.cli_edl import command_edl
from app.cli_extract import add_parser as add_extract_parser
from app.cli_extract import command_extract
from app.cli_farm import add_parser as add_farm_parser
from app.cli_farm import command_farm, command_worker
from app.cli_hash import add_parser as add_hash_parser
from app.cli_hash import command_hash
from app.cli_offload import add_parser as add_offload_parser
from app.cli_offload import command_offload
from app.cli_sanitize import add_parser as add_sanitize_parser
from app.cli_sanitize import command_sanitize
from app.cli_serve import add_parser as add_serve_parser
from app.cli_serve import command_serve
from app.cli_stats import add_parser as add_stats_parser
from app.cli_stats import command_stats
from app.cli_tape import add_parser as add_tape_parser
from app.cli_tape import command_tape
from app.core.errors import ReelkeepError
from app.core.job import Job, JobContext, execute
from app.core.progress import CancelToken, ProgressUpdate
from app.core.root_map import RootMap
from app.core.timecode import format_rate

PROXY_PRESETS = ("thumbnail", "preview", "editorial")
EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_CANCELLED = 0, 1, 2, 130
COMMANDS = ("scan", "list", "search", "info", "thumbs", "proxies", "edl", "extract", "archive", "serve", "tape",
            "stats", "sanitize", "offload", "hash", "catalog", "worker", "farm")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reelkeep",
        description="Reelkeep media manager. Without a command it opens the main window.",
    )
    parser.add_argument("--version", action="version", version=f"reelkeep {__version__}")
    parser.add_argument("--catalog", metavar="PATH",
                        help="catalog file, or postgresql://user@host:port/db for a catalog on a PostgreSQL server "
                             "(default: $REELKEEP_CATALOG or the user data dir)")
    parser.add_argument("--map-root", action="append", type=map_root_argument, metavar="CATALOG_PATH=LOCAL_PATH",
                        help=MAP_ROOT_HELP)
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages to stderr")
    parser.add_argument("--self-test", action="store_true",
                        help="open the catalog, probe a generated clip, build the main window offscreen, exit 0 when all work")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    scan = sub.add_parser("scan", help="add PATHs as library roots and scan them; without PATH rescan every root")
    scan.add_argument("paths", nargs="*", metavar="PATH")
    scan.add_argument("--workers", type=int, default=None, help="probe processes (default: every core)")
    scan.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    listing = sub.add_parser("list", help="list catalog entries")
    _add_filter_arguments(listing)

    search = sub.add_parser("search", help="full-text search over names, paths, titles, artists, albums and tags")
    search.add_argument("query")
    _add_filter_arguments(search)

    info = sub.add_parser("info", help="everything the catalog knows about one file")
    info.add_argument("file")
    info.add_argument("--json", action="store_true", help="print JSON (keys documented in docs/cli.md)")

    thumbs = sub.add_parser("thumbs", help="make posters, scrubber sprite sheets and hover previews")
    thumbs.add_argument("paths", nargs="*", metavar="PATH",
                        help="cataloged files or folders (default: every ok video, audio and image file)")
    thumbs.add_argument("--regenerate", action="store_true", help="make them again even when they exist")
    thumbs.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    proxies = sub.add_parser("proxies", help="make (or --verify) smaller renditions of cataloged videos")
    proxies.add_argument("paths", nargs="+", metavar="PATH", help="cataloged files or folders")
    proxies.add_argument("--preset", choices=PROXY_PRESETS, action="append",
                         help="thumbnail, preview or editorial (repeatable; default preview)")
    proxies.add_argument("--all-presets", action="store_true", help="every preset")
    proxies.add_argument("--codec", choices=("prores", "dnxhr"), default="prores",
                         help="editorial codec: ProRes 422 Proxy (default) or DNxHR LB")
    proxies.add_argument("--regenerate", action="store_true", help="make them again even when they exist")
    proxies.add_argument("--verify", action="store_true",
                         help="check the recorded proxies against their originals instead; exit 1 on any failure")
    proxies.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_edl_parser(sub)
    add_extract_parser(sub)
    add_archive_parser(sub)
    add_serve_parser(sub)
    add_tape_parser(sub)
    add_sanitize_parser(sub)
    add_stats_parser(sub)
    add_offload_parser(sub)
    add_hash_parser(sub)
    add_catalog_parser(sub)
    add_farm_parser(sub)
    return parser


def _add_filter_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print a JSON array of records")
    parser.add_argument("--kind", choices=KINDS, action="append", help="only this kind (repeatable)")
    parser.add_argument("--tag", help="only files with this tag")
    parser.add_argument("--min-rating", type=int, default=0, choices=range(0, 6), metavar="0-5")
    parser.add_argument("--favourites", action="store_true", help="only favourites")
    parser.add_argument("--status", choices=STATUS_FILTERS, help="only files with this status")
    parser.add_argument("--artist", help="only this (album) artist")
    parser.add_argument("--album", help="only this album")
    parser.add_argument("--sort", choices=sorted(SORT_COLUMNS), default="name")
    parser.add_argument("--desc", action="store_true", help="sort descending")
    parser.add_argument("--limit", type=int, default=0, help="at most N rows (0: all)")


class TextProgress:
    """One self-rewriting line on a terminal, nothing when stderr is not a terminal."""

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self.stream = stream
        self.tty = stream.isatty()

    def __call__(self, update: ProgressUpdate) -> None:
        if not self.tty:
            return
        width = 30
        if update.fraction is not None:
            filled = int(update.fraction * width)
            bar = "#" * filled + "-" * (width - filled)
            counts = f"{update.done}/{update.total}"
        else:
            bar, counts = "." * width, str(update.done)
        eta = f" ETA {update.eta_seconds:.0f}s" if update.eta_seconds is not None else ""
        line = f"[{bar}] {counts} {update.unit} {update.rate:.0f}/s{eta} {update.message}"
        columns = 120
        self.stream.write("\r" + line[: columns - 1].ljust(columns - 1))
        self.stream.flush()

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")


def run_job(job: Job, quiet: bool = False) -> Any:
    """Run a job in this thread; Ctrl+C cancels it cleanly. Raises ReelkeepError on failure."""
    token = CancelToken()
    progress = TextProgress() if not quiet else (lambda _u: None)
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGINT, lambda *_: token.cancel())
    try:
        outcome = execute(job, JobContext(progress=progress, cancel=token))
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
        if isinstance(progress, TextProgress):
            progress.close()
    if not outcome.ok:
        raise ReelkeepError(outcome.message) if not outcome.cancelled else KeyboardInterrupt()
    return outcome.value


def _filter_from(args: argparse.Namespace, text: str = "") -> LibraryFilter:
    return LibraryFilter(
        text=text, kinds=frozenset(args.kind or ()), tag=args.tag, min_rating=args.min_rating,
        favourites_only=args.favourites, status=args.status, artist=args.artist, album=args.album,
        sort=args.sort, descending=args.desc,
    )


def _print_rows(catalog: Catalog, ids: list[int], as_json: bool, out: TextIO) -> None:
    if as_json:
        json.dump([catalog.info(i) for i in ids], out, indent=2, ensure_ascii=False)
        out.write("\n")
        return
    for row in catalog.rows(ids):
        rate = format_rate_from(row["fps_num"], row["fps_den"])
        size = f"{row['width']}x{row['height']}" if row["width"] else ""
        duration = f"{row['duration']:.2f}s" if row["duration"] else ""
        status = "" if row["status"] == "ok" else f"[{row['status']}: {row['status_message'] or ''}]"
        fields = [row["kind"], duration, size, rate, row["start_tc"] or "", row["path"], status]
        out.write("\t".join(fields).rstrip() + "\n")


def format_rate_from(num: int | None, den: int | None) -> str:
    if not num or not den:
        return ""
    from fractions import Fraction

    return format_rate(Fraction(num, den))


def command_scan(catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    root_ids = None
    if args.paths:
        root_ids = []
        for path in args.paths:
            if not os.path.isdir(path):
                print(f"reelkeep: {path}: not a folder (give folders to scan)", file=sys.stderr)
                return EXIT_USAGE
            root_ids.append(catalog.add_root(path))
    elif not catalog.roots():
        print("reelkeep: no library folders yet; run `reelkeep scan FOLDER`", file=sys.stderr)
        return EXIT_USAGE
    from app.ingest.scan import ScanJob  # PyAV: loaded by the verbs that decode

    result = run_job(ScanJob(catalog, root_ids, args.workers), args.quiet)
    out.write(f"Scanned: {result.summary()}\n")
    for message in result.messages:
        out.write(f"warning: {message}\n")
    return EXIT_OK


def command_info(catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    media_id = catalog.id_for_path(args.file)
    if media_id is None:
        print(f"reelkeep: {args.file} is not in the catalog (scan its folder first)", file=sys.stderr)
        return EXIT_ERROR
    record = catalog.info(media_id)
    record.update(_thumbnail_keys(catalog, media_id, record))
    if args.json:
        json.dump(record, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        source, subclips = record.pop("subclip_of"), record.pop("subclips")
        stored_in, tapes = record.pop("archive"), record.pop("tapes")
        tracks = record["audio_tracks"]
        record["audio_tracks"] = len(tracks) if tracks is not None else UNREAD_TRACKS
        width = max(len(k) for k in record)
        for key, value in record.items():
            out.write(f"{key.ljust(width)}  {value if value is not None else ''}\n")
        for track in tracks or []:
            out.write(f"audio track {track['index'] + 1} of {len(tracks)}: {audio_track_text(track)}\n")
        if source is not None:
            out.write(f"subclip of {source['source_path']} {_frames_text(source)}{_source_note(source)}\n")
        for subclip in subclips:
            out.write(f"subclip {subclip['path']} {_frames_text(subclip)}\n")
        if stored_in is not None:
            out.write(f"stored in archive {stored_in['archive']}, {stored_in['version']}: "
                      f"{stored_in['logical_path']}\n")
        for tape in tapes:
            copy = f" (copy {tape['copy']})" if tape["copy"] else ""
            likely = "" if tape["exact"] else "  [same name and size; not checked by content hash]"
            out.write(f"on tape {tape['barcode']}{copy}: {tape['path']}{likely}\n")
    return EXIT_OK


UNREAD_TRACKS = ("unknown (cataloged by an older Reelkeep, which read only the first track; the next scan of "
                 "its library folder, or adding the file again, reads them)")


def audio_track_text(track: dict[str, Any]) -> str:
    """'pcm_s16le, mono (1 channel), 48000 Hz, language eng, "Boom"' for one of info's audio_tracks."""
    channels = track["channels"]
    count = f"{channels} channel{'s' if channels != 1 else ''}" if channels else "channels unknown"
    parts = [track["codec"] or "unknown codec", f"{track['layout']} ({count})" if track["layout"] else count]
    if track["sample_rate"]:
        parts.append(f"{track['sample_rate']} Hz")
    if track["language"]:
        parts.append(f"language {track['language']}")
    if track["title"]:
        parts.append(f'"{track["title"]}"')
    return ", ".join(parts)


def _frames_text(link: dict[str, Any]) -> str:
    """'frames 20–54 (01:00:00:20–01:00:02:04), event 1 of cut.edl' for a subclip link."""
    text = f"frames {link['first_frame']}–{link['last_frame']}"
    if link["first_tc"] and link["last_tc"]:
        text += f" ({link['first_tc']}–{link['last_tc']})"
    if link["event_number"] is not None:
        text += f", event {link['event_number']}" + (f" of {link['timeline']}" if link["timeline"] else "")
    return text


def _source_note(link: dict[str, Any]) -> str:
    status = link["source_status"]
    if status == "ok":
        return ""
    return " [source no longer in the catalog]" if status == "forgotten" else f" [source {status}]"


def _thumbnail_keys(catalog: Catalog, media_id: int, record: dict[str, Any]) -> dict[str, Any]:
    """Paths of the cached poster, sprite sheet and preview (null until `reelkeep thumbs` made them)."""
    from app.ingest.thumbs import thumbnail_paths  # imported here: numpy and the encoders load only when used
    from app.media.hashing import identity_hash

    hash_ = record["identity_hash"]
    if hash_ is None and record["status"] != "missing":
        try:
            hash_ = identity_hash(catalog.raw_paths([media_id])[media_id])
        except (OSError, KeyError):
            hash_ = None
    found = thumbnail_paths(hash_)
    info = found["sprite_info"]
    return {
        "poster": str(found["poster"]) if found["poster"] else None,
        "sprite": str(found["sprite"]) if found["sprite"] else None,
        "sprite_interval": info["interval_seconds"] if info else None,
        "preview": str(found["preview"]) if found["preview"] else None,
    }


def command_thumbs(catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    from app.ingest.thumbs import ThumbnailJob

    if args.paths:
        ids: list[int] = []
        for path in args.paths:
            found = catalog.ids_under(path)
            if not found:
                print(f"reelkeep: {path}: not in the catalog (scan its folder first)", file=sys.stderr)
                return EXIT_ERROR
            ids.extend(found)
    else:
        ids = catalog.query_ids(LibraryFilter(kinds=frozenset(KINDS), status="ok", sort="path"))
    result = run_job(ThumbnailJob(catalog, ids, args.regenerate), args.quiet)
    out.write(f"Thumbnails: {result.summary()}\n")
    for failure in result.failures:
        out.write(f"error: {failure.path}: {failure.message}\n")
    return EXIT_ERROR if result.failures else EXIT_OK


def _ids_for_paths(catalog: Catalog, paths: Sequence[str]) -> list[int] | None:
    ids: list[int] = []
    for path in paths:
        found = catalog.ids_under(os.path.abspath(path))
        if not found:
            print(f"reelkeep: {path}: not in the catalog (scan its folder first)", file=sys.stderr)
            return None
        ids.extend(found)
    return ids


def command_proxies(catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    from app.ingest.proxies import ProxyJob, verify_recorded

    ids = _ids_for_paths(catalog, args.paths)
    if ids is None:
        return EXIT_ERROR
    if args.verify:
        reports = verify_recorded(catalog, ids)
        failed = 0
        for original, preset, report in reports:
            if report.ok:
                out.write(f"ok: {original}: {preset}: {report.frame_count} frames, starts {report.start_tc}\n")
            else:
                failed += 1
                out.write(f"FAILED: {original}: {preset} ({report.proxy_path}): {'; '.join(report.problems)}\n")
        out.write(f"Proxies verified: {len(reports) - failed} ok, {failed} failed\n")
        return EXIT_ERROR if failed else EXIT_OK
    presets = list(PROXY_PRESETS) if args.all_presets else (args.preset or ["preview"])
    result = run_job(ProxyJob(catalog, ids, presets, args.regenerate, editorial_codec=args.codec), args.quiet)
    out.write(f"Proxies: {result.summary()}\n")
    for warning in result.warnings:
        out.write(f"warning: {warning}\n")
    for failure in result.failures:
        out.write(f"error: {failure.path}: {failure.preset}: {failure.message}\n")
    return EXIT_ERROR if result.failures else EXIT_OK


def main(argv: Sequence[str], out: TextIO = sys.stdout) -> int:
    """Entry for headless commands; returns the exit code."""
    args = build_parser().parse_args(argv)
    if args.command == "stats":  # the machine's figures: no catalog to open (or to lock)
        return command_stats(args, out)
    overrides = [*(args.map_root or ()), *(getattr(args, "worker_map_root", None) or ())]
    if args.command == "catalog" and args.catalog_command == "map-root":  # this machine's settings only
        return command_map_root(args, out, overrides)
    try:
        root_map = effective_root_map(overrides)
    except ReelkeepError as exc:
        print(f"reelkeep: {exc}", file=sys.stderr)
        return EXIT_USAGE
    with handed_down(root_map):
        return _run(args, root_map, out)


def _run(args: argparse.Namespace, root_map: RootMap, out: TextIO) -> int:
    from app.catalog.db import default_catalog_path

    try:
        catalog = Catalog(args.catalog or default_catalog_path(), root_map)
    except ReelkeepError as exc:
        print(f"reelkeep: {exc}", file=sys.stderr)
        return EXIT_ERROR
    try:
        if args.command == "scan":
            return command_scan(catalog, args, out)
        if args.command == "list":
            ids = catalog.query_ids(_filter_from(args))
            _print_rows(catalog, ids[: args.limit] if args.limit else ids, args.json, out)
            return EXIT_OK
        if args.command == "search":
            ids = catalog.query_ids(_filter_from(args, args.query))
            _print_rows(catalog, ids[: args.limit] if args.limit else ids, args.json, out)
            return EXIT_OK
        if args.command == "info":
            return command_info(catalog, args, out)
        if args.command == "thumbs":
            return command_thumbs(catalog, args, out)
        if args.command == "proxies":
            return command_proxies(catalog, args, out)
        if args.command == "edl":
            return command_edl(catalog, args, out)
        if args.command == "extract":
            return command_extract(catalog, args, out)
        if args.command == "archive":
            return command_archive(catalog, args, out)
        if args.command == "serve":
            return command_serve(catalog, args, out)
        if args.command == "tape":
            return command_tape(catalog, args, out)
        if args.command == "sanitize":
            return command_sanitize(catalog, args, out)
        if args.command == "offload":
            return command_offload(catalog, args, out)
        if args.command == "hash":
            return command_hash(catalog, args, out)
        if args.command == "catalog":
            return command_catalog(catalog, args, out)
        if args.command == "worker":
            return command_worker(catalog, args, out)
        if args.command == "farm":
            return command_farm(catalog, args, out)
        build_parser().print_help(out)
        return EXIT_USAGE
    except ReelkeepError as exc:
        print(f"reelkeep: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("reelkeep: cancelled; what was done so far is kept in the catalog", file=sys.stderr)
        return EXIT_CANCELLED
    finally:
        catalog.close()
