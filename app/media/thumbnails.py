"""Posters, scrubber sprite sheets and hover previews, made with PyAV (no Qt, no PIL).

Every output is written under a temporary name and renamed when complete.
"""

from __future__ import annotations

import base64
import io
import json
import math
import os
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

import av
import mutagen
import numpy as np

from app.media.framegrab import (
    Check,
    Scaler,
    ThumbnailError,
    VideoSource,
    fit_width,
    no_check,
    open_media,
    require_content,
)

__all__ = [
    "POSTER_WIDTH", "PREVIEW_WIDTH", "TILE_WIDTH", "SpriteInfo", "ThumbnailError", "ThumbnailSet",
    "is_blank", "make_poster", "make_preview", "make_sprite", "make_thumbnails", "preview_ranges",
    "sprite_interval",
]

POSTER_WIDTH = 320
TILE_WIDTH = 160
PREVIEW_WIDTH = 240
MAX_TILES = 100
MIN_TILES = 10
SPRITE_COLUMNS = 10
POSTER_CANDIDATES = (0.1, 0.2, 0.3, 0.4, 0.5)
PREVIEW_SNIPPETS = 5
PREVIEW_SNIPPET_SECONDS = 1
POSTER, SPRITE, SPRITE_INFO, PREVIEW = "poster.jpg", "sprite.jpg", "sprite.json", "preview.mp4"


@dataclass(frozen=True)
class SpriteInfo:
    """The sprite.json sidecar: tile k (row-major) shows source frame frame_indices[k] = k * interval_frames."""

    interval_seconds: float
    interval_frames: int
    tile_width: int
    tile_height: int
    columns: int
    rows: int
    count: int
    frame_indices: list[int | None]  # None: that frame could not be decoded (the tile is black)
    frame_rate: str


@dataclass(frozen=True)
class ThumbnailSet:
    """What was made for one file; None where a kind has no such output (audio without cover art)."""

    poster: Path | None = None
    sprite: Path | None = None
    sprite_info: SpriteInfo | None = None
    preview: Path | None = None


def make_thumbnails(path: str | bytes, out_dir: Path, kind: str, rate: Fraction | None = None,
                    frame_count: int | None = None, check: Check = no_check) -> ThumbnailSet:
    """Every output its kind has, into out_dir (the caller makes the folder appear atomically)."""
    source_path = os.fsdecode(path)
    out_dir = Path(out_dir)
    if kind == "image":
        return ThumbnailSet(poster=make_image_poster(source_path, out_dir / POSTER))
    if kind == "audio":
        require_content(source_path)
        cover = cover_art(source_path)
        if cover is None:
            return ThumbnailSet()
        return ThumbnailSet(poster=make_image_poster(io.BytesIO(cover), out_dir / POSTER))
    with VideoSource(source_path, rate, frame_count) as source:
        poster = make_poster(source, out_dir / POSTER)
        check()
        info = make_sprite(source, out_dir / SPRITE, out_dir / SPRITE_INFO, check)
        check()
        preview = make_preview(source, out_dir / PREVIEW, check)
    return ThumbnailSet(poster, out_dir / SPRITE, info, preview)


# ---- poster

def is_blank(rgb: np.ndarray) -> bool:
    """Black, nearly black or one flat colour (a fade, a slate-less leader, bars' black)."""
    luma = rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114
    if float((luma < 24).mean()) >= 0.96:
        return True
    return float((np.abs(luma - np.median(luma)) <= 12).mean()) >= 0.9


def make_poster(source: VideoSource, dest: Path, width: int = POSTER_WIDTH) -> Path:
    """The first keyframe at 10%, 20%, … of the clip that is not black or flat (else the busiest)."""
    scale = Scaler(fit_width(source.width, source.height, width, source.aspect))
    candidates = sorted({min(int(source.frame_count * f), source.frame_count - 1) for f in POSTER_CANDIDATES})
    chosen, best_score = None, -1.0
    for _index, frame in source.grab_keyframes(candidates):
        rgb = scale.rgb(frame)
        if not is_blank(rgb):
            chosen = rgb
            break
        score = float(rgb.std())
        if score > best_score:
            chosen, best_score = rgb, score
    if chosen is None:
        raise ThumbnailError("no picture could be decoded from this file (corrupt or truncated?)")
    write_atomic(dest, encode_jpeg(chosen, quality=3))
    return dest


