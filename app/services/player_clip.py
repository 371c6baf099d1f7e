"""What the player plays: the clip's identity and timing from the catalog, and the marks on it."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from app.core.errors import TimecodeError
from app.core.timecode import supports_drop_frame, to_frames

SEQUENCE_KIND = "sequence"  # a virtual clip made of segments of other files (sequence playback)


@dataclass(frozen=True)
class ClipInfo:
    """What the player needs to know about the open file, from the catalog."""

    media_id: int | None
    path: str  # what the os module opens (surrogate-escaped where the name is not UTF-8), or an mpv URL
    name: str
    kind: str
    rate: Fraction
    start_frame: int  # the start timecode as a frame number
    drop_frame: bool
    frame_count: int | None
    title: str | None = None
    artist: str | None = None
    album: str | None = None
    width: int | None = None
    height: int | None = None
    bit_rate: int | None = None
    video_slices: int | None = None
    # A virtual clip skips the timeline's gaps: (first clip frame, its timecode frame) of each stretch that
    # counts on from there, so the clock reads the timeline's record timecode. Empty: start_frame + frame.
    timecode_starts: tuple[tuple[int, int], ...] = ()
    # What PyAV opens when `path` is an mpv-only URL (a ZIP member's slice:// is FFmpeg's subfile URL here)
    decode_path: str | None = None
    # A proxy played in place of an original that is not at hand (a tape file the library holds): its height,
    # so the badge says PROXY, not ORIGINAL.
    stand_in_height: int | None = None

    @property
    def pyav_path(self) -> str:
        return self.decode_path or self.path

    def timecode_frame(self, frame: int) -> int:
        """The frame number (on the timecode clock) whose timecode clip frame `frame` shows."""
        start = (0, self.start_frame)
        for first, timecode in self.timecode_starts:
            if first > frame:
                break
            start = (first, timecode)
        return start[1] + frame - start[0]

    def clip_frame(self, timecode_frame: int) -> int:
        """The clip frame that shows timecode frame `timecode_frame` (the inverse of timecode_frame). A
        timecode in a gap of a virtual clip gives the first frame after the gap; past the end, a frame past it."""
        stretches = [(0, self.start_frame)] + [s for s in self.timecode_starts if s[0] > 0]
        if self.timecode_starts and self.timecode_starts[0][0] == 0:
            stretches[0] = self.timecode_starts[0]
        for index, (first, timecode) in enumerate(stretches):
            if timecode_frame < timecode:
                return first if index else timecode_frame - timecode  # before the start: negative, out of range
            following = stretches[index + 1] if index + 1 < len(stretches) else None
            if following is None or timecode_frame < timecode + following[0] - first:
                return first + timecode_frame - timecode
        raise AssertionError("unreachable: the last stretch takes every later timecode")


@dataclass(frozen=True)
class Marks:
    in_frame: int | None = None
    out_frame: int | None = None  # exclusive: the frame after the last marked one

    @property
    def duration(self) -> int | None:
        if self.in_frame is None or self.out_frame is None:
            return None
        return max(self.out_frame - self.in_frame, 0)


def clip_info_from_catalog(info: dict[str, Any], path: str | None = None) -> ClipInfo:
    """The clip of a catalog record; `path` is the file's os-module path (the record's own is for display)."""
    num, den = (int(x) for x in info["frame_rate"].split("/")) if info.get("frame_rate") else (25, 1)
    rate = Fraction(num, den)
    start = 0
    drop = False
    if info.get("start_timecode"):
        drop = bool(info.get("drop_frame")) and supports_drop_frame(rate)
        try:
            start = to_frames(info["start_timecode"], rate)
        except TimecodeError:
            start = 0
    return ClipInfo(info["id"], info["path"] if path is None else path, info["name"], info["kind"], rate, start, drop, info.get("frame_count"),
                    info.get("title"), info.get("artist"), info.get("album"), info.get("width"), info.get("height"),
                    info.get("bit_rate"), info.get("video_slices"))
