"""Restore: chosen files and folders of a tape's newest index back to disk, in tape order (one pass along the
tape, no seeking back and forth), each written as a partial file and put in place only when its xxh128 matches
the index — a damaged file is reported and leaves nothing behind. Existing files are never overwritten. Folders,
empty files and symlinks come back too, with the modification times the index records.

A file spanning cartridges comes back from all its parts, one cartridge after the other, into one partial file
(restore_span; restore_spanned loads the cartridges a catalog names).
"""

from __future__ import annotations

import calendar
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xxhash

from app.core.progress import CancelToken
from app.media.partial import PartialFile
from app.tape.ltfs_index import DirectoryEntry, FileEntry
from app.tape.profiles import TapeError
from app.tape.read_files import read_entry
from app.tape.simulated import SimulatedTape
from app.tape.volume import read_volume
from app.tape.write_files import SPAN_LENGTH_KEY, SPAN_OFFSET_KEY, SPAN_XXH128_KEY, XXH128_KEY


@dataclass
class RestoreReport:
    restored: list[str] = field(default_factory=list)  # paths on the tape
    bytes: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)  # (path on the tape, what is wrong)
    # Restored paths that hold only a part of a file spanning tapes (this tape's bytes, as any LTFS reader shows
    # them); restore_span joins the parts.
    parts: list[str] = field(default_factory=list)


def restore(tape: SimulatedTape, paths: list[str], dest: Path, cancel: CancelToken | None = None,
            on_bytes: Callable[[int], None] | None = None) -> RestoreReport:
    """paths (files or folders on the tape, '/'-separated; '' for everything) under dest, keeping their tape
    folders."""
    entries = dict(read_volume(tape).index.root.walk())
    chosen: dict[str, FileEntry | DirectoryEntry] = {}
    folders: list[str] = []
    for wanted in paths:
        wanted = wanted.strip("/")
        if wanted and wanted not in entries:
            raise TapeError(f"{wanted!r} is not on this tape (its newest index); `reelkeep tape list` shows what is")
        if not wanted:
            chosen = dict(entries)
            break
        chosen[wanted] = entries[wanted]
        if isinstance(entries[wanted], DirectoryEntry):
            folders.append(wanted + "/")
    if folders:  # one pass over the tape's entries for all chosen folders (a restore plan names thousands of files)
        prefixes = tuple(folders)
        chosen.update((path, entry) for path, entry in entries.items() if path.startswith(prefixes))
    taken = [path for path in chosen if os.path.lexists(dest / path) and not isinstance(chosen[path], DirectoryEntry)]
    if taken:
        raise TapeError(f"{dest / taken[0]} already exists; restore into another folder (nothing is overwritten)")
    report = RestoreReport()
    for path, entry in chosen.items():
        if isinstance(entry, DirectoryEntry):
            (dest / path).mkdir(parents=True, exist_ok=True)
    files = [(path, e) for path, e in chosen.items() if isinstance(e, FileEntry)]
    files.sort(key=lambda item: (item[1].extents[0].partition, item[1].extents[0].start_block)
               if item[1].extents else (-1, 0))
    for path, entry in files:
        if cancel is not None:
            cancel.check()
        target = dest / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if entry.symlink is not None:
            os.symlink(entry.symlink, target)
            report.restored.append(path)
            continue
        problem = _restore_file(tape, entry, target, on_bytes)
        if problem is not None:
            report.problems.append((path, problem))
            continue
        _set_times(target, entry)
        report.restored.append(path)
        report.bytes += entry.length
        if SPAN_OFFSET_KEY in entry.xattrs:
            report.parts.append(path)
    return report


def _restore_file(tape: SimulatedTape, entry: FileEntry, target: Path,
                  on_bytes: Callable[[int], None] | None) -> str | None:
    digest = xxhash.xxh3_128()
    size = 0
    with PartialFile(target) as part:
        with open(part.path, "wb") as out:
            for chunk in read_entry(tape, entry):
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
                if on_bytes is not None:
                    on_bytes(len(chunk))
        expected = entry.xattrs.get(XXH128_KEY)
        if size != entry.length:
            return f"{size:,} bytes read back instead of {entry.length:,}; not restored"
        if expected is not None and digest.hexdigest() != expected:
            return f"xxh128 is {digest.hexdigest()}, the index records {expected}; not restored (use the other copy)"
        part.commit()
    return None


def _set_times(target: Path, entry: FileEntry) -> None:
    """The index's modification time (UTC, nanoseconds) on the restored file."""
    text = entry.times.modify
    try:
        seconds = calendar.timegm(time.strptime(text[:19], "%Y-%m-%dT%H:%M:%S"))
        nanos = int(text[20:29]) if len(text) >= 29 else 0
    except ValueError:
        return  # a time the index cannot give: the file keeps the time of its restore
    stamp = seconds * 10**9 + nanos
    os.utime(target, ns=(stamp, stamp))


