"""One read of each source file, written to every destination at once and hashed on the way.

The calling thread reads the source into a small ring of buffers and hashes each chunk; one writer thread per
destination writes the same buffers in order (destinations are usually different drives, so they write in
parallel while the next chunk is read). A destination that fails (full, pulled, read-only) stops on its own: its
error is kept and the others go on. Every copy is written under a partial name, fsynced and then given its final
name without ever replacing a file (a hard link where the file system has them, an existence check and a rename
where it has not — exFAT camera drives), so a file with its final name is always complete.
"""

from __future__ import annotations

import contextlib
import errno
import os
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ascmhl.hasher import new_hasher_for_hash_type

from app.core.errors import ReelkeepError
from app.core.progress import CancelToken
from app.core.regular_file import open_regular
from app.media.partial import destination_error, partial_path

CHUNK = 8 << 20
_RING = 6
_NO_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK}


class SourceChangedError(ReelkeepError):
    """A source file changed (size or modification time) while it was being copied."""


class TargetExistsError(ReelkeepError):
    """The destination already holds a file of that name; it is never replaced."""


def new_hashers(formats: Sequence[str]) -> dict[str, object]:
    """One ascmhl hasher per format (md5, sha1, xxh64, xxh3, xxh128): digests as ASC MHL writes them."""
    return {name: new_hasher_for_hash_type(name) for name in formats}


def drop_cache(fd: int) -> None:
    """Ask the kernel to forget a file's cached pages, so the next read comes from the drive (a verify that read
    the page cache would prove nothing about the disk)."""
    if hasattr(os, "posix_fadvise"):
        with contextlib.suppress(OSError):
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)


