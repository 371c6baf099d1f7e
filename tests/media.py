"""Test-media helpers: generated clips, audio files, images and a bad-input corpus.

Everything follows ``/work/shared/TESTING.md`` ("the frame-index pattern"):

* every generated video frame carries its 0-based index in a band at the top of the
  frame (36 cells: guards ``1 0``, 24 index bits MSB first, an 8-bit check byte
  ``((b2 + b1 + b0) & 0xFF) ^ 0xA5``, guards ``0 1``), painted by :func:`paint_index`
  and read back by :func:`read_index` -- the one reader every test should use;
* clips carry a start timecode stored the way cameras/NLEs do (a ``tmcd`` track in
  MOV/MP4, the ``TIMECODE`` tag in Matroska);
* audio is 48 kHz stereo, silent except a 1 kHz beep one frame long at the start of
  every whole second (frames ``0, round(fps), 2*round(fps), ...``).

Media is written with PyAV only (tags with mutagen).  No Qt here.
"""

from __future__ import annotations

import base64
import math
import os
import pathlib
import shutil
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import av
import numpy as np

StrPath = str | os.PathLike[str]

__all__ = [
    "AUDIO_RATE",
    "BAD_CORPUS_KEYS",
    "CELLS",
    "DEFAULT_TC",
    "DEFAULT_TC_DF",
    "MAX_INDEX",
    "TAG_KEYS",
    "band_height",
    "beep_frames",
    "check_byte",
    "decode_indexes",
    "make_audio",
    "make_bad_corpus",
    "make_clip",
    "make_image",
    "paint_index",
    "parse_rate",
    "pattern_bits",
    "read_index",
    "read_start_timecode",
    "sample_at_frame",
]

CELLS = 36
MAX_INDEX = (1 << 24) - 1
AUDIO_RATE = 48000
DEFAULT_TC = "01:00:00:00"
DEFAULT_TC_DF = "01:00:00;00"
NTSC_29_97 = Fraction(30000, 1001)

_BEEP_HZ = 1000.0
_BEEP_AMPLITUDE = 0.5


