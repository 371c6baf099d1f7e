"""File names every OS takes: the rules, and a preview plan of the renames they call for.

The character, reserved-name and trailing-dot tables are pathvalidate's (platform "universal": legal on
Windows, macOS and Linux at once); this module adds what it does not do: Unicode NFC, names that are not
UTF-8, trimming that keeps the extension, optional pattern rules, and collisions among siblings, which are
compared NFC + case-folded so a plan is the same on every file system and safe on case-insensitive ones.
The plan is bottom-up (deepest first) so renaming a folder never invalidates a rename below it.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from pathvalidate import ValidationError, sanitize_filename, validate_filename
from pathvalidate.error import ErrorReason
from pathvalidate.handler import ReservedNameHandler

from app.catalog.catalog import Catalog
from app.core.naming import NAME_MAX, fit_name, split_suffix, unique_name
from app.core.paths import display_path, raw_path
from app.ingest.sanitize_scope import restrict, selected

_UNLIMITED = 1 << 20  # pathvalidate cuts overlong names without keeping the extension: we trim ourselves
_EMPTY = "unnamed"


@dataclass(frozen=True)
class Rules:
    """What a clean name is. The legal part always applies; the pattern rules are optional."""

    replacement: str = "_"  # stands in for a character no OS takes
    max_bytes: int = NAME_MAX
    spaces_to_underscore: bool = False
    lowercase_extension: bool = False
    regex: tuple[tuple[str, str], ...] = ()  # (pattern, replacement) applied to the name before its extension

    def describe(self) -> list[str]:
        out = ["cross-OS legal", "NFC", f"at most {self.max_bytes} bytes"]
        if self.spaces_to_underscore:
            out.append("spaces to _")
        if self.lowercase_extension:
            out.append("lowercase extension")
        out.extend(f"s/{p}/{r}/" for p, r in self.regex)
        return out


@dataclass(frozen=True)
class Rename:
    """One rename: `old` becomes `new` inside `parent` (the folder as it is when this rename runs)."""

    parent: bytes
    old: bytes
    new: bytes
    is_dir: bool
    reasons: tuple[str, ...]

    @property
    def old_path(self) -> bytes:
        return os.path.join(self.parent, self.old)

    @property
    def new_path(self) -> bytes:
        return os.path.join(self.parent, self.new)


@dataclass(frozen=True)
class SanitizePlan:
    """The preview: renames deepest first, how many names were already clean, and what was left alone."""

    renames: tuple[Rename, ...]
    unchanged: int
    notes: tuple[str, ...] = ()
    rules: Rules = field(default_factory=Rules)
    selection: tuple[bytes, ...] = ()

    @cached_property
    def _folder_names(self) -> dict[bytes, bytes]:
        return {r.old_path: r.new for r in self.renames if r.is_dir}

    def final_path(self, rename: Rename) -> bytes:
        """Where rename's file ends up once its renamed folders are renamed too (for display)."""
        folders = self._folder_names
        parent, tail = rename.parent, [rename.new]
        while parent and parent != os.path.dirname(parent):
            tail.append(folders.get(parent, os.path.basename(parent)))
            parent = os.path.dirname(parent)
        return os.path.join(parent, *reversed(tail))


def _decode(raw: bytes) -> tuple[str, list[str]]:
    """A name's text. Bytes that are not UTF-8 are most often Windows-1252 from an old disk or archive."""
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), ["not UTF-8 (read as Windows-1252)"]
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace").replace("\ufffd", "_"), ["not UTF-8 (unreadable bytes replaced)"]


def _legal(name: str, rules: Rules) -> tuple[str, list[str]]:
    """pathvalidate's universal rules, with the reasons it applied them."""
    reasons: list[str] = []

    def reserved(exc: ValidationError) -> str:
        reasons.append(f"reserved name on Windows ({exc.reserved_name})")
        return ReservedNameHandler.add_trailing_underscore(exc)

    if name != name.strip(" ") or name.endswith("."):
        reasons.append("leading/trailing space or trailing dot")
    try:
        validate_filename(name.strip(" ").rstrip(". ") or "x", platform="universal", max_len=_UNLIMITED,
                          check_reserved=False)
    except ValidationError as exc:
        if exc.reason == ErrorReason.INVALID_CHARACTER:
            reasons.append('characters not allowed on every OS (<>:"/\\|?* or control)')
    clean = sanitize_filename(name, rules.replacement, platform="universal", max_len=_UNLIMITED,
                              reserved_name_handler=reserved)
    return clean, reasons


def _inner_spaces(text: str) -> str:
    """Spaces to _ except at the start and the end, which the legal rules drop ("take 1 " -> "take_1")."""
    left, right = len(text) - len(text.lstrip(" ")), len(text.rstrip(" "))
    return text[:left] + text[left:right].replace(" ", "_") + text[right:]


