"""Camera card detection and reel naming for the offload (issue 13): which camera family a card is, its reel, its
clips, and the destination folder name an offload pattern gives it. Names and a few small header reads only.

Paths inside a CardInfo are str; a name that is not UTF-8 is kept surrogate-escaped (os.fsdecode), so
`os.fsencode(root / clip)` is the exact on-disk path again.
"""

from __future__ import annotations

import datetime
import os
import re
import string
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from pathvalidate import sanitize_filename

from app.core.kinds import kind_for_name
from app.core.naming import NAME_MAX, fit_name
from app.ingest import card_meta
from app.ingest.card_families import RECOGNISERS, Found, Parts

# what OSes put on a removable volume; never part of a card
_SKIP = {".Spotlight-V100", ".Trashes", ".fseventsd", ".TemporaryItems", ".DocumentRevisions-V100",
         "System Volume Information", "$RECYCLE.BIN", ".DS_Store"}
_MAX_ENTRIES = 500_000  # a card holds thousands; a source this big is a whole disk, not a card


@dataclass(frozen=True)
class CardInfo:
    """What a card is: family, camera, reel and clips (paths relative to root, POSIX, sorted)."""

    family: str  # "ARRI", "RED", "Sony", "Canon", "Blackmagic", "DCIM", "Audio", or "Folder"
    camera: str
    reel: str
    clips: int
    clip_paths: tuple[str, ...]
    root: Path
    notes: tuple[str, ...] = ()  # a second family left out, several reels, folders that could not be read
    source: Path | None = None  # the folder detect_card was given (root may be below it)


def _show(rel: Parts) -> str:
    """A folder for a note: printable (undecodable bytes as \\xNN) and at most ~200 characters."""
    text = "/".join(rel).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace") or "."
    return text if len(text) <= 200 else text[:90] + "…" + text[-90:]


def _walk(source: str) -> tuple[list[Parts], list[str]]:
    """Every file below source as name tuples (symlinked folders not followed), and what could not be read."""
    files: list[Parts] = []
    notes: list[str] = []
    stack: list[Parts] = [()]
    seen = 0
    while stack:
        rel = stack.pop()
        try:
            with os.scandir(os.path.join(source, *rel)) as it:
                entries = list(it)
        except OSError as exc:
            notes.append(f"could not read folder {_show(rel)}: {exc.strerror or exc}")
            continue
        for entry in entries:
            name = entry.name
            if name in _SKIP or name.startswith("._"):  # ._* are macOS AppleDouble files on exFAT/FAT cards
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append((*rel, name))
                elif entry.is_file():
                    files.append((*rel, name))
            except OSError:
                continue  # removed while we looked, or a stat the OS refuses: not a file we can offload
            seen += 1
            if seen >= _MAX_ENTRIES:
                notes.append(f"stopped looking after {_MAX_ENTRIES} entries: give the card's own folder")
                return sorted(files), notes
    return sorted(files), notes


def _common(prefixes: list[Parts]) -> Parts:
    if not prefixes:
        return ()
    first = prefixes[0]
    n = len(first)
    for other in prefixes[1:]:
        n = min(n, len(other))
        n = next((i for i in range(n) if first[i] != other[i]), n)
    return first[:n]


def _name(path: Path, fallback: str) -> str:
    return Path(os.path.abspath(path)).name or fallback


_STRUCTURE_DIRS = re.compile(r"^(?:.+\.RDM|.+\.RDC|XDROOT|M4ROOT|CLIPS\d{3}|DCIM|BPAV)$", re.IGNORECASE)


def _inside_structure(src: Path) -> str | None:
    """A note when the folder given sits inside a card's structure (its CLIP folder, say): the card is above."""
    here = Path(os.path.abspath(src))
    for folder in (here, *list(here.parents)[:4]):
        if _STRUCTURE_DIRS.match(folder.name):
            above = os.fsencode(folder.parent).decode("utf-8", "backslashreplace")
            return f"this folder is inside a card structure ({folder.name}); give the folder that holds it: {above}"
    return None


