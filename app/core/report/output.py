"""Reports are written under a temporary name beside the final one and renamed into place only when complete.

The temporary name follows app.media.partial (`<name>.<pid>-<n>.partial`), so that module's
remove_stale_partials recognises one a killed writer left behind. app.core may not import app.media (which
needs PyAV), hence this small copy of the rule; moving partial.py's naming and cleanup into app.core would let
both share one. Unlike media outputs, a report replaces an existing file at its path: the caller chose that
path (a save dialog has asked already; app.core.naming.unique_name gives a free one otherwise).
"""

from __future__ import annotations

import itertools
import logging
import os
from pathlib import Path
from types import TracebackType

from app.core.naming import fit_name

log = logging.getLogger(__name__)

PARTIAL = ".partial"
_serial = itertools.count(1)  # next() on a count is atomic under the GIL: threads get distinct names


class PartialOutputs:
    """`with PartialOutputs() as out: write out.add(dest)…` — on a clean exit every partial is flushed to disk
    and renamed to its dest (all files of one report appear together); on an error all of them are removed."""

    def __init__(self) -> None:
        self._pairs: list[tuple[Path, Path]] = []
        self.written: list[Path] = []

    def add(self, dest: Path) -> Path:
        """The partial path to write for dest (its folder is made if missing)."""
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        part = dest.with_name(fit_name(dest.name, f".{os.getpid()}-{next(_serial)}{PARTIAL}"))
        self._pairs.append((part, dest))
        return part

    def __enter__(self) -> PartialOutputs:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if error is None:
            try:
                self._commit()
                return
            except BaseException:
                self._discard()
                raise
        self._discard()

    def _commit(self) -> None:
        for part, _ in self._pairs:
            # Data on disk before the rename: after a power cut the final name holds the whole report or nothing.
            with open(part, "rb+") as handle:
                os.fsync(handle.fileno())
        for part, dest in self._pairs:
            os.replace(part, dest)
            self.written.append(dest)

    def _discard(self) -> None:
        for part, _ in self._pairs:
            try:
                part.unlink(missing_ok=True)
            except OSError:
                log.debug("cannot remove the partial report %s", part, exc_info=True)