def clean_name(raw: bytes, rules: Rules = Rules(), is_dir: bool = False) -> tuple[str, list[str]]:
    """The clean form of one name and why it differs (an empty list: the name is already clean)."""
    name, reasons = _decode(raw)
    normal = unicodedata.normalize("NFC", name)
    if normal != name:
        reasons.append("Unicode normalised (NFC)")
    name = normal
    stem, ext = ("", "") if is_dir else split_suffix(name)
    if is_dir or not ext:
        stem = name
    if rules.spaces_to_underscore and " " in (stem + ext).strip(" "):
        spaced = _inner_spaces(stem + ext)
        stem, ext = spaced[: len(stem)], spaced[len(stem):]
        reasons.append("rule: spaces to _")
    if rules.lowercase_extension and ext != ext.lower():
        ext = ext.lower()
        reasons.append("rule: lowercase extension")
    for pattern, replacement in rules.regex:
        changed = re.sub(pattern, replacement, stem)
        if changed != stem:
            stem = changed
            reasons.append(f"rule: s/{pattern}/{replacement}/")
    name = stem + ext
    if len(name.encode("utf-8")) > rules.max_bytes:
        # before pathvalidate, which cuts at 260 characters and loses the extension
        name = fit_name(stem, ext, rules.max_bytes)
        reasons.append(f"longer than {rules.max_bytes} bytes")
    name, legal_reasons = _legal(name, rules)
    reasons.extend(legal_reasons)
    if len(name.encode("utf-8")) > rules.max_bytes:  # a reserved name's "_" on a name at the limit
        name = fit_name(*((name, "") if is_dir else split_suffix(name)), rules.max_bytes)
    if not name.strip(" ."):
        name = _EMPTY
        reasons.append("nothing left of the name")
    if name.encode("utf-8") == raw:
        return name, []
    return name, reasons or ["not legal on every OS"]


def _key(name: str | bytes) -> str:
    """Names a case- or normalisation-insensitive file system takes for one."""
    text = os.fsdecode(name) if isinstance(name, bytes) else name
    return unicodedata.normalize("NFC", text).casefold()


def _name_folder(folder: bytes, names: set[bytes], rules: Rules, kept: set[bytes],
                 notes: list[str]) -> tuple[list[Rename], int]:
    """The renames of one folder's names in scope, none taking a name another sibling has or gets."""
    try:
        siblings = os.listdir(folder)
    except OSError as exc:
        notes.append(f"{display_path(folder)}: {exc.strerror}")
        return [], 0
    owners: dict[str, bytes | None] = {}
    for sibling in siblings:
        key = _key(sibling)
        owners[key] = None if key in owners else sibling  # None: two siblings already share it
    targets: set[str] = set()
    renames: list[Rename] = []
    unchanged = 0
    for old in sorted(names):
        old_path = os.path.join(folder, old)
        is_dir = os.path.isdir(old_path) and not os.path.islink(old_path)
        new, reasons = clean_name(old, rules, is_dir)
        if not reasons:
            unchanged += 1
            continue
        if old_path in kept:
            notes.append(f"{display_path(old_path)}: a library root or archive (or holds one), not renamed")
            continue

        def taken(candidate: str, old: bytes = old) -> bool:
            key = _key(candidate)  # its own old spelling is free: a case-only rename
            return key in targets or (key in owners and owners[key] != old)

        final = unique_name(new, taken, rules.max_bytes)
        if final != new:
            reasons.append("another file has that name: numbered")
        targets.add(_key(final))
        renames.append(Rename(folder, old, final.encode("utf-8"), is_dir, tuple(reasons)))
    return renames, unchanged


def kept_paths(catalog: Catalog) -> list[str]:
    """What the catalog refers to by path: library roots and the archives files were cataloged from."""
    return [path for _, path in catalog.roots()] + catalog.archive_folders()


def plan_sanitize(paths: Iterable[str | bytes], rules: Rules = Rules(), keep: Iterable[str | bytes] = ()) -> SanitizePlan:
    """The renames that make every name in paths (files, or folders' contents) clean; nothing is renamed here.
    Paths in keep (library roots, archive folders), the folders above them, and archives are never renamed."""
    notes: list[str] = []
    selection = tuple(raw_path(p) for p in paths)
    scope = selected(selection, notes)
    kept = restrict(scope, keep, notes)
    renames: list[Rename] = []
    unchanged = 0
    for folder, names in sorted(scope.items()):
        found, clean = _name_folder(folder, names, rules, kept, notes)
        renames.extend(found)
        unchanged += clean
    renames.sort(key=lambda r: (-r.old_path.count(os.sep.encode()), r.old_path))
    return SanitizePlan(tuple(renames), unchanged, tuple(notes), rules, selection)
