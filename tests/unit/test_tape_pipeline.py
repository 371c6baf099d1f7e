"""The tape write pipeline on real files: records of the right size per piece, each piece starting a record,
digests computed from the one read, and a source that changed, a missing file or a cancel stop it cleanly."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pytest
import xxhash

from app.core.errors import Cancelled
from app.core.progress import CancelToken
from app.tape.pipeline import Piece, SourceChanged, write_pieces

RECORD = 4096


class MemorySink:
    def __init__(self) -> None:
        self.records: list[bytes] = []
        self.block = 10  # the data partition's data starts after the label

    def write_record(self, data: memoryview) -> None:
        self.records.append(bytes(data))
        self.block += 1


def test_each_piece_starts_a_record_and_reads_back_exactly(tmp_path: Path) -> None:
    sizes = [0, 1, RECORD - 1, RECORD, RECORD + 1, RECORD * 3 + RECORD // 2]
    pieces = []
    for number, size in enumerate(sizes):
        path = tmp_path / f"f{number}.bin"
        path.write_bytes(os.urandom(size))
        pieces.append(Piece(str(path), 0, size, key=number))
    whole = tmp_path / "spanned.bin"
    whole.write_bytes(os.urandom(RECORD * 5))
    pieces.append(Piece(os.fsencode(whole), RECORD + 7, RECORD * 2, key="second part"))  # a span's part
    sink = MemorySink()
    counted = []
    results = list(write_pieces(pieces, sink, RECORD, on_bytes=counted.append, sha1=True))
    assert [r.piece.key for r in results] == [*range(len(sizes)), "second part"]
    block = 10
    for result in results:
        piece = result.piece
        data = Path(os.fsdecode(piece.path)).read_bytes()[piece.offset:piece.offset + piece.length]
        assert result.records == -(-piece.length // RECORD)
        if piece.length == 0:
            assert result.start_block == -1
            continue
        assert result.start_block == block
        stored = sink.records[block - 10:block - 10 + result.records]
        assert b"".join(stored) == data and all(len(r) == RECORD for r in stored[:-1])
        assert result.xxh128 == xxhash.xxh3_128(data).hexdigest() and result.sha1 == hashlib.sha1(data).hexdigest()
        block += result.records
    assert sum(counted) == sum(p.length for p in pieces)


def test_a_source_that_shrank_missing_or_a_cancel_stop_the_write_without_hanging(tmp_path: Path) -> None:
    first, second = tmp_path / "a.bin", tmp_path / "b.bin"
    first.write_bytes(os.urandom(RECORD * 2))
    second.write_bytes(os.urandom(100))
    planned = [Piece(str(first), 0, RECORD * 2), Piece(str(second), 0, RECORD)]  # b.bin was larger at planning
    sink = MemorySink()
    written = []
    with pytest.raises(SourceChanged, match="b.bin is shorter than when the tape plan was made"):
        written.extend(write_pieces(planned, sink, RECORD))
    assert len(written) == 1 and len(sink.records) == 2  # a.bin complete; nothing of b.bin

    with pytest.raises(FileNotFoundError):
        list(write_pieces([Piece(str(tmp_path / "gone.bin"), 0, 10)], MemorySink(), RECORD))

    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(RECORD * 200))
    cancel = CancelToken()
    sink = MemorySink()
    with pytest.raises(Cancelled):
        for _ in write_pieces([Piece(str(big), 0, RECORD * 200)] * 3, _Cancelling(sink, cancel, 50), RECORD,
                              cancel=cancel):
            pass
    assert 50 <= len(sink.records) < 600
    assert not [t for t in threading.enumerate() if t.name == "tape-reader"]


class _Cancelling:
    """A sink whose user presses Cancel after n records."""

    def __init__(self, sink: MemorySink, cancel: CancelToken, after: int) -> None:
        self.sink, self.cancel, self.after = sink, cancel, after

    @property
    def block(self) -> int:
        return self.sink.block

    def write_record(self, data: memoryview) -> None:
        self.sink.write_record(data)
        if len(self.sink.records) == self.after:
            self.cancel.cancel()