def band_height(height: int) -> int:
    """Rows of the band: ``max(floor(0.06*H), 8)`` (never more than the frame)."""
    return min(height, max(height * 6 // 100, 8))


def check_byte(index: int) -> int:
    """``((b2 + b1 + b0) & 0xFF) ^ 0xA5`` for the three bytes of a 24-bit index."""
    b2, b1, b0 = (index >> 16) & 0xFF, (index >> 8) & 0xFF, index & 0xFF
    return ((b2 + b1 + b0) & 0xFF) ^ 0xA5


def pattern_bits(index: int) -> list[int]:
    """The 36 cell values (1 = white) for ``index``, left to right."""
    if not 0 <= index <= MAX_INDEX:
        raise ValueError(f"frame index {index} does not fit in 24 bits")
    chk = check_byte(index)
    return (
        [1, 0]
        + [(index >> (23 - k)) & 1 for k in range(24)]
        + [(chk >> (7 - k)) & 1 for k in range(8)]
        + [0, 1]
    )


def paint_index(frame: np.ndarray, index: int) -> None:
    """Paint the frame-index band of ``index`` into ``frame`` in place.

    ``frame`` is an ``H x W x 3`` (or ``x 4``, or ``H x W`` gray) uint8 array.  The band
    covers all columns and rows ``0 .. max(floor(0.06*H), 8)``; cell ``i`` spans columns
    ``i*W//36 .. (i+1)*W//36``; white is 255, black is 0.
    """
    if not isinstance(frame, np.ndarray) or frame.dtype != np.uint8:
        raise TypeError("paint_index needs a uint8 numpy array")
    if frame.ndim not in (2, 3):
        raise ValueError(f"expected an HxWx3 or HxW array, got shape {frame.shape}")
    height, width = frame.shape[:2]
    band = band_height(height)
    for i, bit in enumerate(pattern_bits(index)):
        c0, c1 = i * width // CELLS, (i + 1) * width // CELLS
        if frame.ndim == 3:
            frame[:band, c0:c1, :3] = 255 if bit else 0
        else:
            frame[:band, c0:c1] = 255 if bit else 0


def _read_rows(band: int) -> tuple[int, int]:
    """Rows whose centres lie in ``[0.25*band, 0.75*band]`` as a half-open range."""
    r0 = -(-(band - 2) // 4)  # ceil((band - 2) / 4)
    r1 = (3 * band - 2) // 4 + 1
    return max(r0, 0), max(r1, r0 + 1)


def _read_cols(i: int, width: int) -> tuple[int, int]:
    """Columns whose centres lie in ``[(i+0.3)*W/36, (i+0.7)*W/36]`` (half-open).

    Kept inside the painted cell ``i*W//36 .. (i+1)*W//36``; for W >= 60 the window
    always is.  Narrower frames fall back to the pixel nearest the cell's centre.
    """
    lo, hi = i * width // CELLS, max((i + 1) * width // CELLS, i * width // CELLS + 1)
    j0 = max(-(-((10 * i + 3) * width - 180) // 360), lo)
    j1 = min(((10 * i + 7) * width - 180) // 360 + 1, hi)
    if j1 > j0:
        return j0, j1
    j = min(max((10 * i + 5) * width // 360, lo), hi - 1)
    return j, j + 1


def _luma(frame: Any) -> np.ndarray:
    if isinstance(frame, av.VideoFrame):
        return frame.to_ndarray(format="gray")
    arr = np.asarray(frame)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim == 2:
        return arr
    if arr.ndim == 3 and arr.shape[2] >= 3:
        return arr
    raise ValueError(f"expected an HxWx3 / HxW array or an av.VideoFrame, got {arr.shape}")


def read_index(frame: Any) -> int | None:
    """Read the frame index back, or ``None`` when guards or check byte disagree.

    ``frame`` is an ``H x W x 3`` RGB array, an ``H x W`` gray array or an
    ``av.VideoFrame`` (converted to gray with swscale, which maps limited-range luma
    to full range).  Each cell is the mean luma over the columns
    ``(i+0.3)*W/36 .. (i+0.7)*W/36`` and rows ``0.25*band .. 0.75*band``; above 128
    is 1.
    """
    img = _luma(frame)
    height, width = img.shape[:2]
    if height == 0 or width < CELLS:
        return None
    r0, r1 = _read_rows(band_height(height))
    rows = img[r0:r1].astype(np.float32)
    if rows.ndim == 3:
        rows = rows[:, :, 0] * 0.299 + rows[:, :, 1] * 0.587 + rows[:, :, 2] * 0.114
    bits = []
    for i in range(CELLS):
        c0, c1 = _read_cols(i, width)
        bits.append(1 if float(rows[:, c0:c1].mean()) > 128.0 else 0)
    if bits[:2] != [1, 0] or bits[34:] != [0, 1]:
        return None
    index = 0
    for bit in bits[2:26]:
        index = (index << 1) | bit
    chk = 0
    for bit in bits[26:34]:
        chk = (chk << 1) | bit
    return index if chk == check_byte(index) else None


def parse_rate(rate: str | Fraction | int | float) -> Fraction:
    """``"24000/1001"``, ``"24"``, ``"29.97"``, ``Fraction`` or int -> exact Fraction.

    Decimal NTSC spellings (23.976, 29.97, 59.94) snap to ``N*1000/1001``.
    """
    if isinstance(rate, Fraction):
        value = rate
    elif isinstance(rate, int):
        value = Fraction(rate)
    elif isinstance(rate, (str, float)):
        value = Fraction(str(rate).strip())
    else:
        raise TypeError(f"unsupported rate {rate!r}")
    if value <= 0:
        raise ValueError(f"frame rate must be positive, got {rate!r}")
    if value.denominator not in (1, 1001):
        ntsc = Fraction(round(value * Fraction(1001, 1000)) * 1000, 1001)
        if abs(ntsc - value) < Fraction(1, 100):
            value = ntsc
    return value


def _round(value: Fraction) -> int:
    """Round half up (deterministic, unlike banker's rounding)."""
    return math.floor(value + Fraction(1, 2))


def sample_at_frame(frame: int, rate: str | Fraction | int, sample_rate: int = AUDIO_RATE) -> int:
    """First audio sample of video frame ``frame``: ``round(sample_rate * frame / fps)``."""
    return _round(Fraction(sample_rate) * frame / parse_rate(rate))


def beep_frames(frames: int, rate: str | Fraction | int) -> list[int]:
    """Video frames that start with a beep: ``0, round(fps), 2*round(fps), ...``."""
    step = _round(parse_rate(rate))
    return list(range(0, frames, step))


_DIGITS = {
    "0": ("111", "101", "101", "101", "111"),
    "1": ("010", "110", "010", "010", "111"),
    "2": ("111", "001", "111", "100", "111"),
    "3": ("111", "001", "111", "001", "111"),
    "4": ("101", "101", "111", "001", "001"),
    "5": ("111", "100", "111", "001", "111"),
    "6": ("111", "100", "111", "101", "111"),
    "7": ("111", "001", "010", "010", "010"),
    "8": ("111", "101", "111", "101", "111"),
    "9": ("111", "101", "111", "001", "111"),
}
_GLYPHS = {k: np.array([[c == "1" for c in row] for row in v], dtype=bool) for k, v in _DIGITS.items()}


class _Painter:
    """Draws moving content (scrolling gradient + noise, a moving block, the frame
    number in big digits) below the band, then the band itself."""

    def __init__(self, width: int, height: int, seed: int = 1234) -> None:
        self.width, self.height = width, height
        self.band = band_height(height)
        rng = np.random.default_rng(seed)
        x = np.arange(width, dtype=np.int32)
        y = np.arange(height, dtype=np.int32)
        self.ramp_x = (x * 512 // max(width, 1)).astype(np.int32)
        self.ramp_y = np.broadcast_to(
            (y * 159 // max(height - 1, 1)).astype(np.uint8)[:, None], (height, width)
        )
        self.noise = rng.integers(0, 96, size=(height, width), dtype=np.uint8)
        self.scale = max(1, height // 30)

    def frame(self, index: int) -> np.ndarray:
        h, w = self.height, self.width
        img = np.empty((h, w, 3), dtype=np.uint8)
        img[:, :, 0] = ((self.ramp_x + index * 7) % 256).astype(np.uint8)[None, :]
        noise = np.roll(self.noise, index * 3, axis=1)
        img[:, :, 1] = self.ramp_y + noise
        img[:, :, 2] = noise + np.uint8(80)
        # A moving block with hard edges.
        bw, bh = max(w // 6, 2), max(h // 4, 2)
        span = max(w - bw, 1)
        bx = (index * max(w // 48, 1)) % span
        by = min(self.band + (h - self.band - bh) // 2, max(h - bh, 0))
        img[by : by + bh, bx : bx + bw] = (255, 255, 0)
        self._digits(img, str(index))
        paint_index(img, index)
        return img

    def _digits(self, img: np.ndarray, text: str) -> None:
        s = self.scale
        gh, gw = 5 * s, 4 * s
        top, left = self.band + 2 * s, 2 * s
        if top + gh + s > self.height or left + gw * len(text) + s > self.width:
            return
        img[top - s : top + gh + s, left - s : left + gw * len(text) + s] = 0
        for k, ch in enumerate(text):
            glyph = np.kron(_GLYPHS[ch], np.ones((s, s), dtype=bool))
            region = img[top : top + gh, left + k * gw : left + k * gw + 3 * s]
            region[glyph] = 255


_VIDEO_FORMATS = {".mov": "mov", ".mp4": "mp4", ".m4v": "mp4", ".mkv": "matroska"}
_DEFAULT_PIX_FMT = {
    "h264": "yuv420p",
    "prores": "yuv422p10le",
    "mjpeg": "yuvj420p",
    "mpeg4": "yuv420p",
}
_ENCODERS = {"h264": "libx264", "prores": "prores_ks", "mjpeg": "mjpeg", "mpeg4": "mpeg4"}


def _audio_codec_for(fmt: str) -> str:
    return "aac" if fmt == "mp4" else "pcm_s16le"


def _beep_track(frames: int, fps: Fraction, channels: int) -> np.ndarray:
    """Planar float32 ``channels x samples`` audio for ``frames`` video frames."""
    total = sample_at_frame(frames, fps)
    mono = np.zeros(total, dtype=np.float32)
    for f in beep_frames(frames, fps):
        s0, s1 = sample_at_frame(f, fps), sample_at_frame(f + 1, fps)
        n = np.arange(s1 - s0, dtype=np.float64)
        mono[s0:s1] = (_BEEP_AMPLITUDE * np.sin(2 * np.pi * _BEEP_HZ * n / AUDIO_RATE)).astype(np.float32)
    return np.ascontiguousarray(np.broadcast_to(mono, (channels, total)))


def _layout(channels: int) -> str:
    """FFmpeg's default layout name for a channel count."""
    names = {1: "mono", 2: "stereo", 3: "2.1", 4: "quad", 5: "5.0", 6: "5.1", 7: "6.1", 8: "7.1"}
    return names.get(channels, f"{channels}c")


def _audio_frame(chunk: np.ndarray, fmt: str, layout: str, pts: int) -> av.AudioFrame:
    """An AudioFrame in the encoder's own sample format (so nothing gets resampled)."""
    if fmt == "s16":
        data = np.round(chunk.T * 32767.0).astype(np.int16).reshape(1, -1)
    elif fmt == "s16p":
        data = np.round(chunk * 32767.0).astype(np.int16)
    elif fmt == "flt":
        data = np.ascontiguousarray(chunk.T).reshape(1, -1)
    else:
        fmt = "fltp"
        data = np.ascontiguousarray(chunk)
    frame = av.AudioFrame.from_ndarray(data, format=fmt, layout=layout)
    frame.sample_rate = AUDIO_RATE
    frame.pts = pts
    frame.time_base = Fraction(1, AUDIO_RATE)
    return frame


def make_clip(
    path: StrPath,
    *,
    rate: str | Fraction | int = "24000/1001",
    frames: int = 48,
    size: tuple[int, int] = (320, 180),
    codec: str = "h264",
    start_tc: str | None = DEFAULT_TC,
    audio: bool = True,
    gop: int = 12,
    bframes: int = 2,
    open_gop: bool = False,
    pix_fmt: str | None = None,
    audio_codec: str | None = None,
    audio_channels: int = 2,
    crf: int = 20,
    container_options: Mapping[str, str] | None = None,
) -> pathlib.Path:
    """Write a clip whose frame ``i`` carries index ``i``; return its path.

    * ``rate``: ``"24000/1001"``, ``"24"``, ``"25"``, ``"30000/1001"``, Fraction or int.
    * ``size``: ``(width, height)``.
    * ``codec``: ``"h264"`` (libx264, long GOP: ``gop`` frames, ``bframes`` B-frames with
      ``b-adapt=0`` so they are really used, no scene-cut keyframes; closed GOP unless
      ``open_gop=True``, which sets x264's ``open-gop=1``), ``"prores"`` (prores_ks,
      profile 2 = 422 standard, yuv422p10le; MOV or MKV), ``"mjpeg"`` or ``"mpeg4"``
      (``bframes`` B-frames, closed GOP unless ``open_gop``).
    * container from the suffix: ``.mov``, ``.mp4`` (``.m4v``), ``.mkv``.
    * ``start_tc``: the start timecode.  MOV/MP4: the video stream's ``timecode``
      metadata, which makes the mov muxer write a ``tmcd`` track; MKV: the global
      ``TIMECODE`` tag (what ``ffmpeg -timecode`` does).  At 30000/1001 the default
      becomes ``"01:00:00;00"`` (drop frame).  ``None`` writes no timecode.
    * ``audio``: 48 kHz, ``audio_channels`` channels, a 1 kHz beep one frame long at
      frames ``0, round(fps), ...``; exactly ``round(48000*frames/fps)`` samples.
      Codec: AAC in MP4, pcm_s16le in MOV and MKV (sample exact), or ``audio_codec``.
    * ``container_options``: muxer options, e.g. ``{"movflags": "+faststart"}``.
    """
    out = pathlib.Path(path)
    fmt = _VIDEO_FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise ValueError(f"unsupported clip suffix {out.suffix!r} (use .mov, .mp4 or .mkv)")
    if codec not in _ENCODERS:
        raise ValueError(f"unsupported codec {codec!r}; choose from {sorted(_ENCODERS)}")
    if codec == "prores" and fmt == "mp4":
        raise ValueError("ProRes goes in .mov (or .mkv), not .mp4")
    if frames < 1:
        raise ValueError("frames must be >= 1")
    fps = parse_rate(rate)
    width, height = size
    tc = start_tc
    if tc == DEFAULT_TC and fps == NTSC_29_97:
        tc = DEFAULT_TC_DF

    container = av.open(str(out), mode="w", format=fmt, container_options=dict(container_options or {}))
    try:
        options: dict[str, str] = {}
        if codec == "h264":
            params = [
                f"keyint={gop}",
                f"min-keyint={gop}",
                "scenecut=0",
                f"bframes={bframes}",
                "b-adapt=0",
                f"open-gop={1 if open_gop else 0}",
            ]
            options = {"preset": "veryfast", "crf": str(crf), "x264-params": ":".join(params)}
        elif codec == "prores":
            options = {"profile": "2"}
        elif codec == "mpeg4":
            # Fixed GOP; closed GOPs need scene-change detection off in mpegvideo.
            options = {"sc_threshold": "1000000000"}
        vstream = container.add_stream(_ENCODERS[codec], rate=fps, options=options, time_base=1 / fps)
        vstream.width, vstream.height = width, height
        vstream.pix_fmt = pix_fmt or _DEFAULT_PIX_FMT[codec]
        ctx = vstream.codec_context
        ctx.gop_size = gop
        if codec in ("h264", "mpeg4"):
            ctx.max_b_frames = bframes
        if codec in ("mjpeg", "mpeg4"):
            ctx.qscale = True
            ctx.global_quality = 2
            ctx.qmin, ctx.qmax = 1, 3
            if codec == "mpeg4" and not open_gop:
                ctx.flags |= av.codec.context.Flags.closed_gop
        if tc:
            if fmt == "matroska":
                container.metadata["timecode"] = tc
            else:
                vstream.metadata["timecode"] = tc

        astream = None
        track = np.zeros((0, 0), dtype=np.float32)
        layout = _layout(audio_channels)
        if audio:
            astream = container.add_stream(
                audio_codec or _audio_codec_for(fmt),
                rate=AUDIO_RATE,
                time_base=Fraction(1, AUDIO_RATE),
            )
            astream.layout = layout
            track = _beep_track(frames, fps, audio_channels)

        painter = _Painter(width, height)
        for i in range(frames):
            vframe = av.VideoFrame.from_ndarray(painter.frame(i), format="rgb24")
            vframe.pts = i
            vframe.time_base = 1 / fps
            container.mux(vstream.encode(vframe))
            if astream is not None:
                s0, s1 = sample_at_frame(i, fps), sample_at_frame(i + 1, fps)
                aframe = _audio_frame(track[:, s0:s1], astream.format.name, layout, s0)
                container.mux(astream.encode(aframe))
        container.mux(vstream.encode(None))
        if astream is not None:
            container.mux(astream.encode(None))
    finally:
        container.close()
    return out


def decode_indexes(path: StrPath) -> list[int | None]:
    """Decode every video frame of ``path`` and return the read indexes, in
    presentation order."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        return [read_index(frame) for frame in container.decode(stream)]


def _get_tc(metadata: Mapping[str, str]) -> str | None:
    for key, value in metadata.items():
        if key.lower() == "timecode" and value:
            return value
    return None


def read_start_timecode(path: StrPath) -> str | None:
    """The start timecode as PyAV/libavformat reports it: the video stream's
    ``timecode`` (MOV/MP4: taken from the ``tmcd`` track), a data (tmcd) stream's
    ``timecode``, then the container's ``timecode``/``TIMECODE`` tag."""
    with av.open(str(path)) as container:
        streams = list(container.streams)
        ordered = (
            [s for s in streams if s.type == "video"]
            + [s for s in streams if s.type == "data"]
            + [s for s in streams if s.type not in ("video", "data")]
        )
        for stream in ordered:
            tc = _get_tc(stream.metadata)
            if tc:
                return tc
        return _get_tc(container.metadata)


def _encode_image(img: np.ndarray, kind: str) -> bytes:
    """Encode one RGB frame as PNG or JPEG bytes with PyAV."""
    height, width = img.shape[:2]
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")
    if kind == "png":
        ctx = av.CodecContext.create("png", "w")
        ctx.pix_fmt = "rgb24"
    else:
        ctx = av.CodecContext.create("mjpeg", "w")
        ctx.pix_fmt = "yuvj444p"
        ctx.qscale = True
        ctx.global_quality = 1
        ctx.qmin, ctx.qmax = 1, 2
    ctx.width, ctx.height = width, height
    ctx.time_base = Fraction(1, 25)
    frame.pts = 0
    packets = ctx.encode(frame) + ctx.encode(None)
    return b"".join(bytes(p) for p in packets)


def make_image(path: StrPath, *, size: tuple[int, int] = (64, 48), index: int = 0) -> pathlib.Path:
    """A PNG or JPEG (by suffix) of ``size`` = ``(width, height)`` with the pattern of
    ``index`` painted, encoded with PyAV (png / mjpeg encoder, yuvj444p at q=1)."""
    out = pathlib.Path(path)
    suffix = out.suffix.lower()
    if suffix == ".png":
        kind = "png"
    elif suffix in (".jpg", ".jpeg"):
        kind = "jpeg"
    else:
        raise ValueError(f"unsupported image suffix {out.suffix!r} (use .png, .jpg, .jpeg)")
    width, height = size
    img = _Painter(width, height).frame(index)
    out.write_bytes(_encode_image(img, kind))
    return out


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


BAD_CORPUS_KEYS = (
    "zero_byte",
    "truncated",
    "garbage_header",
    "wrong_extension",
    "unreadable",
    "broken_symlink",
    "symlink_loop",
    "non_utf8_name",
    "long_name",
    "unicode_name",
    "dir_named_like_media",
)


def _long_name(total_bytes: int = 255, suffix: str = ".mp4") -> str:
    """A file name of exactly ``total_bytes`` UTF-8 bytes with multi-byte characters."""
    head = "long_名前_"
    unit = "日本🎬é"  # 3 + 3 + 4 + 2 bytes
    body = head
    while len((body + unit + suffix).encode()) <= total_bytes:
        body += unit
    while len((body + suffix).encode()) < total_bytes:
        body += "x"
    name = body + suffix
    assert len(name.encode()) == total_bytes
    return name


def _fresh(path: StrPath | bytes) -> None:
    """Remove whatever a previous corpus left at ``path`` (file, link or empty dir)."""
    if os.path.islink(path) or os.path.isfile(path):
        os.unlink(path)
    elif os.path.isdir(path):
        shutil.rmtree(path)


def make_bad_corpus(directory: StrPath) -> dict[str, pathlib.Path]:
    """Create the bad-input corpus of TESTING.md inside ``directory``.

    Keys (stable) and what they hold:

    * ``zero_byte`` -- an empty ``zero_byte.mp4``.
    * ``truncated`` -- a real H.264 ``.mp4`` (moov first, ``+faststart``) cut in the
      middle of its media data: the header parses, decoding runs out of data.
    * ``garbage_header`` -- a real ``.mov`` whose first 4 KiB are overwritten with
      random bytes (seeded, so the corpus is reproducible).
    * ``wrong_extension`` -- a text file named ``.mkv``.
    * ``unreadable`` -- a real ``.mp4`` with mode ``000``.  When the tests run as root
      (CAP_DAC_OVERRIDE) the file can still be opened: check the mode bits, not the
      failure, in that case.
    * ``broken_symlink`` -- ``broken_symlink.mp4`` pointing to a missing file.
    * ``symlink_loop`` -- ``loop/parent``, a directory symlink to ``..`` (the corpus
      directory), so a walker that follows links goes round forever.
    * ``non_utf8_name`` -- a real clip whose name contains byte ``0xff`` (made with
      bytes paths); the value is ``Path(os.fsdecode(...))`` (a surrogate escape).
    * ``long_name`` -- a real clip whose name is exactly 255 UTF-8 bytes, with
      multi-byte characters.
    * ``unicode_name`` -- a real clip named ``Ünïcødé 日本語 🎬.mov``.
    * ``dir_named_like_media`` -- an empty directory named ``folder.mp4``.

    Calling it again on the same directory recreates the entries.

    "A file removed while being read" cannot be pre-generated: tests that need it
    delete a corpus file (or a fresh :func:`make_clip`) from inside the reader.
    """
    root = pathlib.Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    work = root / ".corpus-work"
    work.mkdir(exist_ok=True)
    out: dict[str, pathlib.Path] = {}
    try:
        small_mp4 = make_clip(work / "small.mp4", frames=12, size=(160, 90), audio=False, gop=6)
        small_mov = make_clip(work / "small.mov", frames=24, size=(160, 90), audio=False)

        zero = root / "zero_byte.mp4"
        _fresh(zero)
        zero.write_bytes(b"")
        out["zero_byte"] = zero

        full = make_clip(
            work / "full_faststart.mp4",
            size=(160, 90),
            container_options={"movflags": "+faststart"},
        )
        data = full.read_bytes()
        truncated = root / "truncated.mp4"
        _fresh(truncated)
        truncated.write_bytes(data[: len(data) // 2])
        out["truncated"] = truncated

        rng = np.random.default_rng(4096)
        garbage = root / "garbage_header.mov"
        _fresh(garbage)
        mov = bytearray(small_mov.read_bytes())
        mov[:4096] = rng.integers(0, 256, size=4096, dtype=np.uint8).tobytes()
        garbage.write_bytes(bytes(mov))
        out["garbage_header"] = garbage

        wrong = root / "wrong_extension.mkv"
        _fresh(wrong)
        wrong.write_text("This is a text file, not a Matroska video.\n" * 20, encoding="utf-8")
        out["wrong_extension"] = wrong

        unreadable = root / "unreadable.mp4"
        _fresh(unreadable)
        shutil.copyfile(small_mp4, unreadable)
        unreadable.chmod(0)
        out["unreadable"] = unreadable

        broken = root / "broken_symlink.mp4"
        _fresh(broken)
        broken.symlink_to("missing_target.mp4")
        out["broken_symlink"] = broken

        loop_dir = root / "loop"
        _fresh(loop_dir)
        loop_dir.mkdir()
        loop = loop_dir / "parent"
        loop.symlink_to("..", target_is_directory=True)
        out["symlink_loop"] = loop

        raw = os.path.join(os.fsencode(root), b"non_utf8_\xff_name.mp4")
        _fresh(raw)
        shutil.copyfile(os.fsencode(small_mp4), raw)
        out["non_utf8_name"] = pathlib.Path(os.fsdecode(raw))

        long_path = root / _long_name()
        _fresh(long_path)
        shutil.copyfile(small_mp4, long_path)
        out["long_name"] = long_path

        uni = root / "Ünïcødé 日本語 🎬.mov"
        _fresh(uni)
        shutil.copyfile(small_mov, uni)
        out["unicode_name"] = uni

        folder = root / "folder.mp4"
        _fresh(folder)
        folder.mkdir()
        out["dir_named_like_media"] = folder
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out
