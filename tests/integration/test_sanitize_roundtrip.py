"""Sanitise a real scanned library: apply, undo byte-exact, records kept; a killed apply undone or resumed;
an undo refused when a renamed file was replaced; an existing name never overwritten."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pathvalidate import validate_filename

from app.catalog.catalog import Catalog
from app.core.job import JobContext, execute
from app.ingest.sanitize import plan_sanitize
from app.ingest.sanitize_apply import SanitizeApplyJob, SanitizeUndoJob
from app.ingest.sanitize_journal import APPLIED, UNDONE, Journal, journal_dir, last_undoable
from tests.integration.sanitize_library import decorate, ids_by_path, make_messy, records, scan, tree


@pytest.fixture
def messy(tmp_path: Path, catalog: Catalog) -> Path:
    folder = tmp_path / "media"
    folder.mkdir()
    make_messy(folder)
    scan(catalog, folder)
    assert catalog.count() == 8 and catalog.status_counts() == {"ok": 8}
    return folder


def _apply(catalog: Catalog, folder: Path):
    plan = plan_sanitize([folder], keep=[p for _, p in catalog.roots()])
    outcome = execute(SanitizeApplyJob(catalog, plan, journal_dir(catalog.path)), JobContext())
    assert outcome.ok, outcome
    return plan, outcome.value


def test_apply_then_undo_restores_exact_names_and_keeps_every_record(catalog: Catalog, messy: Path) -> None:
    before_tree, before_ids, before = tree(messy), ids_by_path(catalog), decorate(catalog)
    plan, result = _apply(catalog, messy)
    assert result.renamed == len(plan.renames) == 9 and not result.problems
    after_tree = tree(messy)
    for rel in after_tree:
        for part in rel.strip(b"/").split(b"/"):
            validate_filename(part.decode("utf-8"), platform="universal")
    assert b"/Day_1/x_.mov" in after_tree and b"/Day_1/x__2.mov" in after_tree  # the collision numbered
    assert b"/readme" in after_tree and b"/CON_.mov" in after_tree
    # the same records, at the new paths: ids, tags, ratings, markers, plays, proxies
    assert records(catalog) == before
    assert sorted(ids_by_path(catalog).values()) == sorted(before_ids.values())
    assert all(os.path.exists(p) for p in ids_by_path(catalog))
    journal = last_undoable(journal_dir(catalog.path))
    assert journal is not None and journal.path == result.journal and journal.state == APPLIED

    # a new process (a restart) undoes it from the journal file alone
    undone = execute(SanitizeUndoJob(catalog, result.journal), JobContext())
    assert undone.ok and undone.value.renamed == 9
    assert tree(messy) == before_tree
    assert ids_by_path(catalog) == before_ids and records(catalog) == before
    assert Journal.load(result.journal).state == UNDONE and last_undoable(journal_dir(catalog.path)) is None
    again = execute(SanitizeUndoJob(catalog, result.journal), JobContext())
    assert again.ok and again.value.renamed == 0 and again.value.already == 9
    assert tree(messy) == before_tree


_KILLER = textwrap.dedent("""
    import os, signal, sys
    from app.catalog.catalog import Catalog
    from app.core.job import JobContext, execute
    from app.ingest.sanitize import plan_sanitize
    from app.ingest.sanitize_apply import SanitizeApplyJob
    from app.ingest.sanitize_journal import journal_dir
    catalog = Catalog(sys.argv[1])
    plan = plan_sanitize([sys.argv[2]])
    landed = []
    def emit(event):
        landed.append(event)
        if len(landed) == int(sys.argv[3]):
            os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no journal line after this
    execute(SanitizeApplyJob(catalog, plan, journal_dir(catalog.path)), JobContext(emit=emit))
