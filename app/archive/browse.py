"""What the Archive panel and the player need of an archive, read in one go off the GUI thread: its versions and
branches, and for one version every user file with its catalog facts, poster and embedded proxies, each
addressed by something the player and PyAV open directly (a plain file inside the archive folder).
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.archive.model import CATALOG_JSON, DEFAULT_BRANCH, RESERVED_PREFIX, ArchiveError, VersionInfo
from app.archive.store import Archive, BranchInfo
from app.archive.zip_export import INVENTORY_MEMBER
from app.archive.zip_members import (
    ZipMember,
    check_member_name,
    read_members,
    require_stored,
    slice_url,
    subfile_url,
)
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
    poster: str | None = None  # the stored poster JPEG, as PyAV opens it
    proxies: tuple[ProxyRef, ...] = ()
    decode_location: str | None = None  # what PyAV opens when location is mpv-only (a ZIP member: subfile URL)
    problem: str | None = None  # why it cannot be played in place (a compressed ZIP member), else None

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


def is_zip(path: Path | str) -> bool:
    return Path(path).suffix.lower() == ".zip" and Path(path).is_file()


def open_snapshot(path: Path | str) -> ArchiveSnapshot:
    """The archive's versions and branches (a ZIP export: its one version); ArchiveError when path is not a
    readable archive."""
    if is_zip(path):
        return _zip_snapshot(Path(path))
    archive = Archive.open(path)
    versions = sorted(archive.versions(), key=lambda v: v.number, reverse=True)
    branches = archive.branches()
    lines = {name: history(archive, info.head) for name, info in branches.items()}
    return ArchiveSnapshot(archive.path, archive.id, versions, branches, archive.resolve(None), lines)


def version_entries(path: Path | str, version: str) -> list[BrowseEntry]:
    """Every user file of a version with what the archive knows of it."""
    if is_zip(path):
        return _zip_entries(Path(path))
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
    ref = _sized_proxy(preset, archive.size_of(digest), probe)
    return None if ref is None else ProxyRef(preset, str(archive.content_file(digest)), ref.width, ref.height,
                                             ref.bit_rate)


def _sized_proxy(preset: str, size: int, probe: dict[str, Any]) -> ProxyRef | None:
    """The rendition's size from its preset fitted to the original (what plan_proxy made), its bit rate from the
    stored bytes over the original's duration: no decode per proxy, so a version of thousands of clips lists fast."""
    target = PRESETS.get(preset)
    if target is None:
        return None
    width, height = fit_size(probe.get("width") or 0, probe.get("height") or 0, None,
                             target.max_width, target.max_height) if probe.get("width") else (0, 0)
    duration = probe.get("duration") or 0
    return ProxyRef(preset, "", width, height, int(size * 8 / duration) if duration else 0)


def version_diff(path: Path | str, old: str, new: str) -> Diff:
    if is_zip(path):
        return Diff()  # one version
    archive = Archive.open(path)
    return diff_states(archive.state(old), archive.state(new))


# ---- a ZIP export (or any ZIP): one version, members played in place through slice:// and subfile URLs
def _zip_snapshot(path: Path) -> ArchiveSnapshot:
    members = {m.name: m for m in read_members(path)}
    exported = _zip_json(path, members.get(INVENTORY_MEMBER)) or {}
    name = exported.get("version") or "v1"
    branch = exported.get("branch") or DEFAULT_BRANCH
    info = VersionInfo(name, exported.get("created", ""), exported.get("message") or f"ZIP {path.name}",
                       exported.get("user", ""), (), branch)
    created = exported.get("created", "")
    return ArchiveSnapshot(path.absolute(), exported.get("archive_id", ""), [info],
                           {branch: BranchInfo(branch, name, f"exported as {path.name}", created)}, name,
                           {branch: [name]})


def _zip_entries(path: Path) -> list[BrowseEntry]:
    members = {check_member_name(m.name): m for m in read_members(path) if not m.is_folder}
    metadata = (_zip_json(path, members.get(CATALOG_JSON)) or {}).get("files", {})
    entries = []
    for logical, member in sorted(members.items()):
        if logical.startswith(RESERVED_PREFIX):
            continue
        meta = metadata.get(logical, {})
        problem = None
        try:
            require_stored(path, member)
        except ArchiveError as exc:
            problem = str(exc)
        poster = members.get(meta.get("poster", ""))
        proxies = tuple(ProxyRef(ref.preset, slice_url(path, members[logical_proxy]), ref.width, ref.height,
                                 ref.bit_rate)
                        for preset, logical_proxy in sorted(meta.get("proxies", {}).items())
                        if logical_proxy in members and members[logical_proxy].stored
                        and (ref := _sized_proxy(preset, members[logical_proxy].size, meta.get("probe", {})))
                        is not None)
        entries.append(BrowseEntry(
            logical, member.size, meta.get("sha256", ""), slice_url(path, member),
            meta.get("kind") or kind_for_name(logical), meta.get("probe", {}),
            {k: v for k, v in meta.items() if k not in ("kind", "probe", "sha256", "size", "poster", "proxies")},
            subfile_url(path, poster) if poster is not None and poster.stored else None, proxies,
            subfile_url(path, member), problem))
    return entries


def _zip_json(path: Path, member: ZipMember | None) -> dict[str, Any] | None:
    if member is None or not member.stored:
        return None
    with open(path, "rb") as raw:
        raw.seek(member.data_offset)
        data = raw.read(member.size)
    try:
        value = json.loads(data)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
