"""Generated clips (pattern, start timecode, beeping audio) and images; reading them back."""

from __future__ import annotations

import math
import os
import pathlib
import subprocess
from collections.abc import Mapping, Sequence
from fractions import Fraction

import av
import numpy as np

from tests.media.pattern import (
    _BEEP_AMPLITUDE,
    _BEEP_HZ,
    AUDIO_RATE,
    DEFAULT_TC,
    DEFAULT_TC_DF,
    NTSC_29_97,
    band_height,
    paint_index,
    read_index,
)

StrPath = str | os.PathLike[str]

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


def _beep_track(frames: int, fps: Fraction, channels: int, track: int = 0) -> np.ndarray:
    """Planar float32 ``channels x samples`` audio for ``frames`` video frames (audio track ``track``)."""
    total = sample_at_frame(frames, fps)
    mono = np.zeros(total, dtype=np.float32)
    for f in track_beep_frames(frames, fps, track):
        s0, s1 = sample_at_frame(f, fps), sample_at_frame(f + 1, fps)
        n = np.arange(s1 - s0, dtype=np.float64)
        hz = track_beep_hz(track)
        mono[s0:s1] = (_BEEP_AMPLITUDE * np.sin(2 * np.pi * hz * n / AUDIO_RATE)).astype(np.float32)
    return np.ascontiguousarray(np.broadcast_to(mono, (channels, total)))


def track_beep_hz(track: int) -> float:
    """Audio track ``track`` beeps at (track + 1) kHz: 1 kHz, 2 kHz, 3 kHz..."""
    return _BEEP_HZ * (track + 1)


def track_beep_frames(frames: int, rate: str | Fraction | int, track: int = 0) -> list[int]:
    """Video frames that start a beep on audio track ``track``: track 0 at ``0, round(fps), ...`` (as
    :func:`beep_frames`), track k later by ``k * round(fps) // 4`` frames, so no two tracks beep together."""
    step = _round(parse_rate(rate))
    return list(range(track * step // 4, frames, step))


def dominant_hz(mono: np.ndarray, start: int, length: int) -> float:
    """The strongest frequency of ``mono[start:start + length]`` (FFT peak, Hann window)."""
    part = mono[start : start + length].astype(np.float64)
    spectrum = np.abs(np.fft.rfft(part * np.hanning(len(part))))
    return float(np.argmax(spectrum) * AUDIO_RATE / len(part))


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
    audio_tracks: Sequence[Mapping[str, str]] | None = None,
    crf: int = 20,
    slices: int | None = None,
    container_options: Mapping[str, str] | None = None,
) -> pathlib.Path:
    """Write a clip whose frame ``i`` carries index ``i``; return its path.

    * ``rate``: ``"24000/1001"``, ``"24"``, ``"25"``, ``"30000/1001"``, Fraction or int.
    * ``size``: ``(width, height)``.
    * ``codec``: ``"h264"`` (libx264, long GOP: ``gop`` frames, ``bframes`` B-frames with
      ``b-adapt=0`` so they are really used, no scene-cut keyframes; closed GOP unless
      ``open_gop=True``, which sets x264's ``open-gop=1``; ``slices`` coded slices per
      frame when given, else what x264's threading picks), ``"prores"`` (prores_ks,
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
    * ``audio_tracks``: several audio streams instead of one, each ``audio_channels`` channels; the
      mapping's ``language``/``title`` become the stream's tags.  Track k beeps at (k + 1) kHz at
      :func:`track_beep_frames` ``(frames, rate, k)`` (track 0 as above), so tracks can be told apart.
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
            if slices is not None:
                params += ["sliced-threads=0", f"slices={slices}"]
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

        astreams: list[tuple[av.audio.stream.AudioStream, np.ndarray]] = []
        layout = _layout(audio_channels)
        for number, tags in enumerate((audio_tracks or [{}]) if audio else []):
            astream = container.add_stream(
                audio_codec or _audio_codec_for(fmt),
                rate=AUDIO_RATE,
                time_base=Fraction(1, AUDIO_RATE),
            )
            astream.layout = layout
            for key, value in tags.items():
                astream.metadata[key] = value
            astreams.append((astream, _beep_track(frames, fps, audio_channels, number)))

        painter = _Painter(width, height)
        for i in range(frames):
            vframe = av.VideoFrame.from_ndarray(painter.frame(i), format="rgb24")
            vframe.pts = i
            vframe.time_base = 1 / fps
            container.mux(vstream.encode(vframe))
            for astream, track in astreams:
                s0, s1 = sample_at_frame(i, fps), sample_at_frame(i + 1, fps)
                aframe = _audio_frame(track[:, s0:s1], astream.format.name, layout, s0)
                container.mux(astream.encode(aframe))
        container.mux(vstream.encode(None))
        for astream, _ in astreams:
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


def ffmpeg_decode_indexes(path: StrPath) -> tuple[list[int | None], str]:
    """Decode every video frame of ``path`` with the ``ffmpeg`` CLI (an independent decoder) and return
    (the read indexes in presentation order, what ffmpeg printed at level ``error``: empty when clean)."""
    with av.open(str(path)) as container:
        ctx = container.streams.video[0].codec_context
        width, height = ctx.width, ctx.height
    run = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", "0:v:0", "-fps_mode",
                          "passthrough", "-f", "rawvideo", "-pix_fmt", "gray", "-"], capture_output=True, check=False)
    size = width * height
    frames = np.frombuffer(run.stdout, dtype=np.uint8)[: len(run.stdout) // size * size].reshape(-1, height, width)
    errors = run.stderr.decode(errors="replace").strip()
    if run.returncode:
        errors = errors or f"ffmpeg exited with {run.returncode}"
    return [read_index(frame) for frame in frames], errors


def decode_audio(path: StrPath, track: int = 0) -> np.ndarray:
    """Audio stream ``track`` (the first by default) decoded as float ``channels x samples`` (int16 scaled
    to -1..1)."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[track]
        frames = [f.to_ndarray() for f in container.decode(stream)]
        fmt, channels = stream.format, stream.channels
    data = np.concatenate(frames, axis=1)
    if not fmt.is_planar:
        data = data.reshape(-1, channels).T
    if data.dtype == np.int16:
        data = data / 32768.0
    elif data.dtype == np.int32:
        data = data / 2147483648.0
    return data


def beep_onsets(mono: np.ndarray, threshold: float = 0.05, gap: int = 4800) -> list[int]:
    """First sample of each beep: where the level rises above ``threshold`` after ``gap`` quiet samples."""
    loud = np.flatnonzero(np.abs(mono) > threshold)
    if not loud.size:
        return []
    starts = [int(loud[0])] + [int(b) for a, b in zip(loud[:-1], loud[1:], strict=True) if b - a > gap]
    return starts


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