""")


def _killed_apply(catalog: Catalog, folder: Path, after: int) -> Journal:
    done = subprocess.run([sys.executable, "-c", _KILLER, str(catalog.path), str(folder), str(after)],
                          cwd=Path(__file__).parents[2], capture_output=True, text=True, timeout=300)
    assert done.returncode == -signal.SIGKILL, done.stderr
    journal = last_undoable(journal_dir(catalog.path))
    assert journal is not None and journal.state == "applying" and len(journal.done()) == after
    return journal


def test_apply_killed_midway_is_undone_exactly(catalog: Catalog, messy: Path) -> None:
    before_tree, before_ids, before = tree(messy), ids_by_path(catalog), decorate(catalog)
    journal = _killed_apply(catalog, messy, after=4)
    assert tree(messy) != before_tree
    undone = execute(SanitizeUndoJob(catalog, journal.path), JobContext())
    assert undone.ok, undone
    assert undone.value.renamed == 4 and undone.value.already == 5
    assert tree(messy) == before_tree
    assert ids_by_path(catalog) == before_ids and records(catalog) == before


def test_apply_killed_midway_is_resumed_to_the_full_result(catalog: Catalog, messy: Path, tmp_path: Path) -> None:
    before = decorate(catalog)
    journal = _killed_apply(catalog, messy, after=3)
    resumed = execute(SanitizeApplyJob(catalog, plan_sanitize([]), journal.path.parent, resume=journal.path),
                      JobContext())
    assert resumed.ok and resumed.value.renamed == 6 and resumed.value.already == 3
    assert plan_sanitize([messy]).renames == ()  # nothing left to clean
    assert records(catalog) == before and all(os.path.exists(p) for p in ids_by_path(catalog))


def test_undo_refuses_and_renames_nothing_when_a_renamed_file_was_replaced(catalog: Catalog, messy: Path) -> None:
    _, result = _apply(catalog, messy)
    replaced = messy / "CON_.mov"
    replaced.unlink()
    replaced.write_bytes(b"someone else's file")
    after_tree = tree(messy)
    undone = execute(SanitizeUndoJob(catalog, result.journal), JobContext())
    assert not undone.ok and "undo refused, nothing was renamed" in undone.message
    assert "CON_.mov: moved, replaced or changed since the rename" in undone.message
    assert tree(messy) == after_tree and replaced.read_bytes() == b"someone else's file"


def test_a_name_taken_after_the_preview_is_never_overwritten(catalog: Catalog, messy: Path) -> None:
    plan = plan_sanitize([messy])
    (messy / "CON_.mov").write_bytes(b"arrived after the preview")
    outcome = execute(SanitizeApplyJob(catalog, plan, journal_dir(catalog.path)), JobContext())
    assert outcome.ok and len(outcome.value.problems) == 1 and "CON.mov" in outcome.value.problems[0]
    assert (messy / "CON_.mov").read_bytes() == b"arrived after the preview"
    assert (messy / "CON.mov").exists()
    assert outcome.value.renamed == len(plan.renames) - 1


def test_a_cancelled_apply_leaves_a_journal_that_undoes_what_was_done(catalog: Catalog, messy: Path) -> None:
    before_tree, before_ids, before = tree(messy), ids_by_path(catalog), decorate(catalog)
    ctx = JobContext()
    landed = []

    def emit(event: object) -> None:
        landed.append(event)
        if len(landed) == 2:
            ctx.cancel.cancel()  # the user presses Cancel while the third rename is due

    ctx.emit = emit
    plan = plan_sanitize([messy])
    outcome = execute(SanitizeApplyJob(catalog, plan, journal_dir(catalog.path)), ctx)
    assert not outcome.ok and outcome.cancelled
    journal = last_undoable(journal_dir(catalog.path))
    assert journal is not None and journal.state == "cancelled" and len(journal.done()) == 2
    undone = execute(SanitizeUndoJob(catalog, journal.path), JobContext())
    assert undone.ok and undone.value.renamed == 2
    assert tree(messy) == before_tree and ids_by_path(catalog) == before_ids and records(catalog) == before


def test_a_torn_last_journal_line_is_ignored(catalog: Catalog, messy: Path) -> None:
    _, result = _apply(catalog, messy)
    with open(result.journal, "a", encoding="utf-8") as handle:
        handle.write('{"event": "undo')  # power cut in the middle of an append
    journal = Journal.load(result.journal)
    assert journal.state == APPLIED and len(journal.done()) == 9


@pytest.fixture
def read_only_folder(messy: Path):
    """A folder of the library on a real read-only mount (a bind mount remounted ro; the suite runs as root)."""
    folder = messy / "locked"
    folder.mkdir()
    (folder / "b?.txt").write_bytes(b"cannot be renamed")
    subprocess.run(["mount", "--bind", str(folder), str(folder)], check=True)
    try:
        remounted = subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], capture_output=True, text=True)
        assert remounted.returncode == 0, f"this test remounts a folder read-only and needs root: {remounted.stderr}"
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def test_renames_a_read_only_folder_refuses_are_reported_and_the_others_undone(
    catalog: Catalog, messy: Path, read_only_folder: Path
) -> None:
    before_tree, before_ids, before = tree(messy), ids_by_path(catalog), decorate(catalog)
    _, result = _apply(catalog, messy)
    assert result.renamed == 9 and len(result.problems) == 1
    assert "locked/b?.txt: Read-only file system" in result.problems[0]
    assert Journal.load(result.journal).state == "failed"
    assert (read_only_folder / "b?.txt").exists()
    undone = execute(SanitizeUndoJob(catalog, result.journal), JobContext())
    assert undone.ok and undone.value.renamed == 9 and undone.value.already == 1
    assert tree(messy) == before_tree and ids_by_path(catalog) == before_ids and records(catalog) == before


def test_a_file_gone_since_the_preview_is_reported(catalog: Catalog, messy: Path) -> None:
    plan = plan_sanitize([messy])
    (messy / "CON.mov").unlink()
    outcome = execute(SanitizeApplyJob(catalog, plan, journal_dir(catalog.path)), JobContext())
    assert outcome.ok and outcome.value.renamed == 8
    assert [p for p in outcome.value.problems if "CON.mov: gone since the preview" in p]


def test_undo_of_a_cancelled_apply_ignores_files_it_never_renamed(catalog: Catalog, messy: Path) -> None:
    ctx = JobContext()
    ctx.emit = lambda _event: ctx.cancel.cancel()  # Cancel right after the first rename
    assert execute(SanitizeApplyJob(catalog, plan_sanitize([messy]), journal_dir(catalog.path)), ctx).cancelled
    journal = last_undoable(journal_dir(catalog.path))
    assert journal is not None and len(journal.done()) == 1
    (messy / "CON.mov").unlink()  # never renamed, deleted since: not the undo's business
    before = tree(messy)
    undone = execute(SanitizeUndoJob(catalog, journal.path), JobContext())
    assert undone.ok and undone.value.renamed == 1, undone
    assert len(tree(messy)) == len(before)
