"""`reelkeep worker` runs a farm worker; `reelkeep farm proxies|thumbs|extract|verify|status|cancel` sends work to
the farm and watches it (docs/scaling.md, "Distributed work")."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import threading
import time
from fractions import Fraction
from pathlib import Path
from typing import Any, TextIO

from peewee import PeeweeException

from app.catalog.catalog import Catalog
from app.catalog.db import redacted
from app.cli_catalog import MAP_ROOT_HELP, map_root_argument
from app.cli_extract import timecode_argument
from app.farm.farm import LANES, Farm
from app.farm.ledger import ENDED, NewJob
from app.farm.store import queue_location
from app.farm.submit import (
    edl_extracts_and_skipped,
    extract_jobs,
    proxy_jobs,
    thumbs_jobs,
    verify_jobs,
)
from app.ingest.extract import ExtractRequest

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_CANCELLED = 0, 1, 2, 130
PROXY_PRESETS = ("thumbnail", "preview", "editorial")


def add_parser(sub: argparse._SubParsersAction) -> None:
    worker = sub.add_parser("worker", help="run a farm worker: take proxy, verification and thumbnail jobs from the catalog's "
                                           "queue until Ctrl+C or SIGTERM")
    worker.add_argument("--lanes", default=",".join(LANES),
                        help=f"comma-separated lanes to serve (default: all of {','.join(LANES)})")
    worker.add_argument("--workers", type=int, default=1, metavar="N", help="jobs at once per lane (default 1)")
    worker.add_argument("--map-root", dest="worker_map_root", action="append", type=map_root_argument,
                        metavar="CATALOG_PATH=LOCAL_PATH", help=MAP_ROOT_HELP + "; the same as reelkeep's --map-root")

    farm = sub.add_parser("farm", help="send proxy and verification jobs to the farm's workers and watch them")
    verbs = farm.add_subparsers(dest="farm_command", metavar="VERB", required=True)
    proxies = verbs.add_parser("proxies", help="queue proxies of cataloged videos; wait and print progress")
    proxies.add_argument("paths", nargs="+", metavar="PATH", help="cataloged files or folders")
    proxies.add_argument("--preset", choices=PROXY_PRESETS, action="append",
                         help="thumbnail, preview or editorial (repeatable; default preview)")
    proxies.add_argument("--codec", choices=("prores", "dnxhr"), default="prores", help="editorial codec")
    proxies.add_argument("--proxy-dir", metavar="DIR",
                         help="where the proxies go, a folder every worker sees at this same path "
                              "(default: $REELKEEP_PROXY_DIR or this machine's proxy folder)")
    _add_wait_arguments(proxies)
    thumbs = verbs.add_parser("thumbs", help="queue posters, sprite sheets and hover previews of cataloged files "
                                             "(into --cache, else each worker's $REELKEEP_CACHE_DIR)")
    thumbs.add_argument("paths", nargs="+", metavar="PATH", help="cataloged files or folders")
    thumbs.add_argument("--cache", metavar="DIR",
                        help="the thumbnail cache the workers write into: the shared folder the windows read as "
                             "their $REELKEEP_CACHE_DIR, at this same path on every worker (or mapped by --map-root)")
    thumbs.add_argument("--regenerate", action="store_true", help="make them again even when they exist")
    _add_wait_arguments(thumbs)
    extract = verbs.add_parser("extract", help="queue a frame-exact extraction of a cataloged clip into a folder, "
                                               "or one job per matched video event of a timeline (--edl)")
    extract.add_argument("file", nargs="?", metavar="FILE", help="a cataloged video (not with --edl)")
    extract.add_argument("--in", dest="in_tc", metavar="TC", type=timecode_argument,
                         help="first frame (source timecode)")
    extract.add_argument("--out", dest="out_tc", metavar="TC", type=timecode_argument,
                         help="the frame after the last one (exclusive source timecode)")
    extract.add_argument("--edl", metavar="TIMELINE",
                         help="conform this timeline (CMX 3600 .edl, FCP 7 .xml, .aaf, .otio) to the catalog as "
                              "`reelkeep extract --edl` does and queue one job per matched video event; events "
                              "left out are listed; no conformed EDL is written")
    extract.add_argument("--events", type=_event_numbers, metavar="N,N,…",
                         help="with --edl: only these event numbers")
    extract.add_argument("--dest", required=True, metavar="DIR",
                         help="folder for the output, the same path on every worker (shared storage)")
    extract.add_argument("--handles", type=int, default=0, metavar="N", help="extra frames on each side")
    extract.add_argument("--mode", choices=("smart", "reencode", "copy"), default="smart",
                         help="as `reelkeep extract --mode`")
    extract.add_argument("--preset", choices=("prores_hq", "dnxhr_hq", "h264", "h264_mov"), default="prores_hq",
                         help="as `reelkeep extract --preset`")
    extract.add_argument("--name", help="output file name without suffix (default CLIP_IN-TC); with --edl a "
                                        "pattern as `reelkeep extract --name`")
    _add_wait_arguments(extract)
    verify = verbs.add_parser("verify", help="queue verification of the recorded proxies of cataloged files")
    verify.add_argument("paths", nargs="+", metavar="PATH", help="cataloged files or folders")
    _add_wait_arguments(verify)
    status = verbs.add_parser("status", help="the farm's jobs, newest first")
    status.add_argument("--batch", help="only this submission")
    status.add_argument("--limit", type=int, default=50, help="at most N jobs (0: all; default 50)")
    status.add_argument("--json", action="store_true", help="print JSON")
    cancel = verbs.add_parser("cancel", help="cancel jobs: queued ones end now, running ones at their next chunk")
    cancel.add_argument("ids", nargs="*", type=int, metavar="ID")
    cancel.add_argument("--batch", help="every job of this submission")
    for verb, what in (("pause", "hold jobs between chunks on their workers (they keep their leases)"),
                       ("resume", "let paused jobs go on")):
        held = verbs.add_parser(verb, help=what)
        held.add_argument("ids", nargs="+", type=int, metavar="ID")


def _add_wait_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-wait", action="store_true", help="print the batch id and return at once")
    parser.add_argument("-q", "--quiet", action="store_true", help="only the summary")


def _event_numbers(text: str) -> set[int]:
    try:
        return {int(part) for part in text.split(",") if part.strip()}
    except ValueError:
        raise argparse.ArgumentTypeError(f"event numbers separated by commas, not {text!r}") from None


def open_farm(catalog: Catalog) -> Farm | None:
    """The catalog's farm, or None after saying why not (the queue's database refused us)."""
    try:
        return Farm(catalog.path, catalog_connection=catalog)
    except (OSError, PeeweeException) as exc:
        where = queue_location(catalog.path)
        shown = redacted(where) if isinstance(where, str) else where
        print(f"reelkeep: cannot open the farm queue at {shown}: {str(exc).strip()}", file=sys.stderr)
        return None


def command_worker(catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    from app.farm.worker import FarmWorker

    lanes = [lane.strip() for lane in args.lanes.split(",") if lane.strip()]
    farm = open_farm(catalog)
    if farm is None:
        return EXIT_ERROR
    try:
        worker = FarmWorker(farm, lanes, args.workers)
    except ValueError as exc:
        print(f"reelkeep: {exc}", file=sys.stderr)
        farm.close()
        return EXIT_USAGE
    stop = threading.Event()
    worker.start()
    for signum in (signal.SIGINT, signal.SIGTERM):  # after start(): Huey's consumer sets its own handlers
        signal.signal(signum, lambda *_: stop.set())
    out.write(f"worker {farm.worker_name}: lanes {','.join(worker.lanes)}, {worker.threads} job(s) at once each; "
              f"paths mapped: {catalog.root_map.describe()}; Ctrl+C stops\n")
    out.flush()
    try:
        while not stop.wait(0.5):
            pass
    finally:
        worker.stop()
        farm.close()
    out.write(f"worker {farm.worker_name}: stopped\n")
    return EXIT_OK


def _ids_for_paths(catalog: Catalog, paths: list[str]) -> list[int] | None:
    """The cataloged files under paths, each once (the CLI's own lookup, which says what is not cataloged)."""
    from app.cli import _ids_for_paths as cataloged

    ids = cataloged(catalog, paths)
    return None if ids is None else list(dict.fromkeys(ids))


def _extract_job(catalog: Catalog, args: argparse.Namespace) -> NewJob | int:
    """The extraction's job, in source frames; or an exit code after saying what is wrong."""
    from app.core.errors import TimecodeError
    from app.core.extract_plan import source_start_frame
    from app.core.timecode import to_frames

    media_id = catalog.id_for_path(os.path.abspath(args.file))
    info = catalog.info(media_id) if media_id is not None else None
    if info is None or info["kind"] != "video" or not info["frame_rate"]:
        print(f"reelkeep: {args.file}: not a cataloged video (scan its folder first)", file=sys.stderr)
        return EXIT_ERROR
    if args.handles < 0:
        print(f"reelkeep: --handles must be 0 or more, not {args.handles}", file=sys.stderr)
        return EXIT_USAGE
    rate = Fraction(info["frame_rate"])
    start, _ = source_start_frame(info["start_timecode"], rate)
    try:
        in_frame, out_frame = to_frames(args.in_tc, rate) - start, to_frames(args.out_tc, rate) - start
    except TimecodeError as exc:
        print(f"reelkeep: {exc}", file=sys.stderr)
        return EXIT_USAGE
    request = ExtractRequest(media_id, in_frame, out_frame, args.handles, args.mode, args.preset, Path(args.dest),
                             args.name)
    return extract_jobs(catalog, [(request, f"extract {os.path.basename(args.file)} {args.in_tc}–{args.out_tc}")])[0]


def _edl_jobs(catalog: Catalog, args: argparse.Namespace, out: TextIO) -> list[NewJob] | int:
    """One job per matched video event of the timeline (conformed as `reelkeep extract --edl` does); the events
    left out are printed. Or an exit code after saying what is wrong."""
    from app.core.errors import ReelkeepError
    from app.core.extract_plan import EDL_PATTERN
    from app.interchange.timeline_files import load_timeline_file

    if args.file or args.in_tc or args.out_tc:
        print("reelkeep: --edl takes no FILE, --in or --out", file=sys.stderr)
        return EXIT_USAGE
    if args.handles < 0:
        print(f"reelkeep: --handles must be 0 or more, not {args.handles}", file=sys.stderr)
        return EXIT_USAGE
    timeline = Path(args.edl)
    try:
        doc, matches = load_timeline_file(timeline, catalog)
        numbers = [event.number for event in doc.events]
        if args.events is not None and (missing := sorted(args.events - set(numbers))):
            print(f"reelkeep: {timeline.name} has no event {', '.join(map(str, missing))}", file=sys.stderr)
            return EXIT_USAGE
        only = None if args.events is None else [i for i, n in enumerate(numbers) if n in args.events]
        extracts, skipped = edl_extracts_and_skipped(catalog, doc, matches, timeline.name, args.dest, args.handles,
                                                     args.mode, args.preset, args.name or EDL_PATTERN, only)
    except (OSError, ReelkeepError, ValueError) as exc:
        print(f"reelkeep: {timeline}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    for error in doc.errors:
        out.write(f"edl line {error.line_number}: {error.text} — {error.message}\n")
    for item in skipped:
        out.write(f"not queued: {item}\n")
    jobs = extract_jobs(catalog, extracts)
    for job in jobs:
        out.write(f"queued: {job.title}\n")
    return jobs


def command_farm(catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    farm = open_farm(catalog)
    if farm is None:
        return EXIT_ERROR
    try:
        if args.farm_command == "status":
            return _status(farm, args, out)
        if args.farm_command == "cancel":
            if not args.ids and not args.batch:
                print("reelkeep: give job ids or --batch", file=sys.stderr)
                return EXIT_USAGE
            count = farm.ledger.request_cancel(args.ids or None, args.batch)
            out.write(f"Cancel asked for {count} job(s)\n")
            return EXIT_OK
        if args.farm_command in ("pause", "resume"):
            count = farm.ledger.request_pause(args.ids, pause=args.farm_command == "pause")
            out.write(f"{args.farm_command.capitalize()} asked for {count} job(s)\n")
            return EXIT_OK
        if args.farm_command == "extract":
            if args.edl:
                extracts = _edl_jobs(catalog, args, out)
            elif args.file and args.in_tc and args.out_tc and args.events is None:
                one = _extract_job(catalog, args)
                extracts = one if isinstance(one, int) else [one]
            else:
                print("reelkeep: farm extract needs FILE --in TC --out TC, or --edl TIMELINE", file=sys.stderr)
                return EXIT_USAGE
            if isinstance(extracts, int):
                return extracts
            if not extracts:
                out.write("Nothing to queue (no matched video events)\n")
                return EXIT_ERROR
            batch, _ = farm.submit(extracts)
            out.write(f"Queued {len(extracts)} job(s), batch {batch}\n")
            out.flush()
            return EXIT_OK if args.no_wait else wait_for_batch(farm, batch, args.quiet, out)
        ids = _ids_for_paths(catalog, args.paths)
        if ids is None:
            return EXIT_ERROR
        if args.farm_command == "thumbs":
            jobs = thumbs_jobs(catalog, ids, args.regenerate, args.cache)
        elif args.farm_command == "proxies":
            from app.ingest.proxies import proxy_root

            root = args.proxy_dir or proxy_root().resolve()
            jobs = proxy_jobs(catalog, ids, args.preset or ["preview"], root, args.codec)
        else:
            jobs = verify_jobs(catalog, ids)
        if not jobs:
            out.write("Nothing to queue there (no files of that kind)\n")
            return EXIT_OK
        batch, _ = farm.submit(jobs)
        out.write(f"Queued {len(jobs)} job(s), batch {batch}\n")
        out.flush()
        return EXIT_OK if args.no_wait else wait_for_batch(farm, batch, args.quiet, out)
    finally:
        farm.close()


def wait_for_batch(farm: Farm, batch: str, quiet: bool, out: TextIO, poll: float = 0.5) -> int:
    """Print each job's end as it happens until the batch has ended; Ctrl+C cancels the batch."""
    stop = threading.Event()
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    reported: set[int] = set()
    try:
        jobs: list[dict[str, Any]] = []
        while True:
            try:
                jobs = farm.ledger.jobs(batch=batch)
            except PeeweeException as exc:  # the server restarted, say: the workers go on; so does the waiting
                print(f"reelkeep: the farm queue did not answer ({str(exc).strip()}); trying again", file=sys.stderr)
                if stop.wait(5 * poll):
                    return EXIT_CANCELLED
                with contextlib.suppress(PeeweeException):  # still away: the next round tries again
                    farm.reconnect_if_closed()
                continue
            for job in sorted(jobs, key=lambda j: j["id"]):
                if job["state"] in ENDED and job["id"] not in reported:
                    reported.add(job["id"])
                    if not quiet or job["state"] != "done":
                        out.write(_end_line(job) + "\n")
                        out.flush()
            if all(job["state"] in ENDED for job in jobs):
                break
            if stop.wait(poll):
                farm.ledger.request_cancel(batch=batch)
                print("reelkeep: cancelled; queued jobs ended, running ones stop at their next chunk",
                      file=sys.stderr)
                return EXIT_CANCELLED
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    counts = {state: sum(1 for j in jobs if j["state"] == state) for state in ENDED}
    out.write(f"Farm: {counts['done']} done, {counts['failed']} failed, {counts['cancelled']} cancelled "
              f"(batch {batch})\n")
    return EXIT_OK if counts["done"] == len(jobs) else EXIT_ERROR


def _end_line(job: dict[str, Any]) -> str:
    where = f" on {job['worker'] or '?'}" if job["state"] == "done" else ""
    tries = f", {job['attempts']} attempts" if job["attempts"] > 1 else ""
    if job["state"] == "done":
        return f"done: {job['title']}{where}{tries}"
    if job["state"] == "failed":
        return f"FAILED: {job['title']}: {job['error']}{tries}"
    return f"cancelled: {job['title']}"


def _progress_text(job: dict[str, Any]) -> str:
    if job["state"] != "running":
        return ""
    if job["total"]:
        return f"{job['done']}/{job['total']} {job['unit']} ({100 * job['done'] / job['total']:.0f}%)"
    return f"{job['done']} {job['unit']}".strip()


def _status(farm: Farm, args: argparse.Namespace, out: TextIO) -> int:
    jobs = farm.ledger.jobs(batch=args.batch, limit=args.limit)
    if args.json:
        json.dump(jobs, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return EXIT_OK
    for job in jobs:
        lease = ""
        if job["state"] == "running" and job["lease_until"] is not None:
            lease = f"lease {job['lease_until'] - job['now']:.0f}s"
        fields = [str(job["id"]), job["state"], job["lane"], job["title"], job["worker"] or "",
                  _progress_text(job), lease, job["error"] or ""]
        out.write("\t".join(fields).rstrip() + "\n")
    counts = farm.ledger.counts(args.batch)
    out.write(", ".join(f"{n} {state}" for state, n in sorted(counts.items())) + f" ({time.strftime('%H:%M:%S')})\n")
    return EXIT_OK
