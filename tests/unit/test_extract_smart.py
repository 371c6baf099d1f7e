"""Smart extraction: frame-exact outputs whose whole GOPs are the source's own packets, decodable by PyAV and by
the ffmpeg CLI, with the start TC of their first frame and sample-exact, in-sync audio."""

from __future__ import annotations

import shutil
from fractions import Fraction
from pathlib import Path

import av
import pytest

from app.core.errors import Cancelled
from app.core.extract_plan import ExtractError, ExtractPlan, plan_extract
from app.media.extract_smart import extract_smart
from app.media.h264_nal import parse_avcc, split_lengths, sps_id
from tests.media import (
    beep_frames,
    beep_onsets,
    decode_audio,
    decode_indexes,
    ffmpeg_decode_indexes,
    make_clip,
    read_start_timecode,
    sample_at_frame,
)
from tests.media.clips import _Painter

FRAMES, GOP = 72, 12
SOURCES = {
    "h264_23976.mov": dict(rate="24000/1001"),
    "h264_25.mp4": dict(rate="25"),
    "h264_2997df.mov": dict(rate="30000/1001"),
    "h264_2997df_open.mp4": dict(rate="30000/1001", open_gop=True),
    "h264_25_open.mov": dict(rate="25", open_gop=True),
    "prores_2997df.mov": dict(rate="30000/1001", codec="prores"),
}


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("smart_sources")
    return {name: make_clip(folder / name, frames=FRAMES, size=(160, 90), gop=GOP, bframes=2, **args)
            for name, args in SOURCES.items()}


def _plan(path: Path, in_frame: int, out_frame: int, handles: int = 0) -> ExtractPlan:
    rate = Fraction(SOURCES[path.name]["rate"])
    return plan_extract(rate, FRAMES, read_start_timecode(path), in_frame, out_frame, handles, clip=path.stem)


def _assert_exact(path: Path, plan: ExtractPlan) -> None:
    """Every frame decodes (PyAV and the ffmpeg CLI, silently) to the right index; TC and audio fit."""
    expected = list(range(plan.first, plan.last + 1))
    assert decode_indexes(path) == expected
    indexes, errors = ffmpeg_decode_indexes(path)
    assert errors == "" and indexes == expected
    assert read_start_timecode(path) == plan.start_tc
    _assert_audio(path, plan)


def _assert_audio(path: Path, plan: ExtractPlan) -> None:
    """Audio as long as the video (PCM to the sample, AAC within one 1024-sample block), beeps in sync."""
    audio = decode_audio(path)[0]
    samples = sample_at_frame(plan.last + 1, plan.rate) - sample_at_frame(plan.first, plan.rate)
    exact = path.suffix == ".mov"
    assert len(audio) == samples if exact else samples <= len(audio) < samples + 1024
    expected = [sample_at_frame(b, plan.rate) - sample_at_frame(plan.first, plan.rate)
                for b in beep_frames(FRAMES, plan.rate) if plan.first <= b <= plan.last]
    tolerance = 3 if exact else 100
    onsets = beep_onsets(audio)
    assert len(onsets) == len(expected)
    assert all(abs(o - e) <= tolerance for o, e in zip(onsets, expected, strict=True)), (onsets, expected)


