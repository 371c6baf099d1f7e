"""Reading only regular files: a named pipe blocks its reader forever, a device such as /dev/zero never ends.

Every check stats before opening (opening some devices has effects, a tape drive rewinds on close) and the
open itself is non-blocking, so a path swapped for a FIFO between the two cannot hang the reader either.
"""

from __future__ import annotations

import errno
import os
import stat
from typing import BinaryIO

from app.core.errors import ReelkeepError

PathArg = str | bytes | os.PathLike


class NotARegularFile(ReelkeepError):
    """A path that is not a regular file Reelkeep can read (a FIFO, device, folder, link loop); says which."""


def kind_of_special(mode: int) -> str | None:
    """What a non-regular file is, in words ('a device', 'a named pipe'...); None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def special_file_message(path: PathArg, mode: int) -> str | None:
    """'not a regular file (a device: it links to /dev/zero)'; None for a regular file."""
    kind = kind_of_special(mode)
    if kind is None:
        return None
    target = _link_target(path)
    where = f": it links to {target}" if target else ""
    return f"not a regular file ({kind}{where}); Reelkeep reads only regular files"


def stat_error_message(path: PathArg, exc: OSError) -> str | None:
    """The message for a stat/open failure that is about links (a loop, a dangling target); else None."""
    if exc.errno == errno.ELOOP:
        return "symbolic link loop: the link points back to itself (directly or through other links)"
    if exc.errno == errno.ENOENT and os.path.islink(path):
        target = _link_target(path) or "?"
        return f"broken symbolic link: its target {target} does not exist"
    return None


def check_regular(path: PathArg, max_bytes: int | None = None) -> os.stat_result:
    """Stat `path` (following links) and refuse anything but a regular file, or one above max_bytes."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise NotARegularFile(stat_error_message(path, exc) or (exc.strerror or str(exc))) from exc
    _refuse(path, st, max_bytes)
    return st


def open_regular(path: PathArg, max_bytes: int | None = None) -> BinaryIO:
    """A regular file opened for binary reading; anything else raises NotARegularFile without blocking.
    OSError (permission denied, gone) passes through as the callers already explain it."""
    _refuse(path, os.stat(path), max_bytes)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        _refuse(path, os.fstat(fd), max_bytes)  # swapped between stat and open
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def read_regular(path: PathArg, max_bytes: int) -> bytes:
    """The whole content of a regular file of at most max_bytes; never blocks on a FIFO, never reads past
    max_bytes + 1 (a file growing while it is read is refused, not read without end)."""
    try:
        handle = open_regular(path, max_bytes)
    except OSError as exc:
        raise NotARegularFile(stat_error_message(path, exc) or (exc.strerror or str(exc))) from exc
    with handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise NotARegularFile(_too_large(len(data), max_bytes, grew=True))
    return data


def _refuse(path: PathArg, st: os.stat_result, max_bytes: int | None) -> None:
    message = special_file_message(path, st.st_mode)
    if message is not None:
        raise NotARegularFile(message)
    if max_bytes is not None and st.st_size > max_bytes:
        raise NotARegularFile(_too_large(st.st_size, max_bytes))


def _too_large(size: int, max_bytes: int, grew: bool = False) -> str:
    amount = f"more than {max_bytes:,} bytes (it grew while being read)" if grew else f"{size:,} bytes"
    return (f"too large: {amount}, and Reelkeep reads at most {max_bytes // (1 << 20)} MB from a file of this "
            "kind (is it really one?)")


def _link_target(path: PathArg) -> str | None:
    try:
        if not os.path.islink(path):
            return None
        return os.fsdecode(os.readlink(path)).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except OSError:
        return None
