"""`archive import IN.zip ARCHIVE`: a ZIP (one written by `archive export`, or any ZIP of STORED members) becomes a
new archive whose v1 holds its files, copied straight from their byte ranges in one read each (CRC-32, sha256 and
xxh128 computed on the way).

Everything is checked before anything counts: every member's name (no `..`, absolute paths, drive letters or
backslashes: zip-slip), no duplicate names, no compressed or encrypted member, the ZIP complete; while copying,
each member's CRC-32 and, for an export, its sha256 and xxh128 against `.reelkeep/inventory.json`. A failure
removes the staging folder; only the new archive folder is ever written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.archive.copying import ByteRange, copy_hashed
from app.archive.model import DEFAULT_BRANCH, RESERVED_PREFIX, ArchiveError, VersionInfo
from app.archive.store import Archive
from app.archive.write import SourceFile, Stored, VersionRequest, write_version
from app.archive.zip_export import INVENTORY_MEMBER
from app.archive.zip_members import ZipMember, check_member_name, read_members, require_stored
from app.core.job import JobContext

# Reserved members that describe the exported version, not content to keep: the new archive writes its own MHL.
_SKIPPED_RESERVED = (INVENTORY_MEMBER, RESERVED_PREFIX + "mhl/")


@dataclass(frozen=True)
class ImportPlan:
    zip_path: Path
    user: list[tuple[str, ZipMember]]  # logical path, member
    reserved: list[tuple[str, ZipMember]]
    inventory: dict[str, Any] | None  # .reelkeep/inventory.json of an export; None for another ZIP


@dataclass(frozen=True)
class ImportResult:
    version: VersionInfo | None
    files: int
    checked_against_inventory: bool


def plan_import(zip_path: Path) -> ImportPlan:
    members = read_members(zip_path)
    seen: dict[str, str] = {}
    user, reserved = [], []
    inventory = None
    for member in members:
        logical = check_member_name(member.name)
        if member.is_folder:
            continue
        if logical in seen:
            raise ArchiveError(f"{zip_path}: two members are named {logical!r} ({seen[logical]!r} and "
                               f"{member.name!r}); refusing the whole ZIP")
        seen[logical] = member.name
        require_stored(zip_path, member)
        if logical == INVENTORY_MEMBER:
            inventory = _read_inventory(zip_path, member)
        elif logical.startswith(_SKIPPED_RESERVED):
            continue
        elif logical.startswith(RESERVED_PREFIX):
            reserved.append((logical, member))
        else:
            user.append((logical, member))
    if not user:
        raise ArchiveError(f"{zip_path}: the ZIP holds no files to archive")
    return ImportPlan(zip_path, user, reserved, inventory)


def _read_inventory(zip_path: Path, member: ZipMember) -> dict[str, Any]:
    with open(zip_path, "rb") as raw:
        raw.seek(member.data_offset)
        data = raw.read(member.size)
    try:
        document = json.loads(data)
        return {entry["path"]: entry for entry in document["members"]} | {"": document}
    except (ValueError, KeyError, TypeError) as exc:
        raise ArchiveError(f"{zip_path}: its {INVENTORY_MEMBER} is damaged ({exc}); refusing the ZIP") from None


class ImportDescriber:
    """The metadata step of the import: the exported version's own files (catalog metadata, proxies, posters) are
    copied from the ZIP, and every member's digests are compared with the export's inventory before the commit."""

    def __init__(self, plan: ImportPlan) -> None:
        self.plan = plan

    def __call__(self, content: Path, stored: list[Stored], previous: Archive | None,
                 ctx: JobContext) -> dict[str, Path]:
        for item in stored:
            self._check(item.logical_path, item.digest, None)
        outputs = {}
        for logical, member in self.plan.reserved:
            ctx.cancel.check()
            dest = content / logical
            dest.parent.mkdir(parents=True, exist_ok=True)
            hashed = copy_hashed(self.plan.zip_path, dest, ctx.cancel, None,
                                 ByteRange(member.data_offset, member.size), crc32=True)
            if hashed.crc32 != member.crc32:
                raise ArchiveError(f"{self.plan.zip_path}: the member {member.name} is damaged (CRC-32); "
                                   "nothing was imported")
            self._check(logical, hashed.sha256, hashed.xxh128)
            outputs[logical] = dest
        return outputs

    def _check(self, logical: str, sha256: str, xxh128: str | None) -> None:
        inventory = self.plan.inventory
        if inventory is None:
            return
        entry = inventory.get(logical)
        if entry is None:
            raise ArchiveError(f"{self.plan.zip_path}: {logical} is not in the export's inventory; the ZIP was "
                               "changed after it was exported — nothing was imported")
        if entry.get("sha256") != sha256 or (xxh128 is not None and entry.get("xxh128") != xxh128):
            raise ArchiveError(f"{self.plan.zip_path}: {logical} does not match the digest its export recorded; "
                               "the ZIP was damaged or changed — nothing was imported")


class ImportZipJob:
    lane = "extract"

    def __init__(self, zip_path: Path, archive: Path, message: str = "") -> None:
        self.zip_path, self.archive, self.message = Path(zip_path), Path(archive), message
        self.title = f"Import {self.zip_path.name} as {self.archive.name}"

    def plan(self) -> ImportPlan:
        return plan_import(self.zip_path)

    def run(self, plan: ImportPlan, ctx: JobContext) -> ImportResult:
        exported = plan.inventory.get("", {}) if plan.inventory else {}
        message = self.message or exported.get("message") or f"imported from {plan.zip_path.name}"
        if exported:
            message = self.message or f"{message} (imported from {plan.zip_path.name}, {exported.get('version')})"
        sources = [SourceFile(plan.zip_path, logical, ByteRange(member.data_offset, member.size), member.crc32)
                   for logical, member in plan.user]
        request = VersionRequest(None, sources, message=message, branch=DEFAULT_BRANCH)
        version = write_version(self.archive, request, ctx, create=True, describe=ImportDescriber(plan))
        return ImportResult(version, len(sources), plan.inventory is not None)
