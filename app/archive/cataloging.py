"""Archive files in the catalog: cataloged where they are stored (a plain file inside the archive folder, no copy),
with their archive location and the proxies embedded beside them, so the library, the player and extraction use
them like any file. One routine for the GUI's Add to Library and the CLI's `extract ARCHIVE::PATH` / `--archive`."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from app.archive.browse import BrowseEntry, version_entries
from app.archive.model import ArchiveError
from app.archive.store import Archive
from app.catalog.catalog import Catalog
from app.catalog.links import ArchiveLocation
from app.core.job import JobContext
from app.core.proxy_presets import PRESETS
from app.ingest.add_files import add_files

ADDRESS_SEPARATOR = "::"


def split_address(text: str) -> tuple[str, str] | None:
    """'ARCHIVE::LOGICAL/PATH' → (archive, logical path); None when text is no such address."""
    if ADDRESS_SEPARATOR not in text:
        return None
    archive, logical = text.split(ADDRESS_SEPARATOR, 1)
    return (archive, logical.strip("/")) if archive and logical.strip("/") else None


def record_locations(catalog: Catalog, archive: Path, archive_id: str, version: str,
                     cataloged: Sequence[tuple[int, BrowseEntry]]) -> None:
    """Write each cataloged file's archive location and embedded proxies."""
    for media_id, entry in cataloged:
        catalog.set_archive_location(media_id, ArchiveLocation(str(archive), archive_id, version,
                                                               entry.logical_path))
        frame_count = entry.probe.get("frame_count") or 0
        for proxy in entry.proxies:
            catalog.set_proxy(media_id, proxy.preset, proxy.location, PRESETS[proxy.preset].codec, proxy.width,
                              proxy.height, proxy.bit_rate, Path(proxy.location).stat().st_size, frame_count)


def match_cataloged(catalog: Catalog, ids: Sequence[int], entries: Sequence[BrowseEntry]) -> list[tuple[int, BrowseEntry]]:
    """Pair catalog ids with the archive entries stored at their paths."""
    by_location = {os.path.abspath(e.location): e for e in entries}
    paths = catalog.raw_paths(ids)
    pairs = []
    for media_id in ids:
        entry = by_location.get(os.path.abspath(os.fsdecode(paths.get(media_id, b""))))
        if entry is not None:
            pairs.append((media_id, entry))
    return pairs


def catalog_archive_files(catalog: Catalog, archive_path: Path | str, version: str | None = None,
                          logical_paths: Sequence[str] | None = None, ctx: JobContext | None = None
                          ) -> dict[str, int]:
    """Catalog media files of a version (all, or those named) where they are stored; logical path → media id.
    ArchiveError when a named path is not in the version or is not media."""
    archive = Archive.open(archive_path)
    name = archive.resolve(version)
    entries = version_entries(archive.path, name)
    if logical_paths is not None:
        known = {e.logical_path: e for e in entries}
        missing = [p for p in logical_paths if p not in known]
        if missing:
            raise ArchiveError(f"{archive.path}: {', '.join(missing)} not in version {name} (see `reelkeep archive "
                               f"list {archive.path} --version {name}`)")
        entries = [known[p] for p in logical_paths]
    media = [e for e in entries if e.kind in ("video", "audio", "image")]
    if logical_paths is not None and len(media) < len(entries):
        raise ArchiveError(f"{', '.join(e.logical_path for e in entries if e not in media)}: not a media file")
    if not media:
        return {}
    ids = add_files(catalog, [e.location for e in media], ctx)
    pairs = match_cataloged(catalog, ids, media)
    record_locations(catalog, archive.path, archive.id, name, pairs)
    return {entry.logical_path: media_id for media_id, entry in pairs}
