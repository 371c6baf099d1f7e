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
from app.ingest.card_families import RECOGNISERS, Found, Parts, dcim_camera

# what OSes put on a removable volume; never part of a card
_SKIP = {".Spotlight-V100", ".Trashes", ".fseventsd", ".TemporaryItems", ".DocumentRevisions-V100",
         "System Volume Information", "$RECYCLE.BIN", ".DS_Store"}
_MAX_ENTRIES = 500_000  # a card holds thousands; a source this big is a whole disk, not a card
_TRIES = 4  # clips whose sidecar or header is read for the camera name, at most
_AUDIO_TRIES = 16


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


def _stem(name: str) -> str:
    dot = name.rfind(".")
    return name[:dot] if dot > 0 else name


class _Reader:
    """Reads of the few sidecars and headers that name a card's camera (and for sound, its roll)."""

    def __init__(self, src: str, files: list[Parts], found: Found) -> None:
        self.src = src
        self.found = found
        self.clips = sorted(found.clips)
        self._index = {tuple(p.upper() for p in parts): parts for parts in files}

    def path(self, parts: Parts) -> str:
        return os.path.join(self.src, *parts)

    def sibling(self, folder: Parts, name: str) -> str | None:
        """The file `name` in folder, matched case-insensitively (cards are FAT/exFAT; copies keep any case)."""
        parts = self._index.get(tuple(p.upper() for p in (*folder, name)))
        return self.path(parts) if parts else None

    def sony(self) -> tuple[str | None, str | None]:
        for clip in self.clips[:_TRIES]:
            sidecar = self.sibling(clip[:-1], _stem(clip[-1]) + "M01.XML")
            model = card_meta.xml_model_name(sidecar) if sidecar else None
            if model:
                return card_meta.sony_camera(model), None
        for parts in sorted(self.found.claimed):  # no clip sidecar: the card's MEDIAPRO.XML names the system
            if parts[-1].upper() == "MEDIAPRO.XML":
                model = card_meta.xml_model_name(self.path(parts))
                if model:
                    return card_meta.sony_camera(model), None
        return None, None

    def canon(self) -> tuple[str | None, str | None]:
        for clip in self.clips[:_TRIES]:
            # an XF-AVC clip has <clip>.XML beside it; an XF MPEG-2 clip folder holds <folder>.XML
            folder, stem = (clip[:-1], _stem(clip[-1])) if "." in clip[-1] else (clip, clip[-1])
            sidecar = self.sibling(folder, stem + ".XML")
            model = card_meta.xml_model_name(sidecar) if sidecar else None
            if model:
                return card_meta.canon_camera(model), None
        return None, None

    def arri(self) -> tuple[str | None, str | None]:
        for clip in [c for c in self.clips if c[-1].lower().endswith(".mxf")][:_TRIES]:
            model = card_meta.mxf_arri_camera(self.path(clip))
            if model:
                return model, None
        return None, None

    def blackmagic(self) -> tuple[str | None, str | None]:
        for clip in self.clips[:_TRIES]:
            sidecar = self.sibling(clip[:-1], _stem(clip[-1]) + ".sidecar")
            model = card_meta.braw_sidecar_camera(sidecar) if sidecar else None
            if model:
                return model, None
        return None, None

    def dcim(self) -> tuple[str | None, str | None]:
        for folder, _count in Counter(clip[-2] for clip in self.clips).most_common():
            maker = dcim_camera(folder)
            if maker:
                return maker, None
        return None, None

    def audio(self) -> tuple[str | None, str | None]:
        infos = [card_meta.read_bwf(self.path(clip)) for clip in self.clips[:_AUDIO_TRIES]]
        found = [i for i in infos if i is not None]
        # the iXML TAPE is the sound roll, what a reel is for sound; SCENE is the next best thing
        rolls = Counter(i.tape or i.scene for i in found if i.tape or i.scene)
        recorders = Counter(i.originator for i in found if i.originator)
        return (recorders.most_common(1)[0][0] if recorders else None,
                rolls.most_common(1)[0][0] if rolls else None)

    def read(self) -> tuple[str | None, str | None]:
        method = getattr(self, self.found.family.lower(), None)
        return method() if method else (None, None)


_STRUCTURE_DIRS = re.compile(r"^(?:.+\.RDM|.+\.RDC|XDROOT|M4ROOT|CLIPS\d{3}|DCIM|BPAV)$", re.IGNORECASE)


def _inside_structure(src: Path) -> str | None:
    """A note when the folder given sits inside a card's structure (its CLIP folder, say): the card is above."""
    here = Path(os.path.abspath(src))
    for folder in (here, *list(here.parents)[:4]):
        if _STRUCTURE_DIRS.match(folder.name):
            return f"this folder is inside a card structure ({folder.name}); give the folder that holds it: {folder.parent}"
    return None


def detect_card(source: Path) -> CardInfo:
    """Recognise the camera card at source (its root or any folder above it)."""
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

    camera, roll = _Reader(os.fspath(src), files, best).read()
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
