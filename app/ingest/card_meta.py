"""Cheap reads of what a camera card says about itself: sidecar XML, an MXF header's product name, BWF chunks.

Every reader here looks at a bounded prefix of one file (never media essence) and returns None rather than
raising: a card with a damaged sidecar is still a card, it just keeps its family name as camera.
"""

from __future__ import annotations

import json
import os
import re
import struct
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass

from app.ingest.card_families import Found, Parts, dcim_camera

_XML_LIMIT = 1 << 20  # sidecar XML is a few KiB; a bigger "sidecar" is not one we should parse
_MXF_HEAD = 1 << 16  # the header partition's identification set sits in the first few KiB of an MXF
_CHUNK_LIMIT = 1 << 20  # iXML is usually < 16 KiB
_MAX_CHUNKS = 64
_TRIES = 4  # clips whose sidecar or header is read for the camera name, at most
_AUDIO_TRIES = 16


def _read_head(path: str, limit: int) -> bytes | None:
    try:
        with open(path, "rb") as f:
            return f.read(limit)
    except OSError:
        return None


def _xml_root(path: str) -> ET.Element | None:
    data = _read_head(path, _XML_LIMIT + 1)
    if not data or len(data) > _XML_LIMIT:
        return None
    try:
        return ET.fromstring(data)
    except ET.ParseError:
        return None


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def xml_model_name(path: str) -> str | None:
    """The camera model a clip's sidecar XML names: Sony NonRealTimeMeta `<Device modelName=…>`, Sony
    MEDIAPRO.XML `<System systemKind=…>`, Canon `<ModelName>…</ModelName>`; None when it names none."""
    root = _xml_root(path)
    if root is None:
        return None
    for el in root.iter():
        name = _local(el.tag)
        if name == "Device":
            model = el.get("modelName") or el.get("ModelName")
            if model and model.strip():
                return model.strip()
        elif name == "System" and (el.get("systemKind") or "").strip():
            return el.get("systemKind", "").strip()
        elif name == "ModelName" and el.text and el.text.strip():
            return el.text.strip()
    return None


# Sony writes the product code (ILME-FX6V: V/T are regional variants); crews say "FX6". Codes outside this
# rule are shown as written (ILCE-7SM3, PXW-Z280).
_SONY_CINE = re.compile(r"^(?:ILME|PXW|PMW)-((?:FX|FR|FS)\d+(?:M\d)?)", re.IGNORECASE)
_SONY_NAMES = {"MPC-3610": "VENICE", "MPC-3626": "VENICE 2", "MPC-3628": "VENICE 2", "MPC-2610": "BURANO"}


def sony_camera(model: str) -> str:
    match = _SONY_CINE.match(model)
    if match:
        return match.group(1).upper()
    return _SONY_NAMES.get(model.upper(), model)


def canon_camera(model: str) -> str:
    """'Canon EOS C300 Mark III' -> 'C300 Mark III' (the name on the body)."""
    name = re.sub(r"^\s*Canon\s+", "", model, flags=re.IGNORECASE)
    return re.sub(r"^EOS\s+(?=C\d)", "", name).strip() or model


# In an MXF header the Identification set's ProductName is UTF-16BE text; ARRI writes the camera there
# (e.g. "ALEXA Mini LF"). Rather than walk the primer pack and local tags we look for an ARRI camera
# name as UTF-16BE in the header bytes: cheap, and it only ever answers with a name ARRI uses.
_UTF16_ARRI = re.compile(rb"(?:\x00(?:A\x00L\x00E\x00X\x00A|A\x00M\x00I\x00R\x00A))(?:\x00[ -~])*")


def mxf_arri_camera(path: str) -> str | None:
    head = _read_head(path, _MXF_HEAD)
    if not head or not head.startswith(b"\x06\x0e\x2b\x34"):  # every MXF starts with a SMPTE UL key
        return None
    match = _UTF16_ARRI.search(head)
    if not match:
        return None
    return match.group(0).decode("utf-16-be", "replace").strip() or None


# An R3D (version 2) starts with a header block: u32 size, "RED2", at 0x40 the count of 0x18-byte "rdi" records
# from 0x44, then a directory (u16 length) of entries u16 length, u16 tag, value; tag 0x1071 is the camera
# model. Layout as ExifTool's Red.pm reads it (reverse engineered; RED publishes only an SDK).
_R3D_MODEL = 0x1071


def r3d_camera(path: str) -> str | None:
    """'RED KOMODO 6K' from the first R3D block of a clip, or None when the header is not as expected."""
    head = _read_head(path, _MXF_HEAD)
    if not head or len(head) < 0x46 or head[4:8] != b"RED2":
        return None
    pos = 0x44 + head[0x40] * 0x18
    if pos + 2 > len(head):
        return None
    end = min(pos + 2 + struct.unpack_from(">H", head, pos)[0], len(head))
    pos += 2
    while pos + 4 <= end:
        length, tag = struct.unpack_from(">HH", head, pos)
        if length < 4:
            break
        if tag == _R3D_MODEL:
            model = head[pos + 4: pos + length].split(b"\0")[0].decode("ascii", "replace").strip()
            if not model:
                return None
            return model if model.upper().startswith("RED") else f"RED {model}"
        pos += length
    return None


def braw_sidecar_camera(path: str) -> str | None:
    """A Blackmagic RAW .sidecar is JSON; when it carries the SDK's `camera_type` key, that is the model."""
    data = _read_head(path, _XML_LIMIT + 1)
    if not data or len(data) > _XML_LIMIT:
        return None
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    value = doc.get("camera_type") if isinstance(doc, dict) else None
    if not isinstance(value, str) or not value.strip():
        return None
    return re.sub(r"^Blackmagic\s+(?:Design\s+)?", "", value.strip()) or value.strip()


