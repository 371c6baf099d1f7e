"""Files written under a temporary name and renamed into place only when complete.

The temporary name is `<name>.<pid>.partial` beside the final one: a file with the final name is always
complete, a cancel or an error removes the partial file, and a crash leaves one that never looks finished
(remove_stale_partials() clears it on a later run). Proxies and extractions write this way.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from types import TracebackType

import av

log = logging.getLogger(__name__)

PARTIAL = ".partial"


def partial_path(dest: Path) -> Path:
    """The temporary name while writing: carries our pid, so a later run can tell an orphan."""
    return dest.with_name(f"{dest.name}.{os.getpid()}{PARTIAL}")


def remove_stale_partials(folder: Path) -> list[Path]:
    """Delete partial files whose writer process is gone (killed mid-encode); return what was removed."""
    removed = []
    if not folder.is_dir():
        return removed
    for path in folder.glob(f"*{PARTIAL}"):
        pid_text = path.name[: -len(PARTIAL)].rsplit(".", 1)[-1]
        if pid_text.isdigit() and int(pid_text) != os.getpid() and _alive(int(pid_text)):
            continue
        try:
            path.unlink()
            removed.append(path)
        except OSError:
            pass
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


class PartialFile:
    """`with PartialFile(dest) as part:` write part.path (or part.open() a container on it), then
    part.commit(); leaving the block any other way (an error, a cancel) closes and deletes the partial file."""

    def __init__(self, dest: Path) -> None:
        self.dest = Path(dest)
        self.path = partial_path(self.dest)
        self.container: av.container.OutputContainer | None = None
        self._committed = False

    def __enter__(self) -> PartialFile:
        self.dest.parent.mkdir(parents=True, exist_ok=True)
        return self

    def open(self, format: str, **options: object) -> av.container.OutputContainer:
        """An output container on the partial file (closed by close(), commit() or an abort)."""
        self.container = av.open(str(self.path), "w", format=format, **options)
        return self.container

    def close(self) -> None:
        """Close the container (writes the trailer) so the file can be read back before commit()."""
        if self.container is not None:
            container, self.container = self.container, None
            container.close()

    def commit(self) -> Path:
        """Rename the complete file into place."""
        self.close()
        os.replace(self.path, self.dest)
        self._committed = True
        return self.dest

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._committed:
            return
        if self.container is not None:
            container, self.container = self.container, None
            try:
                container.close()
            except Exception:  # noqa: BLE001 - closing a half-written file may fail; it is deleted next
                log.debug("closing an abandoned %s failed", self.path.name, exc_info=True)
        self.path.unlink(missing_ok=True)
