"""`reelkeep sanitize`: preview, apply and undo names every OS takes (docs/sanitize.md)."""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path
from typing import TextIO

from app.catalog.catalog import Catalog
from app.core.errors import ReelkeepError
from app.core.paths import display_path
from app.ingest.sanitize import Rules, SanitizePlan, clean_name, kept_paths, plan_sanitize
from app.ingest.sanitize_apply import SanitizeApplyJob, SanitizeResult, SanitizeUndoJob
from app.ingest.sanitize_journal import journal_dir, last_undoable, list_journals

EXIT_OK, EXIT_ERROR, EXIT_CHANGES = 0, 1, 3
RULE_NAMES = {"spaces": "spaces_to_underscore", "lowercase-ext": "lowercase_extension"}


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sanitize", help="preview (default), apply or undo file names legal on Windows, macOS and Linux",
        description="Names every OS takes: no reserved names (CON, LPT1…), no <>:\"/\\|?* or control characters, "
                    "no trailing dots or spaces, at most --max-bytes bytes (the extension kept), Unicode NFC, "
                    "UTF-8. A folder PATH means everything inside it. Renamed files keep their catalog records "
                    "(tags, ratings, links). --apply writes an undo journal beside the catalog first. "
                    "Exit codes: 0 done or nothing to change, 1 error or a rename that failed, 2 usage, "
                    "3 a preview that found names to change. See docs/sanitize.md.")
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (a folder's contents, recursively)")
    p.add_argument("--apply", action="store_true", help="rename (default: only show what would change)")
    p.add_argument("--undo", metavar="JOURNAL", help="restore the exact original names of a journal ('last': newest)")
    p.add_argument("--resume", metavar="JOURNAL", help="finish an apply that was interrupted")
    p.add_argument("--list-journals", action="store_true", help="list the undo journals, newest first")
    p.add_argument("--rule", action="append", default=[], metavar="RULE",
                   help="also: 'spaces' (spaces to _), 'lowercase-ext', or 's/REGEX/REPLACEMENT/' on the name "
                        "before its extension (repeatable)")
    p.add_argument("--replacement", default="_", help="what stands in for a character no OS takes (default _)")
    p.add_argument("--max-bytes", type=int, default=255, help="longest name in UTF-8 bytes (default 255)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def parse_rules(args: argparse.Namespace) -> Rules:
    """Rules from --rule/--replacement/--max-bytes; a bad rule is a ReelkeepError naming it."""
    flags: dict[str, bool] = {}
    regex: list[tuple[str, str]] = []
    for rule in args.rule:
        if rule in RULE_NAMES:
            flags[RULE_NAMES[rule]] = True
            continue
        found = re.fullmatch(r"s/((?:[^/\\]|\\.)*)/((?:[^/\\]|\\.)*)/", rule)
        if not found:
            raise ReelkeepError(f"--rule {rule!r}: use spaces, lowercase-ext or s/REGEX/REPLACEMENT/")
        pattern, replacement = (part.replace("\\/", "/") for part in found.groups())
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ReelkeepError(f"--rule {rule!r}: {exc}") from None
        regex.append((pattern, replacement))
    if not 32 <= args.max_bytes <= 255:  # room for a 16-byte extension and a name before it
        raise ReelkeepError("--max-bytes: 32 to 255")
    if args.replacement and clean_name(f"a{args.replacement}b".encode())[1]:
        raise ReelkeepError(f"--replacement {args.replacement!r}: not itself legal in a name on every OS")
    return Rules(replacement=args.replacement, max_bytes=args.max_bytes, regex=tuple(regex), **flags)


def print_plan(plan: SanitizePlan, out: TextIO) -> None:
    """The preview as a table: old path, new name, why."""
    rows = sorted(plan.renames, key=lambda r: r.old_path)
    out.write(f"{len(rows)} to rename, {plan.unchanged} already clean ({', '.join(plan.rules.describe())})\n")
    if rows:
        olds = [_shown(r.old_path) for r in rows]
        news = [_shown(r.new) + ("/" if r.is_dir else "") for r in rows]
        w_old, w_new = min(max(map(len, olds)), 70), min(max(map(len, news)), 40)
        out.write(f"{'OLD':<{w_old}}  {'NEW NAME':<{w_new}}  WHY\n")
        for old, new, rename in zip(olds, news, rows, strict=True):
            out.write(f"{old:<{w_old}}  {new:<{w_new}}  {'; '.join(rename.reasons)}\n")
    for note in plan.notes:
        out.write(f"note: {note}\n")


def _shown(raw: bytes) -> str:
    """A name as text; quoted when a space at either end would be invisible."""
    text = display_path(raw)
    name = os.path.basename(text)
    return f'{os.path.dirname(text)}/"{name}"' if name != name.strip() and "/" in text else (
        f'"{text}"' if text != text.strip() else text)


def command_sanitize(catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    from app.cli import run_job  # here, not at the top: app.cli imports this module

    folder = journal_dir(catalog.path)
    if args.list_journals:
        for journal in list_journals(folder):
            out.write(f"{journal.summary()}\n    {journal.path}\n")
        return EXIT_OK
    if folder is None and (args.apply or args.undo or args.resume):
        raise ReelkeepError("an in-memory catalog has no place for undo journals")
    if args.undo:
        path = _journal_path(args.undo, folder)
        if path is None:
            out.write(f"Nothing to undo: every journal in {folder} is undone already.\n")
            return EXIT_OK
        result = run_job(SanitizeUndoJob(catalog, path), args.quiet)
        out.write(f"Undo: {result.summary()}\n")
        return EXIT_OK
    if args.resume:
        result = run_job(SanitizeApplyJob(catalog, plan_sanitize([]), folder, resume=Path(args.resume)), args.quiet)
        return _report(result, out)
    if not args.paths:
        raise ReelkeepError("sanitize needs a PATH (or --undo, --resume, --list-journals)")
    missing = [p for p in args.paths if not os.path.lexists(p)]
    if missing:
        raise ReelkeepError(f"no such file or folder: {', '.join(missing)}")
    plan = plan_sanitize(args.paths, parse_rules(args), keep=kept_paths(catalog))
    print_plan(plan, out)
    if not args.apply:
        if plan.renames:
            out.write("Nothing was renamed; run again with --apply to rename (undo with --undo last).\n")
        return EXIT_CHANGES if plan.renames else EXIT_OK
    if not plan.renames:
        return EXIT_OK
    return _report(run_job(SanitizeApplyJob(catalog, plan, folder), args.quiet), out)


def _journal_path(text: str, folder: Path | None) -> Path | None:
    if text != "last":
        return Path(text)
    journal = last_undoable(folder)
    return journal.path if journal is not None else None


def _report(result: SanitizeResult, out: TextIO) -> int:
    out.write(f"Sanitize: {result.summary()}\n")
    for problem in result.problems:
        out.write(f"error: {problem}\n")
    out.write(f"Undo with: reelkeep sanitize --undo {result.journal}\n")
    return EXIT_ERROR if result.problems else EXIT_OK
