"""Where things are in an archive folder (an OCFL 1.1 object root, docs/archive.md) and the small rules that
keep it readable by any OCFL tool: logical path checks, content path mapping, atomic JSON writes."""

from __future__ import annotations

import ctypes
import datetime
import errno
import functools
import hashlib
import json
import os
import sys
import unicodedata
from pathlib import Path, PurePosixPath
from typing import Any

from app.archive.model import RESERVED_PREFIX, ArchiveError

NAMASTE = "0=ocfl_object_1.1"
NAMASTE_TEXT = "ocfl_object_1.1\n"
INVENTORY = "inventory.json"
SIDECAR = "inventory.json.sha256"
DIGEST = "sha256"
INVENTORY_TYPE = "https://ocfl.io/1.1/spec/#inventory"
CONTENT = "content"
EXTENSION = Path("extensions") / "reelkeep"
MHL_LOGICAL = RESERVED_PREFIX + "mhl/"
USER_ASCMHL = RESERVED_PREFIX + "user-ascmhl/"  # where a user's own top-level ascmhl/ folder is stored
_PATH_MAX_BYTES = 4000  # far below PATH_MAX once the archive's own folder is in front


def utc_now() -> str:
    """An OCFL `created` value: ISO 8601 in UTC, seconds."""
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def version_name(number: int) -> str:
    return f"v{number}"


def extension_dir(archive: Path) -> Path:
    return archive / EXTENSION


def version_meta_path(archive: Path, version: str) -> Path:
    return extension_dir(archive) / "versions" / f"{version}.json"


def branches_path(archive: Path) -> Path:
    return extension_dir(archive) / "branches.json"


def staging_dir(archive: Path) -> Path:
    return extension_dir(archive) / "staging"


def check_logical_path(path: str, *, reserved_ok: bool = False) -> str:
    """A logical path as OCFL wants it (relative POSIX, no `.`/`..`/empty parts), NFC; ArchiveError otherwise."""
    if "\x00" in path or "\\" in path:
        raise ArchiveError(f"{path!r}: a name in an archive cannot hold NUL or backslash characters")
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        raise ArchiveError(f"{path.encode('utf-8', 'surrogateescape')!r}: the name is not valid UTF-8; archive "
                           "names are UTF-8 (OCFL) — rename the file first") from None
    path = unicodedata.normalize("NFC", path)
    parts = path.split("/")
    if path.startswith("/") or any(part in ("", ".", "..") for part in parts):
        raise ArchiveError(f"{path!r} is not a relative path inside the archive (no leading /, '.', '..' or '//')")
    if len(path.encode("utf-8")) > _PATH_MAX_BYTES or any(len(p.encode("utf-8")) > 255 for p in parts):
        raise ArchiveError(f"{path[:80]!r}…: the name is too long to store (255 bytes per part)")
    if not reserved_ok and (path + "/").startswith(RESERVED_PREFIX):
        raise ArchiveError(f"{path!r}: names under {RESERVED_PREFIX} are Reelkeep's own (metadata, proxies, MHL)")
    return path


def check_logical_name(folder: str, name: str) -> str:
    """folder + name as check_logical_path would give it, where folder ('' or 'a/b/') has been checked already:
    a walk checks each folder once and each file name on its own (plain ASCII names, most of them, in a few
    string operations)."""
    if (name.isascii() and name.isprintable() and "\\" not in name and "/" not in name and name not in ("", ".", "..")
            and len(name) <= 255 and len(folder) + len(name) <= _PATH_MAX_BYTES
            and (folder or name != RESERVED_PREFIX[:-1])):
        return folder + name
    return check_logical_path(folder + name)


def content_path(version: str, logical: str) -> str:
    """The OCFL content path of a file a version stores: its own name, except that the version's ASC MHL owns
    `content/ascmhl/` — a user's own top-level ascmhl/ folder (a camera card's) moves under .reelkeep/."""
    if logical.startswith(MHL_LOGICAL):
        rest = PurePosixPath(logical).relative_to(MHL_LOGICAL).parts[1:]  # .reelkeep/mhl/vN/<name>
        return "/".join((version, CONTENT, "ascmhl", *rest))
    if logical == "ascmhl" or logical.startswith("ascmhl/"):
        return f"{version}/{CONTENT}/{USER_ASCMHL}{logical}"
    return f"{version}/{CONTENT}/{logical}"


def inventory_bytes(inventory: dict[str, Any]) -> bytes:
    # compact separators: the root inventory holds every version's state (100k files × versions)
    return json.dumps(inventory, ensure_ascii=False, separators=(",", ":"), sort_keys=False).encode("utf-8")


def sidecar_text(data: bytes) -> str:
    return f"{hashlib.sha256(data).hexdigest()} {INVENTORY}\n"


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_tree(folder: Path) -> None:
    """Make everything written below folder durable: one syncfs(2) of its file system on Linux (a fsync per file
    costs minutes at 100,000 small files), else a fsync of every file and folder."""
    syncfs = _libc_syncfs()
    if syncfs is not None:
        fd = os.open(folder, os.O_RDONLY)
        try:
            if syncfs(fd) == 0:
                return
            error = ctypes.get_errno()
            if error not in (errno.ENOSYS, errno.EINVAL):
                raise OSError(error, os.strerror(error), str(folder))
        finally:
            os.close(fd)
    for root, _dirs, files in os.walk(folder):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(root))


@functools.cache
def _libc_syncfs() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.syncfs
    except (OSError, AttributeError):
        return None


def write_atomic(dest: Path, data: bytes) -> None:
    """Replace dest with data in one rename (tmp + fsync + rename): readers see the old or the new file."""
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_json_atomic(dest: Path, value: Any) -> None:
    write_atomic(dest, json.dumps(value, ensure_ascii=False, indent=1).encode("utf-8"))


def read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_bytes())
    except FileNotFoundError:
        raise ArchiveError(f"{what} is missing: {path}") from None
    except (OSError, ValueError) as exc:
        raise ArchiveError(f"{what} is damaged ({path}): {exc}") from None
