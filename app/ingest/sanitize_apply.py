"""Applying and undoing a sanitise plan through its journal, as jobs; the catalog records follow each rename.

Where a file is comes from the file system, not from the journal's events: a crash between a rename and
its journal line leaves the file at its new name, and both apply (resume) and undo find it there by its
inode. A target that exists and is not the same file is never replaced. A rename whose old and new names
are one file (a case- or normalisation-only rename on a folder that ignores those) goes through a
temporary name, as renaming straight onto itself is a no-op on some systems.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from app.catalog.catalog import Catalog
from app.core.errors import Cancelled
from app.core.job import JobContext
from app.core.paths import display_path
from app.core.progress import ProgressMeter
from app.ingest.sanitize import Rules, SanitizePlan, plan_sanitize
from app.ingest.sanitize_journal import (
    APPLIED,
    CANCELLED,
    FAILED,
    UNDOING,
    UNDONE,
    Journal,
    JournalEntry,
    JournalError,
)


@dataclass(frozen=True)
class SanitizeResult:
    journal: Path
    renamed: int  # renames done by this run
    already: int  # found done already (a resumed apply, a repeated undo)
    problems: tuple[str, ...] = ()
    undo: bool = False

    def summary(self) -> str:
        verb = "restored" if self.undo else "renamed"
        text = f"{self.renamed} {verb}"
        if self.already:
            text += f", {self.already} already {'restored' if self.undo else 'done'}"
        if self.problems:
            text += f", {len(self.problems)} problem{'s' if len(self.problems) > 1 else ''}"
        return text + f" (journal {self.journal})"


def _lstat(path: bytes) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except OSError:
        return None


def _via(journal: Journal, entry: JournalEntry, parent: bytes) -> bytes:
    return os.path.join(parent, f".rk-sanitize-{journal.id}-{entry.i}".encode())


def _where(entry: JournalEntry, parent: bytes, via: bytes) -> str:
    """'new', 'old', 'via' or 'gone': which name in parent holds the entry's file now."""
    st_new, st_old = _lstat(os.path.join(parent, entry.new)), _lstat(os.path.join(parent, entry.old))
    at_new = st_new is not None and entry.matches(st_new)
    at_old = st_old is not None and entry.matches(st_old)
    if at_new and at_old:  # one file under both spellings: ask the folder which one it stores
        names = set(os.listdir(parent))
        at_new, at_old = entry.new in names, entry.old in names
    if at_new:
        return "new"
    if at_old:
        return "old"
    st_via = _lstat(via)
    return "via" if st_via is not None and entry.matches(st_via) else "gone"


def _rename(entry: JournalEntry, src: bytes, dst: bytes, via: bytes) -> None:
    st = _lstat(dst)
    if st is None:
        os.rename(src, dst)  # a stranger could appear in between; POSIX offers no no-replace rename here
    elif entry.matches(st):
        if src != via:
            os.rename(src, via)
        os.rename(via, dst)
    else:
        raise FileExistsError(f"{display_path(dst)} exists and is another file")


def _follow(catalog: Catalog | None, entry: JournalEntry, src: bytes, dst: bytes) -> None:
    """The catalog records follow the rename: same ids, so tags, ratings and links stay."""
    if catalog is None:
        return
    if entry.is_dir:
        catalog.move_prefix(src, dst)
    else:
        catalog.move_path(src, dst)


def apply_journal(journal: Journal, catalog: Catalog | None, ctx: JobContext) -> SanitizeResult:
    """Run (or resume) the renames of journal, deepest first; every landed rename is recorded at once."""
    meter = ProgressMeter(ctx.progress, total=len(journal.entries))
    done, renamed, already, problems = journal.done(), 0, 0, []
    try:
        for entry in journal.entries:
            ctx.cancel.check()
            via = _via(journal, entry, entry.parent)
            where = _where(entry, entry.parent, via)
            if where == "gone":
                problems.append(f"{display_path(entry.old_path)}: gone or changed since the preview; left alone")
            elif where == "new":
                already += 1
                if entry.i not in done:  # the rename landed, its journal line did not
                    journal.record("done", entry.i)
                _follow(catalog, entry, entry.old_path, entry.new_path)
            else:
                try:
                    _rename(entry, entry.old_path if where == "old" else via, entry.new_path, via)
                except OSError as exc:
                    problems.append(f"{display_path(entry.old_path)}: {exc.strerror or exc}")
                else:
                    journal.record("done", entry.i)
                    _follow(catalog, entry, entry.old_path, entry.new_path)
                    renamed += 1
                    ctx.emit(("renamed", entry.i))
            meter.advance(1, display_path(entry.new))
    except Cancelled:
        journal.record("state", state=CANCELLED)
        raise
    journal.record("state", state=FAILED if problems else APPLIED)
    meter.finish()
    return SanitizeResult(journal.path, renamed, already, tuple(problems))


def _now(located: dict[bytes, bytes], path: bytes) -> bytes:
    """Where path is now, given where its renamed folders are (the deepest known one wins)."""
    probe = path
    while True:
        if probe in located:
            return located[probe] + path[len(probe):]
        parent = os.path.dirname(probe)
        if parent == probe:
            return path
        probe = parent


