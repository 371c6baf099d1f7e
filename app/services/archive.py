"""ArchiveService: the archive open in the app — its versions and branches, the files of the version shown, a
diff between two versions — read by jobs off the GUI thread; playing a file of it and adding files to the library.

Every read is a small hidden job on the 'archive' lane, so browsing never waits behind a scan or a proxy batch;
answers that arrive for an archive or version no longer shown are dropped.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.archive.browse import (
    ArchiveSnapshot,
    BrowseEntry,
    is_zip,
    open_snapshot,
    version_diff,
    version_entries,
)
from app.archive.cataloging import match_cataloged, record_locations
from app.catalog.catalog import Catalog
from app.core.job import JobContext, Outcome
from app.core.proxy_presets import SourceChoice
from app.jobs.runner import JobRunner
from app.services.library import LibraryService
from app.services.player import PlayerService
from app.services.player_clip import ClipInfo, clip_info_from_catalog


class ArchiveReadJob:
    """One read of an archive for the panel (its versions, a version's files or a diff)."""

    visible = False

    def __init__(self, title: str, read: Any, lane: str = "archive") -> None:
        self.title = title
        self.read = read
        self.lane = lane  # 'catalog' for the one step that writes to the catalog, beside the other edits

    def plan(self) -> None:
        return None

    def run(self, plan: None, ctx: JobContext) -> Any:
        return self.read()


def probe_entry(entry: BrowseEntry) -> dict[str, Any]:
    """The probe facts of an archive file that carries none, as the archive's catalog.json would hold them."""
    from app.archive.metadata import facts_record
    from app.media.probe import probe, probe_url

    if os.path.isfile(entry.location):
        return facts_record(probe(entry.location))
    return facts_record(probe_url(entry.decode_location or entry.location, entry.kind))


def clip_for_entry(entry: BrowseEntry) -> tuple[ClipInfo, list[SourceChoice]]:
    """The player's clip for an archive file (timing from the probe facts stored with it) and its embedded
    proxies as renditions."""
    facts = entry.probe
    info = {**facts, "id": None, "path": entry.location, "name": entry.name,
            "kind": entry.kind or facts.get("kind") or "video"}
    clip = dataclasses.replace(clip_info_from_catalog(info), decode_path=entry.decode_location)
    proxies = [SourceChoice(p.location, p.width, p.height, p.bit_rate, p.preset) for p in entry.proxies]
    return clip, proxies


class ArchiveService(QObject):
    opened = Signal(object)  # ArchiveSnapshot
    version_loaded = Signal(str, object)  # version name, list[BrowseEntry]
    diff_loaded = Signal(str, str, object)  # old, new, Diff
    failed = Signal(str)  # what went wrong and what to do, for the user
    closed = Signal()
    added_to_library = Signal(int)  # how many files
    unpacked = Signal(str, int)  # the folder, how many files

    def __init__(self, catalog: Catalog, runner: JobRunner, player: PlayerService, library: LibraryService,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.catalog = catalog
        self.runner = runner
        self.player = player
        self.library = library
        self.snapshot: ArchiveSnapshot | None = None
        self.version: str | None = None
        self.entries: list[BrowseEntry] = []
        self._opening: str | None = None

    # ---- reading
    def open(self, path: str | os.PathLike[str]) -> None:
        """Open an archive folder (answers with opened, or failed)."""
        target = os.path.abspath(os.fspath(path))
        self._opening = target
        self.runner.submit(ArchiveReadJob(f"Open archive {os.path.basename(target)}", lambda: open_snapshot(target)),
                           lambda outcome: self._on_opened(target, outcome))

    def _on_opened(self, target: str, outcome: Outcome) -> None:
        if target != self._opening:
            return
        self._opening = None
        if not outcome.ok:
            self.failed.emit(f"Cannot open {target} as an archive: {outcome.message}")
            return
        self.snapshot = outcome.value
        self.version, self.entries = None, []
        self.opened.emit(self.snapshot)

    def reload(self) -> None:
        if self.snapshot is not None:
            self.open(self.snapshot.path)

    def close(self) -> None:
        self.snapshot, self.version, self.entries = None, None, []
        self.closed.emit()

    def show_version(self, version: str) -> None:
        """Load the files of a version (answers with version_loaded)."""
        snapshot = self.snapshot
        if snapshot is None:
            return
        self.version = version
        self.runner.submit(ArchiveReadJob(f"Files of {version}", lambda: version_entries(snapshot.path, version)),
                           lambda outcome: self._on_version(snapshot, version, outcome))

    def _on_version(self, snapshot: ArchiveSnapshot, version: str, outcome: Outcome) -> None:
        if snapshot is not self.snapshot or version != self.version:
            return
        if not outcome.ok:
            self.failed.emit(f"Cannot read version {version} of {snapshot.path}: {outcome.message}")
            return
        self.entries = outcome.value
        self.version_loaded.emit(version, self.entries)

    def diff(self, old: str, new: str) -> None:
        snapshot = self.snapshot
        if snapshot is None:
            return
        self.runner.submit(ArchiveReadJob(f"Diff {old}..{new}", lambda: version_diff(snapshot.path, old, new)),
                           lambda outcome: self._on_diff(snapshot, old, new, outcome))

    def _on_diff(self, snapshot: ArchiveSnapshot, old: str, new: str, outcome: Outcome) -> None:
        if snapshot is not self.snapshot:
            return
        if not outcome.ok:
            self.failed.emit(f"Cannot compare {old} and {new}: {outcome.message}")
            return
        self.diff_loaded.emit(old, new, outcome.value)

    # ---- using files
    def play(self, entry: BrowseEntry, frame: int | None = None) -> bool:
        """Open an archive file in the player: an embedded proxy or the original by the player's Auto rule."""
        if entry.kind not in ("video", "audio", "image"):
            self.failed.emit(f"{entry.logical_path} is not a media file the player opens.")
            return False
        if entry.problem:
            self.failed.emit(f"{entry.logical_path} cannot be played in place: {entry.problem}")
            return False
        if not entry.probe.get("kind"):
            # a file archived or zipped without Reelkeep's metadata: its rate and TC come from a probe first
            self.runner.submit(ArchiveReadJob(f"Probe {entry.name}", lambda: probe_entry(entry)),
                               lambda outcome: self._on_probed(entry, frame, outcome))
            return True
        clip, proxies = clip_for_entry(entry)
        return self.player.open_clip(clip, proxies, frame)

    def _on_probed(self, entry: BrowseEntry, frame: int | None, outcome: Outcome) -> None:
        if not outcome.ok:
            self.failed.emit(f"{entry.logical_path} cannot be played: {outcome.message}")
            return
        self.play(dataclasses.replace(entry, probe=outcome.value), frame)

    def add_to_library(self, entries: Sequence[BrowseEntry]) -> None:
        """Catalog archive files where they are stored (no copy), with their archive location and embedded
        proxies; the library hears of them as of any added file."""
        snapshot, version = self.snapshot, self.version
        chosen = [e for e in entries if e.kind is not None]
        if snapshot is None or version is None or not chosen:
            return
        if is_zip(snapshot.path):
            self.failed.emit(f"Files inside {snapshot.path.name} cannot be cataloged where they are: import the ZIP "
                             f"as an archive first (reelkeep archive import {snapshot.path} FOLDER)")
            return

        def added(ids: list[int]) -> None:
            self.runner.submit(ArchiveReadJob("Record archive locations",
                                              lambda: self._record_locations(snapshot, version, chosen, ids),
                                              "catalog"),
                               lambda outcome: self._on_recorded(outcome, ids))

        self.library.add_files([e.location for e in chosen], added)

    def unpack(self, entries: Sequence[BrowseEntry], dest: str | os.PathLike[str], play_after: bool = False) -> None:
        """Copy files of the version shown into a folder (a visible job; compressed ZIP members are decompressed
        there); with play_after, the first one then plays from its copy."""
        snapshot, version = self.snapshot, self.version
        chosen = list(entries)
        if snapshot is None or version is None or not chosen:
            return
        from app.archive.unpack import UnpackJob

        job = UnpackJob(snapshot.path, Path(dest), [e.logical_path for e in chosen],
                        None if is_zip(snapshot.path) else version)
        self.runner.submit(job, lambda outcome: self._on_unpacked(outcome, str(dest), chosen[0] if play_after else None))

    def _on_unpacked(self, outcome: Outcome, dest: str, play: BrowseEntry | None) -> None:
        if not outcome.ok:
            if not getattr(outcome, "cancelled", False):
                self.failed.emit(f"{outcome.message}. Nothing incomplete was left in {dest}.")
            return
        result = outcome.value
        self.unpacked.emit(dest, len(result.written))
        if play is not None and result.written:
            copy = dataclasses.replace(play, location=str(result.written[0]), decode_location=None, problem=None)
            self.play(copy)

    def _record_locations(self, snapshot: ArchiveSnapshot, version: str, entries: list[BrowseEntry],
                          ids: list[int]) -> int:
        pairs = match_cataloged(self.catalog, ids, entries)
        record_locations(self.catalog, snapshot.path, snapshot.archive_id, version, pairs)
        return len(pairs)

    def _on_recorded(self, outcome: Outcome, ids: list[int]) -> None:
        if not outcome.ok:
            self.failed.emit(f"The files were added, but their archive locations were not recorded: {outcome.message}")
            return
        self.library.notify_changed(ids)
        self.player.refresh_sources(ids)
        self.added_to_library.emit(outcome.value)

