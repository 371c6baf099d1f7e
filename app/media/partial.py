"""Outputs written under a temporary name and renamed into place only when complete; the one rule for leftovers.

The temporary name is `<name>.<host>-<pid>.partial` beside the final one (a file, or a folder for outputs made
together): a file with the final name is always complete, a cancel or an error removes the partial, and a
killed writer leaves one that never looks finished. Whenever a writer starts in a folder it first removes the
stale partials there (remove_stale_partials), so leftovers last only until that destination is next used.
Extraction, proxies, thumbnails and the conformed EDL all write this way.

Stale means: written on this machine (the host in its name is ours) by a process that is gone; or written on
another machine (shared storage: a farm worker, a colleague's window) and untouched for FOREIGN_STALE_SECONDS
(24 h): another machine's pid means nothing here, so only age can tell its writer is gone. A writer's file grows
(its modification time moves) as long as it writes. Names of older Reelkeeps, `<name>.<pid>.partial`, carry no
host and are judged by their pid as before.

Outputs never replace an existing file unless asked (overwrite=True): the name becomes `_2`, `_3`…
(app.core.naming.unique_name), also when another writer takes the name while this one is still writing.
An error writing the destination (full, read-only, not a folder…) becomes a DestinationError naming the
destination and the cause, never a complaint about the source.
"""

from __future__ import annotations

import errno
import hashlib
import itertools
import logging
import os
import re
import shutil
import socket
import sys
import threading
import time
from pathlib import Path
from types import TracebackType

import av

from app.core.errors import ReelkeepError
from app.core.naming import NAME_MAX, fit_name, name_bytes, split_suffix, unique_name

log = logging.getLogger(__name__)

PARTIAL = ".partial"
FOREIGN_STALE_SECONDS = 24 * 3600  # another machine's partial untouched this long is a killed writer's leftover
HOST_MAX = 20  # bytes of the host in a partial's name


def host_tag(hostname: str | None = None) -> str:
    """This machine's name as a partial's name carries it: letters, digits and _, starting with a letter, at most
    HOST_MAX long (a longer name is cut and ends with a digest of the whole, so two hosts stay apart)."""
    name = hostname if hostname is not None else socket.gethostname()
    safe = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_") or "host"
    if not safe[0].isalpha():
        safe = f"h{safe}"
    if len(safe) > HOST_MAX:
        safe = f"{safe[:HOST_MAX - 7]}_{hashlib.sha1(name.encode()).hexdigest()[:6]}"
    return safe


HOST = host_tag()

# Partials this process is writing right now (threads of the GUI's job lanes share one pid).
_live: set[Path] = set()
_lock = threading.Lock()
_serial = itertools.count(1)

# Errors that are always the destination's, whichever call reports them.
_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG}
_ADVICE = {
    errno.ENOSPC: "the disk is full: free some space there or choose another folder",
    errno.EDQUOT: "the disk quota is used up: free some space there or choose another folder",
    errno.EFBIG: "the file is too large for that file system: choose another folder",
    errno.EROFS: "a read-only file system: choose another folder",
    errno.EACCES: "Reelkeep may not write there: choose another folder or change its permissions",
    errno.EPERM: "Reelkeep may not write there: choose another folder or change its permissions",
    errno.ENOTDIR: "part of that path is a file, not a folder",
    errno.EEXIST: "something that is not a folder is in the way",
    errno.ENOENT: "that folder does not exist and cannot be made there",
    errno.ENAMETOOLONG: "the name is too long for that file system",
}


class DestinationError(ReelkeepError):
    """An output cannot be written where it should go; the message names the place and the cause."""


def destination_error(place: Path, exc: BaseException, action: str = "write") -> DestinationError:
    """'cannot write PLACE: No space left on device (the disk is full: …)'."""
    code = getattr(exc, "errno", None)
    cause = getattr(exc, "strerror", None) or str(exc)
    filename = getattr(exc, "filename", None)
    where = os.fsdecode(filename) if isinstance(filename, str | bytes) and filename else str(place)
    if where.endswith(PARTIAL):
        where = str(place)  # the temporary name means nothing to a user: name the output
    advice = _ADVICE.get(code)
    return DestinationError(f"cannot {action} {where}: {cause}" + (f" ({advice})" if advice else ""))


def is_write_error(exc: BaseException) -> bool:
    """True for an error that can only come from writing (a full disk, a read-only file system…)."""
    return isinstance(exc, OSError) and exc.errno in _WRITE_ERRNOS


def partial_path(dest: Path, serial: int = 0) -> Path:
    """The temporary name while writing: carries our host and pid (so a later run can tell an orphan) and fits
    NAME_MAX; `-N` after the pid tells apart two threads of this process writing the same output."""
    dest = Path(dest)
    return dest.with_name(fit_name(dest.name, f".{HOST}-{os.getpid()}{f'-{serial}' if serial else ''}{PARTIAL}"))


