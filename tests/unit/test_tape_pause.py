"""A paused tape write: it stops after the file it is writing, gives the finished files an index at once (the
cartridge read cold at that moment — as after a kill or an unload — is a clean volume listing exactly them), writes
nothing while paused, and on resume goes on to a volume holding everything; a cancel while paused keeps the
finished files."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from app.core.errors import Cancelled
from app.core.progress import CancelToken
from app.tape.ltfs_index import FileEntry, LtfsIndex
from app.tape.profiles import LTO9
from app.tape.read_files import read_entry
from app.tape.simulated import SimulatedTape
from app.tape.volume import format_volume, read_volume
from app.tape.write_files import write_folder

RECORD = 64 << 10
WAIT = 60


def _project(root: Path) -> Path:
    project = root / "Day 01"
    (project / "A001").mkdir(parents=True)
    for number in range(1, 6):
        (project / "A001" / f"A001C00{number}.mov").write_bytes(os.urandom(RECORD * 4 + number))
    return project


def _files(folder: Path) -> dict[str, bytes]:
    """What a cold read of the cartridge finds: each file's path and bytes by the newest index."""
    tape = SimulatedTape.open(folder)
    volume = read_volume(tape)
    return {path: b"".join(read_entry(tape, entry)) for path, entry in volume.index.root.walk()
            if isinstance(entry, FileEntry)}


class _PauseAfterFirst:
    """Presses Pause while the first file is being written (from the progress callback, as the GUI would
    between two records) and records what the write reports when the pause takes effect."""

    def __init__(self, token: CancelToken) -> None:
        self.token = token
        self.bytes = 0
        self.paused = threading.Event()
        self.synced: list[tuple[int, int]] = []

    def on_bytes(self, count: int) -> None:
        if not self.bytes:
            self.token.pause()
        self.bytes += count

    def on_pause(self, index: LtfsIndex, files: int) -> None:
        self.synced.append((index.generation, files))
        self.paused.set()


def _start(tape: SimulatedTape, project: Path, presser: _PauseAfterFirst) -> tuple[threading.Thread, list]:
    outcome: list = []

    def run() -> None:
        try:
            outcome.append(write_folder(tape, project, "", presser.token, presser.on_bytes, presser.on_pause))
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_a_paused_write_syncs_an_index_of_the_finished_files_waits_then_finishes(tmp_path: Path) -> None:
    project = _project(tmp_path / "src")
    folder = tmp_path / "RK0001L9"
    tape = SimulatedTape.create(folder, LTO9)
    format_volume(tape, "RK0001L9", block_size=RECORD)
    presser = _PauseAfterFirst(CancelToken())
    thread, outcome = _start(tape, project, presser)
    assert presser.paused.wait(WAIT)
    # paused at the end of the first file: an index (generation 2) lists it alone, and reads back exact
    assert presser.synced == [(2, 1)]
    assert _files(folder) == {"Day 01/A001/A001C001.mov": (project / "A001/A001C001.mov").read_bytes()}
    written = sorted(p.name for p in folder.iterdir())
    paused_bytes = presser.bytes
    assert thread.is_alive() and not outcome
    thread.join(0.5)  # nothing is written while paused
    assert thread.is_alive() and sorted(p.name for p in folder.iterdir()) == written
    assert presser.bytes == paused_bytes

    presser.token.resume()
    thread.join(WAIT)
    [result] = outcome
    assert not isinstance(result, BaseException), result
    assert result.files == 5 and result.index.generation == 3
    on_tape = _files(folder)
    assert on_tape == {f"Day 01/A001/A001C00{n}.mov": (project / f"A001/A001C00{n}.mov").read_bytes()
                       for n in range(1, 6)}
    # the final index points back to the one written at the pause, which stays on the data partition
    assert result.index.previous is not None
    newest_on_data = read_volume(SimulatedTape.open(folder)).index
    assert newest_on_data.generation == 3


def test_a_cancel_while_paused_keeps_the_finished_files(tmp_path: Path) -> None:
    project = _project(tmp_path / "src")
    folder = tmp_path / "RK0002L9"
    tape = SimulatedTape.create(folder, LTO9)
    format_volume(tape, "RK0002L9", block_size=RECORD)
    presser = _PauseAfterFirst(CancelToken())
    thread, outcome = _start(tape, project, presser)
    assert presser.paused.wait(WAIT)
    presser.token.cancel()
    thread.join(WAIT)
    [result] = outcome
    assert isinstance(result, Cancelled)
    assert _files(folder) == {"Day 01/A001/A001C001.mov": (project / "A001/A001C001.mov").read_bytes()}
    assert read_volume(SimulatedTape.open(folder)).index.generation == 3  # the stop's own index, after the pause's


def test_a_pause_lets_the_record_being_written_finish_its_file(tmp_path: Path) -> None:
    """Pause pressed mid-file does not cut the file: the pipeline only stops between records for a cancel."""
    project = _project(tmp_path / "src")
    folder = tmp_path / "RK0003L9"
    tape = SimulatedTape.create(folder, LTO9)
    format_volume(tape, "RK0003L9", block_size=RECORD)
    presser = _PauseAfterFirst(CancelToken())
    thread, _outcome = _start(tape, project, presser)
    assert presser.paused.wait(WAIT)
    assert presser.bytes == RECORD * 4 + 1  # the whole first file, not one record of it
    presser.token.resume()
    thread.join(WAIT)
    assert not thread.is_alive()


def test_a_write_never_paused_writes_one_generation(tmp_path: Path) -> None:
    project = _project(tmp_path / "src")
    tape = SimulatedTape.create(tmp_path / "t", LTO9)
    format_volume(tape, "RK0004L9", block_size=RECORD)
    synced: list[int] = []
    result = write_folder(tape, project, "", CancelToken(), None, lambda index, _files: synced.append(index.generation))
    assert result.index.generation == 2 and not synced
