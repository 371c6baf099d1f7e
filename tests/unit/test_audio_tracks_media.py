"""Every audio track survives extraction (reencode, copy, smart) and proxies: each one there, in order, cut
sample-exactly to the video range (PCM; AAC within one frame of padding), with its own content, language and
title. Sources have two mono tracks that beep at different pitches at different frames (boom and lav)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import pytest

from app.core.extract_plan import plan_extract
from app.media.extract import extract_reencode
from app.media.extract_copy import extract_copy
from app.media.extract_smart import extract_smart
from app.media.proxy import generate_proxy
from app.media.proxy_verify import verify_proxy
from tests.media import (
    beep_onsets,
    decode_audio,
    decode_indexes,
    dominant_hz,
    make_clip,
    read_start_timecode,
    sample_at_frame,
    track_beep_frames,
    track_beep_hz,
)

FRAMES = 96
IN, OUT = 20, 81  # each track beeps at least twice in this range, at 23.976 and at 25 fps
TRACKS = [{"language": "eng", "title": "Boom"}, {"language": "fra", "title": "Lav"}]
SOURCES = {
    "boom_lav_23976.mov": dict(rate="24000/1001"),
    "boom_lav_25.mp4": dict(rate="25"),
    "boom_lav_prores_25.mov": dict(rate="25", codec="prores"),
    "boom_lav_24.mkv": dict(rate="24"),  # PCM in Matroska; smart mode re-encodes it whole (MOV/MP4 only)
}


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("tracks")
    return {name: make_clip(folder / name, frames=FRAMES, size=(160, 90), gop=12, bframes=2, audio_channels=1,
                            audio_tracks=TRACKS, **args)
            for name, args in SOURCES.items()}


def _rate(path: Path) -> Fraction:
    return Fraction(SOURCES[path.name]["rate"])


def assert_tracks(path: Path, rate: Fraction, first: int, last: int, exact: bool) -> None:
    """Two mono tracks, tagged as the source's, each as long as frames first..last (to the sample when
    exact, else within one AAC frame), each beeping at its own pitch exactly where its frames are."""
    with av.open(str(path)) as container:
        streams = container.streams.audio
        assert len(streams) == len(TRACKS)
        for stream, tags in zip(streams, TRACKS, strict=True):
            assert stream.codec_context.channels == 1 and stream.codec_context.sample_rate == 48000
            metadata = {k.lower(): v for k, v in stream.metadata.items()}
            assert metadata["language"] == tags["language"]
            assert (metadata.get("title") or metadata.get("name")) == tags["title"]
    start = sample_at_frame(first, rate)
    samples = sample_at_frame(last + 1, rate) - start
    for track in range(len(TRACKS)):
        audio = decode_audio(path, track)[0]
        assert len(audio) == samples if exact else samples <= len(audio) < samples + 1024
        expected = [sample_at_frame(b, rate) - start for b in track_beep_frames(FRAMES, rate, track)
                    if first <= b <= last]
        onsets = beep_onsets(audio, gap=sample_at_frame(2, rate))
        assert len(onsets) == len(expected) >= 2, (track, onsets, expected)
        assert all(abs(o - e) <= (3 if exact else 100) for o, e in zip(onsets, expected, strict=True))
        length = sample_at_frame(1, rate) // 2  # the middle of the beep: no onset or end in the window
        for onset in onsets:
            assert abs(dominant_hz(audio, onset + length // 2, length) - track_beep_hz(track)) < 60


@pytest.mark.parametrize("name", list(SOURCES))
@pytest.mark.parametrize("preset", ["prores_hq", "h264"])
def test_reencode_keeps_every_track(sources, tmp_path: Path, name: str, preset: str) -> None:
    source = sources[name]
    plan = plan_extract(_rate(source), FRAMES, read_start_timecode(source), IN, OUT, 0, clip=source.stem)
    output = extract_reencode(source, tmp_path, plan, preset)
    assert decode_indexes(output.path) == list(range(IN, OUT))
    assert_tracks(output.path, _rate(source), IN, OUT - 1, exact=preset == "prores_hq")


@pytest.mark.parametrize("name", list(SOURCES))
def test_copy_keeps_every_track(sources, tmp_path: Path, name: str) -> None:
    source = sources[name]
    plan = plan_extract(_rate(source), FRAMES, read_start_timecode(source), IN, OUT, 0, clip=source.stem)
    output = extract_copy(source, tmp_path, plan, read_start_timecode(source))
    assert decode_indexes(output.path) == list(range(output.first, output.last + 1))
    assert output.path.suffix == source.suffix
    # PCM stays PCM (MOV, Matroska): to the sample; MP4's AAC within one frame.
    assert_tracks(output.path, _rate(source), output.first, output.last, exact=output.path.suffix != ".mp4")


@pytest.mark.parametrize("name", list(SOURCES))
def test_smart_keeps_every_track(sources, tmp_path: Path, name: str) -> None:
    source = sources[name]
    plan = plan_extract(_rate(source), FRAMES, read_start_timecode(source), IN, OUT, 0, clip=source.stem)
    output = extract_smart(source, tmp_path, plan)
    if source.suffix == ".mkv":
        assert output.method == "reencode" and output.path.suffix == ".mov"
    else:
        assert output.method in ("smart", "intra-copy") and output.copied
    assert decode_indexes(output.path) == list(range(IN, OUT))
    assert_tracks(output.path, _rate(source), IN, OUT - 1, exact=output.path.suffix == ".mov")


@pytest.mark.parametrize("preset", ["thumbnail", "editorial"])
@pytest.mark.parametrize("name", ["boom_lav_23976.mov", "boom_lav_25.mp4"])
def test_proxy_keeps_every_track_and_verify_counts_them(sources, tmp_path: Path, name: str, preset: str) -> None:
    source = sources[name]
    output = generate_proxy(source, tmp_path / f"{preset}.out", preset)
    assert decode_indexes(output.path) == list(range(FRAMES))
    # The proxy's audio is the source's whole tracks; an MP4 source's AAC already carries its own padding.
    exact = preset == "editorial" and name.endswith(".mov")
    assert_tracks(output.path, _rate(source), 0, FRAMES - 1, exact=exact)
    report = verify_proxy(source, output.path, _rate(source), FRAMES, read_start_timecode(source))
    assert report.ok, report.problems


def test_verify_fails_a_proxy_that_lost_a_track(sources, tmp_path: Path) -> None:
    source = sources["boom_lav_23976.mov"]
    single = make_clip(tmp_path / "single.mov", rate="24000/1001", frames=FRAMES, size=(160, 90), gop=12,
                       audio_channels=1)
    proxy = generate_proxy(single, tmp_path / "one_track.out", "editorial").path
    report = verify_proxy(source, proxy, Fraction(24000, 1001), FRAMES, read_start_timecode(source))
    assert "has 1 audio track, the original has 2" in report.problems
