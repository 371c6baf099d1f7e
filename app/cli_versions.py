"""`reelkeep archive branch|commit|log|diff|merge|checkout|gc`: versions of an archive (app/versioning)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from app.archive.store import Archive
from app.catalog.catalog import Catalog
from app.versioning.branches import create_branch
from app.versioning.diff import diff_states
from app.versioning.graph import history

Handler = Callable[[Catalog, argparse.Namespace, TextIO], int]
EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def _side(text: str) -> tuple[str, str]:
    path, sep, side = text.rpartition("=")
    if not sep or side not in ("ours", "theirs") or not path:
        raise argparse.ArgumentTypeError(f"{text!r}: use PATH=ours or PATH=theirs")
    return path, side


def add_parsers(verbs: argparse._SubParsersAction) -> None:
    """Add this module's verbs to `reelkeep archive`."""
    branch = verbs.add_parser("branch", help="create a branch (a named pointer to a version; copies no file), "
                                             "or --list them")
    branch.add_argument("archive", metavar="ARCHIVE")
    branch.add_argument("name", metavar="NAME", nargs="?")
    branch.add_argument("--from", dest="start", metavar="V", help="version or branch to start at (default: main)")
    branch.add_argument("--description", default="", metavar="D")
    branch.add_argument("--list", action="store_true", help="list the branches")

    commit = verbs.add_parser("commit", help="store files in a branch's tree as a new version on that branch")
    commit.add_argument("archive", metavar="ARCHIVE")
    commit.add_argument("paths", nargs="+", metavar="PATH",
                        help="files (stored under --to/NAME) and folders (their contents under --to)")
    commit.add_argument("--branch", required=True, metavar="B")
    commit.add_argument("--to", default="", metavar="LOGICAL_PATH", help="folder inside the archive (default: root)")
    commit.add_argument("--remove", action="append", default=[], metavar="LOGICAL_PATH",
                        help="also take this file out of the branch's tree (repeatable)")
    commit.add_argument("-m", "--message", default="")
    commit.add_argument("--proxies", default="", metavar="PRESETS", help="embed proxies of new videos (as for create)")
    commit.add_argument("--rehash", action="store_true", help="read every file again even when it looks unchanged")
    commit.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    remove = verbs.add_parser("remove", help="take files out of a branch's tree as a new version (earlier versions "
                                             "keep them)")
    remove.add_argument("archive", metavar="ARCHIVE")
    remove.add_argument("logical", nargs="+", metavar="LOGICAL_PATH")
    remove.add_argument("--branch", default="main", metavar="B", help="default: main")
    remove.add_argument("-m", "--message", default="")

    log = verbs.add_parser("log", help="the history of a branch (or of every version), newest first")
    log.add_argument("archive", metavar="ARCHIVE")
    log.add_argument("--branch", metavar="B")
    log.add_argument("--json", action="store_true")

    diff = verbs.add_parser("diff", help="what changed from version/branch A to B: added, removed, modified, renamed")
    diff.add_argument("archive", metavar="ARCHIVE")
    diff.add_argument("a", metavar="A")
    diff.add_argument("b", metavar="B")
    diff.add_argument("--all", action="store_true", help="also Reelkeep's own .reelkeep/ files")
    diff.add_argument("--json", action="store_true")

    merge = verbs.add_parser("merge", help="three-way merge of SRC into branch DST; conflicts are listed, never "
                                           "decided silently")
    merge.add_argument("archive", metavar="ARCHIVE")
    merge.add_argument("source", metavar="SRC", help="branch or version to merge in")
    merge.add_argument("--into", required=True, metavar="DST", help="the branch that receives the merge")
    merge.add_argument("--take", type=_side, action="append", default=[], metavar="PATH=ours|theirs",
                       help="resolve one conflict (repeatable)")
    merge.add_argument("--prefer", choices=("ours", "theirs"), help="resolve every remaining conflict this way")
    merge.add_argument("--no-ff", action="store_true", help="write a merge version even when DST could just move")
    merge.add_argument("-m", "--message", default="")
    merge.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    checkout = verbs.add_parser("checkout", help="copy a version's files into a new folder (copy-on-write clones "
                                                 "where the filesystem supports them)")
    checkout.add_argument("archive", metavar="ARCHIVE")
    which = checkout.add_mutually_exclusive_group(required=True)
    which.add_argument("--version", metavar="V")
    which.add_argument("--branch", metavar="B")
    checkout.add_argument("dest", metavar="DEST")
    checkout.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    gc = verbs.add_parser("gc", help="remove what no version references (leftovers of interrupted writes)")
    gc.add_argument("archive", metavar="ARCHIVE")
    gc.add_argument("--dry-run", action="store_true", help="only list what would be removed")


