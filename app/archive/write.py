"""Writing a version: the one door every archive change goes through (create, add, commit, merge, import).

Order on disk (docs/archive.md, "Writing a version"): new content is copied into
`extensions/reelkeep/staging/vN.<pid>/` while it is hashed; Reelkeep's own files (catalog metadata, proxies,
posters, the version's ASC MHL) are written there too; then `extensions/reelkeep/versions/vN.json`, the version's
inventory, and the rename of the staging folder to `vN/` — the commit point. The root inventory and the branch
pointer follow; a writer killed after the commit point has them redone by the next Archive.open(). Nothing is
written outside the archive folder; an error or a cancel removes the staging folder and leaves the archive as it
was. Content whose sha256 the archive already holds is not stored again (deduplication across all versions and
branches), and sources whose (size, mtime, inode) match the hash cache are not read at all.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import getpass
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.archive.copying import ByteRange, Hashed, copy_hashed
from app.archive.hash_cache import HashCache
from app.archive.layout import (
    CONTENT,
    DIGEST,
    INVENTORY,
    INVENTORY_TYPE,
    MHL_LOGICAL,
    NAMASTE,
    NAMASTE_TEXT,
    SIDECAR,
    branches_path,
    content_path,
    fsync_dir,
    inventory_bytes,
    sidecar_text,
    staging_dir,
    sync_tree,
    utc_now,
    version_meta_path,
    version_name,
    write_atomic,
    write_json_atomic,
)
from app.archive.lock import archive_lock
from app.archive.mhl import write_generation
from app.archive.model import DEFAULT_BRANCH, ArchiveError, VersionInfo
from app.archive.store import Archive
from app.archive.unchanged import remember_commit
from app.core.errors import Cancelled
from app.core.job import JobContext
from app.core.progress import ProgressMeter
from app.media.partial import destination_error, is_write_error


@dataclass(frozen=True)
class SourceFile:
    """A file to store at logical_path (path is what the os module opens), or a byte range of it (a STORED ZIP
    member, whose CRC-32 is then checked while it is copied)."""

    path: Path | str  # a str from a folder walk: 100,000 Path objects cost a second
    logical_path: str
    part: ByteRange | None = None
    crc32: int | None = None
    stat: os.stat_result | None = field(default=None, compare=False, repr=False)  # from the plan's walk


@dataclass(frozen=True)
class Stored:
    """A file this version stores or references, as the metadata step sees it."""

    logical_path: str
    digest: str
    size: int
    file: Path | str  # where its bytes are now (staging or an earlier version's content), as the os module opens it
    source: Path | str | None  # the user's file it came from, when it came from one
    new: bool  # stored by this version (not deduplicated)


@dataclass
class VersionRequest:
    base: str | None = None  # version whose state this one starts from (None: empty)
    sources: list[SourceFile] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    state: dict[str, str] | None = None  # a whole state of stored digests (merge); replaces base's
    message: str = ""
    branch: str = DEFAULT_BRANCH
    parents: tuple[str, ...] | None = None  # default: (base,)
    rehash: bool = False
    write_empty: bool = False  # write a version even when the state does not change
    on_branch_head: bool = False  # base is the branch's head as read under the write lock (a commit)
    signature: str | None = None  # what the commit was given (app/archive/unchanged.py), kept with its outcome


# The metadata step: gets the staging content folder, the version's user files and the previous version's
# reserved files; returns logical path → file (in staging) of the .reelkeep/ files the version holds.
Describe = Callable[[Path, list[Stored], "Archive | None", JobContext], dict[str, Path]]


def remove_stale_staging(archive: Path) -> None:
    """Staging folders of writers that are gone (killed mid-write)."""
    folder = staging_dir(archive)
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        pid = entry.name.rpartition(".")[2]
        if pid.isdigit() and int(pid) != os.getpid() and _alive(int(pid)):
            continue
        shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_version(archive_path: Path, request: VersionRequest, ctx: JobContext, *, create: bool = False,
                  describe: Describe | None = None) -> VersionInfo | None:
    """Write one version as the module docstring says; None when nothing would change (no version written)."""
    archive_path = Path(archive_path).absolute()
    made_folder = create and not archive_path.exists()
    if create:
        _check_new_archive(archive_path)
    try:
        with archive_lock(archive_path):
            return _write_locked(archive_path, request, ctx, create, describe)
    except OSError as exc:
        if create:
            _undo_create(archive_path, made_folder)
        if is_write_error(exc):
            raise destination_error(archive_path, exc) from None
        raise
    except BaseException:
        if create:
            _undo_create(archive_path, made_folder)
        raise


def _undo_create(path: Path, made_folder: bool) -> None:
    """A create that failed or was cancelled leaves no half archive: what it made goes (never a user's file)."""
    if (path / NAMASTE).exists():
        return  # the commit point was passed: it is an archive now
    shutil.rmtree(path / "extensions", ignore_errors=True)
    if made_folder:
        with contextlib.suppress(OSError):
            path.rmdir()


def _check_new_archive(path: Path) -> None:
    if path.exists() and (path / NAMASTE).exists():
        raise ArchiveError(f"{path} is already an archive; use `reelkeep archive add` to add files")
    if path.exists() and (not path.is_dir() or any(p.name != "extensions" for p in path.iterdir())):
        raise ArchiveError(f"{path} already exists and is not empty; choose a new folder for the archive")


def _write_locked(archive_path: Path, request: VersionRequest, ctx: JobContext, create: bool,
                  describe: Describe | None) -> VersionInfo | None:
    remove_stale_staging(archive_path)
    archive = None if create else Archive.open(archive_path)
    if request.on_branch_head and archive is not None:
        branches = archive.branches()
        if request.branch not in branches:
            raise ArchiveError(f"{archive_path}: no branch {request.branch!r} (create it with `reelkeep archive "
                               "branch`)")
        request = dataclasses.replace(request, base=branches[request.branch].head)
    number = 1 if archive is None else int(archive.head[1:]) + 1
    version = version_name(number)
    base_state = _base_state(archive, request)
    stage = staging_dir(archive_path) / f"{version}.{os.getpid()}"
    stage.mkdir(parents=True)
    cache = HashCache(archive_path)
    try:
        state, stored, new_content = _stage_sources(archive, request, base_state, version, stage, cache, ctx)
        if describe is not None:
            reserved = describe(stage / CONTENT, stored, archive, ctx)
            for logical in [p for p in state if p.startswith(".reelkeep/") and not p.startswith(MHL_LOGICAL)]:
                if logical not in reserved:
                    del state[logical]
            for logical, file in reserved.items():
                _store_own_file(archive, version, stage, logical, file, state, new_content, ctx)
        if archive is not None and not request.write_empty and state == archive.state(request.base or archive.head) \
                and request.state is None and not request.remove:
            shutil.rmtree(stage, ignore_errors=True)
            cache.save()
            _remember(archive_path, request, request.base or archive.head)
            return None
        _write_mhl(version, stage, state, new_content)
        info = _commit(archive_path, archive, version, request, state, new_content, stage)
        cache.save()
        _remember(archive_path, request, version)
        return info
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    finally:
        cache.close()


def _remember(archive_path: Path, request: VersionRequest, head: str) -> None:
    if request.signature is not None:  # a create (its branch is main) or a commit on its branch's head
        remember_commit(archive_path, request.branch, head, request.signature)


def _base_state(archive: Archive | None, request: VersionRequest) -> dict[str, str]:
    if request.state is not None:
        state = dict(request.state)
        missing = [p for p, d in state.items() if archive is None or not archive.has_digest(d)]
        if missing:
            raise ArchiveError(f"cannot write a version referring to content the archive does not hold: {missing[0]}")
    elif request.base is not None:
        if archive is None:
            raise ArchiveError("a new archive has no base version")
        state = archive.state(request.base)
    else:
        state = {}
    for logical in request.remove:
        if logical not in state:
            raise ArchiveError(f"{logical!r} is not in the archive's version {request.base}; nothing to remove")
        del state[logical]
    # the previous version's MHL describes its own content folder; each version gets its own
    return {p: d for p, d in state.items() if not p.startswith(MHL_LOGICAL)} | {
        p: d for p, d in state.items() if p.startswith(MHL_LOGICAL)}


@dataclass
class _NewContent:
    """What vN/content stores: content path → (size, sha256, xxh128, mtime)."""

    files: dict[str, tuple[int, str, str, float]] = field(default_factory=dict)
    by_digest: dict[str, str] = field(default_factory=dict)


def _stage_sources(archive: Archive | None, request: VersionRequest, state: dict[str, str], version: str,
                   stage: Path, cache: HashCache, ctx: JobContext) -> tuple[dict[str, str], list[Stored], _NewContent]:
    new = _NewContent()
    stats: dict[bytes, os.stat_result] = {}
    raws = [os.fsencode(source.path) for source in request.sources]
    for raw, source in zip(raws, request.sources, strict=True):
        if source.stat is not None:  # stated by the plan a moment ago; a change during the copy is still caught
            stats[raw] = source.stat
            continue
        try:
            stats[raw] = os.stat(raw)
        except OSError as exc:
            raise ArchiveError(f"{source.path}: cannot read it ({exc.strerror}); nothing was added") from None
    # byte ranges of one file (ZIP members) share its path: the cache, keyed by path, knows nothing of them
    ranged = {raw for raw, s in zip(raws, request.sources, strict=True) if s.part is not None}
    whole = {raw: st for raw, st in stats.items() if raw not in ranged}
    known = {} if request.rehash else cache.lookup_many(whole)
    if archive is not None:  # a cached digest the archive already holds: nothing to read
        held = {raw: hashed for raw, hashed in known.items() if archive.has_digest(hashed.sha256)}
    else:
        held = {}
    to_read = sum(st.st_size for raw, st in whole.items() if raw not in held)
    to_read += sum(s.part.length for s in request.sources if s.part is not None)
    meter = ProgressMeter(ctx.progress, total=to_read, unit="bytes")
    stored: list[Stored] = []
    seen: set[str] = set()
    for number, (raw, source) in enumerate(zip(raws, request.sources, strict=True)):
        if not number & 0xFF:
            ctx.cancel.check()  # each copy checks on its own; a run of cached files checks every 256
        logical = source.logical_path
        if logical in seen:
            raise ArchiveError(f"two files would be stored as {logical!r}; give them different names (--to)")
        seen.add(logical)
        st = stats[raw]
        hashed = held.get(raw)
        if hashed is not None and archive is not None:
            state[logical] = hashed.sha256
            stored.append(Stored(logical, hashed.sha256, hashed.size, archive.content_location(hashed.sha256),
                                 source.path, False))
            continue
        ctx.cancel.check()
        hashed, file, is_new = _copy_in(archive, source, version, stage, new, meter, ctx, st)
        if source.part is None:
            cache.remember(raw, st, hashed)
        state[logical] = hashed.sha256
        stored.append(Stored(logical, hashed.sha256, hashed.size, file, source.path, is_new))
    return state, stored, new


def _copy_in(archive: Archive | None, source: SourceFile, version: str, stage: Path, new: _NewContent,
             meter: ProgressMeter, ctx: JobContext, before: os.stat_result) -> tuple[Hashed, Path, bool]:
    relative = content_path(version, source.logical_path)
    dest = stage / relative.split("/", 1)[1]
    dest.parent.mkdir(parents=True, exist_ok=True)
    meter.note(source.logical_path)
    try:
        hashed = copy_hashed(source.path, dest, ctx.cancel, meter.advance, source.part, source.crc32 is not None)
    except Cancelled:
        raise
    except OSError as exc:
        if is_write_error(exc):
            raise
        raise ArchiveError(f"{source.path}: cannot read it ({exc.strerror or exc}); nothing was added") from None
    after = os.stat(source.path)
    expected = source.part.length if source.part is not None else before.st_size
    if source.crc32 is not None and hashed.crc32 != source.crc32:
        raise ArchiveError(f"{source.path}: the member {source.logical_path} is damaged (its CRC-32 does not match the "
                           "ZIP's); nothing was added")
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns) or hashed.size != expected:
        raise ArchiveError(f"{source.path} changed while it was being copied; nothing was added — wait until it is "
                           "complete (still being written or copied?) and try again")
    if archive is not None and archive.has_digest(hashed.sha256):
        dest.unlink()
        return hashed, archive.content_file(hashed.sha256), False
    if hashed.sha256 in new.by_digest:
        dest.unlink()
        return hashed, stage / new.by_digest[hashed.sha256].split("/", 1)[1], False
    new.files[relative] = (hashed.size, hashed.sha256, hashed.xxh128, before.st_mtime)
    new.by_digest[hashed.sha256] = relative
    return hashed, dest, True


