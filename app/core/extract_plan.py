"""What an extraction covers: source frames [first, last] with handles, its start timecode and file name."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from app.core.errors import ReelkeepError
from app.core.timecode import from_frames, is_drop_frame, supports_drop_frame, to_frames

EDL_PATTERN = "{event:03d}_{reel}_{clip}"
SINGLE_PATTERN = "{clip}_{in_tc}"


class ExtractError(ReelkeepError):
    """An extraction cannot be planned or written; the message says why."""


# The fields a batch's file-name pattern may use (see name_for_event).
EVENT_NAME_FIELDS = ("event", "reel", "clip", "track", "in_tc")


def check_name_pattern(pattern: str) -> str:
    """The pattern if it names only known fields and yields a file name; else ExtractError saying why."""
    sample = {"event": 1, "reel": "A001", "clip": "A001C002", "track": "V", "in_tc": "01-00-00-00"}
    try:
        name = pattern.format(**sample)
    except KeyError as exc:
        raise ExtractError(f"unknown field {{{exc.args[0]}}} in the name pattern {pattern!r}; "
                           f"use {', '.join('{' + f + '}' for f in EVENT_NAME_FIELDS)}") from None
    except (ValueError, IndexError) as exc:
        raise ExtractError(f"the name pattern {pattern!r} is not valid: {exc}") from None
    if not name.strip() or "/" in name or "\\" in name or name in (".", ".."):
        raise ExtractError(f"the name pattern {pattern!r} does not make a plain file name")
    return pattern


@dataclass(frozen=True)
class ExtractPlan:
    """Source frames first..last (inclusive) to write, starting at start_tc, into a file named name (no suffix)."""

    in_frame: int
    out_frame: int  # exclusive
    handles: int
    first: int
    last: int
    start_tc: str
    name: str
    rate: Fraction
    warnings: tuple[str, ...] = ()

    @property
    def frame_count(self) -> int:
        return self.last - self.first + 1


def source_start_frame(start_tc: str | None, rate: Fraction) -> tuple[int, bool]:
    """(frame number of the clip's start timecode, whether it counts drop-frame)."""
    if not start_tc:
        return 0, supports_drop_frame(rate)
    return to_frames(start_tc, rate), is_drop_frame(start_tc)


def frame_tc(index: int, rate: Fraction, start_tc: str | None) -> str:
    """Timecode of source frame `index` of a clip starting at start_tc."""
    start, drop = source_start_frame(start_tc, rate)
    return from_frames(start + index, rate, drop)


def plan_extract(rate: Fraction, frame_count: int, start_tc: str | None, in_frame: int, out_frame: int,
                 handles: int = 0, *, clip: str = "clip", reel: str = "", event: int = 0,
                 pattern: str = SINGLE_PATTERN) -> ExtractPlan:
    """Frames in-handles .. out-1+handles clamped to the clip, with a warning when a handle is cut short."""
    if frame_count <= 0:
        raise ExtractError("the source has no frames (probe it first)")
    if handles < 0:
        raise ExtractError(f"handles must not be negative, got {handles}")
    if not 0 <= in_frame < out_frame:
        raise ExtractError(f"the in point (frame {in_frame}) must come before the out point (frame {out_frame})")
    if in_frame >= frame_count:
        raise ExtractError(f"the in point (frame {in_frame}) is past the clip's end ({frame_count} frames)")
    warnings = []
    first, last = in_frame - handles, out_frame - 1 + handles
    if first < 0:
        warnings.append(f"handles clamped at the clip start: {in_frame} frame(s) before the in point, not {handles}")
        first = 0
    if last > frame_count - 1:
        warnings.append(f"handles clamped at the clip end: the clip ends at frame {frame_count - 1}, "
                        f"not {last}")
        last = frame_count - 1
    in_tc = frame_tc(in_frame, rate, start_tc)
    fields = {"clip": clip, "reel": reel or clip, "event": event, "in_tc": in_tc.replace(":", "-").replace(";", "-")}
    try:
        name = pattern.format(**fields)
    except (KeyError, ValueError, IndexError) as exc:
        raise ExtractError(f"bad name pattern {pattern!r}: {exc}") from exc
    if not name or "/" in name or name in (".", ".."):
        raise ExtractError(f"the name pattern {pattern!r} gives an unusable file name {name!r}")
    return ExtractPlan(in_frame, out_frame, handles, first, last, frame_tc(first, rate, start_tc), name, rate,
                       tuple(warnings))
