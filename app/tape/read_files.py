"""Reading files back from an LTFS volume by their extents (restore and verify read the same way)."""

from __future__ import annotations

from collections.abc import Iterator

import xxhash

from app.tape.ltfs_index import FileEntry
from app.tape.profiles import TapeError
from app.tape.simulated import SimulatedTape
from app.tape.write_files import XXH128_KEY


def read_entry(tape: SimulatedTape, entry: FileEntry) -> Iterator[bytes]:
    """The file's bytes in order, extent by extent (a gap between extents reads as zeros, as LTFS says)."""
    position = 0
    for extent in sorted(entry.extents, key=lambda e: e.file_offset):
        if extent.file_offset > position:
            yield bytes(extent.file_offset - position)
        tape.locate(extent.partition, extent.start_block)
        skip, left = extent.byte_offset, extent.byte_count
        while left > 0:
            record = tape.read_record()
            if not isinstance(record, bytes):
                raise TapeError(f"{entry.name}: a filemark where its data should be (block {tape.block - 1})")
            chunk = record[skip:skip + left]
            skip = max(0, skip - len(record))
            left -= len(chunk)
            yield chunk
        position = extent.file_offset + extent.byte_count
    if entry.length > position:
        yield bytes(entry.length - position)


def check_entry(tape: SimulatedTape, entry: FileEntry) -> str | None:
    """None when the file reads back with the xxh128 its index records, else what is wrong."""
    expected = entry.xattrs.get(XXH128_KEY)
    digest = xxhash.xxh3_128()
    size = 0
    for chunk in read_entry(tape, entry):
        digest.update(chunk)
        size += len(chunk)
    if size != entry.length:
        return f"{size:,} bytes read back instead of {entry.length:,}"
    if expected is not None and digest.hexdigest() != expected:
        return f"xxh128 is {digest.hexdigest()}, the index records {expected}"
    return None
