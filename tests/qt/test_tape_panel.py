"""The Tape panel in the real main window, on real simulated cartridges and a real catalog: the cataloged tapes,
a tape's files in tape order, search across tapes, verify (clean, then a flipped byte on the cartridge), restore
with its plan confirmed first, format and write through the panel's commands, the due list, and a 100,000-file
tape listed a page at a time."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.catalog.tapes import TapeFacts, TapeFileRow
from app.services.settings import TAPE_DEVICE_KEY
from app.services.tape import PAGE
from app.tape.offline import import_volume
from app.tape.profiles import LTO9
from app.tape.simulated import SimulatedTape
from app.tape.volume import format_volume
from app.tape.write_files import write_folder
from app.ui.main_window import MainWindow
from app.ui.tape import panel as panel_module
from app.ui.tape.files_model import COL_PATH, COL_TAPE
from app.ui.tape.tapes_model import COL_BARCODE, COL_DUE, COL_GENERATION, COL_VERIFIED

RECORD = 64 << 10
WAIT = 20000


def _project(root: Path, name: str, clips: dict[str, int]) -> Path:
    project = root / name
    for relative, size in clips.items():
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_bytes(os.urandom(size))
    return project


@pytest.fixture
def shelf(tmp_path: Path, app_context) -> Path:
    """Two written cartridges in tmp_path/tapes, cataloged, and the device pattern pointing at them."""
    tapes = tmp_path / "tapes"
    sources = tmp_path / "sources"
    written = {
        "RK0001L9": _project(sources, "Day 01", {"A001/A001C001.mov": RECORD * 3 + 11, "A001/A001C002.mov": RECORD + 5,
                                                 "notes.txt": 900}),
        "RK0002L9": _project(sources, "Day 02", {"B001/B001C001.mov": RECORD * 2 + 7, "sound.wav": 4000}),
    }
    for barcode, project in written.items():
        tape = SimulatedTape.create(tapes / barcode, LTO9)
        format_volume(tape, barcode, block_size=RECORD)
        write_folder(tape, project)
        import_volume(app_context.catalog, SimulatedTape.open(tapes / barcode))
    app_context.settings.set_value(TAPE_DEVICE_KEY, f"file:{tapes}/{{barcode}}")
    return tapes


def tape_rows(window: MainWindow) -> list[str]:
    model = window.tape_panel.tapes_model
    return [model.index(r, COL_BARCODE).data() for r in range(model.rowCount())]


def file_rows(window: MainWindow, column: int = COL_PATH) -> list[str]:
    model = window.tape_panel.files_model
    return [model.index(r, column).data() for r in range(model.rowCount())]


def cell(window: MainWindow, barcode: str, column: int) -> str:
    model = window.tape_panel.tapes_model
    return model.index(model.row_of(barcode), column).data()


def select(window: MainWindow, qtbot, barcode: str, paths: list[str]) -> None:
    panel = window.tape_panel
    panel.select_tape(barcode)
    qtbot.waitUntil(lambda: set(paths) <= set(file_rows(window)), timeout=WAIT)


def test_lists_tapes_their_files_search_and_due(qtbot, shelf: Path, window: MainWindow) -> None:
    panel = window.tape_panel
    qtbot.waitUntil(lambda: tape_rows(window) == ["RK0001L9", "RK0002L9"], timeout=WAIT)
    assert panel.stack.currentIndex() == 1 and cell(window, "RK0001L9", COL_GENERATION) == "LTO-9"
    assert cell(window, "RK0002L9", COL_VERIFIED) == "never" and cell(window, "RK0002L9", COL_DUE) == "now"

    assert window.tape_dock.toggleViewAction().shortcut().toString() == "Alt+7"  # View → Tape

    select(window, qtbot, "RK0002L9", ["Day 02/sound.wav"])
    # tape order: the folders first, then the files along the tape (sound.wav was written before B001/)
    assert file_rows(window) == ["Day 02/", "Day 02/B001/", "Day 02/sound.wav", "Day 02/B001/B001C001.mov"]
    assert panel.files.isColumnHidden(COL_TAPE)
    assert panel.files_title.text() == "RK0002L9: 2 files in tape order"

    qtbot.keyClicks(panel.search, "a001c002")
    qtbot.waitUntil(lambda: file_rows(window) == ["Day 01/A001/A001C002.mov"], timeout=WAIT)
    assert file_rows(window, COL_TAPE) == ["RK0001L9"] and not panel.files.isColumnHidden(COL_TAPE)

    # both tapes were never verified: both are due, the first cataloged first
    assert panel.due_page.barcodes() == ["RK0001L9", "RK0002L9"]
    assert "never verified" in panel.due_page.list.item(0).text()
    assert panel.tabs.tabText(2) == "Due (2)"


def test_empty_catalog_says_what_to_do(qtbot, window: MainWindow) -> None:
    panel = window.tape_panel
    qtbot.waitUntil(lambda: window.ctx.tape.loaded, timeout=WAIT)
    assert panel.stack.currentIndex() == 0
    assert panel.empty.title.text() == "No tapes in the catalog"
    assert panel.empty.text.text().startswith("Format a cartridge or import a tape's index")
    assert not panel.verify_action.isEnabled() and not panel.restore_action.isEnabled()


def test_verify_runs_on_the_drive_and_shows_ok_then_damaged(qtbot, shelf: Path, window: MainWindow) -> None:
    panel, service = window.tape_panel, window.ctx.tape
    select(window, qtbot, "RK0001L9", ["Day 01/A001/A001C001.mov"])
    panel.verify_action.trigger()
    qtbot.waitUntil(lambda: cell(window, "RK0001L9", COL_VERIFIED).endswith(" ok"), timeout=WAIT)
    assert panel.due_page.barcodes() == ["RK0002L9"]  # a clean pass: not due for another year
    assert service.tape("RK0001L9")["last_verify_files"] == 3
    job = window.ctx.runner.records()[-1]
    assert job.lane == "tape" and job.title.startswith("Verify") and "RK0001L9" in job.title
    # the panel showed the drive's progress line while it read: bytes, MB/s (or kB/s here) and an ETA
    assert any(" of " in line and "B/s" in line and "ETA" in line for line in panel.progress.lines)
    qtbot.waitUntil(lambda: not panel.progress.isVisible(), timeout=WAIT)

    clip = next(r for r in window.ctx.catalog.tapes.files(service.tape("RK0001L9")["id"])
                if r["path"] == "Day 01/A001/A001C001.mov")
    record = shelf / "RK0001L9" / f"1_{clip['start_block'] + 1}_R"
    damaged = bytearray(record.read_bytes())
    damaged[1000] ^= 0x01
    record.write_bytes(bytes(damaged))
    errors: list[str] = []
    service.failed.connect(errors.append)
    panel.verify_action.trigger()
    qtbot.waitUntil(lambda: cell(window, "RK0001L9", COL_VERIFIED).endswith(" damaged"), timeout=WAIT)
    assert "RK0001L9 is DAMAGED: 1 of 3 files" in errors[0] and "Day 01/A001/A001C001.mov" in errors[0]
    assert panel.due_page.barcodes() == ["RK0001L9", "RK0002L9"]  # a damaged tape is due again at once
    [last, _first] = window.ctx.catalog.tapes.verifications(service.tape("RK0001L9")["id"])
    assert last["damaged"] == 1 and last["report"].endswith(".html") and "-verify-" in last["report"]
    damaged_rows = [line for line in Path(last["report"]).with_suffix(".csv").read_text().splitlines()
                    if line.startswith("Day 01/A001/A001C001.mov,")]
    assert len(damaged_rows) == 1 and ",\"xxh128 is " in damaged_rows[0]  # the report names the damaged file


def test_a_wrong_cartridge_in_the_drive_is_refused(qtbot, shelf: Path, window: MainWindow) -> None:
    service = window.ctx.tape
    qtbot.waitUntil(lambda: service.tape("RK0002L9") is not None, timeout=WAIT)
    service.set_device_pattern(f"file:{shelf}/RK0001L9")  # one drive, holding the other tape
    errors: list[str] = []
    service.failed.connect(errors.append)
    service.verify("RK0002L9")
    qtbot.waitUntil(lambda: bool(errors), timeout=WAIT)
    assert "not RK0002L9" in errors[0] and "load RK0002L9" in errors[0]
    assert service.tape("RK0002L9")["last_verify"] is None


def test_restore_selected_shows_the_plan_then_restores_the_bytes(qtbot, shelf: Path, window: MainWindow,
                                                                  tmp_path: Path, monkeypatch) -> None:
    panel = window.tape_panel
    dest = tmp_path / "restored"
    dest.mkdir()
    monkeypatch.setattr(panel_module.QFileDialog, "getExistingDirectory", lambda *_a, **_k: str(dest))
    qtbot.waitUntil(lambda: tape_rows(window) == ["RK0001L9", "RK0002L9"], timeout=WAIT)
    qtbot.keyClicks(panel.search, "mov")  # clips of both tapes
    qtbot.waitUntil(lambda: len(file_rows(window)) == 3, timeout=WAIT)
    panel.files.selectAll()
    assert panel.restore_action.isEnabled()
    panel.restore_action.trigger()
    qtbot.waitUntil(lambda: panel.restore_dialog is not None and panel.restore_dialog.isVisible(), timeout=WAIT)
    dialog = panel.restore_dialog
    assert dialog.steps() == ["1. Load RK0001L9", "2. Load RK0002L9"]
    assert dialog.tree.topLevelItem(0).text(1) == "2" and str(dest) in dialog.summary.text()
    dialog.accept()
    sources = shelf.parent / "sources"
    wanted = ["Day 01/A001/A001C001.mov", "Day 01/A001/A001C002.mov", "Day 02/B001/B001C001.mov"]
    qtbot.waitUntil(lambda: all((dest / p).is_file() for p in wanted), timeout=WAIT)
    for path in wanted:
        assert (dest / path).read_bytes() == (sources / path).read_bytes()
    assert not (dest / "Day 01" / "notes.txt").exists()  # only what was chosen


def test_format_and_write_folders_through_the_panel(qtbot, shelf: Path, window: MainWindow, tmp_path: Path,
                                                    monkeypatch) -> None:
    panel, service = window.tape_panel, window.ctx.tape
    qtbot.waitUntil(lambda: tape_rows(window) == ["RK0001L9", "RK0002L9"], timeout=WAIT)
    monkeypatch.setattr(panel_module.QInputDialog, "getText", lambda *_a, **_k: ("rk0003l8", True))
    panel.format_action.trigger()
    qtbot.waitUntil(lambda: "RK0003L8" in tape_rows(window), timeout=WAIT)
    assert (shelf / "RK0003L8" / "filedebug_tc_conf.xml").is_file()  # a new simulated cartridge at {barcode}
    assert cell(window, "RK0003L8", COL_GENERATION) == "LTO-8" and service.tape("RK0003L8")["files"] == 0

    project = _project(tmp_path / "more", "Day 03", {"C001/C001C001.mov": RECORD * 5 + 3, "C001/C001C002.mov": 999})
    panel.select_tape("RK0003L8")
    service.set_queue_target("RK0003L8")
    monkeypatch.setattr(panel_module.QFileDialog, "getExistingDirectory", lambda *_a, **_k: str(project))
    panel.write_action.trigger()
    queue = panel.queue_page
    qtbot.waitUntil(lambda: queue.write_button.isEnabled(), timeout=WAIT)
    assert panel.tabs.currentWidget() is queue
    [bar] = queue.bars  # the plan, drawn for the target tape: nothing on it yet, the folder's bytes planned
    assert (bar.plan.barcode, bar.plan.used, bar.plan.planned) == ("RK0003L8", 0, RECORD * 5 + 3 + 999)
    assert "2 files" in queue.folders.item(0).text()
    queue.write_button.click()
    qtbot.waitUntil(lambda: service.tape("RK0003L8") is not None and service.tape("RK0003L8")["files"] == 2,
                    timeout=WAIT)  # written, then its new index imported into the catalog
    assert not service.queue
    qtbot.waitUntil(lambda: file_rows(window)[-2:] == ["Day 03/C001/C001C001.mov", "Day 03/C001/C001C002.mov"],
                    timeout=WAIT)
    titles = [r.title for r in window.ctx.runner.records() if r.lane == "tape"]  # one drive: one after another
    assert [t.split()[0] for t in titles] == ["Format", "Catalog", "Write", "Catalog"]
    assert all("RK0003L8" in t for t in titles)


def test_a_100000_file_tape_lists_a_page_at_a_time(qtbot, app_context, window: MainWindow) -> None:
    rows = (TapeFileRow(f"Big/{i // 1000:03d}/clip{i:06d}.mov", "file", 1000 + i, 1, 10 + i * 2,
                        xxh128=f"{i:032x}") for i in range(100_000))
    app_context.catalog.tapes.import_tape(TapeFacts("RK0100L9", "uuid-big", 2, "2026-12-01T00:00:00.000000000Z",
                                                    generation="LTO9", capacity=LTO9.native_capacity), rows)
    service, panel = app_context.tape, window.tape_panel
    service.refresh()
    qtbot.waitUntil(lambda: tape_rows(window) == ["RK0100L9"], timeout=WAIT)
    qtbot.waitUntil(lambda: panel.files_model.rowCount() == PAGE, timeout=WAIT)  # the first page only
    assert file_rows(window)[0] == "Big/000/clip000000.mov" and panel.files_model.canFetchMore(panel.files.rootIndex())
    panel.files.scrollToBottom()  # the view asks for the next page as it reaches the end
    qtbot.waitUntil(lambda: panel.files_model.rowCount() == 2 * PAGE, timeout=WAIT)
    assert file_rows(window)[PAGE] == f"Big/001/clip{PAGE:06d}.mov"
    assert panel.files_title.text() == "RK0100L9: 100,000 files in tape order"
