"""Range headers as RFC 9110 reads them: one range served, several or malformed ones ignored (whole body),
unsatisfiable ones refused."""

from __future__ import annotations

import pytest

from app.streaming.ranges import ByteRange, Unsatisfiable, content_type_for, parse_range


@pytest.mark.parametrize(("header", "size", "expected"), [
    (None, 100, None),
    ("bytes=0-9", 100, ByteRange(0, 9)),
    ("bytes=10-", 100, ByteRange(10, 99)),
    ("bytes=-10", 100, ByteRange(90, 99)),
    ("bytes=-1000", 100, ByteRange(0, 99)),  # a suffix longer than the file: all of it
    ("bytes=90-1000", 100, ByteRange(90, 99)),  # an end past the file: to its end
    ("BYTES = 5-5", 100, ByteRange(5, 5)),
    ("bytes=0-0,5-9", 100, None),  # several ranges: the whole body (200)
    ("bytes=9-5", 100, None),  # invalid: ignored
    ("bytes=a-b", 100, None),
    ("bytes=-", 100, None),
    ("items=0-5", 100, None),
    ("bytes=" + "9" * 600 + "-", 100, None),  # absurdly long: not parsed at all
])
def test_ranges(header: str | None, size: int, expected: ByteRange | None) -> None:
    assert parse_range(header, size) == expected


@pytest.mark.parametrize(("header", "size"), [("bytes=100-", 100), ("bytes=100-200", 100), ("bytes=-0", 100),
                                              ("bytes=0-", 0), ("bytes=-5", 0), ("bytes=" + "9" * 40 + "-", 100)])
def test_unsatisfiable(header: str, size: int) -> None:
    with pytest.raises(Unsatisfiable):
        parse_range(header, size)


def test_media_types() -> None:
    assert content_type_for("A001C003.MOV") == "video/quicktime"
    assert content_type_for("x.mkv") == "video/x-matroska"
    assert content_type_for("song.flac") == "audio/flac"
    assert content_type_for("notes") == "application/octet-stream"
