"""One writer at a time per archive: an advisory lock file in the archive's extension folder (light to import, so
that `archive branch` starts fast)."""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator
from pathlib import Path

from app.archive.layout import extension_dir
from app.archive.model import ArchiveError


@contextlib.contextmanager
def archive_lock(archive: Path) -> Iterator[None]:
    """One writer at a time per archive (two commits would both claim vN+1)."""
    ext = extension_dir(archive)
    ext.mkdir(parents=True, exist_ok=True)
    with open(ext / "lock", "a+b") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ArchiveError(f"{archive}: another Reelkeep process is writing this archive; try again when it "
                               "has finished") from None
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