def _store_own_file(archive: Archive | None, version: str, stage: Path, logical: str, file: Path,
                    state: dict[str, str], new: _NewContent, ctx: JobContext) -> None:
    relative = content_path(version, logical)
    dest = stage / relative.split("/", 1)[1]
    hashed = copy_hashed(file, None, ctx.cancel)
    state[logical] = hashed.sha256
    if (archive is not None and archive.has_digest(hashed.sha256)) or hashed.sha256 in new.by_digest:
        if file.is_relative_to(stage):
            file.unlink()
        return
    if file != dest:
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(file, dest) if file.is_relative_to(stage) else shutil.copyfile(file, dest)
    new.files[relative] = (hashed.size, hashed.sha256, hashed.xxh128, dest.stat().st_mtime)
    new.by_digest[hashed.sha256] = relative


def _write_mhl(version: str, stage: Path, state: dict[str, str], new: _NewContent) -> None:
    for logical in [p for p in state if p.startswith(MHL_LOGICAL)]:
        del state[logical]  # earlier versions' MHLs stay in their own content folders
    content = stage / CONTENT
    _prune_empty_folders(content)  # left by deduplicated copies; OCFL forbids empty folders (E024)
    if not new.files:
        # nothing stored by this version (a merge, a removal, a rename of stored content): no content folder,
        # which OCFL allows, and no MHL generation to describe it
        shutil.rmtree(content, ignore_errors=True)
        return
    entries = [(stage / rel.split("/", 1)[1], size, mtime, xxh) for rel, (size, _sha, xxh, mtime) in new.files.items()]
    content.mkdir(parents=True, exist_ok=True)
    for written in write_generation(content, entries, f"reelkeep archive {version}"):
        hashed = copy_hashed(written, None)
        logical = f"{MHL_LOGICAL}{version}/{written.name}"
        relative = content_path(version, logical)
        state[logical] = hashed.sha256
        new.files[relative] = (hashed.size, hashed.sha256, hashed.xxh128, written.stat().st_mtime)
        new.by_digest.setdefault(hashed.sha256, relative)


