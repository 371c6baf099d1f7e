"""The values of a card offload: what was asked, the plan, and how each file and destination ended."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

from app.core.errors import ReelkeepError
from app.ingest.card import CardInfo
from app.ingest.offload_mhl import KnownHashes

VERIFY_MODES = ("full", "source", "size")
DEFAULT_PATTERN = "{date}/{camera}/{reel}"
OK, FAILED, INCOMPLETE = "verified", "FAILED", "incomplete"


class OffloadError(ReelkeepError):
    """An offload that cannot start (no source, no destination, a destination inside the source…)."""


@dataclass(frozen=True)
class OffloadRequest:
    source: Path
    destinations: tuple[Path, ...]
    hash_format: str = "xxh128"
    verify: str = "full"
    pattern: str = DEFAULT_PATTERN
    when: datetime.date | None = None  # the {date} of the pattern; today when None


@dataclass(frozen=True)
class SourceFile:
    path: str  # relative to the card root, POSIX
    size: int
    mtime_ns: int


@dataclass
class OffloadPlan:
    request: OffloadRequest
    card: CardInfo
    files: list[SourceFile]
    targets: list[Path]  # the card's folder in each destination
    formats: list[str]  # hashed while copying: the chosen one first, then those the card's own records use
    known: KnownHashes
    skipped: list[str]  # system files and what is not a regular file, with why

    @property
    def bytes(self) -> int:
        return sum(f.size for f in self.files)


@dataclass
class DestinationResult:
    target: Path
    status: str = OK
    verified: int = 0
    problems: list[str] = field(default_factory=list)
    mhl: list[Path] = field(default_factory=list)
    bytes_written: int = 0
    seconds: float = 0.0


@dataclass
class FileResult:
    path: str
    size: int
    hashes: dict[str, str] = field(default_factory=dict)
    at: dict[str, str] = field(default_factory=dict)  # destination target → "verified", "already there", why not
    card_record: str = ""  # what the card's own hash records said: "matches ascmhl", "DIFFERS from A001.mhl"


@dataclass
class OffloadResult:
    plan: OffloadPlan
    destinations: list[DestinationResult]
    files: list[FileResult]
    seconds: float
    source_bytes_read: int
    copy_seconds: float = 0.0
    reports: list[Path] = field(default_factory=list)
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return not self.cancelled and all(d.status == OK for d in self.destinations) and not self.card_problems

    @property
    def card_problems(self) -> list[str]:
        return [f"{f.path}: {f.card_record}" for f in self.files if f.card_record.startswith("DIFFERS")]

    def summary(self) -> str:
        done = "verified" if self.plan.request.verify != "size" else "copied (sizes checked)"
        state = "all " + done if self.ok else "PROBLEMS"
        return (f"{self.plan.card.family} card {self.plan.card.reel}: {len(self.files):,} files, "
                f"{self.plan.bytes:,} bytes to {len(self.destinations)} destination(s) — {state}")
