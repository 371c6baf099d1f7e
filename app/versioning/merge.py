"""Three-way merge of two versions against their common ancestor, path by path.

A path changed on one side only takes that side. Both sides changing it the same way is no conflict. Both
changing it differently (including one side modifying what the other removed, or both adding the same path with
different content) is a conflict: listed, never decided silently; the user picks a side per path (or one side for
all). Reelkeep's own .reelkeep/ files are not merged here: the merged version's metadata is rebuilt from both sides
(MergeDescriber)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.archive.model import CATALOG_JSON, RESERVED_PREFIX, ArchiveError
from app.archive.store import Archive
from app.archive.write import Stored
from app.core.job import JobContext

OURS, THEIRS = "ours", "theirs"


@dataclass(frozen=True)
class Conflict:
    path: str
    base: str | None
    ours: str | None  # None: removed on that side
    theirs: str | None

    @property
    def kind(self) -> str:
        if self.base is None:
            return "added on both sides with different content"
        if self.ours is None or self.theirs is None:
            return "modified on one side, removed on the other"
        return "modified on both sides"


@dataclass
class MergeResult:
    state: dict[str, str]
    conflicts: list[Conflict] = field(default_factory=list)
    resolved: dict[str, str] = field(default_factory=dict)  # path → side taken


def _user(state: Mapping[str, str]) -> dict[str, str]:
    return {p: d for p, d in state.items() if not p.startswith(RESERVED_PREFIX)}


def three_way(base: Mapping[str, str], ours: Mapping[str, str], theirs: Mapping[str, str],
              take: Mapping[str, str] | None = None, prefer: str | None = None) -> MergeResult:
    """Merge user files; conflicts resolved by take[path] or prefer, the rest listed in .conflicts."""
    base, ours, theirs = _user(base), _user(ours), _user(theirs)
    take = dict(take or {})
    result = MergeResult({})
    for path in sorted(set(base) | set(ours) | set(theirs)):
        b, o, t = base.get(path), ours.get(path), theirs.get(path)
        if o == t:
            chosen = o
        elif o == b:
            chosen = t
        elif t == b:
            chosen = o
        else:
            side = take.pop(path, None) or prefer
            if side is None:
                result.conflicts.append(Conflict(path, b, o, t))
                continue
            chosen = o if side == OURS else t
            result.resolved[path] = side
        if chosen is not None:
            result.state[path] = chosen
    if take:
        raise ArchiveError(f"--take {next(iter(take))}: that path is not in conflict")
    return result


class MergeDescriber:
    """The merged version's .reelkeep/ files: each file's metadata entry (and its proxies and poster) from the
    side whose content the merge took."""

    def __init__(self, archive: Archive, ours: str, theirs: str, merged: Mapping[str, str]) -> None:
        self.archive = archive
        self.merged = dict(merged)
        self.sides = [(archive.state(ours), archive.metadata(ours)), (archive.state(theirs), archive.metadata(theirs))]

    def __call__(self, content: Path, stored: list[Stored], previous: Archive | None,
                 ctx: JobContext) -> dict[str, Path]:
        files: dict[str, Any] = {}
        outputs: dict[str, Path] = {}
        for path, digest in self.merged.items():
            ctx.cancel.check()
            for state, meta in self.sides:
                entry = meta.get(path)
                if entry is None or entry.get("sha256") != digest:
                    continue
                files[path] = entry
                for logical in [*entry.get("proxies", {}).values(), entry.get("poster")]:
                    if logical and logical in state:
                        outputs[logical] = self.archive.content_file(state[logical])
                break
        catalog = content / CATALOG_JSON
        catalog.parent.mkdir(parents=True, exist_ok=True)
        catalog.write_text(json.dumps({"format": 1, "files": dict(sorted(files.items()))}, ensure_ascii=False,
                                      indent=1), encoding="utf-8")
        outputs[CATALOG_JSON] = catalog
        return outputs
