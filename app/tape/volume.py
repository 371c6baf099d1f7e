"""An LTFS volume on a tape device: format (the label construct on both partitions and a first, empty index) and
the indexes that follow, placed as the LTFS specification and the reference implementation place them:

- an index is written to the end of the data partition first (filemark, index records, filemark), then over the
  previous index of the index partition (its leading filemark, the index, a filemark), with the same generation;
- each index names its own location; a data-partition index points back at the previous data-partition index,
  the index-partition copy at the data-partition index of its generation;
- the newest index is the last one of the index partition (the one a mount reads).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from app.tape.ltfs_index import DirectoryEntry, Location, LtfsIndex, Times
from app.tape.ltfs_label import VolumeLabel, ltfs_time, vol1_label, volume_serial
from app.tape.pipeline import DEFAULT_RECORD
from app.tape.profiles import TapeError
from app.tape.simulated import FILEMARK_READ, EndOfData, SimulatedTape

CREATOR = "Reelkeep"
INDEX_PARTITION, DATA_PARTITION = 0, 1
LABEL_BLOCKS = 4  # VOL1, filemark, XML label, filemark
VOLUME_COHERENCY = 0x080C


@dataclass(frozen=True)
class Volume:
    label: VolumeLabel
    index: LtfsIndex


def format_volume(tape: SimulatedTape, barcode: str, block_size: int = DEFAULT_RECORD,
                  creator: str = CREATOR) -> Volume:
    """Write the label construct on both partitions and generation 1, an empty root (everything before is gone)."""
    volser = volume_serial(barcode)
    label = VolumeLabel.new(creator, block_size)
    for partition in (INDEX_PARTITION, DATA_PARTITION):
        tape.locate(partition, 0)
        tape.write_record(vol1_label(volser))
        tape.write_filemarks(1)
        tape.write_record(label.xml(partition))
        tape.write_filemarks(1)
    now = ltfs_time()
    first = LtfsIndex(creator, label.volume_uuid, 1, now, Location(DATA_PARTITION, 0),
                      DirectoryEntry("", 1, Times.all(label.format_time)))
    index = write_index(tape, first, block_size)
    for identifier, value, form in ((0x0800, b"REELKEEP", 1), (0x0801, b"Reelkeep".ljust(32), 1),
                                    (0x080B, b"2.4.0".ljust(16), 1), (0x0805, b"\x81", 0),
                                    (0x0806, barcode.strip().upper().encode("ascii").ljust(32)[:32], 1)):
        tape.write_attribute(INDEX_PARTITION, identifier, value, form)
    return Volume(label, index)


def write_index(tape: SimulatedTape, index: LtfsIndex, block_size: int = DEFAULT_RECORD,
                append_at: int | None = None) -> LtfsIndex:
    """index as the next generation's pair (data partition, then index partition); returns the index-partition
    copy as written. index.previous is set here from the data partition's last index. append_at: the data
    partition's block to write it at (records from there on are dropped), default its end of data."""
    previous_dp = _last_index_location(tape, DATA_PARTITION)
    if append_at is None:
        tape.seek_eod(DATA_PARTITION)
    else:
        tape.locate(DATA_PARTITION, append_at)
    tape.write_filemarks(1)
    on_data = replace(index, location=Location(DATA_PARTITION, tape.block), previous=previous_dp)
    _write_records(tape, on_data.xml(), block_size)
    tape.write_filemarks(1)
    previous_ip = _last_index_location(tape, INDEX_PARTITION)
    tape.locate(INDEX_PARTITION, previous_ip.start_block - 1 if previous_ip is not None else LABEL_BLOCKS)
    tape.write_filemarks(1)
    on_index = replace(on_data, location=Location(INDEX_PARTITION, tape.block), previous=on_data.location)
    _write_records(tape, on_index.xml(), block_size)
    tape.write_filemarks(1)
    for copy in (on_index, on_data):
        tape.write_attribute(copy.location.partition, VOLUME_COHERENCY, coherency(tape.volume_change_reference, copy))
    return on_index


def coherency(volume_change_reference: int, index: LtfsIndex) -> bytes:
    """The volume coherency information (MAM 0x080C) of one partition: the drive's volume change reference,
    the index generation and its block, and 'LTFS' with the volume UUID, as the LTFS specification lays it out;
    a mount that finds it matching goes straight to that index instead of scanning the tape."""
    client = b"LTFS\0" + index.volume_uuid.encode("ascii")[:36].ljust(36, b"\0") + b"\0" + bytes([1])
    return (bytes([8]) + volume_change_reference.to_bytes(8, "big") + index.generation.to_bytes(8, "big")
            + index.location.start_block.to_bytes(8, "big") + len(client).to_bytes(2, "big") + client)


def _write_records(tape: SimulatedTape, data: bytes, block_size: int) -> None:
    for start in range(0, len(data), block_size):
        tape.write_record(data[start:start + block_size])


def read_volume(tape: SimulatedTape) -> Volume:
    """The label and the newest index (the index partition's last; the data partition's when that is newer)."""
    tape.locate(INDEX_PARTITION, 0)
    vol1 = tape.read_record()
    if not isinstance(vol1, bytes) or len(vol1) != 80 or vol1[24:28] != b"LTFS":
        raise TapeError("this tape is not an LTFS volume (no LTFS VOL1 label): format it first")
    tape.read_record()
    label_record = tape.read_record()
    if not isinstance(label_record, bytes):
        raise TapeError("the LTFS label is missing")
    label = VolumeLabel.parse(label_record)
    found = [index for index in (read_last_index(tape, p) for p in (INDEX_PARTITION, DATA_PARTITION)) if index]
    if not found:
        raise TapeError("no LTFS index could be read on either partition: the tape needs a recovery")
    newest = max(found, key=lambda index: (index.generation, index.location.partition == INDEX_PARTITION))
    if newest.volume_uuid != label.volume_uuid:
        raise TapeError("the newest index belongs to another volume (its UUID differs from the label's)")
    return Volume(label, newest)


def read_last_index(tape: SimulatedTape, partition: int) -> LtfsIndex | None:
    """The last index of a partition, checked against its own location; None when it has none."""
    location = _last_index_location(tape, partition)
    if location is None:
        return None
    tape.locate(partition, location.start_block)
    data = bytearray()
    try:
        while (record := tape.read_record()) is not FILEMARK_READ:
            assert isinstance(record, bytes)
            data += record
    except EndOfData:
        return None  # no trailing filemark: an index cut short
    index = LtfsIndex.parse(bytes(data))
    if index.location != location:
        raise TapeError(f"the index at partition {partition} block {location.start_block} says it is at "
                        f"{index.location}: the tape was changed by something else")
    return index


def _last_index_location(tape: SimulatedTape, partition: int) -> Location | None:
    """Where the partition's last index starts: between its last two filemarks (data written since follows the
    second); None when the partition holds only its label."""
    marks = tape.filemark_blocks(partition)
    if len(marks) < 4:  # the label's filemarks at 1 and 3, then one before and one after each index
        return None
    start = marks[-2] + 1
    return Location(partition, start) if LABEL_BLOCKS < start < marks[-1] else None
