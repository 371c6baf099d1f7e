"""Timecode at exact rates against published SMPTE values; invalid input is a clear error."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.core.errors import TimecodeError
from app.core.timecode import format_rate, from_frames, parse_rate, to_frames

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
