"""`archive verify`: is every byte of the archive still what was written?

Quick (default): the OCFL structure through ocfl-py's validator (the reference implementation, digests not read),
every stored file present with its recorded size, and each version's ASC MHL readable and complete. Full: every
stored file re-read once, its sha256 compared with the inventory and its xxh128 with the MHL. A problem names the
version and logical path(s) a user knows, the stored file, and what is wrong.
"""

from __future__ import annotations

import concurrent.futures
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.archive.copying import Hashed, hash_file
from app.archive.layout import MHL_LOGICAL
from app.archive.mhl import recorded_hashes
from app.archive.model import ArchiveError
from app.archive.store import Archive
from app.core.job import JobContext
from app.core.progress import ProgressMeter

HASHING_FILES = max(2, min(4, os.cpu_count() or 2))


@dataclass(frozen=True)
class Problem:
    kind: str  # missing | size | digest | mhl | structure
    content_path: str
    detail: str
    logical: tuple[str, ...] = ()

    def text(self) -> str:
        where = f"{', '.join(self.logical)} ({self.content_path})" if self.logical else self.content_path
        return f"DAMAGED {self.kind}: {where}: {self.detail}"


@dataclass
class VerifyReport:
    archive: Path
    full: bool
    files: int = 0
    bytes: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        how = "every byte re-read" if self.full else "structure, sizes and MHLs; --full re-reads every byte"
        if self.ok:
            return f"archive OK: {self.archive} ({self.files} stored files, {self.bytes:,} bytes; {how})"
        return (f"archive DAMAGED: {len(self.problems)} problem(s) in {self.archive} ({how}); restore the named "
                "files from another copy")

    def as_json(self) -> dict[str, Any]:
        return {"archive": str(self.archive), "ok": self.ok, "full": self.full, "files": self.files,
                "bytes": self.bytes, "problems": [p.__dict__ | {"logical": list(p.logical)} for p in self.problems]}


def _logical_names(archive: Archive) -> dict[str, list[str]]:
    """content path → 'vN:logical path' of every version that shows it."""
    names: dict[str, list[str]] = {}
    for version, block in archive.inventory["versions"].items():
        for digest, paths in block["state"].items():
            content = archive.inventory["manifest"].get(digest, ["?"])[0]
            names.setdefault(content, []).extend(f"{version}:{p}" for p in paths if not p.startswith(MHL_LOGICAL))
    return names


def verify_archive(path: Path, full: bool, ctx: JobContext) -> VerifyReport:
    report = VerifyReport(Path(path).absolute(), full)
    try:
        archive = Archive.open(path, repair=False)
    except ArchiveError as exc:
        report.problems.append(Problem("structure", str(path), str(exc)))
        return report
    # A full verify runs the structure check (its import alone takes 0.6 s) beside the hashing, which mostly waits
    # on sha256 with the GIL released; its problems still come first in the report.
    structure = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="archive-validate")
    checked = structure.submit(_structure_problems, archive.path)
    structure.shutdown(wait=False)
    if not full:
        report.problems.extend(checked.result())
    try:
        _check_files(archive, full, report, ctx)
    finally:
        if full:
            report.problems[:0] = checked.result()
    return report


def _structure_problems(path: Path) -> list[Problem]:
    """The OCFL structure through ocfl-py's validator (digests not read)."""
    # Imported here: ocfl-py pulls in s3fs/aiobotocore (0.6 s), which every other archive verb would pay at start.
    from ocfl.validator import Validator

    validator = Validator(log_warnings=False, check_digests=False)
    if validator.validate_object(str(path)):
        return []
    return [Problem("structure", "inventory", message) for message in sorted(validator.log.messages)]


