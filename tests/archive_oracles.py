"""External checks of the archives the tests write: the OCFL reference validator (ocfl-py) and the ASC MHL
reference tool (`ascmhl-debug verify`), plus a helper that writes an archive the way the CLI does."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from ocfl.validator import Validator

from app.archive.jobs import CommitJob, CreateArchiveJob, WriteResult
from app.core.job import JobContext, execute

ASCMHL_DEBUG = shutil.which("ascmhl-debug") or str(Path(sys.executable).with_name("ascmhl-debug"))


def assert_valid_ocfl(path: Path) -> None:
    """The OCFL 1.1 reference validator, digests re-read, finds no error."""
    validator = Validator(log_warnings=False, check_digests=True)
    assert validator.validate_object(str(path)), validator.status_str()


def assert_mhl_verifies(content_dir: Path) -> None:
    """`ascmhl-debug verify` re-hashes every file of content_dir against its ASC MHL history (exit 0)."""
    result = subprocess.run([ASCMHL_DEBUG, "verify", str(content_dir)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def assert_archive_sound(path: Path) -> None:
    assert_valid_ocfl(path)
    for version in sorted(p for p in path.iterdir() if p.name.startswith("v") and p.name[1:].isdigit()):
        if (version / "content").exists():  # a version that stores nothing new has no content folder
            assert_mhl_verifies(version / "content")


def create_archive(source: Path, archive: Path, proxies: Sequence[str] = (), message: str = "") -> WriteResult:
    outcome = execute(CreateArchiveJob(source, archive, proxies, message), JobContext())
    assert outcome.ok, outcome.message
    return outcome.value


def commit(archive: Path, paths: Sequence[Path], branch: str = "main", to: str = "", **options) -> WriteResult:
    outcome = execute(CommitJob(archive, paths, to, branch, **options), JobContext())
    assert outcome.ok, outcome.message
    return outcome.value
