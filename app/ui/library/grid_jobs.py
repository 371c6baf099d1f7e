"""The grid's background work: posters and hover previews decoded to RGB arrays of tile size (PyAV, no Qt).

Both run in the 'preview' lane, away from the long thumbnail batches of the 'thumbs' lane, so a poster
or a preview never waits for other files' thumbnails to be made.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np

from app.core.job import JobContext

PREVIEW_MAX_FRAMES = 150  # longer previews are thinned out (their timer slowed to match): memory stays bounded
_WASH = 0.4  # brightness of the blurred backdrop behind pictures that do not fill the tile


def fit(width: int, height: int, box: tuple[int, int]) -> tuple[int, int]:
    """The largest size with width:height's aspect inside box (at least 2×2); within 2 px of the box: the box
    (encoders round sizes to even numbers, and a 1-px seam of backdrop would show)."""
    scale = min(box[0] / max(width, 1), box[1] / max(height, 1))
    size = max(2, round(width * scale)), max(2, round(height * scale))
    return box if abs(size[0] - box[0]) <= 2 and abs(size[1] - box[1]) <= 2 else size


def _display_size(frame: av.VideoFrame, stream: av.video.stream.VideoStream) -> tuple[int, int]:
    aspect = stream.sample_aspect_ratio
    return (round(frame.width * aspect), frame.height) if aspect and aspect != 1 else (frame.width, frame.height)


def poster_picture(path: str, box: tuple[int, int]) -> np.ndarray:
    """A poster as a box-sized RGB array: the picture fitted and centred on a blurred, dimmed copy of itself."""
    with av.open(path) as container:
        stream = container.streams.video[0]
        frame = next(container.decode(stream))
        width, height = fit(*_display_size(frame, stream), box)
        picture = frame.reformat(width=width, height=height, format="rgb24", interpolation="AREA").to_ndarray()
    if (width, height) == box:
        return picture
    # Shrinking to a few pixels and back is a cheap, wide blur: a backdrop in the picture's own colours.
    tiny = frame.reformat(width=8, height=8, format="rgb24", interpolation="AREA")
    wash = tiny.reformat(width=box[0], height=box[1], interpolation="BICUBIC").to_ndarray()
    canvas = (wash.astype(np.float32) * _WASH).astype(np.uint8)
    left, top = (box[0] - width) // 2, (box[1] - height) // 2
    canvas[top : top + height, left : left + width] = picture
    return canvas


@dataclass(frozen=True)
class LoadedPoster:
    media_id: int
    path: str
    rgb: np.ndarray | None  # None: the file could not be decoded (the tile keeps its placeholder)


class PosterLoadJob:
    """Decode and scale a handful of posters for the tiles on screen."""

    lane = "preview"
    visible = False

    def __init__(self, items: Sequence[tuple[int, str]], box: tuple[int, int]) -> None:
        self.items = tuple(items)
        self.box = box
        self.title = f"Posters for {len(self.items)} tile(s)"

    def plan(self) -> tuple[tuple[int, str], ...]:
        return self.items

    def run(self, plan: tuple[tuple[int, str], ...], ctx: JobContext) -> list[LoadedPoster]:
        loaded = []
        for media_id, path in plan:
            ctx.cancel.check()
            try:
                rgb: np.ndarray | None = poster_picture(path, self.box)
            except (av.error.FFmpegError, OSError, StopIteration, IndexError):
                rgb = None  # removed from the cache meanwhile, or damaged: the placeholder says enough
            loaded.append(LoadedPoster(media_id, path, rgb))
        return loaded


@dataclass(frozen=True)
class PreviewFrames:
    media_id: int
    path: str
    interval: Fraction  # seconds each frame stays on screen
    frames: list[np.ndarray]  # RGB, fitted into the box


def preview_frames(path: str, box: tuple[int, int], check: Callable[[], None] | None = None,
                   max_frames: int = PREVIEW_MAX_FRAMES) -> tuple[Fraction, list[np.ndarray]]:
    """Every frame of a (short, small) preview clip fitted into box, and how long each is shown."""
    frames: list[np.ndarray] = []
    with av.open(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        rate = stream.average_rate or stream.guessed_rate or Fraction(25)
        size: tuple[int, int] | None = None
        for frame in container.decode(stream):
            if check is not None:
                check()
            size = size or fit(*_display_size(frame, stream), box)
            frames.append(frame.reformat(width=size[0], height=size[1], format="rgb24",
                                         interpolation="AREA").to_ndarray())
    step = -(-len(frames) // max_frames) if frames else 1
    return Fraction(step) / Fraction(rate), frames[::step]


class PreviewDecodeJob:
    """Decode one hover preview (a few seconds at 240 px) into frames the tile animates."""

    lane = "preview"
    visible = False

    def __init__(self, media_id: int, path: str, box: tuple[int, int]) -> None:
        self.media_id = media_id
        self.path = path
        self.box = box
        self.title = f"Hover preview of {os.path.basename(os.path.dirname(path))}"

    def plan(self) -> str:
        return self.path

    def run(self, plan: str, ctx: JobContext) -> PreviewFrames:
        try:
            interval, frames = preview_frames(plan, self.box, ctx.cancel.check)
        except (av.error.FFmpegError, OSError):
            interval, frames = Fraction(1, 25), []  # gone from the cache, or damaged: the poster stays
        return PreviewFrames(self.media_id, plan, interval, frames)