def _undo_pass(journal: Journal, catalog: Catalog | None, ctx: JobContext | None) -> SanitizeResult:
    """Top-down over the journal. Without ctx only check that every file is where undo expects it."""
    located: dict[bytes, bytes] = {}
    renamed, already, problems = 0, 0, []
    landed = journal.done()
    meter = ProgressMeter(ctx.progress if ctx else None, total=len(journal.entries))
    for entry in reversed(journal.entries):
        if ctx is not None:
            ctx.cancel.check()
        parent = _now(located, entry.parent)
        via = _via(journal, entry, parent)
        where = _where(entry, parent, via)
        current, original = os.path.join(parent, entry.new), os.path.join(parent, entry.old)
        if where == "gone":
            if entry.i in landed:
                problems.append(f"{display_path(current)}: moved, replaced or changed since the rename")
            continue  # else never renamed (a cancelled or failed apply): nothing of it to undo
        if where == "old":
            already += 1
        else:
            source = current if where == "new" else via
            blocker = _lstat(original)
            if blocker is not None and not entry.matches(blocker):
                problems.append(f"{display_path(original)}: the old name is taken by another file now")
                continue
            if ctx is None:
                original = source  # checking only: the folder stays at its new name
            else:
                try:
                    _rename(entry, source, original, via)
                except OSError as exc:
                    raise JournalError(f"undo stopped at {display_path(source)}: {exc.strerror or exc}; what was "
                                       "restored so far stays, run the undo again once that is fixed") from None
                journal.record("undone", entry.i)
                _follow(catalog, entry, source, original)
                renamed += 1
                ctx.emit(("restored", entry.i))
        if entry.is_dir:
            located[entry.old_path] = original
        meter.advance(1, display_path(entry.old))
    return SanitizeResult(journal.path, renamed, already, tuple(problems), undo=True)


def undo_journal(journal: Journal, catalog: Catalog | None, ctx: JobContext) -> SanitizeResult:
    """Restore the exact original names, newest rename first. Refuses, renaming nothing, when a renamed file
    was moved, replaced or changed, or its old name was taken. Undoing twice is harmless."""
    check = _undo_pass(journal, catalog, None)
    if check.problems:
        shown = "\n  ".join(check.problems[:10])
        more = f"\n  … and {len(check.problems) - 10} more" if len(check.problems) > 10 else ""
        raise JournalError(f"undo refused, nothing was renamed:\n  {shown}{more}")
    journal.record("state", state=UNDOING)
    try:
        result = _undo_pass(journal, catalog, ctx)
    except Cancelled:
        journal.record("state", state=CANCELLED)
        raise
    journal.record("state", state=UNDONE)
    return result


class SanitizePreviewJob:
    """Walk the selection and work out the new names (read-only, off the GUI thread)."""

    lane = "scan"
    title = "Preview file names"
    visible = False

    def __init__(self, paths: list[str], rules: Rules, keep: list[str] | None = None) -> None:
        self.paths, self.rules, self.keep = paths, rules, keep or []

    def plan(self) -> None:
        return None

    def run(self, plan: None, ctx: JobContext) -> SanitizePlan:
        return plan_sanitize(self.paths, self.rules, self.keep)


class SanitizeApplyJob:
    """Write the journal, then rename (catalog lane: the watcher's batches wait, so they see the catalog
    already at the new names and keep every record)."""

    lane = "catalog"
    title = "Sanitize file names"

    def __init__(self, catalog: Catalog | None, plan: SanitizePlan, journals: Path,
                 resume: Path | None = None) -> None:
        self.catalog, self._plan, self.journals, self.resume = catalog, plan, journals, resume

    def plan(self) -> SanitizePlan:
        return self._plan

    def run(self, plan: SanitizePlan, ctx: JobContext) -> SanitizeResult:
        if self.resume is not None:
            journal = Journal.load(self.resume)
        else:
            journal = Journal.create(self.journals, plan.renames, [display_path(p) for p in plan.selection])
        result = apply_journal(journal, self.catalog, ctx)
        if self.resume is None and len(journal.entries) < len(plan.renames):
            kept = {(e.parent, e.old) for e in journal.entries}
            gone = [f"{display_path(r.old_path)}: gone since the preview; left alone"
                    for r in plan.renames if (r.parent, r.old) not in kept]
            result = replace(result, problems=(*gone, *result.problems))
        return result


class SanitizeUndoJob:
    lane = "catalog"
    title = "Undo file name changes"

    def __init__(self, catalog: Catalog | None, journal: Path) -> None:
        self.catalog, self.journal = catalog, Path(journal)

    def plan(self) -> Journal:
        return Journal.load(self.journal)

    def run(self, journal: Journal, ctx: JobContext) -> SanitizeResult:
        return undo_journal(journal, self.catalog, ctx)


__all__ = ["SanitizeApplyJob", "SanitizeUndoJob", "SanitizePreviewJob", "SanitizeResult", "apply_journal",
           "undo_journal", "JournalError"]
