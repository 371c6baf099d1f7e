"""The Sanitize File Names dialog in the real window, with live folder watching on: the preview follows the
rule toggles, Apply renames through the job runner, the watcher turns no rename into delete + add, and
Undo Last Rename restores the exact names with the same records."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from tests.integration.sanitize_library import decorate, ids_by_path, make_messy, records, tree
from tests.qt.test_watch_service import _scanned

TIMEOUT = 60_000  # two shared cores: generous


def _count_watch_batches(ctx) -> list[int]:
    """Ids of watcher batches as they finish (their records are dropped right after)."""
    seen: list[int] = []

    def finished(job_id: int) -> None:
        if ctx.runner.record(job_id).title == "Apply folder changes":
            seen.append(job_id)

    ctx.runner.job_finished.connect(finished)
    return seen


def _settle(qtbot, ctx, batches: list[int]) -> None:
    """The watcher saw the renames (a batch ran since batches was emptied) and has nothing left to apply."""
    qtbot.waitUntil(lambda: bool(batches) and ctx.watch.idle() and ctx.catalog.status_counts() == {"ok": 8},
                    timeout=TIMEOUT)


def _column(dialog, column: int) -> list[str]:
    return [dialog.table.item(row, column).text() for row in range(dialog.table.rowCount())]


def test_preview_apply_and_undo_keep_records_with_the_watcher_running(qtbot, window, app_context, media_dir) -> None:
    make_messy(media_dir)
    _scanned(qtbot, app_context, media_dir)
    catalog = app_context.catalog
    qtbot.waitUntil(lambda: catalog.status_counts() == {"ok": 8}, timeout=TIMEOUT)
    before, before_ids, before_tree = decorate(catalog), ids_by_path(catalog), tree(media_dir)
    assert "Sanitize File Names…" in [a.text() for a in window.menuBar().actions()[1].menu().actions()]

    dialog = window.library_panel.edits.sanitize_selected()
    dialog.set_paths([str(media_dir)])
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=TIMEOUT)
    assert dialog.table.rowCount() == 9 and "9</b> to rename · 1 already clean" in dialog.summary.text()
    assert "CON_.mov" in _column(dialog, 1) and "Day_1/" in _column(dialog, 1)
    assert "caf\\xe9 song.flac" in _column(dialog, 0) and "café song.flac" in _column(dialog, 1)

    dialog.spaces.setChecked(True)  # the preview follows the rule, planned again off the GUI thread
    qtbot.waitUntil(lambda: dialog.plan is not None and dialog.plan.rules.spaces_to_underscore, timeout=TIMEOUT)
    assert "café_song.flac" in _column(dialog, 1)
    dialog.grab().save(str(Path(media_dir).parent / "sanitize-dialog.png"))

    batches = _count_watch_batches(app_context)
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.last_outcome is not None and not dialog.busy, timeout=TIMEOUT)
    assert dialog.last_outcome.ok and dialog.last_outcome.value.renamed == 9, dialog.last_outcome
    assert b"/caf\xc3\xa9_song.flac" in tree(media_dir)
    _settle(qtbot, app_context, batches)
    assert records(catalog) == before and catalog.count() == 8
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=TIMEOUT)
    assert dialog.table.rowCount() == 0 and not dialog.apply_button.isEnabled()
    assert dialog.undo_button.isEnabled()

    asked = []
    dialog.confirm = lambda title, text: asked.append(text) or True
    batches.clear()
    dialog.last_outcome = None
    qtbot.mouseClick(dialog.undo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.last_outcome is not None and not dialog.busy, timeout=TIMEOUT)
    assert dialog.last_outcome.ok and dialog.last_outcome.value.renamed == 9
    assert "9 file names" in asked[0]
    assert tree(media_dir) == before_tree
    _settle(qtbot, app_context, batches)
    assert records(catalog) == before and ids_by_path(catalog) == before_ids
    assert not dialog.undo_button.isEnabled()
    dialog.close()
    again = window.library_panel.edits.sanitize_selected()  # the rules last used come back
    assert again.spaces.isChecked() and not again.lowercase.isChecked()
    again.close()


def test_selected_files_are_renamed_and_the_dialog_follows_them(qtbot, window, app_context, media_dir) -> None:
    make_messy(media_dir)
    _scanned(qtbot, app_context, media_dir)
    catalog = app_context.catalog
    qtbot.waitUntil(lambda: catalog.status_counts() == {"ok": 8}, timeout=TIMEOUT)
    con = catalog.id_for_path(media_dir / "CON.mov")
    panel = window.library_panel
    qtbot.waitUntil(lambda: panel.model.row_for_id(con) is not None, timeout=TIMEOUT)
    panel.view.selectRow(panel.model.row_for_id(con))
    dialog = panel.edits.sanitize_selected()
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=TIMEOUT)
    assert _column(dialog, 0) == ["CON.mov"] and _column(dialog, 1) == ["CON_.mov"]
    assert "<b>1</b> selected file" in dialog.source.text()
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.last_outcome is not None and not dialog.busy, timeout=TIMEOUT)
    assert catalog.id_for_path(media_dir / "CON_.mov") == con
    assert dialog.paths == [str(media_dir / "CON_.mov")]
    # the library shows the new name on the same row's record
    qtbot.waitUntil(lambda: (panel.model.row_data(panel.model.row_for_id(con)) or {}).get("name") == "CON_.mov",
                    timeout=TIMEOUT)
    assert "Sanitize File Names…" in [a.text() for a in panel.edits.actions()] + [panel.edits.sanitize.text()]
    dialog.grab().save(str(Path(media_dir).parent / "sanitize-applied.png"))
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=TIMEOUT)
    assert dialog.table.rowCount() == 0

    # someone replaced the renamed file: undo says so and renames nothing
    (media_dir / "CON_.mov").unlink()
    (media_dir / "CON_.mov").write_bytes(b"another file")
    dialog.confirm = lambda title, text: True
    dialog.last_outcome = None
    qtbot.mouseClick(dialog.undo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.last_outcome is not None and not dialog.busy, timeout=TIMEOUT)
    assert not dialog.last_outcome.ok
    assert "undo refused, nothing was renamed" in dialog.status.text()
    assert "CON_.mov: moved, replaced or changed since the rename" in dialog.status.text()
    assert not (media_dir / "CON.mov").exists()
    dialog.close()