@dataclass(frozen=True)
class BwfInfo:
    """What a broadcast WAVE's header chunks say: bext Originator and iXML PROJECT/SCENE/TAPE/NOTE."""

    originator: str = ""
    project: str = ""
    scene: str = ""
    tape: str = ""
    note: str = ""


def _ixml_fields(data: bytes) -> dict[str, str]:
    try:
        root = ET.fromstring(data.rstrip(b"\x00"))
    except ET.ParseError:
        return {}
    out: dict[str, str] = {}
    for tag in ("PROJECT", "SCENE", "TAPE", "NOTE"):
        el = root.find(tag)
        if el is not None and el.text and el.text.strip():
            out[tag.lower()] = el.text.strip()
    return out


def read_bwf(path: str) -> BwfInfo | None:
    """Walk a WAVE file's chunk headers (RIFF, or RF64/BW64 through its ds64 sizes), reading only the bext and
    iXML chunks and seeking past the rest; None when the file is not a WAVE or has neither chunk."""
    try:
        f = open(path, "rb")  # noqa: SIM115 - closed below; a with-block would nest the whole walk
    except OSError:
        return None
    try:
        header = f.read(12)
        if len(header) < 12 or header[8:12] != b"WAVE" or header[:4] not in (b"RIFF", b"RF64", b"BW64"):
            return None
        big_data = None  # RF64: the data chunk's real size lives in ds64
        originator = ""
        fields: dict[str, str] = {}
        for _ in range(_MAX_CHUNKS):
            head = f.read(8)
            if len(head) < 8:
                break
            cid, size = head[:4], struct.unpack("<I", head[4:])[0]
            if cid == b"ds64" and size >= 16:
                body = f.read(size)
                big_data = struct.unpack("<Q", body[8:16])[0]
            elif cid == b"bext" and 288 <= size <= _CHUNK_LIMIT:
                body = f.read(size)
                originator = body[256:288].split(b"\x00")[0].decode("latin-1").strip()
            elif cid == b"iXML" and size <= _CHUNK_LIMIT:
                fields = _ixml_fields(f.read(size))
            else:
                if size == 0xFFFFFFFF:
                    if big_data is None:
                        break
                    size = big_data
                f.seek(size, os.SEEK_CUR)
                if size & 1:  # RIFF chunks are word aligned
                    f.seek(1, os.SEEK_CUR)
                continue
            if size & 1:
                f.seek(1, os.SEEK_CUR)
        if not originator and not fields:
            return None
        return BwfInfo(originator=originator, **fields)
    except (OSError, struct.error):
        return None
    finally:
        f.close()


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
            model = xml_model_name(sidecar) if sidecar else None
            if model:
                return sony_camera(model), None
        for parts in sorted(self.found.claimed):  # no clip sidecar: the card's MEDIAPRO.XML names the system
            if parts[-1].upper() == "MEDIAPRO.XML":
                model = xml_model_name(self.path(parts))
                if model:
                    return sony_camera(model), None
        return None, None

    def canon(self) -> tuple[str | None, str | None]:
        for clip in self.clips[:_TRIES]:
            # an XF-AVC clip has <clip>.XML beside it; an XF MPEG-2 clip folder holds <folder>.XML
            folder, stem = (clip[:-1], _stem(clip[-1])) if "." in clip[-1] else (clip, clip[-1])
            sidecar = self.sibling(folder, stem + ".XML")
            model = xml_model_name(sidecar) if sidecar else None
            if model:
                return canon_camera(model), None
        return None, None

    def red(self) -> tuple[str | None, str | None]:
        spans = sorted(p for p in self.found.claimed if p[-1].upper().endswith(".R3D"))
        for clip in self.clips[:_TRIES]:
            first = next((p for p in spans if p[: len(clip)] == clip), None)  # the .RDC's first span (or the file)
            model = r3d_camera(self.path(first)) if first else None
            if model:
                return model, None
        return None, None

    def arri(self) -> tuple[str | None, str | None]:
        for clip in [c for c in self.clips if c[-1].lower().endswith(".mxf")][:_TRIES]:
            model = mxf_arri_camera(self.path(clip))
            if model:
                return model, None
        return None, None

    def blackmagic(self) -> tuple[str | None, str | None]:
        for clip in self.clips[:_TRIES]:
            sidecar = self.sibling(clip[:-1], _stem(clip[-1]) + ".sidecar")
            model = braw_sidecar_camera(sidecar) if sidecar else None
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
        infos = [read_bwf(self.path(clip)) for clip in self.clips[:_AUDIO_TRIES]]
        found = [i for i in infos if i is not None]
        # the iXML TAPE is the sound roll, what a reel is for sound; SCENE is the next best thing
        rolls = Counter(i.tape or i.scene for i in found if i.tape or i.scene)
        recorders = Counter(i.originator for i in found if i.originator)
        return (recorders.most_common(1)[0][0] if recorders else None,
                rolls.most_common(1)[0][0] if rolls else None)

    def read(self) -> tuple[str | None, str | None]:
        readers = {"RED": self.red, "Sony": self.sony, "Canon": self.canon, "ARRI": self.arri,
                   "Blackmagic": self.blackmagic, "DCIM": self.dcim, "Audio": self.audio}
        reader = readers.get(self.found.family)
        return reader() if reader else (None, None)


def _stem(name: str) -> str:
    dot = name.rfind(".")
    return name[:dot] if dot > 0 else name


def camera_and_roll(src: str, files: list[Parts], found: Found) -> tuple[str | None, str | None]:
    """The camera a card's sidecars or headers name (and for sound, the roll), reading a few files at most."""
    return _Reader(src, files, found).read()
