"""The camera families a card can hold, recognised by their folder layouts and file names alone.

Each recogniser takes the files not yet claimed (paths as tuples of names relative to the source folder) and
claims the ones that belong to its structure: clips, and the sidecars, thumbnails and proxies around them,
so that a Sony card's THMBNL JPEGs are never counted as loose stills. Recognisers run in a fixed order, the
most specific layouts first (a RED .RDC folder, a Sony XDROOT/M4ROOT, a Canon CONTENTS/CLIPSnnn) before
the name patterns (ARRI, Blackmagic), DCIM and loose audio.

Layouts, from the makers' manuals:
- RED: MEDIA/A001_0415AB.RDM/A001_C001_0415AB.RDC/A001_C001_0415AB_001.R3D (+ _002… spans of one clip).
- Sony: XDROOT/Clip/C0001.MXF + C0001M01.XML; PRIVATE/M4ROOT/CLIP/C0001.MP4 + C0001M01.XML; a Professional
  Disc root with MEDIAPRO.XML and Clip/; XDCAM EX BPAV/CLPR/<clip>/<clip>.MP4.
- Canon: CONTENTS/CLIPS001/A001C001_230415XX_CANON.MXF (+ .XML); XF MPEG-2 keeps each clip in its own folder.
- ARRI: <A001R1AB>/A001C001_230415_R1AB.mxf (camera index, reel, C, clip, date, camera id); ARRIRAW frames
  in a folder named like the clip.
- Blackmagic: A001_04151230_C001.braw (camera index + reel, month day hour minute, clip) + .sidecar.
- DCIM (DCF): DCIM/100XXXXX/*.JPG|ARW|CR3|NEF|DNG|MP4|MOV.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

Parts = tuple[str, ...]


@dataclass(frozen=True)
class Clip:
    anchor: Parts  # the folder holding the card structure this clip is part of
    reel: str | None  # what the clip's name says the reel is, if it says


@dataclass
class Found:
    family: str
    clips: dict[Parts, Clip] = field(default_factory=dict)
    claimed: set[Parts] = field(default_factory=set)


def _ext(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def _stem(name: str) -> str:
    dot = name.rfind(".")
    return name[:dot] if dot > 0 else name


def _index(parts: Parts, test: Callable[[str], bool], stop: int | None = None) -> int:
    """The first position of a folder name (never the file name itself) passing test, or -1."""
    for i, part in enumerate(parts[: len(parts) - 1 if stop is None else stop]):
        if test(part):
            return i
    return -1


# A001C001… (ARRI, Canon, Sony FX custom names); newer Canon and ARRI names carry a two-character camera index
# (second character a letter or "_") and a four-digit reel: A_0001C001…, AB0001C001…
_REEL_CLIP = re.compile(r"^([A-Z][A-Z_]?\d{3,4})C\d{3,4}")


def _clip_reel(name: str) -> str | None:
    match = _REEL_CLIP.match(name)
    return match.group(1) if match else None


# -- RED
_RED_REEL = re.compile(r"^([A-Z]\d{3})_", re.IGNORECASE)
_R3D_SPAN = re.compile(r"^(.+)_(\d{3})\.R3D$", re.IGNORECASE)


def red(files: list[Parts]) -> Found:
    found = Found("RED")
    loose: dict[Parts, Parts] = {}  # R3D spans outside an .RDC (one clip folder given, or copied flat)
    for parts in files:
        rdc = _index(parts, lambda p: p.upper().endswith(".RDC"))
        rdm = _index(parts, lambda p: p.upper().endswith(".RDM"))
        if rdc < 0:
            span = _R3D_SPAN.match(parts[-1])
            if span:
                found.claimed.add(parts)
                key = (*parts[:-1], span.group(1))
                loose[key] = min(loose.get(key, parts), parts)  # the clip is named by its first span
            elif rdm >= 0:
                found.claimed.add(parts)  # magazine-level files beside the clips
            continue
        found.claimed.add(parts)
        clip = parts[: rdc + 1]
        top = rdm if 0 <= rdm < rdc else rdc
        match = _RED_REEL.match(parts[rdc]) or _RED_REEL.match(parts[top])  # a renamed clip: the magazine's name
        found.clips.setdefault(clip, Clip(parts[:top], match.group(1).upper() if match else None))
    for first in loose.values():
        match = _RED_REEL.match(first[-1])
        found.clips[first] = Clip(first[:-1], match.group(1).upper() if match else None)
    return found


# -- Sony
_SONY_CLIP_EXT = {".mxf", ".mp4"}
_DISC_ROOT_FILES = {"MEDIAPRO.XML", "DISCMETA.XML", "INDEX.XML"}
_DISC_FOLDERS = {"CLIP", "SUB", "EDIT", "GENERAL", "USERDATA", "TAKE", "THMBNL", "PROAV"}


def sony(files: list[Parts]) -> Found:
    found = Found("Sony")
    # a Professional Disc / XDCAM root: MEDIAPRO.XML (or DISCMETA/INDEX) beside a Clip folder
    disc_roots = {p[:-1] for p in files if p[-1].upper() in _DISC_ROOT_FILES}
    disc_roots &= {p[:-2] for p in files if len(p) >= 2 and p[-2].upper() == "CLIP"}
    for parts in files:
        top = _index(parts, lambda p: p.upper() in ("XDROOT", "M4ROOT"))
        if top >= 0:
            anchor = parts[: top - 1] if top >= 1 and parts[top - 1].upper() == "PRIVATE" else parts[:top]
            found.claimed.add(parts)
            if len(parts) == top + 3 and parts[top + 1].upper() == "CLIP" and _ext(parts[-1]) in _SONY_CLIP_EXT:
                found.clips[parts] = Clip(anchor, _clip_reel(parts[-1]))
            continue
        bpav = _index(parts, lambda p: p.upper() == "BPAV")
        if bpav >= 0:
            found.claimed.add(parts)
            if len(parts) == bpav + 4 and parts[bpav + 1].upper() == "CLPR" and _ext(parts[-1]) == ".mp4":
                found.clips[parts] = Clip(parts[:bpav], _clip_reel(parts[-1]))
            continue
        for depth in range(len(parts) - 1, -1, -1):
            root = parts[:depth]
            if root in disc_roots and (len(parts) == depth + 1 and parts[-1].upper() in _DISC_ROOT_FILES
                                       or len(parts) > depth + 1 and parts[depth].upper() in _DISC_FOLDERS):
                found.claimed.add(parts)
                if len(parts) == depth + 2 and parts[depth].upper() == "CLIP" and _ext(parts[-1]) in _SONY_CLIP_EXT:
                    found.clips[parts] = Clip(root, _clip_reel(parts[-1]))
                break
    return found


# -- Canon
_CANON_CLIPS = re.compile(r"^CLIPS\d{3}$", re.IGNORECASE)
_CANON_CLIP_EXT = {".mxf", ".mp4", ".crm"}


def canon(files: list[Parts]) -> Found:
    found = Found("Canon")
    # only a CONTENTS folder holding CLIPSnnn is Canon's (a macOS bundle has a Contents folder too)
    roots = {p[: i + 1] for p in files for i in range(len(p) - 2)
             if p[i].upper() == "CONTENTS" and _CANON_CLIPS.match(p[i + 1])}
    for parts in files:
        top = _index(parts, lambda p: p.upper() == "CONTENTS")
        if top < 0 or parts[: top + 1] not in roots:
            continue
        found.claimed.add(parts)
        if len(parts) < top + 3 or not _CANON_CLIPS.match(parts[top + 1]) or _ext(parts[-1]) not in _CANON_CLIP_EXT:
            continue
        if len(parts) == top + 3:
            clip = parts
        elif len(parts) == top + 4:  # XF MPEG-2: CLIPS001/AA0001/AA000101.MXF, the folder is the clip
            clip = parts[: top + 3]
        else:
            continue
        found.clips.setdefault(clip, Clip(parts[:top], _clip_reel(clip[-1])))
    return found


# -- ARRI
# classic: A001C001_230415_R1AB (index, reel, C, clip, YYMMDD or YYYYMMDD, camera id); ALEXA 35 allows a
# two-character camera index and a four-digit reel. Canon's A001C001_230415XX_CANON and A001C001H230415…
# never match (no "_" right after the date digits).
_ARRI_CLIP = re.compile(r"^([A-Z][A-Z_]?\d{3,4})C\d{3,4}_\d{6,8}_", re.IGNORECASE)
_ARRI_REEL_DIR = re.compile(r"^[A-Z][A-Z_]?\d{3,4}R[0-9A-Z]{3,5}$", re.IGNORECASE)
_ARRI_EXT = {".mxf", ".mov", ".ari", ".arx"}
_ARRI_FRAMES = {".ari", ".arx"}


def arri(files: list[Parts]) -> Found:
    found = Found("ARRI")
    for parts in files:
        reel_dir = _index(parts, lambda p: bool(_ARRI_REEL_DIR.match(p)))
        name = parts[-1]
        match = _ARRI_CLIP.match(name)
        if reel_dir >= 0:
            found.claimed.add(parts)  # the reel folder's ALE and FCP XML belong to the card
        if not match or _ext(name) not in _ARRI_EXT:
            continue
        found.claimed.add(parts)
        clip = parts
        if _ext(name) in _ARRI_FRAMES and len(parts) > 1 and name.split(".")[0] == parts[-2]:
            clip = parts[:-1]  # a frame sequence: the folder named like the clip is the clip
        anchor = parts[:reel_dir] if reel_dir >= 0 else clip[:-1]
        found.clips.setdefault(clip, Clip(anchor, match.group(1).upper()))
    return found


# -- Blackmagic
_BMD_CLIP = re.compile(r"^([A-Z]\d{3})_\d{8}_C\d{3}", re.IGNORECASE)


def blackmagic(files: list[Parts]) -> Found:
    found = Found("Blackmagic")
    for parts in files:
        ext = _ext(parts[-1])
        match = _BMD_CLIP.match(parts[-1])
        if ext in (".sidecar", ".braw2"):  # .braw2 holds a .braw clip's second stream (URSA Cine)
            found.claimed.add(parts)
        elif ext == ".braw" or (match and ext in (".mov", ".mp4")):
            found.claimed.add(parts)
            found.clips[parts] = Clip(parts[:-1], match.group(1).upper() if match else None)
    return found


# -- DCIM
_DCF_DIR = re.compile(r"^\d{3}[0-9A-Z_]{5}$", re.IGNORECASE)
_DCIM_EXT = {".jpg", ".jpeg", ".heic", ".hif", ".arw", ".cr2", ".cr3", ".nef", ".nrw", ".dng", ".raf", ".orf",
             ".rw2", ".pef", ".srw", ".tif", ".tiff", ".mp4", ".mov", ".avi", ".mts", ".crm", ".insv", ".360"}


def dcim(files: list[Parts]) -> Found:
    found = Found("DCIM")
    for parts in files:
        top = _index(parts, lambda p: p.upper() == "DCIM")
        if top < 0:
            continue
        found.claimed.add(parts)  # .THM, .LRV, .XMP and friends belong to the card too
        if len(parts) == top + 3 and _DCF_DIR.match(parts[top + 1]) and _ext(parts[-1]) in _DCIM_EXT:
            found.clips[parts] = Clip(parts[:top], None)
    return found


# the five characters after a DCF folder's number are the maker's (100CANON, 100MSDCF, 100NIKON, …)
_DCF_MAKERS = (("CANON", "Canon"), ("EOS", "Canon"), ("MSDCF", "Sony"), ("NIKON", "Nikon"), ("NCZ", "Nikon"),
               ("GOPRO", "GoPro"), ("_FUJI", "Fujifilm"), ("OLYMP", "Olympus"), ("OMSYS", "OM System"),
               ("_PANA", "Panasonic"), ("APPLE", "Apple"), ("RICOH", "Ricoh"), ("LEICA", "Leica"),
               ("DJI", "DJI"), ("MEDIA", "DJI"), ("INSTA", "Insta360"), ("HASBL", "Hasselblad"))


def dcim_camera(folder: str) -> str | None:
    tail = folder[3:].upper()
    return next((name for prefix, name in _DCF_MAKERS if tail.startswith(prefix)), None)


# -- audio recorders
_AUDIO_EXT = {".wav", ".bwf", ".rf64", ".w64"}
# folders recorders make below the card root: ZOOM FOLDER01 / ZOOM0001 take folders, Sound Devices day folders
_RECORDER_DIR = re.compile(r"^(?:FOLDER\d{2,}|ZOOM\d{4}|\d{2}Y\d{2}M\d{2}|\d{6,8})$", re.IGNORECASE)


def audio(files: list[Parts]) -> Found:
    found = Found("Audio")
    for parts in files:
        if _ext(parts[-1]) not in _AUDIO_EXT:
            continue
        found.claimed.add(parts)
        anchor = parts[:-1]
        while anchor and _RECORDER_DIR.match(anchor[-1]):
            anchor = anchor[:-1]
        found.clips[parts] = Clip(anchor, None)
    return found


RECOGNISERS: tuple[Callable[[list[Parts]], Found], ...] = (red, sony, canon, arri, blackmagic, dcim, audio)
