"""What a planned tape carries about itself, written on it after its data as ordinary files, so the tape explains
itself to anyone who reads it without Reelkeep's catalog:

- `.reelkeep/BARCODE.manifest.csv`: every file on the tape (path, length, the part's offset in a file spanning
  tapes, the whole file's length, modification time, xxh128, sha1), in tape order;
- `.reelkeep/BARCODE.set.json`: the whole set: every cartridge of every copy, with its barcode and a summary of
  its files (count, bytes, first and last path);
- `ascmhl/`: an ASC MHL generation of the tape (the `ascmhl` library's writer; xxh128 and sha1 as computed while
  writing — no second read), so `ascmhl verify` checks a tape restored to disk.

All three are streamed: a tape of a million files writes them with a bounded amount of memory.
"""

from __future__ import annotations

import csv
import datetime
import json
import os
from collections.abc import Iterator
from pathlib import Path

from ascmhl import chain_xml_parser
from ascmhl.hashlist import MHLHashEntry, MHLHashList, MHLMediaHash, MHLProcess
from ascmhl.history import MHLHistory
from ascmhl.ignore import MHLIgnoreSpec

from app.archive.mhl import creator_info
from app.tape.plan import TapePlan

MANIFEST_FOLDER = ".reelkeep"
MHL_FOLDER = "ascmhl"
MANIFEST_FIELDS = ("path", "length", "offset", "file_length", "modified_ns", "xxh128", "sha1")


class TapeManifest:
    """The tape's manifest, a line per file as it is written (its own file in a staging folder)."""

    def __init__(self, staging: Path, barcode: str) -> None:
        self.path = staging / MANIFEST_FOLDER / f"{barcode}.manifest.csv"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "w", encoding="utf-8", newline="", errors="surrogateescape")  # noqa: SIM115
        self._csv = csv.writer(self._file)
        self._csv.writerow(MANIFEST_FIELDS)
        self.files = 0

    def add(self, path: str, length: int, offset: int, file_length: int, modified_ns: int, xxh128: str,
            sha1: str) -> None:
        self._csv.writerow((path, length, offset, file_length, modified_ns, xxh128, sha1))
        self.files += 1

    def close(self) -> None:
        self._file.close()


def read_manifest(path: Path) -> Iterator[dict[str, str]]:
    """The rows of a tape manifest, as written."""
    with open(path, encoding="utf-8", newline="", errors="surrogateescape") as rows:
        yield from csv.DictReader(rows)


def write_set_manifest(staging: Path, plan: TapePlan, barcode: str) -> Path:
    """The whole set's manifest, as the plan has it."""
    tapes = []
    for copy, barcodes in plan.barcodes.items():
        for tape in plan.tapes:
            tapes.append({"barcode": barcodes[tape.number - 1], "copy": copy, "number": tape.number,
                          "files": tape.files, "folders": tape.folders, "bytes": tape.bytes,
                          "spanned_parts": tape.spanned, "first": tape.first, "last": tape.last})
    summary = {"tape_set": plan.tape_set, "generation": plan.generation.name, "copies": plan.copies,
               "tapes_per_copy": len(plan.tapes), "planned": plan.created, "sources": plan.sources,
               "this_tape": barcode, "tapes": tapes}
    path = staging / MANIFEST_FOLDER / f"{barcode}.set.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n", encoding="utf-8",
                    errors="surrogateescape")
    return path


class _StreamedHashes:
    """MHLHashList.media_hashes read from the manifest each time the library iterates it (it does twice: to check
    and to write), instead of a list of a million objects."""

    def __init__(self, manifests: list[Path], extra: list[tuple[str, int, int, str, str]]) -> None:
        self.manifests, self.extra = manifests, extra
        self.date = datetime.datetime.now(datetime.UTC)

    def _rows(self) -> Iterator[tuple[str, int, int, str, str]]:
        for manifest in self.manifests:
            for row in read_manifest(manifest):
                yield row["path"], int(row["length"]), int(row["modified_ns"]), row["xxh128"], row["sha1"]
        yield from self.extra

    def __iter__(self) -> Iterator[MHLMediaHash]:
        for path, length, modified_ns, xxh128, sha1 in self._rows():
            media = MHLMediaHash()
            media.path, media.file_size = path, length
            media.last_modification_date = datetime.datetime.fromtimestamp(modified_ns / 1e9, datetime.UTC)
            for form, value in (("xxh128", xxh128), ("sha1", sha1)):
                media.append_hash_entry(MHLHashEntry(form, value, "original", self.date))
            yield media

    def __len__(self) -> int:
        return 1  # the library only asks whether there are any


def write_mhl(staging: Path, manifests: list[Path], extra: list[tuple[str, int, int, str, str]]) -> list[Path]:
    """A first ASC MHL generation in staging/ascmhl for the files of manifests and extra (path, length,
    modified_ns, xxh128, sha1); paths are relative to the tape's root. The files it wrote."""
    history = MHLHistory.load_from_path(str(staging))
    hash_list = MHLHashList()
    hash_list.media_hashes = _StreamedHashes(manifests, extra)  # type: ignore[assignment]
    hash_list.creator_info = creator_info("written to LTFS tape")
    hash_list.process_info.process = MHLProcess("in-place")
    hash_list.process_info.ignore_spec = MHLIgnoreSpec()
    history.write_new_generation(hash_list)
    chain_xml_parser.write_chain(history.chain, hash_list)
    return sorted((staging / MHL_FOLDER).iterdir())


def file_facts(path: Path) -> tuple[int, int]:
    """(length, modified_ns) of a staged file."""
    info = os.stat(path)
    return info.st_size, info.st_mtime_ns