def command_branch(_catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    if args.list or args.name is None:
        archive = Archive.open(args.archive)
        for branch in sorted(archive.branches().values(), key=lambda b: b.name):
            note = f"  {branch.description}" if branch.description else ""
            print(f"{branch.name:<24} {branch.head:<6}{note}", file=out)
        return EXIT_OK
    branch = create_branch(Path(args.archive), args.name, args.start, args.description)
    print(f"branch {branch.name} created at {branch.head}", file=out)
    return EXIT_OK


def command_commit(catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    from app.archive.jobs import CommitJob
    from app.cli import run_job
    from app.cli_archive import catalog_facts, presets_argument, report_write

    job = CommitJob(Path(args.archive), [Path(p) for p in args.paths], args.to, args.branch, args.message,
                    args.remove, presets_argument(args.proxies) if args.proxies else (), args.rehash,
                    contents_of_folders=True, catalog_facts=catalog_facts(catalog))
    report_write(run_job(job, args.quiet), Path(args.archive), out)
    return EXIT_OK


def command_remove(_catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    from app.archive.jobs import CommitJob
    from app.cli import run_job
    from app.cli_archive import report_write

    job = CommitJob(Path(args.archive), [], "", args.branch, args.message or f"removed {len(args.logical)} file(s)",
                    args.logical)
    report_write(run_job(job, True), Path(args.archive), out)
    return EXIT_OK


def command_log(_catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    archive = Archive.open(args.archive)
    head = archive.resolve(args.branch) if args.branch else None
    heads: dict[str, list[str]] = {}
    for branch in archive.branches().values():
        heads.setdefault(branch.head, []).append(branch.name)
    rows = []
    for name in history(archive, head):
        info = archive.version(name)
        files = sum(1 for p in archive.state(name) if not p.startswith(".reelkeep/"))
        rows.append({"version": name, "created": info.created, "branch": info.branch, "parents": list(info.parents),
                     "message": info.message, "user": info.user, "files": files, "heads": sorted(heads.get(name, []))})
    if args.json:
        json.dump(rows, out, indent=1)
        out.write("\n")
        return EXIT_OK
    for row in rows:
        parents = " + ".join(row["parents"]) or "-"
        heads_text = f" ({', '.join(row['heads'])})" if row["heads"] else ""
        print(f"{row['version']:<5} {row['created']}  [{row['branch'] or '?'}] parents {parents}{heads_text}  "
              f"{row['files']} files  {row['message']}", file=out)
    return EXIT_OK


def command_diff(_catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    archive = Archive.open(args.archive)
    a, b = archive.resolve(args.a), archive.resolve(args.b)
    diff = diff_states(archive.state(a), archive.state(b), args.all)
    if args.json:
        json.dump({"from": a, "to": b, **diff.as_json()}, out, indent=1)
        out.write("\n")
        return EXIT_OK
    for path in diff.added:
        print(f"A  {path}", file=out)
    for path in diff.removed:
        print(f"D  {path}", file=out)
    for path in diff.modified:
        print(f"M  {path}", file=out)
    for old, new in diff.renamed:
        print(f"R  {old} -> {new}", file=out)
    print(f"{a} → {b}: {len(diff.added)} added, {len(diff.removed)} removed, {len(diff.modified)} modified, "
          f"{len(diff.renamed)} renamed", file=out)
    return EXIT_OK


def command_merge(_catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    from app.cli import run_job
    from app.versioning.ops import MergeJob

    job = MergeJob(Path(args.archive), args.source, args.into, dict(args.take), args.prefer, args.message, args.no_ff)
    outcome = run_job(job, args.quiet)
    plan = outcome.plan
    if plan.up_to_date:
        print(f"{args.into} already contains {args.source} ({plan.source}); nothing to merge", file=out)
    elif plan.fast_forward:
        print(f"fast-forward: {args.into} moved from {plan.target} to {plan.source}", file=out)
    else:
        resolved = plan.result.resolved if plan.result else {}
        for path, side in sorted(resolved.items()):
            print(f"resolved {path}: took {side}", file=out)
        print(f"merged {args.source} into {args.into} as {outcome.version.name} (parents {plan.target} + "
              f"{plan.source}, common ancestor {plan.base or 'none'})", file=out)
    return EXIT_OK


def command_checkout(_catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    from app.cli import run_job
    from app.versioning.checkout import CheckoutJob

    result = run_job(CheckoutJob(Path(args.archive), args.version or args.branch, Path(args.dest)), args.quiet)
    how = f"{result.cloned} as copy-on-write clones" if result.cloned else "copied (no copy-on-write on this disk)"
    print(f"checked out {result.version} into {result.dest}: {result.files} files, {result.bytes:,} bytes, {how}",
          file=out)
    return EXIT_OK


def command_gc(_catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    from app.cli import run_job
    from app.versioning.ops import GcJob

    report = run_job(GcJob(Path(args.archive), args.dry_run), True)
    verb = "would remove" if args.dry_run else "removed"
    for path in report.removed:
        print(f"{verb} {path}", file=out)
    print(f"{verb} {len(report.removed)} leftover(s), {report.bytes:,} bytes; every version is intact", file=out)
    return EXIT_OK


HANDLERS: dict[str, Handler] = {"branch": command_branch, "commit": command_commit, "remove": command_remove,
                                "log": command_log,
                                "diff": command_diff, "merge": command_merge, "checkout": command_checkout,
                                "gc": command_gc}
