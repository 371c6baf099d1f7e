"""EDL timecodes whose fields are out of range are line errors, not timecodes that wrap or overflow."""

from __future__ import annotations

from fractions import Fraction

import pytest

from app.interchange.cmx3600 import parse_edl

GOOD = "01:00:00:00 01:00:01:00 01:00:00:00 01:00:01:00"


def read(event_timecodes: str, rate: Fraction = Fraction(24), extra: str = ""):  # noqa: ANN201 - EdlDocument
    text = f"TITLE: FIELDS\nFCM: NON-DROP FRAME\n001  A001 V C {event_timecodes}\n{extra}002  A002 V C {GOOD}\n"
    return parse_edl(text.encode(), rate)


@pytest.mark.parametrize(("timecodes", "bad", "message"), [
    ("25:00:00:00 25:00:01:00 01:00:00:00 01:00:01:00", "25:00:00:00", "hours must be below 24"),
    ("01:00:00:00 01:00:01:00 24:00:00:00 24:00:01:00", "24:00:00:00", "hours must be below 24"),
    ("99:59:59:23 99:59:59:23 01:00:00:00 01:00:00:00", "99:59:59:23", "hours must be below 24"),
    ("01:60:00:00 01:60:01:00 01:00:00:00 01:00:01:00", "01:60:00:00", "minutes and seconds must be below 60"),
    ("01:00:60:00 01:00:61:00 01:00:00:00 01:00:01:00", "01:00:60:00", "minutes and seconds must be below 60"),
    ("01:00:00:24 01:00:01:00 01:00:00:00 01:00:01:00", "01:00:00:24", "is not below 24 fps"),
])
def test_out_of_range_fields_are_line_errors(timecodes: str, bad: str, message: str) -> None:
    doc = read(timecodes)
    assert [e.number for e in doc.events] == [2]  # the bad event is reported, the rest still loads
    [error] = doc.errors
    assert error.line_number == 3 and bad in error.message and message in error.message


def test_the_last_frame_of_the_day_is_still_read() -> None:
    doc = read("23:59:59:23 23:59:59:23 01:00:00:00 01:00:00:00")
    assert doc.errors == [] and doc.events[0].source_in == 24 * 86400 - 1


def test_frames_at_or_above_the_rate_at_2997_drop_frame() -> None:
    doc = read("01:00:00;30 01:00:01;00 01:00:00;00 01:00:01;00", Fraction(30000, 1001))
    assert [e.number for e in doc.events] == [2] and "not below 30 fps" in doc.errors[0].message


def test_locator_past_24_hours_is_a_line_error() -> None:
    doc = read(GOOD, extra="* LOC: 26:00:00:00 RED past midnight\n")
    assert [e.locators for e in doc.events] == [(), ()]
    assert [(err.line_number, "hours must be below 24" in err.message) for err in doc.errors] == [(4, True)]
