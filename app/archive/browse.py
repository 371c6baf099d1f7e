"""What the Archive panel and the player need of an archive, read in one go off the GUI thread: its versions and
branches, and for one version every user file with its catalog facts, poster and embedded proxies, each
addressed by something the player and PyAV open directly (a plain file inside the archive folder).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.archive.model import VersionInfo
from app.archive.store import Archive, BranchInfo
from app.core.kinds import kind_for_name
from app.core.proxy_presets import PRESETS, fit_size
from app.versioning.diff import Diff, diff_states
from app.versioning.graph import history


@dataclass(frozen=True)
class ProxyRef:
    """An embedded proxy of a file: a rendition with the original's frames, rate and start TC."""

    preset: str
    location: str
    width: int
    height: int
    bit_rate: int


@dataclass(frozen=True)
class BrowseEntry:
    """One user file of a version as the panel lists it."""

    logical_path: str
    size: int
    digest: str
    location: str  # what the os module, mpv and PyAV open: the stored file's path
    kind: str | None  # video | audio | image | None (other files)
    probe: dict[str, Any] = field(default_factory=dict)
    catalog: dict[str, Any] = field(default_factory=dict)  # rating, tags, markers… as cataloged when archived
    poster: str | None = None  # path of the stored poster JPEG
    proxies: tuple[ProxyRef, ...] = ()

    @property
    def name(self) -> str:
        return posixpath.basename(self.logical_path)

    @property
    def duration(self) -> float | None:
        return self.probe.get("duration")


@dataclass(frozen=True)
class ArchiveSnapshot:
    """An archive's versions (newest first, as `archive log` shows them) and branches."""

    path: Path
    archive_id: str
    versions: list[VersionInfo]
    branches: dict[str, BranchInfo]
    head_of_main: str

    def version(self, name: str) -> VersionInfo:
        return next(v for v in self.versions if v.name == name)

    def branch_history(self, branch: str) -> list[str]:
        """The names of the versions reachable from a branch's head, newest first."""
        return list(self.histories.get(branch, []))

    histories: dict[str, list[str]] = field(default_factory=dict, repr=False)


def open_snapshot(path: Path | str) -> ArchiveSnapshot:
    """The archive's versions and branches; ArchiveError when path is not a readable archive."""
    archive = Archive.open(path)
    versions = sorted(archive.versions(), key=lambda v: v.number, reverse=True)
    branches = archive.branches()
    lines = {name: history(archive, info.head) for name, info in branches.items()}
    return ArchiveSnapshot(archive.path, archive.id, versions, branches, archive.resolve(None), lines)


def version_entries(path: Path | str, version: str) -> list[BrowseEntry]:
    """Every user file of a version with what the archive knows of it."""
    archive = Archive.open(path)
    state = archive.state(version)
    metadata = archive.metadata(version)
    entries = []
    for item in archive.files(version):
        meta = metadata.get(item.logical_path, {})
        poster = meta.get("poster")
        proxies = tuple(ref for preset, logical in sorted(meta.get("proxies", {}).items())
                        if logical in state and (ref := _proxy_ref(archive, preset, state[logical], meta.get("probe", {}))) is not None)
        entries.append(BrowseEntry(
            item.logical_path, item.size, item.digest, str(item.content_path),
            meta.get("kind") or kind_for_name(item.logical_path), meta.get("probe", {}),
            {k: v for k, v in meta.items() if k not in ("kind", "probe", "sha256", "size", "poster", "proxies")},
            str(archive.content_file(state[poster])) if poster in state else None, proxies))
    return entries


def _proxy_ref(archive: Archive, preset: str, digest: str, probe: dict[str, Any]) -> ProxyRef | None:
    """The rendition's size from its preset fitted to the original (what plan_proxy made), its bit rate from the
    stored bytes over the original's duration: no decode per proxy, so a version of thousands of clips lists fast."""
    target = PRESETS.get(preset)
    if target is None:
        return None
    width, height = fit_size(probe.get("width") or 0, probe.get("height") or 0, None,
                             target.max_width, target.max_height) if probe.get("width") else (0, 0)
    duration = probe.get("duration") or 0
    size = archive.size_of(digest)
    return ProxyRef(preset, str(archive.content_file(digest)), width, height,
                    int(size * 8 / duration) if duration else 0)


def version_diff(path: Path | str, old: str, new: str) -> Diff:
    archive = Archive.open(path)
    return diff_states(archive.state(old), archive.state(new))
