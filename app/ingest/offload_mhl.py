"""The hash records of an offload: what a card already says about its files (an ASC MHL history in `ascmhl/`, or
a legacy `.mhl` hash list from older offload tools), and the ASC MHL generation written in each destination.

A card's own hashes are checked against the bytes read, never trusted: the formats they use are hashed during
the copy too. The generation in a destination continues the card's history when it carries one (the `ascmhl`
folder is copied with the card), so ASC MHL tools see the chain: original on the camera or the first offload,
verified on every copy after.
"""

from __future__ import annotations

import datetime
import os
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path

from ascmhl.generator import MHLGenerationCreationSession
from ascmhl.hashlist import MHLProcess, MHLProcessInfo
from ascmhl.history import MHLHistory

from app.archive.mhl import creator_info

MHL_FOLDER = "ascmhl"
HASH_FORMATS = ("xxh64", "xxh3", "xxh128", "md5", "sha1")
# Legacy MHL 1.x elements → ASC MHL format names; xxhash64 was written as a decimal number, xxhash64be as hex.
_LEGACY = {"md5": "md5", "sha1": "sha1", "xxhash64be": "xxh64", "xxhash64": "xxh64"}


@dataclass
class KnownHashes:
    """Hashes a card carries for its own files: relative path → {format: digest}, and where they came from."""

    files: dict[str, dict[str, str]] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)  # "ascmhl (3 generations)", "A001.mhl"
    problems: list[str] = field(default_factory=list)  # records that could not be read

    @property
    def formats(self) -> set[str]:
        return {name for hashes in self.files.values() for name in hashes if name in HASH_FORMATS}


def card_hashes(root: Path) -> KnownHashes:
    """What root's ascmhl history and legacy .mhl files (at the card's top level) record."""
    known = KnownHashes()
    if (root / MHL_FOLDER).is_dir():
        try:
            history = MHLHistory.load_from_path(str(root))
        except Exception as exc:  # noqa: BLE001 - ascmhl raises its own and lxml's errors on a damaged history
            known.problems.append(f"the card's ascmhl history cannot be read: {exc}")
        else:
            for hash_list in history.hash_lists:
                for media_hash in hash_list.media_hashes:
                    for entry in media_hash.hash_entries:
                        known.files.setdefault(media_hash.path, {})[entry.hash_format] = entry.hash_string
            known.sources.append(f"ascmhl ({len(history.hash_lists)} generation(s))")
    for legacy in sorted(root.glob("*.mhl")):
        try:
            read = _legacy_hashes(legacy)
        except (OSError, ElementTree.ParseError, ValueError) as exc:
            known.problems.append(f"{legacy.name} cannot be read: {exc}")
            continue
        for path, hashes in read.items():
            known.files.setdefault(path, {}).update(hashes)
        known.sources.append(legacy.name)
    return known


def _legacy_hashes(path: Path) -> dict[str, dict[str, str]]:
    """A MHL 1.x hash list: <hashlist><hash><file>A001/clip.mov</file><md5>…</md5></hash>…"""
    found: dict[str, dict[str, str]] = {}
    for element in ElementTree.parse(path).getroot().iter("hash"):
        name = (element.findtext("file") or "").strip().replace("\\", "/")
        if not name:
            continue
        hashes: dict[str, str] = {}
        for tag, format_name in _LEGACY.items():
            value = (element.findtext(tag) or "").strip()
            if value:
                hashes[format_name] = f"{int(value):016x}" if tag == "xxhash64" else value.lower()
        if hashes:
            found[name.lstrip("/")] = hashes
    return found


@dataclass(frozen=True)
class HashedFile:
    path: str  # relative to the destination's card root, POSIX
    size: int
    mtime: float
    hashes: dict[str, str]


def write_generation(root: Path, files: list[HashedFile], formats: list[str], comment: str) -> tuple[list[Path],
                                                                                                   list[str]]:
    """A new ASC MHL generation for root listing files in formats; (the files it wrote, paths whose hash
    disagrees with the history already there)."""
    history = MHLHistory.load_from_path(str(root))
    session = MHLGenerationCreationSession(history)
    disagree: list[str] = []
    for item in files:
        modified = datetime.datetime.fromtimestamp(item.mtime)
        for name in formats:
            if name in item.hashes and not session.append_file_hash(str(root / item.path), item.size, modified,
                                                                    name, item.hashes[name]):
                disagree.append(item.path)
    process = MHLProcessInfo()
    process.process = MHLProcess("transfer")
    before = set(_listing(root / MHL_FOLDER))
    session.commit(creator_info(comment), process)
    return sorted(set(_listing(root / MHL_FOLDER)) - before), disagree


def _listing(folder: Path) -> list[Path]:
    return [Path(folder, name) for name in os.listdir(folder)] if folder.is_dir() else []
