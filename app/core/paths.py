"""File paths as catalog identities: exact bytes for lookup, a readable string for display."""

from __future__ import annotations

import os
from pathlib import Path

PathLike = str | bytes | os.PathLike


def raw_path(path: PathLike) -> bytes:
    """The absolute path as the exact bytes the OS uses (non-UTF-8 names survive)."""
    return os.fsencode(os.path.abspath(os.fsdecode(path) if isinstance(path, bytes) else os.fspath(path)))


def display_path(raw: bytes) -> str:
    """A printable string for a raw path; undecodable bytes appear as \\xNN escapes."""
    return raw.decode("utf-8", "backslashreplace")


def os_path(raw: bytes) -> str:
    """The str form the os module accepts for a raw path (surrogate-escaped where not UTF-8)."""
    return os.fsdecode(raw)


def display_name(raw: bytes) -> str:
    return display_path(os.path.basename(raw))


def to_path(raw: bytes) -> Path:
    return Path(os.fsdecode(raw))
