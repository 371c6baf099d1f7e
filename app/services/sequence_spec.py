"""A timeline's segments as one mpv `edl://` virtual clip, so sequence playback runs without a pause at cuts.

mpv plays an EDL's segments back to back as one timeline, exact to the frame at each cut when a segment
starts a hair before its first frame's PTS: a segment starting exactly on it was seen to drop that frame at
23.976 (the float seconds round above the PTS). Paths go in mpv's `%LENGTH%` form, so commas and semicolons
in names are safe; a name that is not UTF-8 goes as a file:// URL of its escaped bytes (mpv_path).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from app.interchange.sequence import MediaRef, Segment
from app.services.mpv_engine import mpv_path

_LEAD = 0.001  # seconds before a segment's first frame: far below any frame duration


@dataclass(frozen=True)
class SequenceSpec:
    """The virtual clip: its mpv URL, rate, and where each segment starts in it (frames)."""

    url: str
    rate: Fraction
    starts: tuple[int, ...]  # virtual frame of each segment's first frame
    frame_count: int

    def locate(self, frame: int) -> int:
        """The position (in the segment list) of the segment holding virtual frame `frame`."""
        position = 0
        for index, start in enumerate(self.starts):
            if start <= frame:
                position = index
        return position


def sequence_spec(segments: list[Segment], media: dict[int, MediaRef]) -> SequenceSpec | None:
    """The segments as one virtual clip; None when they cannot be one (files at different rates, nothing to
    play)."""
    refs = [media.get(s.media_id) for s in segments]
    if not segments or any(r is None or not r.path for r in refs):
        return None
    rates = {r.rate for r in refs if r is not None}
    if len(rates) != 1:
        return None
    parts, starts, total = [], [], 0
    for segment, ref in zip(segments, refs, strict=True):
        assert ref is not None
        path = mpv_path(ref.path)
        size = len(path.encode("utf-8"))  # mpv counts bytes
        start = float(Fraction(segment.file_in) / ref.rate) - _LEAD
        length = float(Fraction(segment.file_out - segment.file_in) / ref.rate)
        parts.append(f"%{size}%{path},{start:.9f},{length:.9f}")
        starts.append(total)
        total += segment.file_out - segment.file_in
    return SequenceSpec("edl://" + ";".join(parts), rates.pop(), tuple(starts), total)
