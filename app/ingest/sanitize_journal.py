"""The undo journal of a sanitise: written whole (atomically, fsynced) before the first rename, then one
fsynced line appended per rename, so a crash at any point leaves a journal that undoes exactly what ran.

Format: JSON Lines. Line 1 is the header, then one line per planned rename (names as base64 of their exact
bytes, so names that are not UTF-8 come back byte for byte, plus the file's inode, size and mtime to tell
the renamed file from a stranger later put in its place), then events: {"event": "done"|"undone", "i": N}
and {"event": "state", "state": ...}. A torn last line (power cut mid-append) is ignored on reading.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.catalog.db import local_folder
from app.core.errors import ReelkeepError
from app.core.paths import display_path
from app.ingest.sanitize import Rename

FORMAT = "reelkeep-sanitize-journal"
VERSION = 1
APPLYING, APPLIED, CANCELLED, FAILED, UNDOING, UNDONE = "applying", "applied", "cancelled", "failed", "undoing", "undone"


class JournalError(ReelkeepError):
    """A journal that cannot be read, or an undo that would not restore exactly."""


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _raw(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


def journal_dir(catalog_path: str | os.PathLike) -> Path | None:
    """Journals beside the catalog file (journals/; see local_folder); None for an in-memory catalog."""
    folder = local_folder(catalog_path)
    return None if folder is None else folder / "journals"


@dataclass(frozen=True)
class JournalEntry:
    """A planned rename and who the renamed file is (its inode; size and mtime for files)."""

    i: int
    parent: bytes
    old: bytes
    new: bytes
    is_dir: bool
    ino: int
    size: int | None
    mtime_ns: int | None
    reasons: tuple[str, ...] = ()

    @property
    def old_path(self) -> bytes:
        return os.path.join(self.parent, self.old)

    @property
    def new_path(self) -> bytes:
        return os.path.join(self.parent, self.new)

    def matches(self, st: os.stat_result) -> bool:
        """Is st the file this entry renamed? Folders change mtime as their children move: inode only."""
        if st.st_ino != self.ino or stat.S_ISDIR(st.st_mode) != self.is_dir:
            return False
        return self.is_dir or (st.st_size == self.size and st.st_mtime_ns == self.mtime_ns)

    def line(self) -> dict[str, Any]:
        return {"i": self.i, "parent": _b64(self.parent), "old": _b64(self.old), "new": _b64(self.new),
                "dir": self.is_dir, "ino": self.ino, "size": self.size, "mtime_ns": self.mtime_ns,
                "reasons": list(self.reasons), "old_text": display_path(self.old_path),
                "new_text": display_path(self.new)}

    @classmethod
    def from_line(cls, d: dict[str, Any]) -> JournalEntry:
        return cls(d["i"], _raw(d["parent"]), _raw(d["old"]), _raw(d["new"]), d["dir"], d["ino"], d["size"],
                   d["mtime_ns"], tuple(d.get("reasons", ())))


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot fsync a folder; the file itself is synced
    finally:
        os.close(fd)


@dataclass
class Journal:
    path: Path
    id: str
    created: float
    entries: list[JournalEntry]
    events: list[dict[str, Any]] = field(default_factory=list)
    selection: list[str] = field(default_factory=list)
    count: int = -1  # planned renames (entries may be left unread)

    def __post_init__(self) -> None:
        if self.count < 0:
            self.count = len(self.entries)

    @classmethod
    def create(cls, folder: Path, renames: list[Rename] | tuple[Rename, ...], selection: list[str]) -> Journal:
        """Write the journal of renames (nothing renamed yet), durable before this returns.
        A rename whose file is already gone is left out (it changed since the preview)."""
        folder.mkdir(parents=True, exist_ok=True)
        created = time.time()
        journal_id = time.strftime("%Y%m%d-%H%M%S", time.gmtime(created)) + "-" + secrets.token_hex(3)
        entries = []
        for rename in renames:
            try:
                st = os.lstat(rename.old_path)
            except OSError:
                continue
            is_dir = stat.S_ISDIR(st.st_mode)
            entries.append(JournalEntry(len(entries), rename.parent, rename.old, rename.new, is_dir, st.st_ino,
                                        None if is_dir else st.st_size, None if is_dir else st.st_mtime_ns,
                                        rename.reasons))
        journal = cls(folder / f"sanitize-{journal_id}.jsonl", journal_id, created, entries, selection=selection)
        header = {"format": FORMAT, "version": VERSION, "id": journal_id, "created": created,
                  "count": len(entries), "selection": selection}
        text = "".join(json.dumps(d) + "\n" for d in [header, *(e.line() for e in entries)])
        partial = journal.path.with_suffix(".partial")
        with open(partial, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, journal.path)
        _fsync_dir(folder)
        return journal

    @classmethod
    def load(cls, path: str | os.PathLike, entries: bool = True) -> Journal:
        """Read a journal; entries=False reads only its header and events (for listing many)."""
        path = Path(path)
        try:
            lines = path.read_text(encoding="utf-8").split("\n")
        except OSError as exc:
            raise JournalError(f"cannot read journal {path}: {exc.strerror}") from None
        try:
            header = json.loads(lines[0])
            if header.get("format") != FORMAT:
                raise ValueError("not a sanitize journal")
            count = header["count"]
            read = [JournalEntry.from_line(json.loads(line)) for line in lines[1 : 1 + count]] if entries else []
        except (ValueError, KeyError, IndexError) as exc:
            raise JournalError(f"{path} is not a readable sanitize journal: {exc}") from None
        events = []
        for line in lines[1 + count :]:
            try:
                events.append(json.loads(line))
            except ValueError:
                break  # the torn tail of an append cut short
        return cls(path, header["id"], header["created"], read, events, header.get("selection", []), count)

    def record(self, event: str, i: int | None = None, **extra: Any) -> None:
        """Append one event, on disk before this returns."""
        entry: dict[str, Any] = {"event": event, **({"i": i} if i is not None else {}), **extra}
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        self.events.append(entry)

    @property
    def state(self) -> str:
        states = [e["state"] for e in self.events if e.get("event") == "state"]
        return states[-1] if states else APPLYING

    def done(self) -> set[int]:
        """Entries whose rename was recorded as landed and not undone since."""
        landed: set[int] = set()
        for event in self.events:
            if event.get("event") == "done":
                landed.add(event["i"])
            elif event.get("event") == "undone":
                landed.discard(event["i"])
        return landed

    def summary(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.created))
        where = ", ".join(self.selection) or "?"
        return f"{when}  {self.state:<9} {len(self.done())}/{self.count} renamed  {where}"


def list_journals(folder: Path | None) -> list[Journal]:
    """Every readable journal in folder, newest first."""
    if folder is None or not folder.is_dir():
        return []
    found = []
    for path in folder.glob("sanitize-*.jsonl"):
        try:
            found.append(Journal.load(path, entries=False))
        except JournalError:
            continue
    return sorted(found, key=lambda j: (j.created, j.id), reverse=True)


def last_undoable(folder: Path | None) -> Journal | None:
    """The newest journal with renames not undone yet."""
    return next((j for j in list_journals(folder) if j.state != UNDONE), None)
