"""The values every archive reader and writer shares (docs/archive.md describes the layout on disk)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app.core.errors import ReelkeepError

# Reelkeep's own files in a version's tree (catalog metadata, embedded proxies and posters, the MHL of each
# version) live under this logical prefix; listings, diffs and checkouts of user files leave it out.
RESERVED_PREFIX = ".reelkeep/"
CATALOG_JSON = ".reelkeep/catalog.json"
DEFAULT_BRANCH = "main"


class ArchiveError(ReelkeepError):
    """An archive that cannot be read or written as asked; the message names the archive, the file and what to do."""


@dataclass(frozen=True)
class ArchiveFile:
    """One file of one version: where its bytes are and what they hash to."""

    logical_path: str  # POSIX, relative, NFC; what users see
    digest: str  # sha256 hex, the OCFL content digest
    size: int
    content_path: Path  # absolute path of the stored bytes (a plain file inside the archive folder)
    xxh128: str | None = None  # the MHL's hash of the same bytes

    @property
    def reserved(self) -> bool:
        return self.logical_path.startswith(RESERVED_PREFIX)


@dataclass(frozen=True)
class VersionInfo:
    """One version (OCFL vN) with the graph facts kept beside the OCFL inventory."""

    name: str  # "v1", "v2", …
    created: str  # ISO 8601 UTC
    message: str = ""
    user: str = ""
    parents: tuple[str, ...] = ()
    branch: str | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def number(self) -> int:
        return int(self.name[1:])
