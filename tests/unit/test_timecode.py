"""Timecode at exact rates against published SMPTE values; invalid input is a clear error."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.core.errors import TimecodeError
from app.core.timecode import format_rate, from_frames, parse_entry, parse_rate, to_frames

DF = Fraction(30000, 1001)


@pytest.mark.parametrize(
    ("frames", "tc"),
    [(0, "00:00:00;00"), (1799, "00:00:59;29"), (1800, "00:01:00;02"), (17982, "00:10:00;00"),
     (107892, "01:00:00;00")],
)
def test_drop_frame_published_values(frames: int, tc: str) -> None:
    assert from_frames(frames, DF) == tc
    assert to_frames(tc, DF) == frames


@pytest.mark.parametrize(("rate", "per_hour"), [("24000/1001", 86400), ("24", 86400), ("25", 90000)])
def test_non_drop_hour(rate: str, per_hour: int) -> None:
    assert to_frames("01:00:00:00", parse_rate(rate)) == per_hour
    assert from_frames(per_hour + 10, parse_rate(rate)) == "01:00:00:10"


@pytest.mark.parametrize(
    ("tc", "rate"),
    [("01:00:00;00", Fraction(25)), ("01:00:00:25", Fraction(25)), ("garbage", Fraction(24)),
     ("00:01:00;00", DF), ("01:61:00:00", Fraction(24))],
)
def test_invalid_timecodes(tc: str, rate: Fraction) -> None:
    with pytest.raises(TimecodeError):
        to_frames(tc, rate)


def test_rates() -> None:
    assert parse_rate("23.976") == Fraction(24000, 1001)
    assert parse_rate(29.97) == DF
    assert format_rate(Fraction(24000, 1001)) == "23.976"
    assert format_rate(Fraction(25)) == "25"
    with pytest.raises(TimecodeError):
        parse_rate("fast")


SUPPORTED = [
    (Fraction(24000, 1001), False), (Fraction(24), False), (Fraction(25), False), (Fraction(30), False),
    (Fraction(48), False), (Fraction(50), False), (Fraction(60), False),
    (Fraction(30000, 1001), True), (Fraction(60000, 1001), True), (Fraction(30000, 1001), False),
]


@settings(max_examples=300, deadline=None, database=None)
@example(day_fraction=0.0, which=7)
@example(day_fraction=0.9999999999, which=7)
@example(day_fraction=0.9999999999, which=0)
@given(day_fraction=st.floats(min_value=0, max_value=1, exclude_max=True), which=st.integers(0, len(SUPPORTED) - 1))
def test_frames_timecode_round_trip(day_fraction: float, which: int) -> None:
    """Every frame of the 24-hour timecode day maps to one timecode and back (timecode wraps after that)."""
    rate, drop = SUPPORTED[which]
    last = f"23:59:59{';' if drop else ':'}{round(rate) - 1:02d}"
    frames_per_day = to_frames(last, rate) + 1 if drop else round(rate) * 86400
    frames = int(day_fraction * frames_per_day)
    tc = from_frames(frames, rate, drop)
    assert (";" in tc) is drop
    assert to_frames(tc, rate) == frames


def test_59_94_drop_frame_published_value() -> None:
    assert from_frames(215784, Fraction(60000, 1001)) == "01:00:00;00"
    assert to_frames("00:01:00;04", Fraction(60000, 1001)) == 3600


# ---- what an editor types in Go to TC (parse_entry)
TC25 = Fraction(25)
AT_25 = to_frames("01:10:10:10", TC25)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15245218", "15:24:52:18"),  # all eight digits
        ("1000205", "01:00:02:05"),  # right-aligned: the first digit is the hour's second
        ("01:00:02:05", "01:00:02:05"),
        (" 1:0:2:5 ", "01:00:02:05"),
        ("15", "01:10:10:15"),  # fields not typed come from the current timecode
        ("12", "01:10:10:12"),
        ("1.2", "01:10:01:02"),  # a separator ends a field
        ("2..", "01:02:00:00"),  # an empty field is 00
        ("1115..", "11:15:00:00"),
        ("23...", "23:00:00:00"),
        ("3:00", "01:10:03:00"),
    ],
)
def test_entry_absolute(text: str, expected: str) -> None:
    assert parse_entry(text, TC25, False, AT_25) == to_frames(expected, TC25)


@pytest.mark.parametrize(
    ("text", "offset"),
    [("+24", 24), ("-1:00", -25), ("+20.", 500), ("-5", -5), ("+1..", 1500), ("+1:00:00:00", 90000), ("+40", 40)],
)
def test_entry_relative(text: str, offset: int) -> None:
    assert parse_entry(text, TC25, False, AT_25) == AT_25 + offset


def test_entry_at_23_976_counts_24_a_second() -> None:
    rate = Fraction(24000, 1001)
    here = to_frames("01:00:00:00", rate)
    assert parse_entry("-1:00", rate, False, here) == here - 24
    assert parse_entry("1000223", rate, False, here) == here + 2 * 24 + 23
    with pytest.raises(TimecodeError, match="not below 24"):
        parse_entry("1000224", rate, False, here)


def test_entry_drop_frame_29_97() -> None:
    here = to_frames("01:00:00;00", DF)
    assert here == 107892
    assert parse_entry("1000205", DF, True, here) == to_frames("01:00:02;05", DF) == here + 65
    # colons typed on a drop-frame clip still count drop-frame (NDF would be 108 frames further on)
    assert parse_entry("01:10:00:00", DF, True, 0) == to_frames("01:10:00;00", DF) == here + 17982
    assert parse_entry("10002", DF, True, here) == to_frames("01:01:00;02", DF) == here + 1800
    with pytest.raises(TimecodeError, match="does not exist in drop-frame"):
        parse_entry("10000", DF, True, here)  # 01:01:00;00 is skipped in drop-frame
    assert parse_entry("-1:00", DF, True, here) == here - 30  # offsets count nominal frames
    assert parse_entry("+1..", DF, True, here) == here + 1800
    assert parse_entry("01:00:00;00", DF, False, 0) == to_frames("01:00:00:00", DF)  # an NDF clip counts NDF


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "not a timecode"),
        ("abc", "not a timecode"),
        ("+", "not a timecode"),
        ("1:2:3:4:5", "too many digits"),
        ("123456789", "too many digits"),
        ("01:00:00;00", "drop-frame"),
        ("01:00:00:25", "not below 25"),
        ("6000", "below 60"),
        ("+-5", "not a timecode"),
    ],
)
def test_entry_errors(text: str, message: str) -> None:
    with pytest.raises(TimecodeError, match=message):
        parse_entry(text, TC25, False, AT_25)