def make_image_poster(source: str | io.BytesIO, dest: Path, width: int = POSTER_WIDTH) -> Path:
    """A still image (or embedded cover art bytes) scaled to the poster width."""
    container = open_media(source) if isinstance(source, str) else _open_bytes(source)
    with container:
        try:
            frame = next(container.decode(video=0), None)
        except (av.error.FFmpegError, IndexError) as exc:
            raise ThumbnailError("not readable as a picture: the file is corrupt or not an image") from exc
        if frame is None:
            raise ThumbnailError("not readable as a picture: no image in the file")
        stream = container.streams.video[0]
        aspect = Fraction(stream.sample_aspect_ratio) if stream.sample_aspect_ratio else None
        rgb = Scaler(fit_width(frame.width, frame.height, width, aspect)).rgb(frame)
    write_atomic(dest, encode_jpeg(rgb, quality=3))
    return dest


def _open_bytes(data: io.BytesIO) -> av.container.InputContainer:
    try:
        return av.open(data, metadata_errors="ignore")
    except av.error.FFmpegError as exc:
        raise ThumbnailError("the embedded cover art is not a readable picture") from exc


def cover_art(path: str) -> bytes | None:
    """The embedded front cover (or the first picture) of an audio file, as encoded image bytes."""
    try:
        audio = mutagen.File(path)
    except Exception:  # noqa: BLE001 - mutagen raises many kinds on corrupt tags; no cover then
        return None
    if audio is None:
        return None
    pictures: list[tuple[int, bytes]] = []
    tags = audio.tags
    if tags is not None and hasattr(tags, "getall"):  # ID3 (MP3, WAV, AIFF)
        pictures += [(frame.type, frame.data) for frame in tags.getall("APIC")]
    elif tags is not None and "covr" in tags:  # MP4
        pictures += [(3, bytes(cover)) for cover in tags["covr"]]
    elif tags is not None and hasattr(tags, "get"):  # Vorbis comments (Ogg), APEv2
        from mutagen.flac import Picture

        for block in tags.get("metadata_block_picture", []) or []:
            try:
                picture = Picture(base64.b64decode(block))
            except Exception:  # noqa: BLE001 - a damaged block is skipped
                continue
            pictures.append((picture.type, picture.data))
    pictures += [(p.type, p.data) for p in getattr(audio, "pictures", None) or []]  # FLAC
    if not pictures:
        return None
    return next((data for kind, data in pictures if kind == 3), pictures[0][1])


# ---- sprite sheet

