"""The status bar shows a message and job progress side by side; thumbnail work is a job in the Jobs panel."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QWidget

from app.jobs.runner import CANCELLED, PAUSED
from app.ui.main_window import MainWindow
from tests.media import make_clip
from tests.qt.test_ui_jobs import ChecksumJob

CLIPS = 20  # more than two thumbnail batches


def rect_in(window: QWidget, widget: QWidget) -> QRect:
    return QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size())


def thumbnail_row(window: MainWindow):
    """The newest 'Making thumbnails' row of the Jobs panel, if any."""
    panel = window.jobs_panel
    return next((panel.row(i) for i in reversed(panel.job_ids()) if panel.row(i).title.text() == "Making thumbnails"), None)


def test_message_and_job_progress_do_not_overlap(qtbot, window: MainWindow, app_context) -> None:
    status = window.status
    window.resize(1000, 700)
    job_id = app_context.runner.submit(ChecksumJob(None, "Checksum of a long test file"))
    qtbot.waitUntil(lambda: status.job_bar.isVisible() and status.job_label.isVisible(), timeout=5000)
    status.showMessage("Opened harbour.edl: one timeline at a time", 8000)
    status.set_scan_state("Scanning 3 folders…")  # a scan's state does not replace a message being shown
    assert status.currentMessage() == "Opened harbour.edl: one timeline at a time"
    assert status.message_label.isVisible() and status.message_label.elided_text() == status.currentMessage()
    assert status.job_label.text() == "Checksum of a long test file"
    shown = [w for w in (status.message_label, status.job_label, status.job_bar, status.counts_label,
                         status.watch_label) if w.isVisible()]
    assert len(shown) == 5
    for number, widget in enumerate(shown):
        for other in shown[number + 1:]:
            assert not rect_in(window, widget).intersects(rect_in(window, other)), (widget, other)
    status.clearMessage()
    assert status.message_label.text() == "Scanning 3 folders…"
    status.job_label.clicked.emit()
    assert window.jobs_dock.isVisible()
    app_context.runner.cancel(job_id)
    qtbot.waitUntil(lambda: not status.job_bar.isVisible() and not status.job_label.isVisible(), timeout=5000)


def test_thumbnail_work_is_a_job_that_pauses_and_cancels(qtbot, window: MainWindow, app_context,
                                                        media_dir: Path) -> None:
    for number in range(CLIPS):
        make_clip(media_dir / f"clip{number:02}.mov", rate="25", frames=24, size=(160, 90), audio=False)
    thumbs = app_context.thumbnails
    ready: list[int] = []
    thumbs.thumbnails_ready.connect(ready.extend)
    app_context.library.add_paths([str(media_dir)])
    qtbot.waitUntil(lambda: thumbnail_row(window) is not None, timeout=30000)
    row = thumbnail_row(window)
    runner = app_context.runner
    row.pause_button.click()
    qtbot.waitUntil(lambda: runner.record(row.job_id).state == PAUSED and row.pause_button.text() == "Resume",
                    timeout=3000)
    assert row.state.text() == "Paused" and row.cancel_button.isVisibleTo(row)  # offered (the dock may be a hidden tab)
    assert "Making thumbnails" in window.status.job_label.text()
    row.cancel_button.click()
    qtbot.waitUntil(lambda: runner.record(row.job_id).state == CANCELLED, timeout=10000)
    qtbot.waitUntil(lambda: row.state.text() == "Cancelled", timeout=2000)
    assert thumbs.pending_count == 0
    assert len(set(ready)) < CLIPS  # the queue was dropped, not worked through
    assert "cancelled" in row.detail.text()

    not_made = [i for i in app_context.catalog.query_ids() if i not in ready]
    thumbs.request(not_made[:1], visible_first=False)  # a view asks again: a new run
    qtbot.waitUntil(lambda: thumbnail_row(window) not in (row, None), timeout=5000)
    fresh = thumbnail_row(window)
    qtbot.waitUntil(lambda: fresh.state.text().startswith("Done"), timeout=20000)
    assert fresh.detail.text().startswith("1 file")

    thumbs.request(not_made[1:2], visible_first=False)  # the next run replaces the finished one, not piles up
    qtbot.waitUntil(lambda: thumbnail_row(window) not in (fresh, None), timeout=5000)
    latest = thumbnail_row(window)
    qtbot.waitUntil(lambda: latest.state.text().startswith("Done"), timeout=20000)
    runs = [window.jobs_panel.row(i) for i in window.jobs_panel.job_ids()
            if window.jobs_panel.row(i).title.text() == "Making thumbnails"]
    assert runs == [row, latest]  # the cancelled run stays in the history
    assert fresh.job_id not in {r.id for r in runner.records()}
