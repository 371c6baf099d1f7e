"""Many small files through the write pipeline, handed to the writer in batches: every file is its own record(s)
with its own digest, in tape order, and a cancel in the middle of a batch still ends with an index of exactly the
finished files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import xxhash

from app.core.errors import Cancelled
from app.core.progress import CancelToken
from app.tape.ltfs_index import FileEntry
from app.tape.profiles import LTO9
from app.tape.read_files import check_entry, read_entry
from app.tape.simulated import SimulatedTape
from app.tape.volume import format_volume, read_volume
from app.tape.write_files import XXH128_KEY, append_block, write_folder

BLOCK = 64 << 10


def small_files(tmp_path: Path) -> Path:
    root = tmp_path / "cards"
    root.mkdir()
    for number in range(1500):
        (root / f"S{number:05d}.wav").write_bytes(os.urandom(number % 700))  # empty ones too
        if number == 700:
            (root / "S00700b.mov").write_bytes(os.urandom(BLOCK * 5 + 3))  # a big one among them
    return root


def test_small_files_come_out_each_in_its_own_records_in_order(tmp_path: Path) -> None:
    source = small_files(tmp_path)
    tape = SimulatedTape.create(tmp_path / "t", LTO9)
    format_volume(tape, "RK0020L9", BLOCK)
    result = write_folder(tape, source)
    assert result.files == 1501
    files = [(p, e) for p, e in read_volume(SimulatedTape.open(tmp_path / "t")).index.root.walk()
             if isinstance(e, FileEntry)]
    blocks = [e.extents[0].start_block for _p, e in files if e.extents]
    assert blocks == sorted(blocks)  # tape order is name order
    reread = SimulatedTape.open(tmp_path / "t")
    for path, entry in files:
        data = b"".join(read_entry(reread, entry))
        assert data == (tmp_path / path).read_bytes()
        assert entry.xattrs[XXH128_KEY] == xxhash.xxh3_128(data).hexdigest()
        assert len(entry.extents) == (1 if data else 0)


def test_a_cancel_inside_a_batch_keeps_exactly_the_finished_files(tmp_path: Path) -> None:
    source = small_files(tmp_path)
    tape = SimulatedTape.create(tmp_path / "t", LTO9)
    format_volume(tape, "RK0021L9", BLOCK)
    cancel = CancelToken()
    count = [0]

    def cancel_after_some(_bytes: int) -> None:
        count[0] += 1
        if count[0] == 333:  # a record in the middle of a batch
            cancel.cancel()

    with pytest.raises(Cancelled):
        write_folder(tape, source, cancel=cancel, on_bytes=cancel_after_some)
    reloaded = SimulatedTape.open(tmp_path / "t")
    files = [e for _p, e in read_volume(reloaded).index.root.walk() if isinstance(e, FileEntry)]
    assert 300 < len(files) < 1500
    assert all(check_entry(reloaded, e) is None for e in files)
    assert reloaded.eod(1) == append_block(reloaded)
