"""Tapes in the offline catalog: an LTFS index (read from a loaded tape, or an index XML file from any LTFS
software) becomes the tape's catalog rows, so search, "which tape holds this" and restore plans work with the tape
on the shelf.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from app.catalog.catalog import Catalog
from app.catalog.tapes import ImportOutcome, TapeFacts, TapeFileRow
from app.core.errors import CatalogError
from app.tape.ltfs_index import DirectoryEntry, FileEntry, LtfsIndex, iter_index_entries, read_index_header
from app.tape.ltfs_label import volume_serial
from app.tape.profiles import GENERATIONS, TapeError
from app.tape.simulated import SimulatedTape
from app.tape.volume import Volume, read_volume
from app.tape.write_files import SHA1_KEY, XXH128_KEY

# LTFS 2.4 reserves ltfs.spannedFileOffset for a part of a file split across volumes: the part's offset in the
# whole file. Reelkeep adds the whole file's length and, on its last part, its xxh128 (docs/tape.md).
SPAN_OFFSET_KEY, SPAN_LENGTH_KEY, SPAN_XXH128_KEY = "ltfs.spannedFileOffset", "reelkeep.span.length", \
    "reelkeep.span.xxh128sum"
# On the index's root folder: the tape set and copy (A/B) a planned write belongs to.
TAPE_SET_KEY, COPY_KEY = "reelkeep.tapeset", "reelkeep.copy"
BARCODE_ATTRIBUTE = 0x0806
_KNOWN = {XXH128_KEY, SHA1_KEY, SPAN_OFFSET_KEY, SPAN_LENGTH_KEY, SPAN_XXH128_KEY}


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def index_rows(index: LtfsIndex) -> Iterator[TapeFileRow]:
    """Every folder, file and symlink of the index as catalog rows (paths '/'-joined, NFC as on the tape)."""
    return entry_rows(index.root.walk())


def entry_rows(entries: Iterable[tuple[str, FileEntry | DirectoryEntry]]) -> Iterator[TapeFileRow]:
    for path, entry in entries:
        if isinstance(entry, DirectoryEntry):
            yield TapeFileRow(path, "folder", modified=entry.times.modify)
            continue
        assert isinstance(entry, FileEntry)
        others = {k: v for k, v in entry.xattrs.items() if k not in _KNOWN}
        common = {"modified": entry.times.modify, "xattrs": json.dumps(others, ensure_ascii=False) if others else None}
        if entry.symlink is not None:
            yield TapeFileRow(path, "symlink", symlink=entry.symlink, **common)
            continue
        first = entry.extents[0] if entry.extents else None
        yield TapeFileRow(
            path, "file", entry.length,
            partition=first.partition if first else None, start_block=first.start_block if first else None,
            extents=json.dumps([[e.file_offset, e.partition, e.start_block, e.byte_offset, e.byte_count]
                                for e in entry.extents]) if len(entry.extents) > 1 else None,
            xxh128=entry.xattrs.get(XXH128_KEY), sha1=entry.xattrs.get(SHA1_KEY),
            span_offset=_int(entry.xattrs.get(SPAN_OFFSET_KEY)), span_length=_int(entry.xattrs.get(SPAN_LENGTH_KEY)),
            span_xxh128=entry.xattrs.get(SPAN_XXH128_KEY), **common)


def tape_barcode(tape: SimulatedTape) -> str | None:
    """The barcode in the cartridge memory (MAM 0x0806), as format wrote it."""
    value = tape.read_attribute(0, BARCODE_ATTRIBUTE)
    text = value.decode("ascii", "replace").strip() if value else ""
    return text.upper() or None


def import_volume(catalog: Catalog, tape: SimulatedTape, volume: Volume | None = None) -> ImportOutcome:
    """The loaded tape's newest index into the catalog (replacing an older one)."""
    volume = volume or read_volume(tape)
    barcode = tape_barcode(tape)
    if barcode is None:
        raise TapeError("the cartridge memory has no barcode; import its index with `reelkeep tape import-index "
                        "INDEX.xml --barcode B`")
    root = volume.index.root.xattrs
    facts = TapeFacts(barcode, volume.index.volume_uuid, volume.index.generation, volume.index.update_time,
                      volume.index.creator, tape.generation.name, tape.capacity, root.get(TAPE_SET_KEY),
                      root.get(COPY_KEY))
    return catalog.tapes.import_tape(facts, index_rows(volume.index))


def record_source_hashes(catalog: Catalog, writes: Iterable[object]) -> list[int]:
    """The digests a tape write read (TapeWrite.hashed, PlannedWrite.hashed) as the content hashes of the library
    files written, where the catalog still has their size and time; the ids given one."""
    hashed = [entry for write in writes for entry in getattr(write, "hashed", ())]
    return catalog.record_content_hashes(hashed) if hashed else []


def import_index_file(catalog: Catalog, path: Path, barcode: str | None = None) -> ImportOutcome:
    """An index XML file (ours or another LTFS software's) into the catalog, read as a stream (a million-file
    index never sits in memory whole); the barcode is the one given, or the one the catalog knows for this
    volume."""
    try:
        with open(path, "rb") as source:
            header = read_index_header(source)
    except OSError as exc:
        raise TapeError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not header.volume_uuid:
        raise TapeError(f"{path}: the index names no volume UUID; it cannot be told apart from other tapes")
    if barcode is None:
        known = catalog.tapes.by_volume_uuid(header.volume_uuid)
        if known is None:
            raise CatalogError(f"{path}: volume {header.volume_uuid} is not in the catalog yet; give its barcode "
                               "with --barcode")
        barcode = known["barcode"]
    barcode = barcode.strip().upper()
    volume_serial(barcode)  # a usable barcode, or a clear error
    by_suffix = next((g.name for g in GENERATIONS.values() if barcode.endswith(g.cartridge_type)), None)
    facts = TapeFacts(barcode, header.volume_uuid, header.generation, header.update_time, header.creator,
                      by_suffix, tape_set=header.root_xattrs.get(TAPE_SET_KEY),
                      copy=header.root_xattrs.get(COPY_KEY))
    with open(path, "rb") as source:
        return catalog.tapes.import_tape(facts, entry_rows(iter_index_entries(source)))