def restore_span(parts: Sequence[tuple[SimulatedTape, FileEntry]], target: Path,
                 cancel: CancelToken | None = None, on_bytes: Callable[[int], None] | None = None) -> str | None:
    """One file spanning cartridges, from its parts in order (each from its loaded tape) into target: one partial
    file, each part checked against its own xxh128 and the whole against the last part's
    `reelkeep.span.xxh128sum`, put in place only when all agree. None when restored, else what is wrong (and
    nothing is left at target)."""
    if os.path.lexists(target):
        return f"{target} already exists; restore into another folder (nothing is overwritten)"
    problem = _check_parts([entry for _tape, entry in parts])
    if problem is not None:
        return problem
    whole = xxhash.xxh3_128()
    target.parent.mkdir(parents=True, exist_ok=True)
    with PartialFile(target) as partial:
        with open(partial.path, "wb") as out:
            for number, (tape, entry) in enumerate(parts, start=1):
                if cancel is not None:
                    cancel.check()
                digest, size = xxhash.xxh3_128(), 0
                for chunk in read_entry(tape, entry):
                    out.write(chunk)
                    digest.update(chunk)
                    whole.update(chunk)
                    size += len(chunk)
                    if on_bytes is not None:
                        on_bytes(len(chunk))
                expected = entry.xattrs.get(XXH128_KEY)
                if size != entry.length or (expected is not None and digest.hexdigest() != expected):
                    return (f"part {number} of {len(parts)} (at byte {entry.xattrs[SPAN_OFFSET_KEY]}) reads back "
                            f"damaged: xxh128 {digest.hexdigest()}, {size:,} bytes; the index records {expected}, "
                            f"{entry.length:,} bytes; not restored (use the other copy)")
        expected_whole = parts[-1][1].xattrs.get(SPAN_XXH128_KEY)
        if expected_whole is not None and whole.hexdigest() != expected_whole:
            return (f"the parts join into a file whose xxh128 is {whole.hexdigest()}, not the {expected_whole} its "
                    "last part records; not restored")
        partial.commit()
    _set_times(target, parts[-1][1])
    return None


def _check_parts(entries: list[FileEntry]) -> str | None:
    """The parts are one whole file, in order, with no gap: offsets from 0, each where the previous one ended."""
    if not entries:
        return "no parts given"
    try:
        total = int(entries[0].xattrs[SPAN_LENGTH_KEY])
        offset = 0
        for entry in entries:
            if int(entry.xattrs[SPAN_OFFSET_KEY]) != offset or int(entry.xattrs[SPAN_LENGTH_KEY]) != total:
                return (f"the part at byte {offset:,} of this {total:,}-byte file is missing (a part at byte "
                        f"{entry.xattrs[SPAN_OFFSET_KEY]} follows)")
            offset += entry.length
    except (KeyError, ValueError):
        return "a part has no valid ltfs.spannedFileOffset / reelkeep.span.length: not a Reelkeep spanned file"
    if offset != total:
        return f"the parts hold {offset:,} of the file's {total:,} bytes"
    return None


def restore_spanned(pattern: str, parts: list[dict[str, Any]], dest: Path, cancel: CancelToken | None = None,
                    on_bytes: Callable[[int], None] | None = None) -> str | None:
    """The file of catalog rows `parts` (barcode, volume_uuid, path; by span offset) under dest at its tape path,
    loading each part's cartridge from pattern ('{barcode}' replaced, e.g. file:/tapes/{barcode}). None when
    restored, else what is wrong."""
    from app.tape.jobs import open_device
    from app.tape.plan_write import device_for

    loaded: list[tuple[SimulatedTape, FileEntry]] = []
    for row in parts:
        device = device_for(pattern, row["barcode"])
        try:
            tape = open_device(device)
            volume = read_volume(tape)
        except TapeError as exc:
            return f"{row['barcode']}: {exc}"
        if row.get("volume_uuid") and volume.label.volume_uuid != row["volume_uuid"]:
            return (f"the cartridge at {device} is volume {volume.label.volume_uuid}, not {row['barcode']} "
                    f"({row['volume_uuid']}): load {row['barcode']}")
        entry = dict(volume.index.root.walk()).get(row["path"])
        if not isinstance(entry, FileEntry):
            return f"{row['barcode']} no longer holds {row['path']} (its newest index): import its index again"
        loaded.append((tape, entry))
    return restore_span(loaded, dest / parts[0]["path"], cancel, on_bytes)
