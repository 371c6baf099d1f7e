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
    starts: tuple[int, ...]  # virtual frame of each segment's first frame; one virtual frame per record frame
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
        # a motion effect seeks for every frame: from an all-intra proxy when there is one (same frames)
        source = mpv_path(ref.intra_path if ref.intra_path and not segment.one_for_one else ref.path)
        path = f"%{len(source.encode('utf-8'))}%{source}"  # mpv counts bytes
        for first, count in _runs(segment):
            start = float(Fraction(first) / ref.rate) - _LEAD
            length = float(Fraction(count) / ref.rate)
            parts.append(f"{path},{start:.9f},{length:.9f}")
        starts.append(total)
        total += segment.record_out - segment.record_in
    return SequenceSpec("edl://" + ";".join(parts), rates.pop(), tuple(starts), total)


def _runs(segment: Segment) -> list[tuple[int, int]]:
    """(first file frame, frame count) of each stretch of the segment that plays its file at normal speed.

    mpv's EDL has no per-segment speed (a part is a file, a start and a length), so a motion effect (M2)
    becomes one part per run of consecutive file frames: a frame held for two record frames is two one-frame
    parts, twice speed shows every other frame as a one-frame part, reverse counts down. Each record frame
    stays one frame of the virtual clip, exactly the file frame the EDL names."""
    if segment.one_for_one:
        return [(segment.file_in, segment.file_out - segment.file_in)]
    runs: list[tuple[int, int]] = []
    for frame in segment.file_frames():
        if runs and runs[-1][0] + runs[-1][1] == frame:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((frame, 1))
    return runs