def sprite_interval(frame_count: int, rate: Fraction, keyframe_gap: int | None = None,
                    max_tiles: int = MAX_TILES, min_tiles: int = MIN_TILES) -> int:
    """Frames between tiles: about one a second, at most max_tiles, at least min(frames, min_tiles).

    When the stream has a fixed GOP, a multiple of it (up to twice the wanted interval) puts every tile
    on a keyframe, so each tile costs one intra frame instead of a run of inter frames.
    """
    interval = max(round(rate), -(-frame_count // max_tiles), 1)
    floor = min(frame_count, min_tiles)
    if -(-frame_count // interval) < floor:
        interval = max(1, frame_count // floor)
    if keyframe_gap and keyframe_gap > 1:
        aligned = -(-interval // keyframe_gap) * keyframe_gap
        if aligned <= 2 * interval and -(-frame_count // aligned) >= floor:
            interval = aligned
    return interval


def make_sprite(source: VideoSource, sheet: Path, info_path: Path, check: Check = no_check,
                tile_width: int = TILE_WIDTH, interval: int | None = None) -> SpriteInfo:
    """The sheet (tiles row-major, SPRITE_COLUMNS across) and its sidecar; interval None: sprite_interval()."""
    if interval is None:
        gap, regular = source.keyframe_spacing()
        interval = sprite_interval(source.frame_count, source.rate, gap if regular else None)
    count = -(-source.frame_count // interval)
    targets = [k * interval for k in range(count)]
    tile_w, tile_h = fit_width(source.width, source.height, tile_width, source.aspect)
    columns = min(count, SPRITE_COLUMNS)
    rows = -(-count // columns)
    canvas = np.zeros((rows * tile_h, columns * tile_w, 3), dtype=np.uint8)
    shown: dict[int, int] = {}
    scale = Scaler((tile_w, tile_h))
    for index, frame in source.grab(targets, check, deblock=False):
        k = index // interval
        row, column = divmod(k, columns)
        canvas[row * tile_h:(row + 1) * tile_h, column * tile_w:(column + 1) * tile_w] = scale.rgb(frame)
        shown[k] = index
    if not shown:
        raise ThumbnailError("no picture could be decoded from this file (corrupt or truncated?)")
    # A file cut short decodes fewer frames than its header promises: drop the tiles past its end.
    count = max(shown) + 1
    rows = -(-count // columns)
    info = SpriteInfo(
        interval_seconds=float(interval / source.rate), interval_frames=interval, tile_width=tile_w,
        tile_height=tile_h, columns=columns, rows=rows, count=count,
        frame_indices=[shown.get(k) for k in range(count)],
        frame_rate=f"{source.rate.numerator}/{source.rate.denominator}",
    )
    write_atomic(sheet, encode_jpeg(canvas[: rows * tile_h], quality=4))
    write_atomic(info_path, json.dumps(asdict(info), indent=1).encode())
    return info


# ---- hover preview

def preview_ranges(frame_count: int, rate: Fraction, snippets: int = PREVIEW_SNIPPETS,
                   seconds: int = PREVIEW_SNIPPET_SECONDS) -> list[range]:
    """Snippets centred in equal parts of the clip; the whole clip when it is shorter than them all."""
    length = max(1, round(rate * seconds))
    if frame_count <= snippets * length:
        return [range(frame_count)]
    starts = [min(max(math.floor((k + 0.5) * frame_count / snippets - length / 2), 0), frame_count - length)
              for k in range(snippets)]
    return [range(s, s + length) for s in starts]


def make_preview(source: VideoSource, dest: Path, check: Check = no_check, width: int = PREVIEW_WIDTH) -> Path:
    """A muted H.264 MP4 of the snippets back to back, with continuous timestamps."""
    size = fit_width(source.width, source.height, width, source.aspect)
    scale = Scaler(size)
    targets = [i for part in preview_ranges(source.frame_count, source.rate) for i in part]
    partial = dest.with_name(f".{dest.stem}.part{dest.suffix}")
    written = 0
    try:
        with av.open(str(partial), mode="w", format="mp4", container_options={"movflags": "+faststart"}) as out:
            stream = out.add_stream("libx264", rate=source.rate, time_base=1 / source.rate,
                                    options={"preset": "veryfast", "crf": "28"})
            stream.width, stream.height = size
            stream.pix_fmt = "yuv420p"
            for _index, frame in source.grab(targets, check):
                small = scale(frame, "yuv420p")
                small.pts, small.time_base = written, 1 / source.rate
                out.mux(stream.encode(small))
                written += 1
            out.mux(stream.encode(None))
        if not written:
            raise ThumbnailError("no picture could be decoded from this file (corrupt or truncated?)")
        os.replace(partial, dest)
    finally:
        if partial.exists():
            partial.unlink()
    return dest


# ---- encoding and writing

def encode_jpeg(rgb: np.ndarray, quality: int = 4) -> bytes:
    """JPEG with FFmpeg's mjpeg encoder; quality is the JPEG quantiser scale (2 best … 31 worst)."""
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24").reformat(format="yuvj420p")
    ctx = av.CodecContext.create("mjpeg", "w")
    ctx.width, ctx.height, ctx.pix_fmt = frame.width, frame.height, "yuvj420p"
    ctx.time_base = Fraction(1, 25)
    ctx.qscale = True
    ctx.global_quality = quality * 118  # FF_QP2LAMBDA
    ctx.qmin = ctx.qmax = quality
    frame.pts = 0
    return b"".join(bytes(p) for p in ctx.encode(frame) + ctx.encode(None))


def write_atomic(dest: Path, data: bytes) -> None:
    partial = dest.with_name(f".{dest.name}.part")
    try:
        partial.write_bytes(data)
        os.replace(partial, dest)
    finally:
        if partial.exists():
            partial.unlink()
