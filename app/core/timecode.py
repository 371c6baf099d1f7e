"""SMPTE timecode at exact rational rates, on top of OpenTimelineIO's opentime.

Time is integer frames at an exact rational rate; float seconds appear only at the edges.
"""

from __future__ import annotations

import re
from fractions import Fraction

import opentimelineio.opentime as otime

from app.core.errors import TimecodeError

# Nominal rates whose NTSC variant may be drop-frame (SMPTE 12M allows DF only for 29.97 and 59.94).
_DROP_FRAME_RATES = {Fraction(30000, 1001), Fraction(60000, 1001)}
_TC_RE = re.compile(r"^(\d{1,2}):(\d{2}):(\d{2})([:;.,])(\d{2,3})$")
_COMMON_RATES = {
    "23.976": Fraction(24000, 1001),
    "23.98": Fraction(24000, 1001),
    "29.97": Fraction(30000, 1001),
    "47.952": Fraction(48000, 1001),
    "59.94": Fraction(60000, 1001),
    "119.88": Fraction(120000, 1001),
}


def parse_rate(value: str | int | float | Fraction) -> Fraction:
    """Exact rational rate from '24000/1001', '23.976', 25, or a Fraction."""
    if isinstance(value, Fraction):
        rate = value
    elif isinstance(value, int):
        rate = Fraction(value)
    elif isinstance(value, float):
        rate = _COMMON_RATES.get(f"{value:.3f}".rstrip("0").rstrip("."), Fraction(value).limit_denominator(1001))
    else:
        text = str(value).strip()
        if text in _COMMON_RATES:
            rate = _COMMON_RATES[text]
        else:
            try:
                rate = Fraction(text)
            except (ValueError, ZeroDivisionError) as exc:
                raise TimecodeError(f"not a frame rate: {value!r}") from exc
    if rate <= 0:
        raise TimecodeError(f"frame rate must be positive, got {value!r}")
    return rate


def format_rate(rate: Fraction) -> str:
    """Human form: '23.976', '25', '29.97'."""
    if rate.denominator == 1:
        return str(rate.numerator)
    return f"{float(rate):.3f}".rstrip("0").rstrip(".")


def supports_drop_frame(rate: Fraction) -> bool:
    """True for the NTSC rates where drop-frame timecode exists."""
    return rate in _DROP_FRAME_RATES


def timecode_rate(rate: Fraction) -> int:
    """The integer frame count per timecode second (24 for 23.976, 30 for 29.97)."""
    return round(rate)


def to_frames(timecode: str, rate: Fraction) -> int:
    """Frame number of a timecode string at an exact rate ('01:00:00;00' at 29.97 DF = 107892)."""
    match = _TC_RE.match(timecode.strip())
    if not match:
        raise TimecodeError(f"not a timecode: {timecode!r} (expected HH:MM:SS:FF)")
    hh, mm, ss, sep, ff = match.groups()
    drop = sep in ";,"
    if drop and not supports_drop_frame(rate):
        raise TimecodeError(f"drop-frame timecode {timecode!r} at {format_rate(rate)} fps (only 29.97 and 59.94)")
    if int(mm) > 59 or int(ss) > 59:
        raise TimecodeError(f"minutes and seconds must be below 60 in {timecode!r}")
    if int(ff) >= timecode_rate(rate):
        raise TimecodeError(f"frame field {ff} of {timecode!r} is not below {timecode_rate(rate)} fps")
    if drop and int(mm) % 10 and int(ss) == 0 and int(ff) < (2 if timecode_rate(rate) == 30 else 4):
        raise TimecodeError(f"{timecode!r} does not exist in drop-frame timecode")
    # opentime wants ':' for NDF and ';' for DF; normalise separators first.
    canonical = f"{int(hh):02d}:{mm}:{ss}{';' if drop else ':'}{ff}"
    try:
        return round(otime.from_timecode(canonical, _engine_rate(rate, drop)).value)
    except ValueError as exc:
        raise TimecodeError(f"not a valid timecode at {format_rate(rate)} fps: {timecode!r}") from exc


def from_frames(frames: int, rate: Fraction, drop_frame: bool | None = None) -> str:
    """Timecode string for a frame number; drop-frame by default at 29.97/59.94."""
    if drop_frame is None:
        drop_frame = supports_drop_frame(rate)
    if drop_frame and not supports_drop_frame(rate):
        raise TimecodeError(f"drop-frame timecode does not exist at {format_rate(rate)} fps")
    if frames < 0:
        raise TimecodeError(f"negative frame number {frames}")
    engine_rate = _engine_rate(rate, drop_frame)
    return otime.to_timecode(otime.RationalTime(frames, engine_rate), engine_rate, drop_frame)


def _engine_rate(rate: Fraction, drop_frame: bool) -> float:
    # Non-drop timecode counts whole frames per timecode second (30 for 29.97 NDF). opentime wraps NDF
    # at 24 hours of real time instead, which misnumbers the last 86 s of a 29.97 NDF day; so hand it
    # the counting rate. Drop-frame needs the real NTSC rate.
    return float(rate) if drop_frame else float(timecode_rate(rate))


def is_drop_frame(timecode: str) -> bool:
    """True when a timecode string uses the drop-frame separator."""
    return ";" in timecode or "," in timecode