def _claim(dest: Path) -> Path:
    """A partial_path(dest) no thread of this process is writing, registered as ours (one lock: threads race)."""
    with _lock:
        path = partial_path(dest)
        while path in _live:
            path = partial_path(dest, next(_serial))
        _live.add(path)
    return path


def partial_writer(name: str) -> tuple[str | None, int] | None:
    """(host, pid) of a partial's name `<name>.<host>-<pid>[-n].partial`; (None, pid) for an older Reelkeep's
    `<name>.<pid>[-n].partial`; None when the name is not a partial's."""
    if not name.endswith(PARTIAL):
        return None
    parts = name[: -len(PARTIAL)].rsplit(".", 1)[-1].split("-")
    if parts[0].isdigit() and len(parts) <= 2:
        return None, int(parts[0])
    if len(parts) in (2, 3) and parts[0][:1].isalpha() and parts[1].isdigit():
        return parts[0], int(parts[1])
    return None


def own_partial_pid(name: str) -> int | None:
    """The pid of a partial written on this machine (or by an older Reelkeep, whose names carry no host), or None
    (not a partial, or another machine's: its pid means nothing here)."""
    writer = partial_writer(name)
    if writer is None or writer[0] not in (None, HOST):
        return None
    return writer[1]



def _in_use(path: Path, now: float | None = None) -> bool:
    """A live writer may still be making this partial: this machine's process is alive, or another machine's
    partial was touched within FOREIGN_STALE_SECONDS."""
    writer = partial_writer(path.name)
    if writer is None:
        return False
    host, pid = writer
    if host not in (None, HOST):
        try:
            age = (time.time() if now is None else now) - path.lstat().st_mtime
        except OSError:
            return False  # gone already
        return age < FOREIGN_STALE_SECONDS
    if pid == os.getpid():
        with _lock:
            return path in _live
    return process_alive(pid)


def remove_stale_partials(folder: Path, folders: bool = False) -> list[Path]:
    """Delete the partial files (and with folders, partial folders) in folder whose writer is gone (killed
    mid-write: this machine's process is gone, another machine's partial is untouched for FOREIGN_STALE_SECONDS);
    return them. Folders only where Reelkeep owns the place: a user's folder is never deleted."""
    removed: list[Path] = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed  # not there yet, or unreadable: the writer reports that itself
    now = time.time()
    for path in entries:
        if partial_writer(path.name) is None or _in_use(path, now):
            continue
        is_folder = path.is_dir() and not path.is_symlink()
        if is_folder and not folders:
            continue
        try:
            if is_folder:
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(path)
        except OSError:
            log.debug("cannot remove the stale partial %s", path, exc_info=True)
    return removed


def process_alive(pid: int) -> bool:
    """A process of that pid exists on this machine."""
    if sys.platform == "win32":
        return _alive_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True



def _alive_windows(pid: int) -> bool:
    # os.kill(pid, 0) would terminate the process on Windows: ask for its exit code instead.
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return kernel32.GetLastError() == 5  # access denied: it exists
    try:
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def _taken(folder: Path, name: str) -> bool:
    """A file (or anything) of that name exists, or a live writer is making it."""
    if os.path.lexists(folder / name):
        return True
    # the stem as the longest partial suffix leaves it (only a name near NAME_MAX is cut)
    longest = f".{'h' * HOST_MAX}-{2**32}-{2**32}{PARTIAL}"
    stem = fit_name(name, longest)[: -len(longest)]
    pattern = f"{_glob_escape(stem)}.*{PARTIAL}" if stem == name else f"{_glob_escape(stem)}*{PARTIAL}"
    try:
        return any(_in_use(p) for p in folder.glob(pattern))
    except OSError:
        return False


def _glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


def free_path(dest: Path) -> Path:
    """dest if nothing has its name, else dest_2, dest_3… beside it (names cut to NAME_MAX)."""
    dest = Path(dest)
    return dest.with_name(unique_name(dest.name, lambda name: _taken(dest.parent, name)))


