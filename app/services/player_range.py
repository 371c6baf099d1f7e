"""Playing a range of frames and stopping on its last one: what sequence playback is built from.

mpv's `end` property stops playback before the first frame whose PTS reaches it, and with keep-open it
stays paused on the frame before and reports `eof-reached`. The stop is placed a quarter frame past the
last frame's PTS: frame `out` is never shown, and the `time-pos` mpv reports there still rounds to `out - 1`.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any


class PlayRangeMixin:
    """PlayerService's play_range(): the stop is armed until reached (range_ended(True)) or until another
    transport command (seek, step, shuttle, pause, open) drops it (range_ended(False))."""

    _player: Any
    clip: Any
    frame: int
    _target: int | None
    stop_frame: int | None

    def play_range(self, in_frame: int, out_frame: int) -> None:
        """Play file frames [in_frame, out_frame) and pause on out_frame - 1 (out is exclusive)."""
        if self._player is None or self.clip is None or out_frame <= in_frame:
            return
        on_it = self.frame == in_frame and self._target in (None, in_frame)
        if not on_it:
            self.seek_frame(in_frame)  # type: ignore[attr-defined]
        self._drop_range()
        self.stop_frame = out_frame
        self._player["end"] = f"{float((Fraction(out_frame) - Fraction(3, 4)) / self.clip.rate):.6f}"
        self.play()  # type: ignore[attr-defined]

    def _drop_range(self, reached: bool = False) -> None:
        if self.stop_frame is None:
            return
        self.stop_frame = None
        if self._player is not None:
            if reached:
                # Paused explicitly first: mpv's own pause at the stop may not have happened yet, and without
                # the stop it would play on.
                self._player.pause = True
            self._player["end"] = "none"
        self.range_ended.emit(reached)  # type: ignore[attr-defined]

    def _on_eof(self, reached: bool) -> None:
        if reached and self.stop_frame is not None:
            self._drop_range(reached=True)
