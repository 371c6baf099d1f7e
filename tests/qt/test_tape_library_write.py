"""Library → Write to Tape…: rows selected in the library go to the Tape panel's write queue as one entry (its files
and bytes summed from the catalog off the GUI thread), the queue plans them onto a new tape set and writes it; the
cartridge is cataloged with those files at their library places, and they read back byte for byte."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QMenu

from app.core.job import JobContext, execute
from app.ingest.proxies import ProxyJob
from app.ingest.thumbs import thumbs_dir
from app.media.thumbnails import POSTER
from app.services.tape import NEW_SET
from app.tape.jobs import RestoreTapeJob
from app.ui.library.format import size_text
from app.ui.main_window import MainWindow
from tests.media.clips import decode_indexes, make_clip

WAIT = 60000  # an upper bound on a loaded CI machine: a scan, a plan, a write and an import


def _run(job) -> None:  # noqa: ANN001 - a job, run here as the CLI runs it
    outcome = execute(job, JobContext())
    assert outcome.ok, outcome.message


def test_selected_rows_written_to_tape_from_the_library(qtbot, window: MainWindow, tmp_path: Path) -> None:
    service, catalog = window.ctx.tape, window.ctx.catalog
    qtbot.waitUntil(lambda: service.loaded, timeout=WAIT)
    media = tmp_path / "Dailies"
    (media / "A001").mkdir(parents=True)
    picked = [make_clip(media / "A001" / "A001C001.mov", rate="25", frames=24, size=(160, 90)),
              make_clip(media / "B001C001.mov", rate="24", frames=12, size=(160, 90), audio=False)]
    make_clip(media / "A001" / "A001C002.mov", rate="25", frames=12, size=(160, 90), audio=False)  # not picked
    window.add_paths([str(media)])
    panel = window.library_panel
    qtbot.waitUntil(lambda: panel.model.rowCount() == 3, timeout=WAIT)

    edits = panel.edits
    panel.view.clearSelection()
    assert not edits.write_to_tape.isEnabled()  # nothing selected, nothing to write
    tape_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Tape")
    assert edits.write_to_tape in tape_menu.actions()
    ids = [catalog.id_for_path(p) for p in picked]
    panel.select_ids(ids)
    assert edits.write_to_tape.isEnabled()
    edits.show_context_menu(QPoint(4, 4))
    menus = [m for m in panel.findChildren(QMenu) if edits.write_to_tape in m.actions()]
    assert menus
    for menu in menus:
        menu.close()

    _run(ProxyJob(catalog, [ids[0]], ["thumbnail"], root=tmp_path / "proxies"))
    posters = [thumbs_dir(catalog.info(i)["identity_hash"]) / POSTER for i in ids]
    qtbot.waitUntil(lambda: all(p.is_file() for p in posters), timeout=WAIT)  # made after the scan
    service.set_plan_options(capacity=8 << 20, block_size=64 << 10)  # a small simulated shelf
    edits.write_to_tape.trigger()
    queue = window.tape_panel.queue_page
    assert window.tape_dock.isVisible() and window.tape_panel.tabs.currentWidget() is queue
    assert service.queue_target == NEW_SET
    size = sum(p.stat().st_size for p in picked)
    qtbot.waitUntil(lambda: queue.folders.count() == 1 and queue.folders.item(0).text().startswith(
        "Library selection: 2 files, "), timeout=WAIT)
    assert queue.folders.item(0).text() == f"Library selection: 2 files, {size_text(size)}"  # the recorded sizes
    assert queue.with_proxies.isVisibleTo(queue) and not queue.with_proxies.isChecked()
    qtbot.waitUntil(lambda: len(queue.bars) == 1 and queue.write_button.isEnabled(), timeout=WAIT)
    assert queue.bars[0].plan.files == 2
    queue.with_proxies.setChecked(True)  # planned again, with the proxy and both posters
    qtbot.waitUntil(lambda: len(queue.bars) == 1 and queue.bars[0].plan.files == 5, timeout=WAIT)
    qtbot.waitUntil(lambda: queue.write_button.isEnabled(), timeout=WAIT)
    window.tape_panel.grab().save(str(tmp_path / "queue.png"))

    queue.write_button.click()
    qtbot.waitUntil(lambda: service.tape("RK0001L9") is not None and service.tape("RK0001L9")["files"] > 0,
                    timeout=WAIT)
    on_tape = {r["path"] for r in catalog.tapes.files(service.tape("RK0001L9")["id"]) if r["kind"] == "file"}
    assert {"Dailies/A001/A001C001.mov", "Dailies/B001C001.mov",
            ".reelkeep/proxies/thumbnail/Dailies/A001/A001C001.mov.mp4",
            ".reelkeep/posters/Dailies/A001/A001C001.mov.jpg", ".reelkeep/posters/Dailies/B001C001.mov.jpg"} <= on_tape
    assert not any("A001C002" in path for path in on_tape) and not service.queue

    back = tmp_path / "back"
    job = RestoreTapeJob(service.device_for("RK0001L9"), ["Dailies"], back)
    report = job.run(job.plan(), JobContext())
    assert not report.problems
    for clip in picked:
        assert (back / "Dailies" / clip.relative_to(media)).read_bytes() == clip.read_bytes()
    assert decode_indexes(back / "Dailies" / "A001" / "A001C001.mov") == list(range(24))


def test_a_missing_file_of_the_selection_is_said_in_the_queue_and_nothing_is_planned(
        qtbot, window: MainWindow, tmp_path: Path) -> None:
    service, catalog = window.ctx.tape, window.ctx.catalog
    qtbot.waitUntil(lambda: service.loaded, timeout=WAIT)
    media = tmp_path / "Dailies"
    media.mkdir()
    clips = [make_clip(media / f"C00{n}.mov", rate="25", frames=6, size=(160, 90), audio=False) for n in (1, 2)]
    window.add_paths([str(media)])
    panel = window.library_panel
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2, timeout=WAIT)
    panel.select_ids([catalog.id_for_path(p) for p in clips])
    clips[1].unlink()
    panel.edits.write_to_tape.trigger()
    queue = window.tape_panel.queue_page
    qtbot.waitUntil(lambda: queue.error.isVisible(), timeout=WAIT)
    assert "1 file(s) of the library selection are missing on disk or changed" in queue.error.text()
    assert f"{clips[1]}: missing" in queue.error.text()
    assert not queue.bars and not queue.write_button.isEnabled()
    qtbot.waitUntil(lambda: not any((tmp_path / "plans").iterdir()), timeout=WAIT)  # no plan folder left behind