def _check_files(archive: Archive, full: bool, report: VerifyReport, ctx: JobContext) -> None:
    names = _logical_names(archive)
    manifest = archive.inventory["manifest"]
    total = sum(archive.recorded_size(paths[0]) or 0 for paths in manifest.values())
    meter = ProgressMeter(ctx.progress, total=total if full else len(manifest), unit="bytes" if full else "files")
    mhl_by_version: dict[str, dict[str, str]] = {}
    stored = [(digest, content) for digest, contents in sorted(manifest.items(), key=lambda item: item[1][0])
              for content in contents]
    if not full:
        for digest, content in stored:
            ctx.cancel.check()
            _check_file(archive, digest, content, None, names, report, meter, mhl_by_version)
        return
    lock = threading.Lock()

    def advance(count: int) -> None:
        with lock:
            meter.advance(count)

    def read(content: str) -> Hashed | OSError:
        try:
            return hash_file(archive.path / content, ctx.cancel, advance)
        except OSError as exc:
            return exc

    # sha256 runs at one core's speed per file: several files at once use every core (each hash_file also
    # hashes in two threads, so HASHING_FILES files keep both cores of this machine busy).
    pool = concurrent.futures.ThreadPoolExecutor(HASHING_FILES, thread_name_prefix="archive-verify")
    try:
        for (digest, content), hashed in zip(stored, pool.map(read, [c for _d, c in stored]), strict=True):
            ctx.cancel.check()
            _check_file(archive, digest, content, hashed, names, report, meter, mhl_by_version)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _check_file(archive: Archive, digest: str, content: str, hashed: Hashed | OSError | None,
                names: dict[str, list[str]], report: VerifyReport, meter: ProgressMeter,
                mhl_by_version: dict[str, dict[str, str]]) -> None:
    """Check one stored file; hashed is its digests read meanwhile (None: a quick verify, no bytes read)."""
    full = hashed is not None
    logical = tuple(names.get(content, ()))
    file = archive.path / content
    recorded = archive.recorded_size(content)
    try:
        size = os.stat(file).st_size
    except FileNotFoundError:
        report.problems.append(Problem("missing", content, "the stored file is missing", logical))
        return
    except OSError as exc:
        report.problems.append(Problem("missing", content, f"cannot read it: {exc.strerror}", logical))
        return
    report.files += 1
    report.bytes += size
    if recorded is not None and size != recorded:
        report.problems.append(Problem("size", content, f"{size:,} bytes instead of {recorded:,}", logical))
        if not full:
            return
    version, _content, relative = content.split("/", 2)  # relative: below vN/content/, as the MHL names it
    mhl = _version_mhl(archive, version, mhl_by_version, report)
    if mhl is not None and not relative.startswith("ascmhl/") and relative not in mhl:
        report.problems.append(Problem("mhl", content, f"not listed in the ASC MHL of {version}", logical))
    if not full:
        meter.advance()
        return
    if isinstance(hashed, OSError):
        report.problems.append(Problem("missing", content, f"cannot read it: {hashed.strerror}", logical))
        return
    assert hashed is not None
    if hashed.sha256 != digest:
        report.problems.append(Problem("digest", content, f"sha256 is {hashed.sha256}, the inventory records {digest}",
                                       logical))
    expected = archive.recorded_xxh128(content)
    in_mhl = None if mhl is None else mhl.get(relative)
    for source, value in (("the version record", expected), ("the ASC MHL", in_mhl)):
        if value is not None and value != hashed.xxh128 and hashed.sha256 == digest:
            report.problems.append(Problem("mhl", content, f"xxh128 is {hashed.xxh128}, {source} records {value}",
                                           logical))


def _version_mhl(archive: Archive, version: str, cache: dict[str, dict[str, str]],
                 report: VerifyReport) -> dict[str, str] | None:
    if version not in cache:
        try:
            cache[version] = recorded_hashes(archive.content_dir(version))
        except ArchiveError as exc:
            report.problems.append(Problem("mhl", f"{version}/content/ascmhl", str(exc)))
            cache[version] = {}
    return cache[version] or None


class VerifyArchiveJob:
    lane = "archive"

    def __init__(self, archive: Path, full: bool = False) -> None:
        self.archive, self.full = Path(archive), full
        self.title = f"Verify {self.archive.name}"

    def plan(self) -> Path:
        return self.archive

    def run(self, plan: Path, ctx: JobContext) -> VerifyReport:
        return verify_archive(plan, self.full, ctx)
