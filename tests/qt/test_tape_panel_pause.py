"""Pause and resume a tape write from the Tape panel's progress line: the write stops after the file it is
writing with an index of the finished files on the cartridge (read cold while paused), the line says so, and
Resume finishes the write, which the catalog then lists whole."""

from __future__ import annotations

import os
from pathlib import Path

from app.jobs.runner import PAUSED
from app.tape.ltfs_index import FileEntry
from app.tape.simulated import SimulatedTape
from app.tape.volume import read_volume
from app.ui.main_window import MainWindow
from app.ui.tape import panel as panel_module
from tests.qt.test_tape_panel import RECORD, shelf  # noqa: F401 - the fixture: two cataloged cartridges

WAIT = 60000


def _on_tape(folder: Path) -> set[str]:
    volume = read_volume(SimulatedTape.open(folder))
    return {path for path, entry in volume.index.root.walk() if isinstance(entry, FileEntry)}


def test_pause_then_resume_a_write_from_the_progress_line(qtbot, shelf: Path, window: MainWindow,  # noqa: F811
                                                          tmp_path: Path, monkeypatch) -> None:
    panel, service, runner = window.tape_panel, window.ctx.tape, window.ctx.runner
    qtbot.waitUntil(lambda: service.tape("RK0002L9") is not None, timeout=WAIT)
    project = tmp_path / "more" / "Day 03"
    (project / "C001").mkdir(parents=True)
    for number in range(1, 5):
        (project / "C001" / f"C001C00{number}.mov").write_bytes(os.urandom(RECORD * 4 + number))
    before = _on_tape(shelf / "RK0002L9")

    pressed: list[int] = []

    def press_pause_as_the_write_appears(job_id: int) -> None:
        record = runner.record(job_id)
        if record.lane == "tape" and record.title.startswith("Write") and not pressed:
            pressed.append(job_id)
            assert panel.progress.job_id == job_id and panel.progress.pause_button.text() == "Pause"
            panel.progress.pause_button.click()

    runner.job_added.connect(press_pause_as_the_write_appears)
    panel.select_tape("RK0002L9")
    service.set_queue_target("RK0002L9")
    monkeypatch.setattr(panel_module.QFileDialog, "getExistingDirectory", lambda *_a, **_k: str(project))
    panel.write_action.trigger()
    queue = panel.queue_page
    qtbot.waitUntil(lambda: queue.write_button.isEnabled(), timeout=WAIT)
    queue.write_button.click()
    qtbot.waitUntil(lambda: "1 file(s) finished before the pause" in panel.progress.detail.text(), timeout=WAIT)
    [job_id] = pressed
    assert runner.record(job_id).state == PAUSED and panel.progress.pause_button.text() == "Resume"
    assert "clean volume" in panel.progress.detail.text()
    # the cartridge, read cold while the write waits: its index lists the first new file beside the old ones
    assert _on_tape(shelf / "RK0002L9") == before | {"Day 03/C001/C001C001.mov"}

    panel.progress.pause_button.click()
    qtbot.waitUntil(lambda: service.tape("RK0002L9")["files"] == len(before) + 4, timeout=WAIT)
    assert runner.record(job_id).outcome is not None and runner.record(job_id).outcome.ok
    assert _on_tape(shelf / "RK0002L9") == before | {f"Day 03/C001/C001C00{n}.mov" for n in range(1, 5)}
    paused = [line for line in panel.progress.lines if line.startswith("Paused")]
    assert paused and not any("/s" in line or "ETA" in line for line in paused)  # no rate while it waits
