"""The mpv edl:// virtual clip that sequence playback plays: segments, starts and when it cannot be made."""

from __future__ import annotations

from fractions import Fraction

from app.interchange.sequence import MediaRef, Segment
from app.services.sequence_spec import sequence_spec


def _ref(media_id: int, path: str, rate: Fraction = Fraction(24000, 1001)) -> MediaRef:
    return MediaRef(media_id, path.rsplit("/", 1)[-1], rate, 0, False, 1000, path)


def test_segments_become_one_virtual_clip_with_exact_starts() -> None:
    media = {1: _ref(1, "/m/a, b;c.mov"), 2: _ref(2, "/m/ünï.mov")}
    segments = [Segment(0, 1, 100, 111, 37, 48), Segment(1, 2, 111, 114, 5, 8), Segment(3, 1, 200, 201, 99, 100)]
    spec = sequence_spec(segments, media)
    assert spec is not None
    assert spec.starts == (0, 11, 14) and spec.frame_count == 15 and spec.rate == Fraction(24000, 1001)
    first, second, third = spec.url.removeprefix("edl://").split(";%")
    assert first.startswith("%13%/m/a, b;c.mov,")  # mpv's length form: commas and semicolons stay in the name
    assert second.startswith(f"{len('/m/ünï.mov'.encode())}%/m/ünï.mov,")
    start, length = (float(x) for x in first.rsplit(",", 2)[1:])
    assert 37 * 1001 / 24000 - 0.002 < start < 37 * 1001 / 24000  # a hair before frame 37's PTS
    assert abs(length - 11 * 1001 / 24000) < 1e-9
    assert [spec.locate(f) for f in (0, 10, 11, 13, 14)] == [0, 0, 1, 1, 2]


def test_no_virtual_clip_for_mixed_rates_unknown_paths_or_nothing() -> None:
    segments = [Segment(0, 1, 0, 10, 0, 10), Segment(1, 2, 10, 20, 0, 10)]
    assert sequence_spec(segments, {1: _ref(1, "/a.mov"), 2: _ref(2, "/b.mov", Fraction(25))}) is None
    assert sequence_spec(segments, {1: _ref(1, "/a.mov"), 2: _ref(2, "")}) is None
    assert sequence_spec([], {}) is None


def test_a_name_that_is_not_utf8_goes_as_a_file_url_of_its_bytes() -> None:
    segments = [Segment(0, 1, 0, 10, 0, 10), Segment(1, 2, 10, 20, 0, 10)]
    spec = sequence_spec(segments, {1: _ref(1, "/a.mov"), 2: _ref(2, "/m/\udcff.mov")})
    assert spec is not None and spec.url.endswith(";%17%file:///m/%FF.mov,-0.001000000,0.417083333")
