"""A commit of a tree that has not changed since the branch's last commit of it ends at once: the commit records,
per branch, the head it left and a signature of what it was given (every source's logical path, path, size,
mtime and inode, the proxies asked for, and the catalog facts a version records of media files). The next
commit of the same sources on the same head is "nothing changed" without reading the inventory or a byte.

This is what makes `archive commit` of 100,000 unchanged files cost a walk of the tree and nothing more. It
trusts size, mtime and inode as the hash cache does (app/archive/hash_cache.py); `--rehash` skips it. The
signature is app/archive/jobs.tree_signature.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from app.archive.layout import extension_dir, read_json, write_json_atomic
from app.archive.model import ArchiveError
from app.archive.store import read_refs

_FILE = "last-commits.json"


def _record(archive: Path) -> Path:
    return extension_dir(archive) / _FILE


def already_committed(archive: Path, branch: str, signature: str) -> bool:
    """The branch's head is the one its last commit of exactly these sources left."""
    try:
        last = read_json(_record(archive), "the last commits").get(branch)
        head = read_refs(archive, repair=False).branches.get(branch)
    except (ArchiveError, OSError, AttributeError):
        return False
    return isinstance(last, dict) and head is not None and last.get("head") == head.head \
        and last.get("signature") == signature


def remember_commit(archive: Path, branch: str, head: str, signature: str) -> None:
    """Called under the archive's write lock with the head the commit left (a new version or the old head)."""
    record = _record(archive)
    try:
        known: dict[str, Any] = read_json(record, "the last commits") if record.exists() else {}
    except ArchiveError:
        known = {}
    known[branch] = {"head": head, "signature": signature}
    with contextlib.suppress(OSError):  # only a shortcut: the next commit does the full check
        write_json_atomic(record, known)
