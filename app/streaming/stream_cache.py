"""The stream cache's size limit: remuxes, audio transcodes, HLS fragments and live segments live in one folder
per file (`streams/<2 hex>/<identity hash>/`), each a whole unit of work; when the cache is over its limit the
folders used longest ago are deleted until it fits, except folders in use (used in the last few minutes, or with
a partial file a live writer is making). "Used" is the folder's mtime, which the server touches when it serves
from it (at most once a minute per folder, so a player's range requests cost no extra write).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from app.media.partial import PARTIAL, remove_stale_partials

log = logging.getLogger(__name__)
DEFAULT_LIMIT = 20 << 30  # bytes
IN_USE_SECONDS = 600.0
_TOUCH_EVERY = 60.0


@dataclass(frozen=True)
class Trimmed:
    deleted: int  # folders
    freed: int  # bytes
    size: int  # bytes left in the cache


def parse_size(text: str) -> int:
    """'20G', '500M', '1.5T', '0' (no limit) or a number of bytes; ValueError otherwise."""
    value = text.strip().upper().removesuffix("B").removesuffix("I")
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}.get(value[-1:], 1)
    number = value[:-1] if scale > 1 else value
    try:
        size = float(number)
    except ValueError:
        raise ValueError(f"{text!r} is not a size (e.g. 20G, 500M, 0 for no limit)") from None
    if size < 0:
        raise ValueError(f"{text!r}: a size is not negative")
    return int(size * scale)


def _folder_size(folder: Path) -> tuple[int, bool]:
    """(bytes, whether a partial file is being written in it)."""
    total, writing = 0, False
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                continue
            writing = writing or name.endswith(PARTIAL)
    return total, writing


def trim(root: Path, limit: int, in_use_seconds: float = IN_USE_SECONDS, now: float | None = None) -> Trimmed:
    """Delete the least recently used identity folders of root until it holds at most limit bytes (0: no limit)."""
    now = time.time() if now is None else now
    folders: list[tuple[float, Path, int, bool]] = []
    for shard in _entries(root):
        for folder in _entries(shard):
            try:
                used = folder.stat().st_mtime  # before the sweep, whose deletions would touch it
            except OSError:
                continue
            for sub in _entries(folder):
                remove_stale_partials(sub)  # a writer killed mid-write left it
            remove_stale_partials(folder)
            size, writing = _folder_size(folder)
            folders.append((used, folder, size, writing))
    total = sum(size for _used, _folder, size, _writing in folders)
    deleted = freed = 0
    if limit > 0:
        for used, folder, size, writing in sorted(folders, key=lambda f: f[0]):
            if total <= limit:
                break
            if writing or now - used < in_use_seconds:
                continue
            shutil.rmtree(folder, ignore_errors=True)
            if not folder.exists():
                deleted, freed, total = deleted + 1, freed + size, total - size
    if deleted:
        log.info("stream cache: deleted %d folders (%d MB) to stay under %d MB", deleted, freed >> 20, limit >> 20)
    return Trimmed(deleted, freed, total)


def _entries(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.iterdir() if p.is_dir() and not p.is_symlink()]
    except OSError:
        return []


class CacheKeeper:
    """Touches folders as they are used and trims the cache now and then (call both from any thread)."""

    def __init__(self, root: Path, limit: int, every: float = 30.0) -> None:
        self.root = root
        self.limit = limit
        self.every = every
        self._touched: dict[Path, float] = {}
        self._last_trim = 0.0
        self._lock = threading.Lock()

    def used(self, path: Path) -> None:
        """path (a file in the cache) was served or made: its identity folder is in use."""
        folder = self._identity_folder(path)
        if folder is None:
            return
        now = time.monotonic()
        with self._lock:
            if now - self._touched.get(folder, -_TOUCH_EVERY) < _TOUCH_EVERY:
                return
            self._touched[folder] = now
            if len(self._touched) > 10_000:
                self._touched.clear()
        with contextlib.suppress(OSError):
            os.utime(folder)

    def _identity_folder(self, path: Path) -> Path | None:
        try:
            relative = Path(path).relative_to(self.root)
        except ValueError:
            return None
        return self.root / Path(*relative.parts[:2]) if len(relative.parts) >= 3 else None

    def due(self) -> bool:
        with self._lock:
            if time.monotonic() - self._last_trim < self.every:
                return False
            self._last_trim = time.monotonic()
            return True

    def trim(self) -> Trimmed:
        return trim(self.root, self.limit)
