"""Frames decoded around the playhead in a worker, so steps show at once (see media/reverse_frames.py):
a part of PlayerService."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from app.core.job import Outcome
from app.media.reverse_frames import WINDOW, ReverseFramesJob, plan_window

if TYPE_CHECKING:
    from app.jobs.runner import JobRunner
    from app.services.player_clip import ClipInfo


class DecodedFramesMixin:
    """Keeps up to 2 × WINDOW decoded frames nearest the playhead, one decode job at a time."""

    runner: JobRunner | None
    clip: ClipInfo | None
    frame: int
    playing: bool
    _target: int | None
    _decoded: dict[int, np.ndarray]
    _decode_job: bool

    def _prefetch_around(self, frame: int) -> None:
        """Keep the frames around `frame` decoded (behind first: editors step back most), one job at a time."""
        clip = self.clip
        if self.runner is None or clip is None or clip.kind != "video" or not clip.frame_count or self._decode_job:
            return
        last = clip.frame_count - 1
        behind = next((f for f in range(frame, max(frame - WINDOW // 2, -1), -1) if f not in self._decoded), None)
        ahead = next((f for f in range(frame + 1, min(frame + WINDOW // 2, last + 1)) if f not in self._decoded), None)
        if behind is not None:
            anchor = behind
        elif ahead is not None:
            anchor = min(ahead + WINDOW - 1, last)
        else:
            return
        self._decode_job = True
        opened = clip
        self.runner.submit(ReverseFramesJob(plan_window(clip.pyav_path, clip.rate, clip.frame_count, anchor)),
                           lambda outcome: self._on_decoded(opened, outcome))

    def _on_decoded(self, clip: ClipInfo, outcome: Outcome) -> None:
        self._decode_job = False
        if clip is not self.clip or not outcome.ok:
            return
        self._decoded.update(outcome.value)
        # bounded memory (~100 MB at 960 px): keep the frames nearest the playhead
        excess = max(len(self._decoded) - 2 * WINDOW, 0)
        for index in sorted(self._decoded, key=lambda f: abs(f - self.frame), reverse=True)[:excess]:
            del self._decoded[index]
        if not self.playing and self._target is None:
            self._prefetch_around(self.frame)
