"""The ASC MHL generation of each version: every file stored in `vN/content`, hashed with xxh128 while it was
copied, written with the `ascmhl` library so any ASC MHL tool (`ascmhl-debug verify vN/content`) checks it."""

from __future__ import annotations

import datetime
import socket
from pathlib import Path

from ascmhl import errors as mhl_errors
from ascmhl.generator import MHLGenerationCreationSession
from ascmhl.hashlist import MHLCreatorInfo, MHLProcess, MHLProcessInfo, MHLTool
from ascmhl.history import MHLHistory

from app import __version__
from app.archive.model import ArchiveError

HASH_FORMAT = "xxh128"


def write_generation(content_dir: Path, files: list[tuple[Path, int, float, str]], comment: str = "") -> list[Path]:
    """One generation for content_dir from (path, size, mtime, xxh128) already known; the files it wrote."""
    history = MHLHistory.load_from_path(str(content_dir))
    session = MHLGenerationCreationSession(history)
    for path, size, mtime, digest in files:
        session.append_file_hash(str(path), size, datetime.datetime.fromtimestamp(mtime), HASH_FORMAT, digest)
    process = MHLProcessInfo()
    process.process = MHLProcess("in-place")
    session.commit(creator_info(comment), process)
    return sorted((content_dir / "ascmhl").iterdir())


def creator_info(comment: str = "") -> MHLCreatorInfo:
    """Who wrote an ASC MHL generation: Reelkeep, its version, this host, now (every MHL Reelkeep writes)."""
    creator = MHLCreatorInfo()
    creator.tool = MHLTool("reelkeep", __version__)
    creator.creation_date = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    creator.host_name = socket.gethostname() or "localhost"
    creator.comment = comment or None
    return creator


def recorded_hashes(content_dir: Path) -> dict[str, str]:
    """relative path → xxh128 of every file the MHL history in content_dir records; ArchiveError if unreadable."""
    try:
        history = MHLHistory.load_from_path(str(content_dir))
    except (mhl_errors.NoMHLChainException, OSError, ValueError, Exception) as exc:  # noqa: BLE001 - lxml, etc.
        raise ArchiveError(f"the ASC MHL in {content_dir} cannot be read: {exc}") from None
    found: dict[str, str] = {}
    for hash_list in history.hash_lists:
        for media_hash in hash_list.media_hashes:
            for entry in media_hash.hash_entries:
                if entry.hash_format == HASH_FORMAT:
                    found[media_hash.path] = entry.hash_string
    return found
