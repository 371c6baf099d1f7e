"""Tick spacing for timecode rulers (the player's scrubber, the timeline): labelled major ticks that minor
ticks divide, so every major tick gets its label."""

from __future__ import annotations

# Candidate major steps in timecode seconds; below a second, steps are in frames.
SECOND_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400)
FRAME_STEPS = (1, 2, 5, 10)


def tick_steps(px_per_frame: float, fps: int, label_px: float = 110, minor_px: float = 12) -> tuple[int, int]:
    """(major, minor) steps in frames: majors at least label_px apart, minors at least minor_px apart."""
    fps = max(fps, 1)
    candidates = [f for f in FRAME_STEPS if f < fps] + [s * fps for s in SECOND_STEPS]
    major = next((c for c in candidates if c * px_per_frame >= label_px), candidates[-1])
    minor = next((c for c in candidates if c * px_per_frame >= minor_px and major % c == 0), major)
    return major, minor
