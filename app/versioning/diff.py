"""What changed between two versions: added, removed, modified (same path, other digest) and renamed/moved (a
removed path's content reappears at an added path; paired one to one, by name when several candidates)."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field

from app.archive.model import RESERVED_PREFIX


@dataclass(frozen=True)
class Diff:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    modified: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)  # (old path, new path)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.modified or self.renamed)

    def as_json(self) -> dict[str, list]:
        return {"added": self.added, "removed": self.removed, "modified": self.modified,
                "renamed": [{"from": a, "to": b} for a, b in self.renamed]}


def diff_states(old: dict[str, str], new: dict[str, str], include_reserved: bool = False) -> Diff:
    if not include_reserved:
        old = {p: d for p, d in old.items() if not p.startswith(RESERVED_PREFIX)}
        new = {p: d for p, d in new.items() if not p.startswith(RESERVED_PREFIX)}
    added = sorted(p for p in new if p not in old)
    removed = sorted(p for p in old if p not in new)
    modified = sorted(p for p in new if p in old and old[p] != new[p])
    gone_by_digest: dict[str, list[str]] = {}
    for path in removed:
        gone_by_digest.setdefault(old[path], []).append(path)
    renamed: list[tuple[str, str]] = []
    for path in list(added):
        candidates = gone_by_digest.get(new[path])
        if not candidates:
            continue
        # prefer the candidate with the same file name (a move), else the first (a rename)
        same_name = [c for c in candidates if posixpath.basename(c) == posixpath.basename(path)]
        source = (same_name or candidates)[0]
        candidates.remove(source)
        renamed.append((source, path))
    moved_from = {a for a, _ in renamed}
    moved_to = {b for _, b in renamed}
    return Diff([p for p in added if p not in moved_to], [p for p in removed if p not in moved_from], modified,
                sorted(renamed))
