"""Restore from a simulated tape: byte-exact, in tape order, times kept, nothing overwritten, a damaged file
reported and left out."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.tape.ltfs_index import FileEntry
from app.tape.profiles import LTO9, TapeError
from app.tape.restore import restore
from app.tape.simulated import SimulatedTape
from app.tape.volume import format_volume, read_volume
from app.tape.write_files import write_folder


def written_tape(tmp_path: Path) -> tuple[SimulatedTape, Path]:
    project = tmp_path / "Day 03"
    (project / "C001" / "empty").mkdir(parents=True)
    (project / "C001" / "C001C001.mov").write_bytes(os.urandom(300_000))
    (project / "C001" / "C001C002.mov").write_bytes(os.urandom(200_000))
    (project / "report.pdf").write_bytes(b"%PDF report")
    (project / "latest").symlink_to("C001/C001C002.mov")
    os.utime(project / "report.pdf", ns=(1_700_000_000_123_456_000, 1_700_000_000_123_456_000))
    tape = SimulatedTape.create(tmp_path / "RK0008L9", LTO9)
    format_volume(tape, "RK0008L9", block_size=64 << 10)
    write_folder(tape, project)
    return tape, project


def test_restore_brings_back_exactly_what_was_chosen(tmp_path: Path) -> None:
    tape, project = written_tape(tmp_path)
    out = tmp_path / "restored"
    report = restore(SimulatedTape.open(tmp_path / "RK0008L9"), ["Day 03"], out)
    assert sorted(report.restored) == ["Day 03/C001/C001C001.mov", "Day 03/C001/C001C002.mov", "Day 03/latest",
                                       "Day 03/report.pdf"] and not report.problems
    for relative in ("C001/C001C001.mov", "C001/C001C002.mov", "report.pdf"):
        assert (out / "Day 03" / relative).read_bytes() == (project / relative).read_bytes()
    assert os.readlink(out / "Day 03" / "latest") == "C001/C001C002.mov"
    assert (out / "Day 03" / "C001" / "empty").is_dir()
    assert (out / "Day 03" / "report.pdf").stat().st_mtime_ns == 1_700_000_000_123_456_000

    one = restore(tape, ["Day 03/C001/C001C002.mov"], tmp_path / "one")
    assert one.restored == ["Day 03/C001/C001C002.mov"]
    with pytest.raises(TapeError, match="already exists; restore into another folder"):
        restore(tape, ["Day 03/report.pdf"], out)
    with pytest.raises(TapeError, match="is not on this tape"):
        restore(tape, ["Day 04"], out)


def test_a_damaged_file_is_reported_and_leaves_nothing(tmp_path: Path) -> None:
    tape, _project = written_tape(tmp_path)
    entry = dict(read_volume(tape).index.root.walk())["Day 03/C001/C001C001.mov"]
    assert isinstance(entry, FileEntry)
    record = tmp_path / "RK0008L9" / f"1_{entry.extents[0].start_block + 2}_R"
    data = bytearray(record.read_bytes())
    data[5] ^= 0x10
    record.write_bytes(bytes(data))
    out = tmp_path / "restored"
    report = restore(SimulatedTape.open(tmp_path / "RK0008L9"), [""], out)
    assert [path for path, _why in report.problems] == ["Day 03/C001/C001C001.mov"]
    assert "use the other copy" in report.problems[0][1]
    assert not list((out / "Day 03" / "C001").glob("C001C001.mov*"))  # no file, no partial
    assert (out / "Day 03" / "C001" / "C001C002.mov").is_file()
