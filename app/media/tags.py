"""Audio details and tags with mutagen: MP3/ID3, FLAC, Ogg (Opus/Vorbis/FLAC), MP4/M4A, WAV, AIFF."""

from __future__ import annotations

import re
from typing import Any

import mutagen
from mutagen.id3 import ID3
from mutagen.mp4 import MP4Tags

_ID3_FRAMES = {
    "title": "TIT2", "artist": "TPE1", "album": "TALB", "album_artist": "TPE2",
    "track": "TRCK", "disc": "TPOS", "year": "TDRC", "genre": "TCON",
}
_MP4_ATOMS = {
    "title": "\xa9nam", "artist": "\xa9ART", "album": "\xa9alb", "album_artist": "aART",
    "track": "trkn", "disc": "disk", "year": "\xa9day", "genre": "\xa9gen",
}
_VORBIS_KEYS = {
    "title": "title", "artist": "artist", "album": "album", "album_artist": "albumartist",
    "track": "tracknumber", "disc": "discnumber", "year": "date", "genre": "genre",
}
# mutagen class name -> (codec, container)
_FORMATS = {
    "MP3": ("mp3", "mp3"), "EasyMP3": ("mp3", "mp3"), "FLAC": ("flac", "flac"),
    "OggOpus": ("opus", "ogg"), "OggVorbis": ("vorbis", "ogg"), "OggFLAC": ("flac", "ogg"),
    "OggSpeex": ("speex", "ogg"), "WAVE": ("pcm", "wav"), "AIFF": ("pcm", "aiff"),
    "MP4": ("aac", "mp4"), "ASF": ("wma", "asf"), "WavPack": ("wavpack", "wv"), "MonkeysAudio": ("ape", "ape"),
}
_NUMBER_RE = re.compile(r"\d+")


def _first_int(value: Any) -> int | None:
    if isinstance(value, tuple):  # MP4 trkn/disk: (number, total)
        value = value[0]
    if isinstance(value, int):
        return value or None
    match = _NUMBER_RE.search(str(value))
    return int(match.group()) if match else None


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _raw_tags(audio: mutagen.FileType) -> tuple[dict[str, Any], bool]:
    tags = audio.tags
    found: dict[str, Any] = {}
    cover = False
    if isinstance(tags, ID3):
        for key, frame in _ID3_FRAMES.items():
            if frame in tags:
                found[key] = tags[frame].text[0] if tags[frame].text else None
        cover = bool(tags.getall("APIC"))
    elif isinstance(tags, MP4Tags):
        for key, atom in _MP4_ATOMS.items():
            if atom in tags:
                found[key] = tags[atom][0] if tags[atom] else None
        cover = bool(tags.get("covr"))
    elif tags is not None and hasattr(tags, "keys"):  # Vorbis comments, APEv2, ASF
        lowered = {str(k).lower(): v for k, v in tags.items()}
        for key, name in _VORBIS_KEYS.items():
            if name in lowered:
                found[key] = lowered[name]
        cover = "metadata_block_picture" in lowered or "coverart" in lowered
    cover = cover or bool(getattr(audio, "pictures", None))
    return found, cover


def read_audio(path: str) -> dict[str, Any] | None:
    """Technical details and normalised tags, or None when mutagen does not know the format. The key
    "suspect" is not a MediaFacts field: the probe pops it."""
    audio = mutagen.File(path)
    if audio is None:
        return None
    info = audio.info
    codec, container = _FORMATS.get(type(audio).__name__, (type(audio).__name__.lower(), None))
    if container == "mp4":
        codec = "alac" if "alac" in str(getattr(info, "codec", "")).lower() else "aac"
    raw, cover = _raw_tags(audio)
    year = _first_int(raw.get("year")) if raw.get("year") is not None else None
    return {
        "container": container,
        "duration": float(getattr(info, "length", 0.0) or 0.0) or None,
        "audio_codec": codec,
        "channels": getattr(info, "channels", None),
        # Opus always decodes at 48 kHz; mutagen reports no rate for it.
        "sample_rate": getattr(info, "sample_rate", None) or (48000 if codec == "opus" else None),
        "bit_rate": getattr(info, "bitrate", None) or None,
        "title": _text(raw.get("title")),
        "artist": _text(raw.get("artist")),
        "album": _text(raw.get("album")),
        "album_artist": _text(raw.get("album_artist")),
        "track": _first_int(raw["track"]) if raw.get("track") is not None else None,
        "disc": _first_int(raw["disc"]) if raw.get("disc") is not None else None,
        "year": year,
        "genre": _text(raw.get("genre")),
        "has_cover": cover,
        # MP3 only: no Xing/VBRI header vouched for the stream, mutagen synced to it by scanning (noise can sync).
        "suspect": bool(getattr(info, "sketchy", False)),
    }
