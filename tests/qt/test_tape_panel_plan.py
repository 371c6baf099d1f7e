"""The Tape panel's write queue planned onto a new tape set: two folders that need two small simulated cartridges,
in two copies (A/B), drawn per cartridge with the spanned file marked, written by the plan job onto a shelf of
simulated cartridges, every cartridge cataloged with its set and copy, and a spanning file restored from copy B
byte for byte; a file larger than a cartridge with splitting off says so instead of a plan; a cartridge holding
less than planned stops the write with the job's words, and what it holds is cataloged."""

from __future__ import annotations

import os
from pathlib import Path

from app.core.job import JobContext
from app.services.tape import NEW_SET
from app.tape.profiles import LTO9
from app.tape.recall import RecallJob, plan_recall
from app.tape.simulated import SimulatedTape
from app.tape.volume import format_volume
from app.ui.main_window import MainWindow
from app.ui.tape import panel as panel_module

WAIT = 60000  # an upper bound: four cartridges are written and cataloged under a loaded CI machine
CAPACITY = 3 << 20  # a tiny simulated cartridge: about 2 MB left for files after its reserve
RECORD = 64 << 10


def _folder(root: Path, name: str, files: dict[str, int]) -> Path:
    for relative, size in files.items():
        (root / name / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / name / relative).write_bytes(os.urandom(size))
    return root / name


def _queue(window: MainWindow, qtbot, monkeypatch, folders: list[Path]) -> None:
    panel = window.tape_panel
    for folder in folders:
        monkeypatch.setattr(panel_module.QFileDialog, "getExistingDirectory", lambda *_a, f=folder, **_k: str(f))
        panel.write_action.trigger()
    qtbot.waitUntil(lambda: window.ctx.tape.queue_measured(), timeout=WAIT)


def test_a_queue_planned_onto_two_copies_written_cataloged_and_restored(qtbot, window: MainWindow, tmp_path: Path,
                                                                        monkeypatch) -> None:
    panel, service = window.tape_panel, window.ctx.tape
    qtbot.waitUntil(lambda: service.loaded, timeout=WAIT)
    sources = tmp_path / "sources"
    day1 = _folder(sources, "Day 01", {"A001/A001C001.mov": 1_600_000, "notes.txt": 500})
    day2 = _folder(sources, "Day 02", {"B001/B001C001.mov": 1_400_000, "B001/B001C002.mov": 300_000})
    service.set_plan_options(capacity=CAPACITY, block_size=RECORD)  # a demo shelf's size; not a panel control
    _queue(window, qtbot, monkeypatch, [day1, day2])
    queue = panel.queue_page
    assert panel.tabs.currentWidget() is queue and service.queue_target == NEW_SET
    assert queue.options.isVisible() and queue.split.isChecked()
    assert queue.first_barcode.placeholderText() == "RK0001L9"  # nothing cataloged: the first barcode
    queue.copies.setCurrentIndex(queue.copies.findData(2))
    queue.copies.activated.emit(queue.copies.currentIndex())
    qtbot.waitUntil(lambda: len(queue.bars) == 4, timeout=WAIT)  # planned again, off the GUI thread
    plans = [bar.plan for bar in queue.bars]
    assert [(p.barcode, p.copy, p.number) for p in plans] == [
        ("RK0001L9", "A", 1), ("RK0002L9", "A", 2), ("RK0003L9", "B", 1), ("RK0004L9", "B", 2)]
    assert [p.continues for p in plans] == [True, False, True, False]  # a file spans tapes 1 → 2 in each copy
    assert all(p.spanned == 1 for p in plans) and all(0 < p.planned <= CAPACITY for p in plans)
    assert "1 spanned part" in queue.bars[0].toolTip() and "% full" in queue.bars[0].toolTip()
    plan_folder = service.queue_plan.plan.folder
    assert plan_folder.parent == tmp_path / "plans"  # beside the catalog
    assert "Tape set RK0001L9: 2 cartridge(s) per copy × 2 = 4" in queue.note.text()
    assert queue.write_button.isEnabled() and not queue.error.isVisible()

    queue.write_button.click()
    qtbot.waitUntil(lambda: len(service.tapes) == 4 and all(t["files"] for t in service.tapes), timeout=WAIT)
    shelf = tmp_path / "tapes"
    assert sorted(p.name for p in shelf.iterdir()) == ["RK0001L9", "RK0002L9", "RK0003L9", "RK0004L9"]
    assert {(t["barcode"], t["tape_set"], t["copy"]) for t in service.tapes} == {
        ("RK0001L9", "RK0001L9", "A"), ("RK0002L9", "RK0001L9", "A"),
        ("RK0003L9", "RK0001L9", "B"), ("RK0004L9", "RK0001L9", "B")}
    assert panel.tapes_model.rowCount() == 4 and not service.queue and not queue.bars
    assert plan_folder.is_dir()  # a written plan stays (a stopped write is planned on from it)
    # the plan's progress showed in the panel's progress line: bytes, rate, the cartridge and file being written
    assert any(" of " in line and "B/s" in line and "copy B" in line for line in panel.progress.lines)
    qtbot.waitUntil(lambda: not panel.progress.isVisible(), timeout=WAIT)
    # the next plan starts after the cataloged tapes
    assert queue.first_barcode.placeholderText() == "RK0005L9"

    recall = plan_recall(window.ctx.catalog, ["Day 01", "Day 02"], "B")
    loaded = {v.barcode for v in recall.visits} | {part["barcode"] for parts in recall.spanned for part in parts}
    assert loaded == {"RK0003L9", "RK0004L9"} and len(recall.spanned) == 1  # copy B only; one file spans
    back = tmp_path / "back"
    job = RecallJob(window.ctx.catalog, ["Day 01", "Day 02"], back, service.device_pattern, "B")
    report = job.run(job.plan(), JobContext())
    assert not report.problems
    for folder in (day1, day2):
        for path in (p for p in folder.rglob("*") if p.is_file()):
            assert (back / folder.name / path.relative_to(folder)).read_bytes() == path.read_bytes()

