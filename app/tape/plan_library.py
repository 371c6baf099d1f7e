"""A library selection as a source of a tape plan (`reelkeep tape plan --library [filters]`, the library's
Write to Tape…): cataloged files by id, each read where it is on disk, in tape order.

On the tape (docs/tape.md, "A library selection as a source"):
- `<root folder name>/<path under that library root>` for every file; roots sharing a folder name are told apart
  by their parent folders' names (`Footage (card-a)`, `Footage (card-b)`), the same names on every tape made from
  the catalog; a file outside every library root (added on its own) keeps its whole path under `Other files/`;
- with proxies: `.reelkeep/proxies/<preset>/<tape path>.<ext>` for each proxy the catalog recorded and
  `.reelkeep/posters/<tape path>.jpg` for its poster, the layout an archive version uses (app/archive/metadata.py).

Every file is checked before anything is planned: one missing on disk, or whose size differs from what the catalog
recorded (it changed since it was cataloged), stops the plan with the list (or is left out with skip_missing, and
the job says which). The catalog's content hash is not used: the write hashes (xxh128 and sha1) the very bytes it
puts on tape in the one read it makes anyway, which a hash recorded earlier cannot vouch for.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from app.archive.model import RESERVED_PREFIX
from app.catalog import selection as catalog_selection
from app.catalog.catalog import Catalog
from app.core.job import JobContext
from app.tape.jobs import PlanTapesJob
from app.tape.pipeline import DEFAULT_RECORD
from app.tape.plan import TapePlan
from app.tape.plan_archive import ArchiveSource
from app.tape.plan_walk import FILE, FOLDER, TapeItem, tape_path
from app.tape.profiles import Generation, TapeError

OUTSIDE = "Other files"  # files outside every library root, under their whole path
PROXIES = RESERVED_PREFIX + "proxies/"  # as in an archive version (app/archive/metadata.py)
POSTERS = RESERVED_PREFIX + "posters/"
RESERVED_NAMES = frozenset({OUTSIDE, RESERVED_PREFIX.rstrip("/")})  # a root named so is told apart like a clash
SHOWN_PROBLEMS = 50  # an error lists this many files; the rest are counted


@dataclass(frozen=True)
class LibrarySource:
    """Cataloged files by id, for a tape plan; label says where they came from (a filter, a selection)."""

    ids: tuple[int, ...]
    with_proxies: bool = False
    skip_missing: bool = False
    label: str = "library selection"

    def __str__(self) -> str:
        return f"{self.label} ({len(self.ids):,} files)"


@dataclass(frozen=True)
class LibraryFile:
    """A file of the selection (or one of its proxies or posters) and its path on tape (under the plan's dest)."""

    path: str
    source: str
    size: int
    mtime_ns: int


@dataclass
class LibrarySelection:
    files: list[LibraryFile] = field(default_factory=list)  # originals, proxies and posters
    problems: list[str] = field(default_factory=list)  # "PATH: why" of each original missing or changed
    gone_extras: int = 0  # proxies or posters the catalog knows of that are no longer on disk (left out)

    def top_names(self) -> set[str]:
        return {f.path.split("/", 1)[0] for f in self.files}


class MissingFiles(TapeError):
    """Files of the selection are missing on disk or changed since they were cataloged."""

    def __init__(self, problems: Sequence[str]) -> None:
        shown = "\n  ".join(problems[:SHOWN_PROBLEMS])
        more = f"\n  (and {len(problems) - SHOWN_PROBLEMS:,} more)" if len(problems) > SHOWN_PROBLEMS else ""
        super().__init__(f"{len(problems):,} file(s) of the library selection are missing on disk or changed since "
                         f"they were cataloged; nothing was planned:\n  {shown}{more}\nRescan the library to catalog "
                         "them as they are now, or leave them out of the selection (--skip-missing on the command "
                         "line)")
        self.problems = list(problems)


def library_totals(catalog: Catalog, ids: Sequence[int]) -> tuple[int, int]:
    """(files, bytes) of a selection from the sizes the catalog recorded: a few statements, no file read."""
    return catalog.selection_totals(ids)


def root_names(roots: Sequence[tuple[int, str]]) -> dict[int, str]:
    """Each library root's folder name on tape: its own name, or for roots sharing one (or named like Reelkeep's
    own folders) that name with as many of its parent folders' names as tell them apart."""
    groups: dict[str, list[tuple[int, list[str]]]] = {}
    for root_id, path in roots:
        where = Path(path)
        name = tape_path(where.name) or "root"
        groups.setdefault(name, []).append((root_id, [p for p in where.parent.parts if p != where.anchor]))
    names: dict[int, str] = {}
    for name, group in sorted(groups.items()):
        if len(group) == 1 and name not in RESERVED_NAMES:
            names[group[0][0]] = name
            continue
        taken = (set(groups) - {name}) | RESERVED_NAMES
        deepest = max(len(parents) for _id, parents in group)
        for depth in range(1, deepest + 2):
            labels = {root_id: f"{name} ({tape_path('-'.join(parents[-depth:])) or 'top'})"
                      for root_id, parents in group}
            if len(set(labels.values())) == len(group) and not set(labels.values()) & taken:
                break
        else:  # parents joined by '-' can still read alike: the root's catalog id decides
            labels = {root_id: f"{name} (root {root_id})" for root_id, _parents in group}
        names.update(labels)
    return names


def select_library(catalog: Catalog, ids: Sequence[int], with_proxies: bool = False,
                   check: Callable[[], None] | None = None) -> LibrarySelection:
    """The selection's files at their paths on tape, each checked on disk against the catalog's record."""
    roots = dict(catalog.roots())
    names = root_names(sorted(roots.items()))
    records = catalog.selected_files(ids)
    found = LibrarySelection()
    placed: dict[int, str] = {}
    for n, record in enumerate(records):
        if check is not None and n % 1000 == 0:
            check()
        source = os.fsdecode(record.path_raw)
        at = _tape_place(source, roots.get(record.root_id), names.get(record.root_id, ""))
        checked = _checked(source, record.size)
        if isinstance(checked, str):
            found.problems.append(f"{source}: {checked}")
            continue
        found.files.append(LibraryFile(at, *checked))
        placed[record.media_id] = at
    found.problems.sort()
    if with_proxies:
        _add_extras(catalog, records, placed, found, check)
    return found


def _tape_place(source: str, root: str | None, root_name: str) -> str:
    """`<root name>/<path under the root>`, or `Other files/<whole path>` for a file outside its root."""
    if root is not None and source.startswith(root.rstrip(os.sep) + os.sep):
        return tape_path(root_name, Path(os.path.relpath(source, root)).as_posix())
    where = Path(source)
    return tape_path(OUTSIDE, *(p for p in where.parts if p != where.anchor))


def _checked(source: str, recorded: int) -> tuple[str, int, int] | str:
    """(where to read, size, mtime_ns) of a regular file of the recorded size, else why not."""
    try:
        info = os.lstat(source)
        if stat.S_ISLNK(info.st_mode):  # a tape write reads regular files only: the link's target is read
            source = os.path.realpath(source)
            info = os.stat(source)
    except OSError as exc:
        return f"missing ({exc.strerror or exc})"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file any more"
    if info.st_size != recorded:
        return f"changed since it was cataloged ({info.st_size:,} bytes, cataloged {recorded:,})"
    return source, info.st_size, info.st_mtime_ns


def _add_extras(catalog: Catalog, records: Sequence[catalog_selection.SelectedFile], placed: dict[int, str],
                found: LibrarySelection, check: Callable[[], None] | None) -> None:
    from app.ingest.thumbs import thumbs_dir  # PyAV and numpy load only for a plan with proxies
    from app.media.thumbnails import POSTER

    recorded = catalog.selected_proxies(list(placed))
    for n, record in enumerate(records):
        at = placed.get(record.media_id)
        if at is None:
            continue
        if check is not None and n % 1000 == 0:
            check()
        wanted = [(tape_path(PROXIES, p.preset, at + Path(p.path).suffix), p.path)
                  for p in recorded.get(record.media_id, [])]
        if record.identity_hash:
            poster = thumbs_dir(record.identity_hash) / POSTER
            if poster.is_file():
                wanted.append((tape_path(POSTERS, at + poster.suffix), str(poster)))
        for path, source in wanted:
            try:
                info = os.stat(source)
            except OSError:
                found.gone_extras += 1  # a proxy made again later is found next time; the original is what counts
                continue
            found.files.append(LibraryFile(path, source, info.st_size, info.st_mtime_ns))


class _Folder:
    __slots__ = ("files", "folders")

    def __init__(self) -> None:
        self.files: dict[str, LibraryFile] = {}
        self.folders: dict[str, _Folder] = {}


def library_items(selection: LibrarySelection, dest: str = "") -> Iterator[TapeItem]:
    """The selection's files under dest in tape order: folder by folder, each folder's files by name, then its
    folders by name (the order of a folder walk, app/tape/plan_walk.py)."""
    top = _Folder()
    for entry in selection.files:
        *parents, leaf = entry.path.split("/")
        folder = top
        for part in parents:
            folder = folder.folders.setdefault(part, _Folder())
        if leaf in folder.files or leaf in folder.folders:
            raise TapeError(f"{entry.path} is on the tape twice ({entry.source}, {folder.files[leaf].source})")
        folder.files[leaf] = entry
    for name in sorted(top.folders):
        yield from _walk(top.folders[name], tape_path(dest, name))


def _walk(folder: _Folder, path: str) -> Iterator[TapeItem]:
    yield TapeItem(FOLDER, path)
    for name in sorted(folder.files):
        entry = folder.files[name]
        yield TapeItem(FILE, tape_path(path, name), entry.source, entry.size, entry.mtime_ns, 0, entry.size)
    for name in sorted(folder.folders):
        yield from _walk(folder.folders[name], tape_path(path, name))


class PlanLibraryJob(PlanTapesJob):
    """PlanTapesJob with a library selection after its folders and archive versions. skipped (set on the worker,
    read once the job finished) lists the files left out with skip_missing."""

    def __init__(self, catalog: Catalog, library: LibrarySource, sources: Sequence[Path | ArchiveSource],
                 out: Path, generation: Generation, capacity: int | None = None, copies: int = 1,
                 barcode_start: str = "RK0001", split: bool = True, dest: str = "",
                 block_size: int = DEFAULT_RECORD) -> None:
        super().__init__(sources, out, generation, capacity, copies, barcode_start, split, dest, block_size)
        # the folders and versions given with the selection, checked and walked as a plan of them alone is
        self.others = PlanTapesJob(sources, out, generation, dest=dest)
        self.catalog, self.library = catalog, library
        self.sources = [*self.sources, library]  # as plan.json records them
        self.title = f"Plan tapes for a {library}" + (f" and {len(sources)} source(s)" if sources else "")
        self.skipped: list[str] = []
        self.gone_extras = 0
        self._check: Callable[[], None] | None = None

    def plan(self) -> TapePlan | None:
        if not self.library.ids:
            raise TapeError("the library selection is empty: no cataloged file matches")
        return self.others.plan()

    def run(self, previous: TapePlan | None, ctx: JobContext) -> TapePlan:
        self._check = ctx.cancel.check
        return super().run(previous, ctx)

    def _items(self) -> Iterator[TapeItem]:
        chosen = select_library(self.catalog, self.library.ids, self.library.with_proxies, self._check)
        if chosen.problems and not self.library.skip_missing:
            raise MissingFiles(chosen.problems)
        self.skipped, self.gone_extras = chosen.problems, chosen.gone_extras
        if not chosen.files:
            raise TapeError("no file of the library selection is left to plan")
        library_top = chosen.top_names()
        base = tape_path(self.dest)
        for item in self.others._items():
            relative = item.path[len(base) + 1:] if base else item.path
            if item.kind == FOLDER and "/" not in relative and relative in library_top:
                raise TapeError(f"{relative}: a folder given and a library folder would both be {item.path} on "
                                "the tape; give the folder with another name, or plan them apart")
            yield item
        yield from library_items(chosen, self.dest)
