"""What a sanitise may rename: the names in the selection, minus what other records point at by path.

Library roots and project archives are referred to by their path (library_root, archive_location), and an
OCFL archive's inventory names every file inside it with its digest: renaming any of those, or a folder
above one of them, would break the reference. So they and their ancestors keep their names, and nothing
inside an archive is renamed.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable

from app.core.paths import display_path, raw_path

ARCHIVE_MARK = b"0=ocfl_"  # the OCFL "namaste" file at the top of an object or storage root


def selected(paths: Iterable[bytes], notes: list[str]) -> dict[bytes, set[bytes]]:
    """Folder -> names in scope. A chosen folder's contents are in scope (not the folder itself, which may be
    a library root); symlinks are renamed, never followed."""
    scope: dict[bytes, set[bytes]] = {}
    for raw in paths:
        try:
            st = os.lstat(raw)
        except OSError as exc:
            notes.append(f"{display_path(raw)}: {exc.strerror}")
            continue
        if not stat.S_ISDIR(st.st_mode):
            scope.setdefault(os.path.dirname(raw), set()).add(os.path.basename(raw))
            continue
        for folder, dirs, files in os.walk(raw, onerror=lambda e: notes.append(
                f"{display_path(os.fsencode(e.filename))}: {e.strerror}")):
            if any(name.startswith(ARCHIVE_MARK) for name in files):
                dirs[:] = []  # an archive: nothing below is ours to rename
            if dirs or files:
                scope.setdefault(folder, set()).update(dirs, files)
    return scope


class _Archives:
    """Which folders are OCFL archives, each folder listed at most once."""

    def __init__(self) -> None:
        self._known: dict[bytes, bool] = {}

    def is_archive(self, folder: bytes) -> bool:
        if folder not in self._known:
            try:
                self._known[folder] = any(n.startswith(ARCHIVE_MARK) for n in os.listdir(folder))
            except OSError:
                self._known[folder] = False
        return self._known[folder]

    def holding(self, folder: bytes) -> bytes | None:
        """The archive folder that is folder or holds it, or None."""
        probe = folder
        while True:
            if self.is_archive(probe):
                return probe
            parent = os.path.dirname(probe)
            if parent == probe:
                return None
            probe = parent


def _with_ancestors(paths: Iterable[bytes]) -> set[bytes]:
    out: set[bytes] = set()
    for path in paths:
        while path not in out and path != os.path.dirname(path):
            out.add(path)
            path = os.path.dirname(path)
    return out


def restrict(scope: dict[bytes, set[bytes]], keep: Iterable[str | bytes | os.PathLike],
             notes: list[str]) -> set[bytes]:
    """Drop archive contents from scope (in place); the paths that must keep their names: the kept ones
    (library roots, cataloged archives), the archives found, and every folder above them."""
    archives = _Archives()
    found: set[bytes] = set()
    for folder in list(scope):
        holder = archives.holding(folder)
        if holder is not None:
            found.add(holder)
            del scope[folder]  # inside (or the top of) an archive: its inventory names these files
    for holder in sorted(found):
        notes.append(f"{display_path(holder)}: an OCFL archive, nothing in it renamed")
    return _with_ancestors([raw_path(p) for p in keep] + sorted(found))
