"""Decoded frames behind the playhead, so stepping backwards does not re-decode a GOP per step.

mpv steps back by seeking to the previous keyframe and decoding forward: 0.3-1 s per step on long-GOP
1080p H.264 here. Editors step backwards constantly, so the player keeps the frames before the current
one, decoded once in a worker, and shows them from memory while mpv catches up.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from app.core.job import JobContext
from app.media.framegrab import Scaler, VideoSource, fit_width

WINDOW = 32  # frames decoded per request: about one to three GOPs of camera and delivery codecs
MAX_WIDTH = 960  # the player's software view rarely paints larger; 32 frames at 960x540 RGB = 50 MB


@dataclass(frozen=True)
class ReverseFramesPlan:
    path: str
    rate: Fraction
    frame_count: int
    first: int
    last: int  # inclusive


def plan_window(path: str, rate: Fraction, frame_count: int, anchor: int) -> ReverseFramesPlan:
    """The WINDOW frames ending at anchor (clamped to the clip)."""
    last = max(0, min(anchor, frame_count - 1))
    return ReverseFramesPlan(path, rate, frame_count, max(0, last - WINDOW + 1), last)


def decode_window(plan: ReverseFramesPlan, ctx: JobContext | None = None) -> dict[int, np.ndarray]:
    """Frame index -> RGB array (height, width, 3) for every frame of the plan's range."""
    check = ctx.cancel.check if ctx is not None else (lambda: None)
    frames: dict[int, np.ndarray] = {}
    with VideoSource(plan.path, plan.rate, plan.frame_count) as source:
        width, height = fit_width(source.width, source.height, min(MAX_WIDTH, source.width), source.aspect)
        scaler = Scaler((width, height))
        for index, frame in source.grab(range(plan.first, plan.last + 1), check):
            frames[index] = scaler.rgb(frame)
    return frames


class ReverseFramesJob:
    """Decode the frames just before the playhead (lane 'scrub'; not shown in the Jobs dock)."""

    lane = "scrub"
    title = "Prepare reverse steps"
    visible = False

    def __init__(self, plan: ReverseFramesPlan) -> None:
        self._plan = plan

    def plan(self) -> ReverseFramesPlan:
        return self._plan

    def run(self, plan: ReverseFramesPlan, ctx: JobContext) -> dict[int, np.ndarray]:
        return decode_window(plan, ctx)
