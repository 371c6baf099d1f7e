"""The write pipeline of a tape: one reader thread reads the files in tape order into a ring of record-sized
buffers and hashes them as it reads (no second read of the source), the calling thread writes full records to
the device, so the drive streams while the disk and the hashes keep ahead of it.

Each piece of a file starts a new record (LTFS: file data starts on a block boundary); its last record is as
short as its data. A piece is a whole file or the byte range of one (a file spanning two tapes).
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import xxhash

from app.core.progress import CancelToken
from app.core.regular_file import open_regular

DEFAULT_RECORD = 512 << 10  # LTFS's default block size
_RING = 16  # records in flight: 8 MiB at the default size, enough to ride out a slow file open
_BATCH = 8  # small records handed to the writer together


class RecordSink(Protocol):
    """Where records go: a tape device positioned at the end of the data partition (or a null sink)."""

    def write_record(self, data: memoryview) -> None: ...

    @property
    def block(self) -> int:
        """The block number the next record gets."""


@dataclass(frozen=True)
class Piece:
    """Bytes of one file to put on tape: `length` bytes at `offset` of `path` (a whole file: offset 0)."""

    path: str | bytes
    offset: int
    length: int
    key: object = None  # the caller's handle for the result (a logical path, a plan entry)
    carry: Any = None  # another xxh3_128 state fed the same bytes (a file spanning tapes: the whole file's)


@dataclass(frozen=True)
class Written:
    piece: Piece
    start_block: int  # the first record's block number (-1: an empty piece, which takes no record)
    records: int
    xxh128: str
    sha1: str | None


class SourceChanged(OSError):
    """A file is shorter than planned (it changed after the plan was made)."""


def write_pieces(pieces: Sequence[Piece], sink: RecordSink, record_size: int = DEFAULT_RECORD,
                 cancel: CancelToken | None = None, on_bytes: Callable[[int], None] | None = None,
                 sha1: bool = False, pause_between_records: bool = True) -> Iterator[Written]:
    """Write every piece to sink in order, one record per `record_size` bytes; yields each piece once its last
    record is written. A source that cannot be read or is shorter than planned raises (OSError, SourceChanged)
    before any record of that piece is written past what was read; cancel raises Cancelled between records, and
    a pause waits there too unless pause_between_records is False (the caller then pauses between pieces)."""
    check = None if cancel is None else cancel.check if pause_between_records else cancel.check_cancelled
    ring: queue.Queue[bytearray] = queue.Queue()
    for _ in range(_RING):
        ring.put(bytearray(record_size))
    full: queue.Queue[list[tuple] | BaseException | None] = queue.Queue(maxsize=_RING)
    stop = threading.Event()

    def read_all() -> None:
        # Records go to the writer in batches: a hand-off between the threads costs tens of microseconds (a
        # wake-up and the GIL), as much as reading a small file, so 100,000 small files one hand-off each would
        # stall the drive. A full record is handed on at once; small ones wait for a few more, but never while
        # the reader itself would wait for a buffer (the batch holds them).
        batch: list[tuple] = []
        size = 0

        def take() -> bytearray:
            nonlocal batch, size
            if ring.empty() and batch:  # only this thread takes buffers: a non-empty ring cannot block
                full.put(batch)
                batch, size = [], 0
            return ring.get()

        try:
            for index, piece in enumerate(pieces):
                for item in _read_piece(index, piece, take, record_size, stop, sha1):
                    if stop.is_set():
                        return
                    batch.append(item)
                    size += item[2]
                    if size >= record_size or len(batch) >= _BATCH:
                        full.put(batch)
                        batch, size = [], 0
            if batch:
                full.put(batch)
            full.put(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the writing thread, which raises it
            if batch:
                full.put(batch)  # the pieces read whole before the error are still written
            full.put(exc)

    reader = threading.Thread(target=read_all, name="tape-reader", daemon=True)
    reader.start()
    starts: dict[int, int] = {}
    records: dict[int, int] = {}
    pending: list[tuple] = []  # the current batch, last item first
    try:
        while True:
            got = full.get()
            if got is None:
                return
            if isinstance(got, BaseException):
                raise got
            pending = got[::-1]
            while pending:
                index, buffer, length, done = pending[-1]
                if check is not None:
                    check()
                pending.pop()
                if buffer is not None:
                    try:
                        starts.setdefault(index, sink.block)
                        sink.write_record(memoryview(buffer)[:length])
                    finally:
                        ring.put(buffer)
                    records[index] = records.get(index, 0) + 1
                    if on_bytes is not None:
                        on_bytes(length)
                if done is not None:
                    xxh, sha = done
                    yield Written(pieces[index], starts.get(index, -1), records.get(index, 0), xxh, sha)
    finally:
        stop.set()
        for _index, buffer, _length, _done in pending:
            if buffer is not None:
                ring.put(buffer)
        _drain(full, ring)
        reader.join()


def _read_piece(index: int, piece: Piece, take: Callable[[], bytearray], record_size: int, stop: threading.Event,
                sha1: bool) -> Iterable[tuple]:
    """(index, buffer, length, None) per record, the last one with (xxh128, sha1) in place of None; an empty
    piece is one (index, None, 0, (xxh128, sha1))."""
    xxh = xxhash.xxh3_128()
    sha = _sha1() if sha1 else None
    left = piece.length
    if not left:
        yield index, None, 0, (xxh.hexdigest(), sha.hexdigest() if sha is not None else None)
        return
    with open_regular(piece.path) as handle:
        if piece.offset:
            handle.seek(piece.offset)
        while left > 0 and not stop.is_set():
            buffer = take()
            want = min(left, record_size)
            view = memoryview(buffer)[:want]
            got = handle.readinto(view)
            while 0 < got < want:  # a short read mid-file (a pipe-like file system): keep filling
                more = handle.readinto(view[got:])
                if not more:
                    break
                got += more
            if got < want:
                name = os.fsdecode(piece.path)
                raise SourceChanged(f"{name} is shorter than when the tape plan was made (it changed); "
                                    "make the plan again")
            xxh.update(view)
            if piece.carry is not None:
                piece.carry.update(view)
            if sha is not None:
                sha.update(view)
            left -= got
            done = (xxh.hexdigest(), sha.hexdigest() if sha is not None else None) if left == 0 else None
            yield index, buffer, got, done


def _sha1():  # noqa: ANN202 - hashlib's object
    import hashlib

    return hashlib.sha1(usedforsecurity=False)


def _drain(full: queue.Queue, ring: queue.Queue[bytearray]) -> None:
    """Give the reader its buffers back so it can see `stop` and end."""
    while True:
        try:
            got = full.get_nowait()
        except queue.Empty:
            return
        if isinstance(got, list):
            for _index, buffer, _length, _done in got:
                if buffer is not None:
                    ring.put(buffer)


class NullSink:
    """Counts records and bytes (the pipeline's own speed, without a device)."""

    def __init__(self) -> None:
        self.block = 0
        self.bytes = 0

    def write_record(self, data: memoryview) -> None:
        self.block += 1
        self.bytes += len(data)
