"""Content hashes. The identity hash is cheap enough for every scan; the full hash is for jobs that need it."""

from __future__ import annotations

import os

import xxhash

from app.core.regular_file import open_regular

_EDGE = 1 << 20  # 1 MiB from each end, as Stash does: enough to tell files apart, cheap on huge files
_BLOCK = 8 << 20


def identity_hash(path: str | bytes, size: int | None = None) -> str:
    """xxh3-64 over the size and the first and last MiB: stable across moves and renames. A FIFO or device
    raises NotARegularFile (never blocks or reads without end)."""
    with open_regular(path) as handle:
        if size is None:
            size = os.fstat(handle.fileno()).st_size
        digest = xxhash.xxh3_64()
        digest.update(size.to_bytes(8, "little"))
        digest.update(handle.read(_EDGE))
        if size > _EDGE:
            handle.seek(max(size - _EDGE, _EDGE))
            digest.update(handle.read(_EDGE))
    return f"{size:x}-{digest.hexdigest()}"


def content_hash(path: str | bytes) -> str:
    """xxh3-128 of the whole file."""
    digest = xxhash.xxh3_128()
    with open_regular(path) as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()