def _prune_empty_folders(folder: Path) -> None:
    if not folder.is_dir():
        return
    for root, _dirs, files in os.walk(folder, topdown=False):
        if not files and not os.listdir(root) and Path(root) != folder:
            os.rmdir(root)


def _commit(archive_path: Path, archive: Archive | None, version: str, request: VersionRequest,
            state: dict[str, str], new: _NewContent, stage: Path) -> VersionInfo:
    inventory = _next_inventory(archive, version, request, state, new)
    parents = request.parents if request.parents is not None else (() if request.base is None else (request.base,))
    if archive is not None and request.base is None and request.parents is None:
        parents = ()
    meta = {"parents": list(parents), "branch": request.branch,
            "sizes": {rel: v[0] for rel, v in new.files.items()},
            "xxh128": {rel: v[2] for rel, v in new.files.items()}}
    data = inventory_bytes(inventory)
    (stage / INVENTORY).write_bytes(data)
    (stage / SIDECAR).write_text(sidecar_text(data), encoding="utf-8")
    sync_tree(stage)
    meta_path = version_meta_path(archive_path, version)
    meta_path.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomic(meta_path, meta)
    _test_hook("before-commit-point")
    os.rename(stage, archive_path / version)  # the commit point
    fsync_dir(archive_path)
    _test_hook("after-commit-point")
    write_atomic(archive_path / INVENTORY, data)
    write_atomic(archive_path / SIDECAR, sidecar_text(data).encode())
    if archive is None:
        write_atomic(archive_path / NAMASTE, NAMASTE_TEXT.encode())
    _move_branch(archive_path, archive, request.branch, version, parents)
    return VersionInfo(version, inventory["versions"][version]["created"], request.message,
                       inventory["versions"][version]["user"]["name"], tuple(parents), request.branch)


