"""Restore: chosen files and folders of a tape's newest index back to disk, in tape order (one pass along the
tape, no seeking back and forth), each written as a partial file and put in place only when its xxh128 matches
the index — a damaged file is reported and leaves nothing behind. Existing files are never overwritten. Folders,
empty files and symlinks come back too, with the modification times the index records.
"""

from __future__ import annotations

import calendar
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import xxhash

from app.core.progress import CancelToken
from app.media.partial import PartialFile
from app.tape.ltfs_index import DirectoryEntry, FileEntry
from app.tape.profiles import TapeError
from app.tape.read_files import read_entry
from app.tape.simulated import SimulatedTape
from app.tape.volume import read_volume
from app.tape.write_files import XXH128_KEY


@dataclass
class RestoreReport:
    restored: list[str] = field(default_factory=list)  # paths on the tape
    bytes: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)  # (path on the tape, what is wrong)


def restore(tape: SimulatedTape, paths: list[str], dest: Path, cancel: CancelToken | None = None,
            on_bytes: Callable[[int], None] | None = None) -> RestoreReport:
    """paths (files or folders on the tape, '/'-separated; '' for everything) under dest, keeping their tape
    folders."""
    entries = dict(read_volume(tape).index.root.walk())
    chosen: dict[str, FileEntry | DirectoryEntry] = {}
    for wanted in paths:
        wanted = wanted.strip("/")
        if wanted and wanted not in entries:
            raise TapeError(f"{wanted!r} is not on this tape (its newest index); `reelkeep tape list` shows what is")
        for path, entry in entries.items():
            if not wanted or path == wanted or path.startswith(wanted + "/"):
                chosen[path] = entry
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
