"""Per-machine root mapping: the shared catalog stores each path in one form (the *catalog's*, as the machine that
scanned it saw it); a machine that mounts the same storage elsewhere maps a catalog prefix to its local prefix,
e.g. `/Volumes/RAID` -> `/mnt/raid`. The mapping belongs to a machine (its settings), never to the catalog.

Rules: the longest matching prefix wins; a prefix matches whole path components only (`/Volumes/RAID2/x` is not
under `/Volumes/RAID`); the rest of a path is kept byte for byte (a non-UTF-8 name maps exactly). A prefix is
absolute: POSIX (`/…`) or Windows-style (`D:\\…`, `\\\\server\\share`); below a Windows-style prefix both `\\`
and `/` separate components, and a path mapped between a Windows-style and a POSIX prefix has its separators
turned (so a Mac's `/Volumes/RAID/a/b.mov` is `R:\\a\\b.mov` for a Windows machine mapping `/Volumes/RAID` to
`R:\\`).

The catalog access layer (app/catalog/catalog.py) converts at its boundary: what it is given is local, what it stores
is the catalog's form, what it returns is local again.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from app.core.errors import ReelkeepError

# How a program hands the mapping it runs with to the processes it starts (a streaming server's workers, a
# catalog opened by a thread of its own): JSON, [["catalog prefix", "local prefix"], …].
ROOT_MAP_ENV = "REELKEEP_ROOT_MAP"

_WINDOWS_RE = re.compile(r"^(?:[A-Za-z]:(?:[\\/]|$)|\\\\[^\\/]+[\\/][^\\/]+)")


class RootMapError(ReelkeepError, ValueError):
    """A mapping that cannot be used: empty, relative, or two entries that contradict each other."""


def is_windows_style(path: str) -> bool:
    """`D:\\…`, `D:/…`, `D:` or a UNC `\\\\server\\share…`."""
    return bool(_WINDOWS_RE.match(path))


def is_absolute_prefix(path: str) -> bool:
    return path.startswith("/") or is_windows_style(path)


def _normalized(path: str, what: str) -> str:
    text = path.strip()
    if not text:
        raise RootMapError(f"the {what} of a root mapping is empty")
    if not is_absolute_prefix(text):
        raise RootMapError(f"the {what} {path!r} of a root mapping is not an absolute path (it must start with / "
                           "or a drive like D:\\)")
    if "\0" in text:
        raise RootMapError(f"the {what} {path!r} of a root mapping holds a NUL character")
    if is_windows_style(text):
        stripped = text.rstrip("\\/")
        if re.fullmatch(r"[A-Za-z]:", stripped):
            return stripped + "\\"  # the drive's root: D:\ (D: alone is "the current folder of D")
        return stripped
    return text.rstrip("/") or "/"


@dataclass(frozen=True)
class RootMapping:
    """One entry: paths under `catalog` (as stored in the catalog) are under `local` on this machine."""

    catalog: str
    local: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "catalog", _normalized(self.catalog, "catalog path"))
        object.__setattr__(self, "local", _normalized(self.local, "path on this machine"))

    @classmethod
    def parse(cls, text: str) -> RootMapping:
        """`CATALOG=LOCAL`, e.g. `/Volumes/RAID=/mnt/raid`. A path may hold `=`: the split is the one `=` with an
        absolute path on both sides."""
        if "=" not in text:
            raise RootMapError(f"{text!r} is no root mapping: write CATALOG_PATH=LOCAL_PATH, e.g. "
                               "/Volumes/RAID=/mnt/raid")
        splits = [(text[:i], text[i + 1:]) for i, c in enumerate(text) if c == "="]
        fitting = [(a, b) for a, b in splits if is_absolute_prefix(a.strip()) and is_absolute_prefix(b.strip())]
        if len(fitting) > 1:
            raise RootMapError(f"{text!r} can be read as a mapping in {len(fitting)} ways (a path holds '='); "
                               "use `reelkeep catalog map-root add CATALOG_PATH LOCAL_PATH` with two arguments")
        catalog, local = fitting[0] if fitting else splits[0]
        return cls(catalog, local)

    def __str__(self) -> str:
        return f"{self.catalog}={self.local}"


class _Prefix:
    """One side of a mapping as bytes, with its separator rule."""

    __slots__ = ("exact", "seps", "text", "windows")

    def __init__(self, path: str) -> None:
        self.text = path
        self.exact = os.fsencode(path)
        self.windows = is_windows_style(path)
        self.seps = (b"\\", b"/") if self.windows else (b"/",)

    def rest(self, value: bytes) -> bytes | None:
        """The part of value below this prefix (b'' for the prefix itself), or None when value is not under it."""
        exact = self.exact
        if not value.startswith(exact):
            return None
        if len(value) == len(exact):
            return b""
        if exact[-1:] in self.seps:  # a root: / or D:\
            return value[len(exact):]
        if value[len(exact):len(exact) + 1] in self.seps:
            return value[len(exact) + 1:]
        return None

    def join(self, rest: bytes, from_windows: bool) -> bytes:
        if not rest:
            return self.exact
        if from_windows and not self.windows:
            rest = rest.replace(b"\\", b"/")
        elif self.windows and not from_windows:
            rest = rest.replace(b"/", b"\\")
        sep = b"\\" if self.windows else b"/"
        return self.exact + rest if self.exact[-1:] in self.seps else self.exact + sep + rest


def _folder(raw: bytes) -> bytes:
    """raw as a folder prefix, ending in its separator: what a path below it starts with."""
    if is_windows_style(os.fsdecode(raw)):
        return raw if raw[-1:] in (b"\\", b"/") else raw + b"\\"
    return raw.rstrip(b"/") + b"/"


class RootMap:
    """This machine's mapping: catalog prefix -> local prefix, several entries, longest prefix first."""

    def __init__(self, mappings: Iterable[RootMapping | tuple[str, str]] = ()) -> None:
        entries: list[RootMapping] = []
        for item in mappings:
            entries.append(item if isinstance(item, RootMapping) else RootMapping(*item))
        for side in ("catalog", "local"):
            seen: dict[bytes, RootMapping] = {}
            for entry in entries:
                key = os.fsencode(getattr(entry, side))
                if key in seen:
                    what = "catalog path" if side == "catalog" else "path on this machine"
                    raise RootMapError(f"two root mappings have the same {what} {getattr(entry, side)!r} "
                                       f"({seen[key]} and {entry}); keep one")
                seen[key] = entry
        self.mappings: tuple[RootMapping, ...] = tuple(entries)
        pairs = [(_Prefix(m.catalog), _Prefix(m.local)) for m in entries]
        self._to_local = sorted(pairs, key=lambda p: -len(p[0].exact))
        self._to_catalog = sorted(((b, a) for a, b in pairs), key=lambda p: -len(p[0].exact))

    # ---- values
    def __bool__(self) -> bool:
        return bool(self.mappings)

    def __len__(self) -> int:
        return len(self.mappings)

    def __iter__(self) -> Iterator[RootMapping]:
        return iter(self.mappings)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RootMap) and self.mappings == other.mappings

    def __hash__(self) -> int:
        return hash(self.mappings)

    def __repr__(self) -> str:
        return f"RootMap({[str(m) for m in self.mappings]!r})"

    def describe(self) -> str:
        """'/Volumes/RAID -> /mnt/raid, …' or 'none'."""
        return ", ".join(f"{m.catalog} -> {m.local}" for m in self.mappings) or "none"

    def merged(self, over: Iterable[RootMapping]) -> RootMap:
        """This mapping with over's entries added; an entry of over with the same catalog path replaces this one's."""
        over = list(over)
        replaced = {os.fsencode(m.catalog) for m in over}
        return RootMap([*(m for m in self.mappings if os.fsencode(m.catalog) not in replaced), *over])

    def without(self, catalog: str) -> RootMap:
        """This mapping without the entry for the catalog path (RootMapError when there is none)."""
        key = os.fsencode(_normalized(catalog, "catalog path"))
        kept = [m for m in self.mappings if os.fsencode(m.catalog) != key]
        if len(kept) == len(self.mappings):
            raise RootMapError(f"no root mapping for the catalog path {catalog!r}")
        return RootMap(kept)

    # ---- conversions
    @staticmethod
    def _map(value: bytes, pairs: list[tuple[_Prefix, _Prefix]]) -> bytes:
        for source, target in pairs:  # longest source first: the first that holds value is the deepest
            rest = source.rest(value)
            if rest is not None:
                return target.join(rest, source.windows)
        return value

    def raw_to_local(self, raw: bytes) -> bytes:
        """Exact bytes of a catalog path -> this machine's (unchanged when no entry holds it)."""
        return self._map(raw, self._to_local) if self.mappings else raw

    def raw_to_catalog(self, raw: bytes) -> bytes:
        """Exact bytes of a path of this machine -> the catalog's form."""
        return self._map(raw, self._to_catalog) if self.mappings else raw

    def to_local(self, path: str) -> str:
        """A catalog path as text (os form) -> this machine's; None and '' stay as they are."""
        if not self.mappings or not path:
            return path
        return os.fsdecode(self._map(os.fsencode(path), self._to_local))

    def to_catalog(self, path: str) -> str:
        if not self.mappings or not path:
            return path
        return os.fsdecode(self._map(os.fsencode(path), self._to_catalog))

    def catalog_folders_for(self, local: bytes) -> list[bytes]:
        """The catalog-form paths whose files may be at local or below it on this machine: local's catalog form,
        and the catalog prefix of every entry whose local prefix is local or below it."""
        found = [self.raw_to_catalog(local)]
        below = _folder(local)
        for local_side, catalog_side in self._to_catalog:
            if local_side.exact == local or local_side.exact.startswith(below):
                found.append(catalog_side.exact)
        return list(dict.fromkeys(found))

    # ---- storage
    def to_json(self) -> str:
        return json.dumps([[m.catalog, m.local] for m in self.mappings], ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str, where: str = "the stored root mapping") -> RootMap:
        if not text or not text.strip():
            return cls()
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise RootMapError(f"{where} is not readable ({exc}); set it again") from exc
        if not isinstance(value, list) or not all(
                isinstance(e, list) and len(e) == 2 and all(isinstance(p, str) for p in e) for e in value):
            raise RootMapError(f"{where} is not a list of [catalog path, local path] pairs; set it again")
        return cls((a, b) for a, b in value)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> RootMap:
        """The mapping a parent Reelkeep handed down in REELKEEP_ROOT_MAP (none when unset)."""
        text = (os.environ if environ is None else environ).get(ROOT_MAP_ENV, "")
        return cls.from_json(text, f"${ROOT_MAP_ENV}")


NO_MAPPING = RootMap()


def folder_prefix(raw: bytes) -> bytes:
    """A catalog path as the prefix of the paths below it (with its trailing separator, in its own style)."""
    return _folder(raw)


__all__ = ["NO_MAPPING", "ROOT_MAP_ENV", "RootMap", "RootMapError", "RootMapping", "folder_prefix",
           "is_absolute_prefix", "is_windows_style"]
