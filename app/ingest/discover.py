"""Walking library roots: every media file once, robust against links, loops, odd names and permissions."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field

from app.core.facts import FileState
from app.core.kinds import kind_for_name
from app.core.progress import CancelToken
from app.core.regular_file import special_file_message, stat_error_message


@dataclass
class WalkReport:
    """Folders that could not be listed; files below them must not be taken for missing."""

    unreadable_dirs: list[bytes] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    def covers(self, raw: bytes) -> bool:
        return any(raw.startswith(d.rstrip(b"/") + b"/") for d in self.unreadable_dirs)


def link_problem(raw: bytes) -> str:
    try:
        st = os.stat(raw)
    except OSError as exc:
        return stat_error_message(raw, exc) or f"cannot read: {exc.strerror}"
    return special_file_message(raw, st.st_mode) or "unusable symbolic link"


def file_state(raw: bytes) -> FileState | None:
    """Stat one path as discovery would; None when it is not a file the library takes."""
    if kind_for_name(raw) is None:
        return None
    try:
        st = os.stat(raw)
    except FileNotFoundError:
        if os.path.islink(raw):
            return FileState(raw, 0, 0.0, link_problem(raw))
        return None
    except OSError as exc:
        return FileState(raw, 0, 0.0, link_problem(raw) if os.path.islink(raw) else f"cannot read: {exc.strerror}")
    if not stat.S_ISREG(st.st_mode):
        # A link to a device or FIFO is reported as walk() reports it; a FIFO itself is no media file.
        return FileState(raw, 0, 0.0, link_problem(raw)) if os.path.islink(raw) and not stat.S_ISDIR(st.st_mode) else None
    return FileState(raw, st.st_size, st.st_mtime)


def walk(root: str | bytes, cancel: CancelToken | None = None, report: WalkReport | None = None) -> Iterator[FileState]:
    """Yield a FileState for every media file below root. Directory links are followed once (loop-safe)."""
    report = report if report is not None else WalkReport()
    start = os.fsencode(os.path.abspath(os.fsdecode(root)))
    try:
        st = os.stat(start)
    except OSError as exc:
        report.unreadable_dirs.append(start)
        report.messages.append(f"cannot open library folder {start.decode('utf-8', 'backslashreplace')}: {exc.strerror}")
        return
    visited = {(st.st_dev, st.st_ino)}
    stack = [start]
    while stack:
        if cancel is not None:
            cancel.check()
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:
            report.unreadable_dirs.append(folder)
            report.messages.append(f"cannot list {folder.decode('utf-8', 'backslashreplace')}: {exc.strerror}")
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=True):
                    dst = entry.stat(follow_symlinks=True)
                    key = (dst.st_dev, dst.st_ino)
                    if key not in visited:
                        visited.add(key)
                        stack.append(entry.path)
                    continue
                if kind_for_name(entry.name) is None:
                    continue
                if entry.is_file(follow_symlinks=True):
                    st = entry.stat(follow_symlinks=True)
                    yield FileState(entry.path, st.st_size, st.st_mtime)
                elif entry.is_symlink():
                    yield FileState(entry.path, 0, 0.0, link_problem(entry.path))
            except FileNotFoundError:
                continue  # vanished between listing and stat: the next scan or the watcher sees it
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    if kind_for_name(entry.name) is not None:
                        yield FileState(entry.path, 0, 0.0, link_problem(entry.path))
                    continue
                report.messages.append(f"cannot stat {os.fsdecode(entry.path)!r}: {exc.strerror}")