def _packets(path: Path) -> dict[int, bytes]:
    """Video packet bytes by frame index (pts in frames from the first frame)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        rate = stream.average_rate
        found = [(p.pts, bytes(p)) for p in container.demux(stream) if p.size]
    start = min(pts for pts, _ in found)
    return {round((pts - start) * stream.time_base * rate): data for pts, data in found}


@pytest.mark.parametrize("name", ["h264_23976.mov", "h264_25.mp4", "h264_2997df.mov"])
def test_smart_copies_the_middle_and_reencodes_the_ends(sources, tmp_path: Path, name: str) -> None:
    plan = _plan(sources[name], 30, 50, 6)  # frames 24..55: GOPs 24..47 copied, 48..55 re-encoded
    output = extract_smart(sources[name], tmp_path, plan)
    assert (output.method, output.copied, output.encoded, output.exact) == ("smart", 24, 8, True)
    assert output.path.suffix == sources[name].suffix
    _assert_exact(output.path, plan)
    assert [p.name for p in tmp_path.iterdir()] == [output.path.name]


def test_copied_packets_are_the_source_bytes(sources, tmp_path: Path) -> None:
    """The test that fails if smart mode silently re-encodes everything."""
    source = sources["h264_23976.mov"]
    plan = _plan(source, 5, 67)  # head 5..11, copied 12..59, tail 60..66
    output = extract_smart(source, tmp_path, plan)
    assert (output.copied, output.encoded) == (48, 14)
    original, written = _packets(source), _packets(output.path)
    assert sorted(written) == list(range(plan.frame_count))
    same = sorted(k for k, data in written.items() if data == original[k + plan.first])
    assert same == [k - plan.first for k in range(13, 60)]  # every copied packet but the first, byte for byte
    with av.open(str(source)) as container:
        config = parse_avcc(container.streams.video[0].codec_context.extradata)
    head_ids = {sps_id(n) for n in split_lengths(written[0], 4) if n[0] & 0x1F == 7}
    keyframe = written[12 - plan.first]
    assert keyframe.endswith(original[12]) and keyframe != original[12]  # the source's SPS/PPS in front
    assert {sps_id(n) for n in split_lengths(keyframe, 4) if n[0] & 0x1F == 7} == {0} == {sps_id(config.sps[0])}
    assert head_ids == {1}  # the re-encoded ends declare their own parameter-set id
    # Timestamps: one frame apart in display order, decode order strictly rising, B-frames still reordered.
    with av.open(str(output.path)) as container:
        stream = container.streams.video[0]
        tick = int(1 / (stream.average_rate * stream.time_base))
        stamps = [(p.pts, p.dts, p.duration) for p in container.demux(stream) if p.size]
    assert sorted(p for p, _, _ in stamps) == [stamps[0][0] + k * tick for k in range(plan.frame_count)]
    assert all(b[1] > a[1] for a, b in zip(stamps, stamps[1:], strict=False)) and {d for *_, d in stamps} == {tick}
    assert all(p >= d for p, d, _ in stamps) and sum(p > d for p, d, _ in stamps) > plan.frame_count // 2
    head_sps = next(n for n in split_lengths(written[0], 4) if n[0] & 0x1F == 7)
    assert head_sps[1] == config.sps[0][1] == 100  # profile_idc: High, like the source
    _assert_exact(output.path, plan)


@pytest.mark.parametrize(("in_frame", "out_frame", "handles", "copied", "encoded"), [
    (12, 36, 0, 24, 0),  # starts and ends on keyframes: nothing to re-encode
    (14, 21, 0, 0, 7),  # inside one GOP: no whole GOP to copy
    (5, 67, 0, 48, 14),  # many GOPs
    (3, 70, 6, 72, 0),  # handles clamped at both ends: the whole clip, copied
    (30, 72, 0, 36, 6),  # up to the clip's last frame
    (0, 13, 0, 12, 1),  # one frame after a GOP
])
def test_smart_range_edges(sources, tmp_path: Path, in_frame: int, out_frame: int, handles: int, copied: int,
                           encoded: int) -> None:
    plan = _plan(sources["h264_25.mp4"], in_frame, out_frame, handles)
    output = extract_smart(sources["h264_25.mp4"], tmp_path, plan)
    assert (output.copied, output.encoded) == (copied, encoded)
    assert output.warnings == plan.warnings
    _assert_exact(output.path, plan)


@pytest.mark.parametrize("name", ["h264_2997df_open.mp4", "h264_25_open.mov"])
def test_open_gops_are_copied_only_from_a_closed_keyframe(sources, tmp_path: Path, name: str) -> None:
    # Every keyframe but the first leads frames that refer to the GOP before it: the copy may start only at
    # frame 0, and where it stops before a keyframe the two frames that keyframe leads are re-encoded.
    inside = extract_smart(sources[name], tmp_path / "inside", _plan(sources[name], 14, 60))
    assert (inside.copied, inside.encoded) == (0, 46)
    _assert_exact(inside.path, _plan(sources[name], 14, 60))
    plan = _plan(sources[name], 0, 50)
    output = extract_smart(sources[name], tmp_path / "start", plan)
    assert (output.copied, output.encoded) == (46, 4)  # 0..45 copied; 46, 47 lead keyframe 48
    _assert_exact(output.path, plan)


def test_intra_codec_is_copied_frame_for_frame(sources, tmp_path: Path) -> None:
    source = sources["prores_2997df.mov"]
    plan = _plan(source, 31, 47, 6)
    output = extract_smart(source, tmp_path, plan)
    assert (output.method, output.copied, output.encoded) == ("intra-copy", plan.frame_count, 0)
    original = _packets(source)
    assert {k: original[k + plan.first] for k in range(plan.frame_count)} == _packets(output.path)
    _assert_exact(output.path, plan)
    assert plan.start_tc == "01:00:00;25"


@pytest.mark.parametrize(("name", "args", "why"), [
    ("mpeg4.mov", dict(codec="mpeg4"), "not mpeg4"),
    ("h264.mkv", dict(), "MOV and MP4"),
])
def test_other_sources_fall_back_to_reencode_saying_why(tmp_path: Path, name: str, args: dict, why: str) -> None:
    source = make_clip(tmp_path / name, rate="25", frames=40, size=(160, 90), gop=GOP, **args)
    plan = plan_extract(Fraction(25), 40, read_start_timecode(source), 10, 30, 2, clip="x")
    output = extract_smart(source, tmp_path / "out", plan, "h264_mov")
    assert (output.method, output.copied, output.encoded) == ("reencode", 0, plan.frame_count)
    assert output.path.suffix == ".mov" and why in output.warnings[-1] and "h264_mov" in output.warnings[-1]
    assert decode_indexes(output.path) == list(range(8, 32))


def test_interlaced_h264_falls_back(tmp_path: Path) -> None:
    source = tmp_path / "interlaced.mov"
    with av.open(str(source), "w") as out:  # make_clip writes progressive only
        stream = out.add_stream("libx264", rate=25, options={"preset": "veryfast", "x264-params": "keyint=12"})
        stream.width, stream.height, stream.pix_fmt = 160, 96, "yuv420p"  # interlaced x264 needs mod-32 height
        stream.codec_context.flags |= av.codec.context.Flags.interlaced_dct
        painter = _Painter(160, 96)
        for index in range(40):
            frame = av.VideoFrame.from_ndarray(painter.frame(index), format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, 25)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    plan = plan_extract(Fraction(25), 40, None, 10, 30, 0, clip="i")
    output = extract_smart(source, tmp_path / "out", plan, "h264_mov")
    assert output.method == "reencode" and "interlaced" in output.warnings[-1]
    assert decode_indexes(output.path) == list(range(10, 30))


def test_smart_without_audio(tmp_path: Path) -> None:
    source = make_clip(tmp_path / "mute.mp4", rate="25", frames=40, size=(160, 90), gop=GOP, audio=False)
    plan = plan_extract(Fraction(25), 40, read_start_timecode(source), 10, 30, 2, clip="mute")
    output = extract_smart(source, tmp_path / "out", plan)
    assert (output.copied, output.encoded) == (12, 12)
    assert decode_indexes(output.path) == list(range(8, 32))
    with av.open(str(output.path)) as container:
        assert not container.streams.audio


def test_cancel_and_errors_leave_nothing(sources, tmp_path: Path) -> None:
    calls = []

    def check() -> None:
        calls.append(1)
        if len(calls) > 20:  # in the copied middle
            raise Cancelled("cancelled")

    source = sources["h264_25.mp4"]
    with pytest.raises(Cancelled):
        extract_smart(source, tmp_path, _plan(source, 5, 67), check=check)
    assert list(tmp_path.iterdir()) == []
    # A file cut short: its index promises frames that are not there.
    cut = tmp_path / "src" / "cut.mp4"
    cut.parent.mkdir()
    make_clip(cut, rate="25", frames=FRAMES, size=(160, 90), gop=GOP, container_options={"movflags": "+faststart"})
    data = cut.read_bytes()
    cut.write_bytes(data[: len(data) * 2 // 3])
    dest = tmp_path / "out"
    with pytest.raises(ExtractError):
        extract_smart(cut, dest, plan_extract(Fraction(25), FRAMES, None, 5, 70, clip="cut"))
    assert not dest.exists() or list(dest.iterdir()) == []
    shutil.rmtree(cut.parent)
