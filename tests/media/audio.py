"""Tagged audio files in every format the library reads."""

from __future__ import annotations

import base64
import os
import pathlib
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import av
import numpy as np

from tests.media.clips import _audio_frame, _encode_image, _layout
from tests.media.pattern import _BEEP_HZ, AUDIO_RATE

StrPath = str | os.PathLike[str]

def _cover_png(size: int = 32) -> bytes:
    img = np.zeros((size, size, 3), dtype=np.uint8)
    img[:, :, 0] = np.linspace(0, 255, size, dtype=np.uint8)[None, :]
    img[:, :, 2] = np.linspace(255, 0, size, dtype=np.uint8)[:, None]
    img[size // 4 : 3 * size // 4, size // 4 : 3 * size // 4] = 255
    return _encode_image(img, "png")


_AUDIO_FORMATS: dict[str, tuple[str, str]] = {
    ".mp3": ("mp3", "libmp3lame"),
    ".flac": ("flac", "flac"),
    ".ogg": ("ogg", "libopus"),
    ".opus": ("opus", "libopus"),
    ".m4a": ("ipod", "aac"),
    ".wav": ("wav", "pcm_s16le"),
    ".aiff": ("aiff", "pcm_s16be"),
    ".aif": ("aiff", "pcm_s16be"),
}
TAG_KEYS = (
    "title",
    "artist",
    "album",
    "albumartist",
    "tracknumber",
    "discnumber",
    "date",
    "genre",
)


def _number_pair(value: object) -> tuple[int, int]:
    """``3`` / ``"3"`` / ``"3/12"`` -> ``(3, 0)`` / ``(3, 0)`` / ``(3, 12)``."""
    text = str(value).strip()
    num, _, total = text.partition("/")
    return int(num), int(total) if total else 0


def _pair_text(pair: tuple[int, int]) -> str:
    return f"{pair[0]}/{pair[1]}" if pair[1] else str(pair[0])


def _write_id3(tags_obj: Any, tags: Mapping[str, object], cover: bytes | None) -> None:
    from mutagen import id3

    frames = {
        "title": id3.TIT2,
        "artist": id3.TPE1,
        "album": id3.TALB,
        "albumartist": id3.TPE2,
        "date": id3.TDRC,
        "genre": id3.TCON,
    }
    for key, value in tags.items():
        if key in frames:
            tags_obj.add(frames[key](encoding=3, text=[str(value)]))
        elif key == "tracknumber":
            tags_obj.add(id3.TRCK(encoding=3, text=[_pair_text(_number_pair(value))]))
        elif key == "discnumber":
            tags_obj.add(id3.TPOS(encoding=3, text=[_pair_text(_number_pair(value))]))
    if cover is not None:
        tags_obj.add(id3.APIC(encoding=3, mime="image/png", type=3, desc="Cover", data=cover))


def _flac_picture(cover: bytes) -> Any:
    from mutagen.flac import Picture

    pic = Picture()
    pic.type = 3
    pic.mime = "image/png"
    pic.desc = "Cover"
    pic.width = pic.height = 32
    pic.depth = 24
    pic.data = cover
    return pic


def _write_vorbis(obj: Any, tags: Mapping[str, object]) -> None:
    for key, value in tags.items():
        if key in ("tracknumber", "discnumber"):
            num, total = _number_pair(value)
            obj[key.upper()] = [str(num)]
            if total:
                obj["TRACKTOTAL" if key == "tracknumber" else "DISCTOTAL"] = [str(total)]
        else:
            obj[key.upper()] = [str(value)]


def _write_tags(path: pathlib.Path, suffix: str, tags: Mapping[str, object], cover: bool) -> None:
    png = _cover_png() if cover else None
    if suffix == ".mp3":
        from mutagen.mp3 import MP3

        mp3 = MP3(path)
        if mp3.tags is None:
            mp3.add_tags()
        _write_id3(mp3.tags, tags, png)
        mp3.save()
    elif suffix in (".wav", ".aiff", ".aif"):
        from mutagen.aiff import AIFF
        from mutagen.wave import WAVE

        riff: Any = WAVE(path) if suffix == ".wav" else AIFF(path)
        if riff.tags is None:
            riff.add_tags()
        _write_id3(riff.tags, tags, png)
        riff.save()
    elif suffix == ".flac":
        from mutagen.flac import FLAC

        flac = FLAC(path)
        _write_vorbis(flac, tags)
        if png is not None:
            flac.add_picture(_flac_picture(png))
        flac.save()
    elif suffix in (".ogg", ".opus"):
        from mutagen.oggopus import OggOpus

        ogg = OggOpus(path)
        _write_vorbis(ogg, tags)
        if png is not None:
            block = base64.b64encode(_flac_picture(png).write()).decode("ascii")
            ogg["METADATA_BLOCK_PICTURE"] = [block]
        ogg.save()
    elif suffix == ".m4a":
        from mutagen.mp4 import MP4, MP4Cover

        m4a = MP4(path)
        if m4a.tags is None:
            m4a.add_tags()
        atoms = {
            "title": "\xa9nam",
            "artist": "\xa9ART",
            "album": "\xa9alb",
            "albumartist": "aART",
            "date": "\xa9day",
            "genre": "\xa9gen",
        }
        assert m4a.tags is not None
        for key, value in tags.items():
            if key in atoms:
                m4a.tags[atoms[key]] = [str(value)]
            elif key == "tracknumber":
                m4a.tags["trkn"] = [_number_pair(value)]
            elif key == "discnumber":
                m4a.tags["disk"] = [_number_pair(value)]
        if png is not None:
            m4a.tags["covr"] = [MP4Cover(png, imageformat=MP4Cover.FORMAT_PNG)]
        m4a.save()
    else:  # pragma: no cover - guarded by make_audio
        raise ValueError(suffix)


def make_audio(
    path: StrPath,
    *,
    tags: Mapping[str, object] | None = None,
    seconds: float = 1.0,
    cover: bool = False,
    channels: int = 2,
) -> pathlib.Path:
    """An audio-only file (format from the suffix) with a 1 kHz tone, tagged with mutagen.

    ``.mp3`` libmp3lame + ID3v2; ``.flac`` + Vorbis comments; ``.ogg``/``.opus`` Opus
    (libopus; libvorbis is not in this PyAV build) + Vorbis comments; ``.m4a`` AAC + MP4
    atoms; ``.wav`` pcm_s16le + ``id3`` chunk; ``.aiff``/``.aif`` pcm_s16be + ``ID3``
    chunk.  ``tags`` keys: title, artist, album, albumartist, tracknumber (int or
    ``"3/12"``), discnumber, date (year), genre.  ``cover=True`` embeds a 32x32 PNG
    front cover (APIC, ``covr``, FLAC PICTURE block, ``METADATA_BLOCK_PICTURE``).
    """
    out = pathlib.Path(path)
    suffix = out.suffix.lower()
    if suffix not in _AUDIO_FORMATS:
        raise ValueError(f"unsupported audio suffix {out.suffix!r}; use {sorted(_AUDIO_FORMATS)}")
    tags = dict(tags or {})
    unknown = set(tags) - set(TAG_KEYS)
    if unknown:
        raise ValueError(f"unknown tag keys {sorted(unknown)}; accepted: {TAG_KEYS}")
    fmt, codec = _AUDIO_FORMATS[suffix]
    total = max(1, round(seconds * AUDIO_RATE))
    n = np.arange(total, dtype=np.float64)
    tone = (0.3 * np.sin(2 * np.pi * _BEEP_HZ * n / AUDIO_RATE)).astype(np.float32)
    track = np.ascontiguousarray(np.broadcast_to(tone, (channels, total)))

    container = av.open(str(out), mode="w", format=fmt)
    try:
        stream = container.add_stream(codec, rate=AUDIO_RATE, time_base=Fraction(1, AUDIO_RATE))
        layout = _layout(channels)
        stream.layout = layout
        if codec in ("libmp3lame", "aac", "libopus"):
            stream.bit_rate = 128000
        chunk = 4800
        for s0 in range(0, total, chunk):
            frame = _audio_frame(track[:, s0 : s0 + chunk], stream.format.name, layout, s0)
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    finally:
        container.close()
    if tags or cover:
        _write_tags(out, suffix, tags, cover)
    return out