def detect_card(source: Path) -> CardInfo:
    """Recognise the camera card at source (its root or any folder above it); NotADirectoryError when source is
    not a folder (or does not exist)."""
    src = Path(source)
    if not src.is_dir():
        raise NotADirectoryError(f"not a folder: {src}")
    files, notes = _walk(os.fspath(src))
    remaining = files
    found: list[Found] = []
    for recognise in RECOGNISERS:
        hit = recognise(remaining)
        if hit.claimed:
            found.append(hit)
            remaining = [p for p in remaining if p not in hit.claimed]
    loose = [p for p in remaining if kind_for_name(p[-1]) is not None]
    with_clips = [f for f in found if f.clips]
    # A card structure without clips (a freshly formatted card) is still that family, unless loose media
    # are there: then the folder is just a folder that happens to hold an empty structure.
    if not with_clips and (loose or not found):
        clip_paths = tuple(sorted("/".join(p) for p in loose))
        inside = _inside_structure(src)
        if inside:
            notes.append(inside)
        return CardInfo("Folder", "Folder", _name(src, "Folder"), len(clip_paths), clip_paths, src, tuple(notes),
                        src)

    # the most clips wins; on a tie the earlier (more specific) layout, as max keeps the first
    best = max(with_clips or found, key=lambda f: len(f.clips))
    for other in found:
        if other is not best and other.clips:
            notes.append(f"also holds {len(other.clips)} {other.family} clips, left out: the card is taken as "
                         f"{best.family}, which has the most clips")
    if loose:
        notes.append(f"{len(loose)} other media files are not part of the {best.family} card")
    root_parts = _common([clip.anchor for clip in best.clips.values()])
    root = src.joinpath(*root_parts)
    clip_paths = tuple(sorted("/".join(p[len(root_parts):]) for p in best.clips))

    camera, roll = card_meta.camera_and_roll(os.fspath(src), files, best)
    reels = Counter(clip.reel for clip in best.clips.values() if clip.reel)
    ranked = sorted(reels.items(), key=lambda kv: (-kv[1], kv[0]))
    if len(ranked) > 1:
        notes.append("several reels: " + ", ".join(f"{r} ({n} clips)" for r, n in ranked))
    reel = ranked[0][0] if ranked else roll or _name(root, best.family)
    return CardInfo(best.family, camera or best.family, reel, len(clip_paths), clip_paths, root, tuple(notes), src)


FIELDS = ("date", "year", "month", "day", "camera", "family", "reel", "card")
_EMPTY = "unnamed"
_UNLIMITED = 1 << 20  # pathvalidate cuts without regard to UTF-8 bytes; fit_name cuts to NAME_MAX bytes


def _clean(text: str) -> str:
    # a non-UTF-8 reel or card name arrives surrogate-escaped; a destination name must be real text
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    text = unicodedata.normalize("NFC", text)
    clean = sanitize_filename(text, "_", platform="universal", max_len=_UNLIMITED)
    return fit_name(clean, "", NAME_MAX) if clean else _EMPTY


def _expand(component: str, values: dict[str, str]) -> str:
    formatter = string.Formatter()
    try:
        pieces = list(formatter.parse(component))
    except ValueError as exc:  # an unmatched brace
        raise ValueError(f"bad pattern {component!r}: {exc}") from exc
    out = []
    for literal, field_name, spec, conversion in pieces:
        out.append(literal)
        if field_name is None:
            continue
        if field_name not in values:  # also {reel.x}, {reel[0]} and {}: only plain names are fields
            raise ValueError(f"unknown field {{{field_name}}} in the pattern; valid fields: " + ", ".join(sorted(values)))
        try:
            value = formatter.convert_field(values[field_name], conversion) if conversion else values[field_name]
            out.append(formatter.format_field(value, spec or ""))
        except ValueError as exc:
            raise ValueError(f"bad pattern {component!r}: {exc}") from exc
    return "".join(out)


def offload_folder_name(pattern: str, card: CardInfo, when: datetime.date,
                        extra: dict[str, str] | None = None) -> str:
    """Expand a destination pattern like "{date}/{camera}/{reel}" into a relative path of legal names.

    Fields: date (YYYY-MM-DD), year, month, day, camera, family, reel, card (the source folder's name), and
    the keys of extra (which win over a field of the same name). Slashes in the pattern separate folders; a
    slash inside a value does not. ValueError for an unknown field, an absolute pattern or a ".." component.
    """
    values = {
        "date": when.isoformat(), "year": f"{when.year:04d}", "month": f"{when.month:02d}", "day": f"{when.day:02d}",
        "camera": card.camera, "family": card.family, "reel": card.reel,
        "card": _name(card.source if card.source is not None else card.root, card.reel),
    }
    for key, value in (extra or {}).items():
        if not key.isidentifier():
            raise ValueError(f"extra field names must be identifiers: {key!r}")
        values[key] = str(value)
    if pattern.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", pattern):
        raise ValueError(f"the pattern must give a relative path: {pattern!r}")
    names = []
    for component in re.split(r"[/\\]", pattern):
        if component in ("", "."):
            continue
        if component == "..":
            raise ValueError(f"'..' is not allowed in a destination pattern: {pattern!r}")
        name = _clean(_expand(component, values))
        if name in (".", ".."):
            raise ValueError(f"the pattern {pattern!r} gives {name!r}, which would leave the destination")
        names.append(name)
    if not names:
        raise ValueError(f"the pattern {pattern!r} gives no folder name")
    return "/".join(names)
