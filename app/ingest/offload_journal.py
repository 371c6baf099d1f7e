"""What an offload has done at one destination, so a run cut short (killed, a drive pulled) resumes there.

One JSON line per event, appended and flushed as it happens, in a hidden file beside the destination's card
folder (never inside it: the card folder holds the card and its ASC MHL, nothing else). Files already verified
are skipped on the next run when the source still has the size and time it had; copied but unverified files are
verified; partials are removed. The journal is deleted when the destination is complete.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

_VERSION = 1


def journal_path(card_target: Path) -> Path:
    return card_target.with_name(f".{card_target.name}.reelkeep-offload.jsonl")


@dataclass
class JournalEntry:
    size: int
    mtime_ns: int
    hashes: dict[str, str]
    verified: bool = False


@dataclass
class OffloadJournal:
    path: Path
    entries: dict[str, JournalEntry] = field(default_factory=dict)
    _handle: object | None = None

    @classmethod
    def load(cls, card_target: Path) -> OffloadJournal:
        """The journal of an earlier run at this destination (empty when there was none). A torn last line (the
        process was killed while writing it) is ignored."""
        journal = cls(journal_path(card_target))
        try:
            lines = journal.path.read_text(encoding="utf-8", errors="surrogateescape").splitlines()
        except FileNotFoundError:
            return journal
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if "copied" in event:
                journal.entries[event["copied"]] = JournalEntry(event["size"], event["mtime_ns"], event["hashes"])
            elif "verified" in event and event["verified"] in journal.entries:
                journal.entries[event["verified"]].verified = True
        return journal

    def _append(self, event: dict) -> None:
        if self._handle is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - kept open for the whole run
            if self._handle.tell() == 0:
                self._handle.write(json.dumps({"reelkeep-offload": _VERSION}) + "\n")
        self._handle.write(json.dumps(event) + "\n")
        self._handle.flush()

    def copied(self, path: str, size: int, mtime_ns: int, hashes: dict[str, str]) -> None:
        self.entries[path] = JournalEntry(size, mtime_ns, dict(hashes))
        self._append({"copied": path, "size": size, "mtime_ns": mtime_ns, "hashes": hashes})

    def verified(self, path: str) -> None:
        self.entries[path].verified = True
        self._append({"verified": path})

    def sync(self) -> None:
        if self._handle is not None:
            os.fsync(self._handle.fileno())

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def remove(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)
