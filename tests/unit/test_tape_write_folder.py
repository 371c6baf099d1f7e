"""A folder onto a simulated LTFS volume and back: every byte, name, empty file and folder, symlink and digest."""

from __future__ import annotations

import os
from pathlib import Path

import xxhash

from app.tape.ltfs_index import FileEntry
from app.tape.profiles import LTO9
from app.tape.read_files import check_entry, read_entry
from app.tape.simulated import SimulatedTape
from app.tape.volume import format_volume, read_volume
from app.tape.write_files import SHA1_KEY, XXH128_KEY, write_folder

RECORD = 64 << 10


def test_a_project_folder_goes_to_tape_and_reads_back_exactly(tmp_path: Path) -> None:
    project = tmp_path / "Day 01"
    (project / "A001" / "empty folder").mkdir(parents=True)
    (project / "A001" / "A001C003.mov").write_bytes(os.urandom(RECORD * 3 + 17))
    (project / "A001" / "empty.txt").write_bytes(b"")
    (project / "sound:roll.wav").write_bytes(os.urandom(1000))
    (project / "cafe\u0301.txt").write_text("decomposed é in the name")
    (project / "latest").symlink_to("A001/A001C003.mov")
    tape = SimulatedTape.create(tmp_path / "RK0003L9", LTO9)
    format_volume(tape, "RK0003L9", block_size=RECORD)
    result = write_folder(tape, project, "2026/Shoot")
    assert (result.files, result.bytes, result.index.generation) == (4, RECORD * 3 + 17 + 1000 + 25, 2)

    volume = read_volume(SimulatedTape.open(tmp_path / "RK0003L9"))  # reloaded: only what is on tape
    entries = dict(volume.index.root.walk())
    assert "2026/Shoot/Day 01/A001/empty folder" in entries
    assert "2026/Shoot/Day 01/café.txt" in entries  # NFC on tape
    link = entries["2026/Shoot/Day 01/latest"]
    assert isinstance(link, FileEntry) and link.symlink == "A001/A001C003.mov" and not link.extents
    reread = SimulatedTape.open(tmp_path / "RK0003L9")
    for relative in ("A001/A001C003.mov", "A001/empty.txt", "sound:roll.wav", "cafe\u0301.txt"):
        entry = entries["2026/Shoot/Day 01/" + relative.replace("cafe\u0301", "café")]
        assert isinstance(entry, FileEntry)
        data = b"".join(read_entry(reread, entry))
        assert data == (project / relative).read_bytes()
        assert entry.xattrs[XXH128_KEY] == xxhash.xxh3_128(data).hexdigest() and SHA1_KEY in entry.xattrs
        assert check_entry(reread, entry) is None
    assert b'percentencoded="true">sound%3Aroll.wav<' in (tmp_path / "RK0003L9" / "0_5_R").read_bytes()


def test_a_damaged_record_is_found_and_named(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / "clip.mov").write_bytes(os.urandom(RECORD * 2))
    tape = SimulatedTape.create(tmp_path / "t", LTO9)
    format_volume(tape, "RK0004L9", block_size=RECORD)
    write_folder(tape, project)
    entry = dict(read_volume(tape).index.root.walk())["p/clip.mov"]
    assert isinstance(entry, FileEntry)
    record = tmp_path / "t" / f"1_{entry.extents[0].start_block + 1}_R"
    damaged = bytearray(record.read_bytes())
    damaged[100] ^= 0xFF
    record.write_bytes(bytes(damaged))
    problem = check_entry(SimulatedTape.open(tmp_path / "t"), entry)
    assert problem is not None and problem.startswith("xxh128 is ")


def test_a_cancelled_write_keeps_the_finished_files_and_a_clean_volume(tmp_path: Path) -> None:
    from app.core.errors import Cancelled
    from app.core.progress import CancelToken
    from app.tape.read_files import check_entry
    from app.tape.write_files import append_block

    project = tmp_path / "p"
    project.mkdir()
    for number in range(3):
        (project / f"clip_{number}.mov").write_bytes(os.urandom(RECORD * 8))
    tape = SimulatedTape.create(tmp_path / "t", LTO9)
    format_volume(tape, "RK0013L9", block_size=RECORD)
    cancel = CancelToken()
    seen = []

    def press_cancel_midway(count: int) -> None:
        seen.append(count)
        if len(seen) == 12:  # in the middle of the second clip
            cancel.cancel()

    try:
        write_folder(tape, project, cancel=cancel, on_bytes=press_cancel_midway)
        raise AssertionError("the write was not cancelled")
    except Cancelled:
        pass
    reloaded = SimulatedTape.open(tmp_path / "t")
    volume = read_volume(reloaded)
    files = {path: entry for path, entry in volume.index.root.walk() if isinstance(entry, FileEntry)}
    assert volume.index.generation == 2 and list(files) == ["p/clip_0.mov"]  # the half clip is not listed
    assert check_entry(reloaded, files["p/clip_0.mov"]) is None
    assert reloaded.eod(1) == append_block(reloaded)  # nothing after the index: no half file on tape
    assert files["p/clip_0.mov"].extents[0].start_block + 8 + 1 == volume.index.previous.start_block