class _Partial:
    """What PartialFile and PartialFolder share: naming, cleanup on entry, registration, error translation."""

    free_names = True  # an existing dest means: write under the next free name (unless overwrite)
    folders = False  # whether stale partial folders are removed too (only in Reelkeep's own folders)

    def __init__(self, dest: Path, overwrite: bool = False) -> None:
        self.wanted = Path(dest)
        self.overwrite = overwrite
        stem, suffix = split_suffix(self.wanted.name)
        self.dest = self.wanted.with_name(fit_name(stem, suffix, NAME_MAX))
        self.path = partial_path(self.dest)
        self._committed = False

    def __enter__(self):  # noqa: ANN204 - returns the subclass
        folder = self.dest.parent
        if os.path.exists(folder) and not folder.is_dir():
            raise DestinationError(f"cannot write to {folder}: it is a file, not a folder")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise destination_error(folder, exc, "create the folder") from exc
        remove_stale_partials(folder, self.folders)
        if not self.overwrite and self.free_names:
            self.dest = free_path(self.dest)
        self.path = _claim(self.dest)
        return self

    @property
    def renamed(self) -> bool:
        """The output has another name than asked for (the name was taken, or too long)."""
        return self.dest.name != self.wanted.name

    def commit(self) -> Path:
        """Rename the complete output into place (a free name unless overwrite); return where it went."""
        try:
            self._place()
        except OSError as exc:
            raise destination_error(self.dest, exc) from exc
        self._committed = True
        return self.dest

    def _place(self) -> None:
        if self.overwrite:
            os.replace(self.path, self.dest)
            return
        while True:
            try:
                os.link(self.path, self.dest)  # fails rather than replace a file that appeared meanwhile
            except FileExistsError:
                self.dest = free_path(self.dest)
                continue
            except OSError:
                # no hard links here (FAT/exFAT, some shares): check, then rename (a real fault shows there)
                if os.path.lexists(self.dest):
                    self.dest = free_path(self.dest)
                    continue
                os.replace(self.path, self.dest)
                return
            self._discard()
            return

    def _discard(self) -> None:
        try:
            if self.path.is_dir() and not self.path.is_symlink():
                shutil.rmtree(self.path)
            else:
                self.path.unlink(missing_ok=True)
        except OSError:
            # a read-only or vanished file system: the next run's cleanup tries again
            log.debug("cannot remove the partial %s", self.path, exc_info=True)

    def _finish(self, error: BaseException | None) -> None:
        with _lock:
            _live.discard(self.path)
        if not self._committed:
            self._discard()
        if error is None or isinstance(error, DestinationError):
            return
        # a reader's wrapper ("not readable as media: …") may have caught it first: look at the cause too
        cause = error.__cause__ if isinstance(error, ReelkeepError) else error
        if cause is not None and is_write_error(cause):
            raise destination_error(self.dest, cause) from error


class PartialFile(_Partial):
    """`with PartialFile(dest) as part:` write part.path (or part.open() a container on it), then
    part.commit(); leaving the block any other way (an error, a cancel) closes and deletes the partial file.
    part.dest is where the file goes: a free name unless overwrite (read it after commit())."""

    def __init__(self, dest: Path, overwrite: bool = False) -> None:
        super().__init__(dest, overwrite)
        self.container: av.container.OutputContainer | None = None

    def __enter__(self) -> PartialFile:
        return super().__enter__()

    def open(self, format: str, **options: object) -> av.container.OutputContainer:
        """An output container on the partial file (closed by close(), commit() or an abort)."""
        try:
            self.container = av.open(str(self.path), "w", format=format, **options)
        except OSError as exc:
            raise destination_error(self.dest, exc) from exc
        return self.container

    def close(self) -> None:
        """Close the container (writes the trailer) so the file can be read back before commit()."""
        if self.container is not None:
            container, self.container = self.container, None
            container.close()

    def commit(self) -> Path:
        self.close()
        return super().commit()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if not self._committed and self.container is not None:
            container, self.container = self.container, None
            try:
                container.close()
            except Exception:  # noqa: BLE001 - closing a half-written file may fail; it is deleted next
                log.debug("closing an abandoned %s failed", self.path.name, exc_info=True)
        self._finish(error)


class PartialFolder(_Partial):
    """`with PartialFolder(dest) as part:` fill the folder part.path, then part.commit() renames it to dest, so
    outputs made together appear together (a cache entry). An existing dest is replaced with overwrite, else
    kept (the first complete one stays; dest keeps its name: no `_2` for cache entries)."""

    free_names = False
    folders = True

    def __enter__(self) -> PartialFolder:
        super().__enter__()
        try:
            self.path.mkdir()
        except OSError as exc:
            self._finish(None)
            raise destination_error(self.path.parent, exc, "write to") from exc
        return self

    def _place(self) -> None:
        if not os.path.lexists(self.dest):
            try:
                os.rename(self.path, self.dest)
                return
            except OSError:
                if not os.path.lexists(self.dest):
                    raise
        if not self.overwrite:
            self._discard()  # another writer made it meanwhile: the first complete one stays
            return
        old = _claim(self.dest)  # named like a partial: a crash between the renames leaves no orphan
        try:
            os.rename(self.dest, old)
            os.rename(self.path, self.dest)
        finally:
            shutil.rmtree(old, ignore_errors=True)
            with _lock:
                _live.discard(old)

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._finish(error)


def write_file(dest: Path, data: bytes, overwrite: bool = False) -> Path:
    """Write a whole small file the partial way; return where it went (a free name unless overwrite)."""
    with PartialFile(dest, overwrite) as part:
        try:
            part.path.write_bytes(data)
        except OSError as exc:
            raise destination_error(part.dest, exc) from exc
        return part.commit()


__all__ = ["FOREIGN_STALE_SECONDS", "HOST", "PARTIAL", "DestinationError", "PartialFile", "PartialFolder",
           "destination_error", "free_path", "host_tag", "is_write_error", "name_bytes", "own_partial_pid",
           "partial_path", "partial_writer", "process_alive", "remove_stale_partials", "write_file"]