def test_a_file_larger_than_a_cartridge_without_split_is_said(qtbot, window: MainWindow, tmp_path: Path,
                                                              monkeypatch) -> None:
    panel, service = window.tape_panel, window.ctx.tape
    qtbot.waitUntil(lambda: service.loaded, timeout=WAIT)
    big = _folder(tmp_path / "sources", "Big", {"whole.mov": 2_500_000})
    service.set_plan_options(capacity=CAPACITY, block_size=RECORD)
    _queue(window, qtbot, monkeypatch, [big])
    queue = panel.queue_page
    qtbot.waitUntil(lambda: len(queue.bars) == 2, timeout=WAIT)
    assert queue.bars[0].plan.continues
    queue.split.setChecked(False)
    qtbot.waitUntil(lambda: queue.error.isVisible(), timeout=WAIT)
    assert "is larger than a whole cartridge" in queue.error.text() and not queue.bars
    assert not queue.write_button.isEnabled()
    qtbot.waitUntil(lambda: not any((tmp_path / "plans").iterdir()), timeout=WAIT)  # no plan folder left behind


def test_a_cartridge_holding_less_than_planned_says_how_to_go_on(qtbot, window: MainWindow, tmp_path: Path,
                                                                monkeypatch) -> None:
    panel, service = window.tape_panel, window.ctx.tape
    qtbot.waitUntil(lambda: service.loaded, timeout=WAIT)
    small = SimulatedTape.create(tmp_path / "tapes" / "RK0001L9", LTO9, 2 << 20)  # smaller than the plan counts
    format_volume(small, "RK0001L9", block_size=RECORD)
    day1 = _folder(tmp_path / "sources", "Day 01", {"A001/A001C001.mov": 1_600_000, "A001/A001C002.mov": 1_400_000})
    service.set_plan_options(capacity=5 << 20, block_size=RECORD)
    _queue(window, qtbot, monkeypatch, [day1])
    queue = panel.queue_page
    qtbot.waitUntil(lambda: len(queue.bars) == 1 and queue.write_button.isEnabled(), timeout=WAIT)
    plan_folder = service.queue_plan.plan.folder
    errors: list[str] = []
    service.failed.connect(errors.append)
    queue.write_button.click()
    qtbot.waitUntil(lambda: bool(errors), timeout=WAIT)
    assert "RK0001L9 (copy A, tape 1 of 1) held less than planned and is full" in errors[0]
    assert f"reelkeep tape plan --rest {plan_folder}" in errors[0]
    # what it holds went into the catalog all the same
    qtbot.waitUntil(lambda: service.tape("RK0001L9") is not None and service.tape("RK0001L9")["files"] > 0,
                    timeout=WAIT)
