"""Output file names: never two alike, never longer than a file system takes.

Every writer of a user-visible output (single and batch extraction, the conformed EDL) names it through
unique_name(): the wanted name if it is free, else `_2`, `_3`… before the suffix, each cut to fit.
"""

from __future__ import annotations

import os
from collections.abc import Callable

# NAME_MAX of ext4, XFS, Btrfs, APFS, NTFS (in bytes of the file system's encoding, UTF-8 here).
NAME_MAX = 255
_MAX_SUFFIX = 16  # a longer "suffix" is part of the name (a dot inside a title), not a file type


def name_bytes(name: str) -> int:
    return len(os.fsencode(name))


def split_suffix(name: str) -> tuple[str, str]:
    """("clip", ".mov") for "clip.mov"; a leading dot or an overlong tail is no suffix."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or name_bytes(ext) + 1 > _MAX_SUFFIX:
        return name, ""
    return stem, "." + ext


def fit_name(stem: str, suffix: str = "", limit: int = NAME_MAX) -> str:
    """stem + suffix, the stem cut at a character boundary so the whole is at most limit bytes."""
    room = limit - name_bytes(suffix)
    if room < 1:
        raise ValueError(f"no room for a name before {suffix!r} in {limit} bytes")
    if name_bytes(stem) <= room:
        return stem + suffix
    while name_bytes(stem) > room:
        stem = stem[:-1]  # a character at a time: never half a UTF-8 sequence
    return (stem.rstrip(" .") or stem) + suffix


def unique_name(name: str, taken: Callable[[str], bool], limit: int = NAME_MAX) -> str:
    """The first of name, name_2, name_3… (number before the suffix, each cut to `limit` bytes) not taken."""
    stem, suffix = split_suffix(name)
    number = 1
    while True:
        tail = f"_{number}{suffix}" if number > 1 else suffix
        candidate = fit_name(stem, tail, limit)
        if not taken(candidate):
            return candidate
        number += 1