def _next_inventory(archive: Archive | None, version: str, request: VersionRequest, state: dict[str, str],
                    new: _NewContent) -> dict[str, Any]:
    if archive is None:
        inventory: dict[str, Any] = {"id": f"urn:uuid:{uuid.uuid4()}", "type": INVENTORY_TYPE,
                                     "digestAlgorithm": DIGEST, "head": version, "contentDirectory": CONTENT,
                                     "manifest": {}, "versions": {}}
    else:
        inventory = copy.deepcopy(archive.inventory)
        inventory["head"] = version
    manifest = inventory["manifest"]
    for relative, (_size, sha, _xxh, _mtime) in new.files.items():
        manifest.setdefault(sha, []).append(relative)
    by_digest: dict[str, list[str]] = {}
    for logical, digest in sorted(state.items()):
        by_digest.setdefault(digest, []).append(logical)
    inventory["versions"][version] = {"created": utc_now(), "message": request.message or f"version {version}",
                                      "user": {"name": _user()}, "state": by_digest}
    return inventory


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "reelkeep"


def _move_branch(archive_path: Path, archive: Archive | None, branch: str, version: str,
                 parents: tuple[str, ...]) -> None:
    branches = {} if archive is None else {
        b.name: {"head": b.head, "description": b.description, "created": b.created}
        for b in archive.branches().values()}
    entry = branches.get(branch) or {"head": version, "description": "", "created": utc_now()}
    entry["head"] = version
    branches[branch] = entry
    write_json_atomic(branches_path(archive_path), branches)


def _test_hook(point: str) -> None:
    """Tests kill the writer at named points (REELKEEP_TEST_KILL_AT) to prove a killed commit loses nothing."""
    if os.environ.get("REELKEEP_TEST_KILL_AT") == point:
        os.kill(os.getpid(), 9)