class DestinationWriter:
    """The writer thread of one destination. Commands run in order; after its first error it only drains."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.error: BaseException | None = None
        self.bytes = 0
        self._commands: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, name=f"offload-{name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            command = self._commands.get()
            if command is None:
                return
            action, fd, view, done = command
            try:
                if self.error is None:
                    if action == "write":
                        while view:
                            written = os.write(fd, view)
                            view = view[written:]
                            self.bytes += written
                    elif action == "sync":  # the copy is complete: make it durable, drop it from the cache
                        os.fsync(fd)
                        drop_cache(fd)
                    # "barrier": nothing; done() says every earlier command has run
            except BaseException as exc:  # noqa: BLE001 - kept and reported by the reader
                self.error = exc
            finally:
                done()

    def put(self, action: str, fd: int, view: memoryview | None, done: Callable[[], None]) -> None:
        self._commands.put((action, fd, view, done))

    def close(self) -> None:
        self._commands.put(None)
        self._thread.join()


@dataclass
class CopiedFile:
    size: int
    hashes: dict[str, str]
    failed: dict[str, BaseException] = field(default_factory=dict)  # destination name → why its copy failed


def copy_to_all(source: Path, targets: Sequence[tuple[DestinationWriter, Path]], formats: Sequence[str],
                cancel: CancelToken | None = None, on_bytes: Callable[[int], None] | None = None) -> CopiedFile:
    """source read once into every (writer, final path); digests in every format. A destination's failure is in
    .failed (its partial removed) and the others are kept; a source that cannot be read, that changes while read,
    or a cancel raises after every partial is removed."""
    hashers = new_hashers(formats)
    live = [(writer, final) for writer, final in targets if writer.error is None]
    fds: dict[str, tuple[int, Path, Path]] = {}
    failed: dict[str, BaseException] = {}
    pool: queue.Queue[bytearray] = queue.Queue()
    for _ in range(_RING):
        pool.put(bytearray(CHUNK))
    try:
        with open_regular(source) as handle:
            before = os.fstat(handle.fileno())
            for writer, final in live:
                try:
                    fds[writer.name] = (_open_partial(final), final, partial_path(final))
                except OSError as exc:
                    failed[writer.name] = destination_error(final, exc)
            size = 0
            while True:
                if cancel is not None:
                    cancel.check()
                buffer = pool.get()
                got = handle.readinto(buffer)
                if not got:
                    pool.put(buffer)
                    break
                view = memoryview(buffer)[:got]
                for hasher in hashers.values():
                    hasher.update(view)
                size += got
                _hand_out(buffer, view, [(w, fds[w.name][0]) for w, _f in live if w.name in fds], pool)
                if on_bytes is not None:
                    on_bytes(got)
            after, now = os.fstat(handle.fileno()), os.stat(source)
            if size != before.st_size or (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns) \
                    or (now.st_ino, now.st_size, now.st_mtime_ns) != (before.st_ino, before.st_size,
                                                                       before.st_mtime_ns):
                raise SourceChangedError(f"{source} changed while it was copied ({before.st_size:,} bytes when it "
                                         f"was opened, {size:,} read); nothing of it was kept — copy it again "
                                         "once the card is no longer being written")
        _sync_all(live, fds)
        for writer, _final in live:
            if writer.name not in fds or writer.name in failed:
                continue
            fd, final, partial = fds.pop(writer.name)
            os.close(fd)
            try:
                if writer.error is not None:
                    raise writer.error
                os.utime(partial, ns=(before.st_atime_ns, before.st_mtime_ns))  # a card's dates are metadata
                give_final_name(partial, final)
            except (OSError, TargetExistsError) as exc:
                failed[writer.name] = exc if isinstance(exc, TargetExistsError) else destination_error(final, exc)
                _remove(partial)
        return CopiedFile(size, {name: h.string_digest() for name, h in hashers.items()}, failed)
    finally:
        if fds:  # stopped part way: the writers finish what they were handed before the files are closed
            _barrier([writer for writer, _final in live])
        for fd, _final, partial in fds.values():
            os.close(fd)
            _remove(partial)


def _open_partial(final: Path) -> int:
    final.parent.mkdir(parents=True, exist_ok=True)
    return os.open(partial_path(final), os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)


def _hand_out(buffer: bytearray, view: memoryview, writers: list[tuple[DestinationWriter, int]],
              pool: queue.Queue[bytearray]) -> None:
    """view to every writer; buffer goes back to the pool once the last of them has written it."""
    if not writers:
        pool.put(buffer)
        return
    left = [len(writers)]
    lock = threading.Lock()

    def written() -> None:
        with lock:
            left[0] -= 1
            if left[0] == 0:
                pool.put(buffer)

    for writer, fd in writers:
        writer.put("write", fd, view, written)


def _sync_all(live: list[tuple[DestinationWriter, Path]], fds: dict[str, tuple[int, Path, Path]]) -> None:
    synced = [threading.Event() for _ in live]
    for (writer, _final), event in zip(live, synced, strict=True):
        if writer.name in fds:
            writer.put("sync", fds[writer.name][0], None, event.set)
        else:
            event.set()
    for event in synced:
        event.wait()


def _barrier(writers: list[DestinationWriter]) -> None:
    events = [threading.Event() for _ in writers]
    for writer, event in zip(writers, events, strict=True):
        writer.put("barrier", -1, None, event.set)
    for event in events:
        event.wait()


def give_final_name(partial: Path, final: Path) -> None:
    """partial becomes final, never replacing a file that is there (TargetExistsError)."""
    try:
        os.link(partial, final)
    except FileExistsError:
        raise TargetExistsError(f"{final} appeared while it was being copied; it was not replaced") from None
    except OSError as exc:
        if exc.errno not in _NO_LINKS:
            raise
        if os.path.lexists(final):
            raise TargetExistsError(f"{final} appeared while it was being copied; it was not replaced") from None
        os.rename(partial, final)
        return
    os.unlink(partial)


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def hash_file(path: Path, formats: Sequence[str], cancel: CancelToken | None = None,
              on_bytes: Callable[[int], None] | None = None) -> tuple[int, dict[str, str]]:
    """A file's size and digests, read from the drive (its cached pages dropped first)."""
    hashers = new_hashers(formats)
    size = 0
    buffer = bytearray(CHUNK)
    with open_regular(path) as handle:
        drop_cache(handle.fileno())
        while got := handle.readinto(buffer):
            if cancel is not None:
                cancel.check()
            view = memoryview(buffer)[:got]
            for hasher in hashers.values():
                hasher.update(view)
            size += got
            if on_bytes is not None:
                on_bytes(got)
    return size, {name: h.string_digest() for name, h in hashers.items()}
