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


_ENTRY_RE = re.compile(r"^([+-]?)([0-9:;.,]*)$")


def parse_entry(text: str, rate: Fraction, drop_frame: bool, current: int) -> int:
    """The timecode frame number an editor means by `text`, typed while at timecode frame `current`.

    The forms editing systems accept (DaVinci Resolve's manual lists the same): a full timecode
    (`01:00:02:05`); digits without separators, right-aligned into HHMMSSFF (`1000205` is 01:00:02:05), the
    fields not typed taken from the current timecode (`15` at 01:10:10:10 is 01:10:10:15); a separator ends a
    field and an empty field is 00 (`2..` is MM=02, SS=00, FF=00); `+` or `-` first moves by that much
    (`+24` is 24 frames on, `-1:00` one second back). Fields are read in the clip's own counting
    (drop-frame or not) whatever separator is typed; an offset counts nominal frames (30 a second at 29.97).
    The result may lie outside the clip: the caller checks that.
    """
    match = _ENTRY_RE.match(text.strip())
    if not match or not any(c.isdigit() for c in match.group(2)):
        raise TimecodeError(f"not a timecode: {text.strip()!r} (type 01:00:10:05, digits such as 1001005, "
                            "or +24 / -1:00 to move)")
    sign, body = match.groups()
    if any(c in ";," for c in body) and not supports_drop_frame(rate):
        raise TimecodeError(f"drop-frame timecode {text.strip()!r} at {format_rate(rate)} fps (only 29.97 and 59.94)")
    groups: list[int] = []
    for field in re.split(r"[:;.,]", body):
        # each field is two-digit groups counted from the right: "1115" is 11 and 15
        pairs = [field[max(end - 2, 0):end] for end in range(len(field), 0, -2)][::-1] or ["0"]
        groups += [int(pair) for pair in pairs]
    if len(groups) > 4:
        raise TimecodeError(f"too many digits in {text.strip()!r}: at most HH:MM:SS:FF")
    per_second = timecode_rate(rate)
    if sign:
        hh, mm, ss, ff = [0] * (4 - len(groups)) + groups
        offset = ((hh * 60 + mm) * 60 + ss) * per_second + ff
        return current + offset if sign == "+" else current - offset
    now = [int(part) for part in re.split(r"[:;.,]", from_frames(max(current, 0), rate, drop_frame))]
    hh, mm, ss, ff = now[: 4 - len(groups)] + groups
    return to_frames(f"{hh:02d}:{mm:02d}:{ss:02d}{';' if drop_frame else ':'}{ff:02d}", rate)


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
