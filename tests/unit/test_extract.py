"""Subclip extraction from generated media: frame-exact re-encode with its audio and TC, keyframe-aligned copy."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import pytest

from app.catalog.catalog import Catalog
from app.core.errors import Cancelled
from app.core.extract_plan import ExtractError, plan_extract
from app.core.job import JobContext, execute
from app.core.progress import CancelToken
from app.ingest.add_files import add_files
from app.ingest.extract import ExtractJob, ExtractRequest
from app.media.extract import extract_reencode
from app.media.extract_copy import extract_copy
from tests.integration.test_cli import reelkeep
from tests.media import (
    beep_frames,
    beep_onsets,
    decode_audio,
    decode_indexes,
    make_clip,
    read_start_timecode,
    sample_at_frame,
)

FRAMES = 72
SOURCES = {
    "h264_23976.mov": dict(rate="24000/1001"),
    "h264_25.mp4": dict(rate="25"),
    "h264_2997df_open.mp4": dict(rate="30000/1001", open_gop=True),
    "prores_2997df.mov": dict(rate="30000/1001", codec="prores"),
}
FIRST_TC = {"h264_23976.mov": "01:00:01:00", "h264_25.mp4": "01:00:00:24",
            "h264_2997df_open.mp4": "01:00:00;24", "prores_2997df.mov": "01:00:00;24"}


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("sources")
    return {name: make_clip(folder / name, frames=FRAMES, size=(160, 90), gop=12, bframes=2, **args)
            for name, args in SOURCES.items()}


def _plan(path: Path, in_frame: int = 30, out_frame: int = 50, handles: int = 6):
    rate = Fraction(SOURCES[path.name]["rate"])
    return plan_extract(rate, FRAMES, read_start_timecode(path), in_frame, out_frame, handles, clip=path.stem)


def _durations(path: Path) -> tuple[int, float]:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        samples = sum(frame.samples for frame in container.decode(stream))
        video = container.streams.video[0]
        return samples, float(video.frames / video.average_rate * stream.codec_context.sample_rate)


def test_plan_clamps_handles_and_names() -> None:
    plan = plan_extract(Fraction(24000, 1001), FRAMES, "01:00:00:00", 2, 10, 6, clip="A001")
    assert (plan.first, plan.last, plan.start_tc) == (0, 15, "01:00:00:00")
    assert plan.warnings and "clip start" in plan.warnings[0]
    assert plan.name == "A001_01-00-00-02"
    end = plan_extract(Fraction(25), FRAMES, None, 60, 72, 6)
    assert end.last == FRAMES - 1 and "clip end" in end.warnings[0]
    df = plan_extract(Fraction(30000, 1001), 4000, "01:00:59;29", 1, 3, 0, clip="C")
    assert df.start_tc == "01:01:00;02" and df.name == "C_01-01-00-02"
    edl = plan_extract(Fraction(25), FRAMES, None, 5, 9, pattern="{event:03d}_{reel}_{clip}", event=7, reel="R1",
                       clip="A")
    assert edl.name == "007_R1_A"
    with pytest.raises(ExtractError):
        plan_extract(Fraction(25), FRAMES, None, 10, 10)


@pytest.mark.parametrize("name", list(SOURCES))
@pytest.mark.parametrize("preset", ["prores_hq", "h264"])
def test_reencode_is_frame_exact_with_tc_and_audio(sources, tmp_path: Path, name: str, preset: str) -> None:
    output = extract_reencode(sources[name], tmp_path, _plan(sources[name]), preset)
    assert output.exact and (output.first, output.last) == (24, 55)
    assert output.path.suffix == (".mov" if preset == "prores_hq" else ".mp4")
    assert decode_indexes(output.path) == list(range(24, 56))
    assert read_start_timecode(output.path) == FIRST_TC[name] == output.start_tc
    samples, expected = _durations(output.path)
    assert abs(samples - expected) <= 1024
    assert [p.name for p in tmp_path.iterdir()] == [output.path.name]


def test_reencode_clamped_at_start(sources, tmp_path: Path) -> None:
    path = sources["h264_23976.mov"]
    plan = _plan(path, 2, 10, 6)
    assert plan.first == 0 and plan.warnings
    output = extract_reencode(path, tmp_path, plan, "h264")
    assert decode_indexes(output.path) == list(range(0, 16))
    assert read_start_timecode(output.path) == "01:00:00:00"


@pytest.mark.parametrize("name", list(SOURCES))
def test_copy_is_keyframe_aligned(sources, tmp_path: Path, name: str) -> None:
    path = sources[name]
    plan = _plan(path, 22, 40, 0)
    start_tc = read_start_timecode(path)
    output = extract_copy(path, tmp_path, plan, start_tc)
    assert not output.exact and f"frames {output.first}–{output.last}" in output.message
    indexes = decode_indexes(output.path)
    assert indexes == list(range(output.first, output.last + 1))
    assert output.first <= 22 and output.last >= 39
    if name.startswith("h264"):
        assert output.first % 12 == 0  # the keyframe at or before the in point
    assert read_start_timecode(output.path) == output.start_tc
    # The audio is the copied frames' own: as long as they are, with the beeps where their frames are.
    rate = Fraction(SOURCES[name]["rate"])
    audio = decode_audio(output.path)[0]
    start = sample_at_frame(output.first, rate)
    samples = sample_at_frame(output.last + 1, rate) - start
    pcm = output.path.suffix == ".mov"
    assert len(audio) == samples if pcm else samples <= len(audio) < samples + 1024
    expected = [sample_at_frame(b, rate) - start for b in beep_frames(FRAMES, rate) if output.first <= b <= output.last]
    onsets = beep_onsets(audio)
    assert len(onsets) == len(expected) >= 1
    assert all(abs(o - e) <= (3 if pcm else 100) for o, e in zip(onsets, expected, strict=True))


def test_dnxhr_hq_preset(sources, tmp_path: Path) -> None:
    with pytest.raises(ExtractError, match="at least 256×120; this one is 160×90"):
        extract_reencode(sources["h264_25.mp4"], tmp_path, _plan(sources["h264_25.mp4"]), "dnxhr_hq")
    (tmp_path / "src").mkdir()
    source = make_clip(tmp_path / "src" / "h264_25.mp4", rate="25", frames=FRAMES, size=(320, 180))
    output = extract_reencode(source, tmp_path / "out", _plan(source), "dnxhr_hq")
    assert output.path.suffix == ".mov" and decode_indexes(output.path) == list(range(24, 56))
    assert read_start_timecode(output.path) == FIRST_TC["h264_25.mp4"]
    with av.open(str(output.path)) as container:
        video = container.streams.video[0].codec_context
        assert (video.name, video.profile, video.pix_fmt) == ("dnxhd", "DNXHR HQ", "yuv422p")
        assert container.streams.audio[0].codec_context.name == "pcm_s16le"


def test_cancel_leaves_no_file(sources, tmp_path: Path) -> None:
    calls = []

    def check() -> None:
        calls.append(1)
        if len(calls) > 5:
            raise Cancelled("cancelled")

    with pytest.raises(Cancelled):
        extract_reencode(sources["h264_25.mp4"], tmp_path, _plan(sources["h264_25.mp4"]), "prores_hq", check=check)
    with pytest.raises(Cancelled):
        extract_copy(sources["h264_25.mp4"], tmp_path, _plan(sources["h264_25.mp4"]), None, check=check)
    assert list(tmp_path.iterdir()) == []


def test_job_extracts_catalogs_and_collects_failures(sources, tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog.sqlite")
    try:
        [media_id] = add_files(catalog, [str(sources["h264_25.mp4"])])
        dest = tmp_path / "out"
        requests = [ExtractRequest(media_id, 30, 50, 6, "reencode", "h264", dest),
                    ExtractRequest(media_id, 30, 50, 0, "copy", "", dest, "copied"),
                    ExtractRequest(media_id, 30, 50, 6, dest_dir=dest, name="smart"),
                    ExtractRequest(media_id, 50, 30, 0, "reencode", "h264", dest),
                    ExtractRequest(media_id, 30, 50, 0, "bogus", "h264", dest)]
        job = ExtractJob(catalog, requests)
        plan = job.plan()
        assert len(plan.items) == 3 and len(plan.invalid) == 2 and plan.total_frames == 32 + 20 + 32
        outcome = execute(job, JobContext(cancel=CancelToken()), plan)
        assert outcome.ok
        result = outcome.value
        assert [o.exact for o in result.outputs] == [True, False, True] and len(result.failures) == 2
        assert [o.method for o in result.outputs] == ["reencode", "copy", "smart"]  # smart is the default
        assert (result.outputs[2].copied, result.outputs[2].encoded) == (24, 8)
        assert result.outputs[1].path.name == "copied.mp4"
        assert decode_indexes(result.outputs[2].path) == list(range(24, 56))
        for output in result.outputs:
            assert output.media_id is not None and catalog.info(output.media_id)["frame_count"]
    finally:
        catalog.close()


def test_cli_extract(sources, tmp_path: Path) -> None:
    media = tmp_path / "media"
    media.mkdir()
    clip = make_clip(media / "A001C002.mov", rate="24000/1001", frames=48, size=(160, 90))
    catalog = tmp_path / "catalog.sqlite"
    reelkeep("scan", str(media), "--quiet", catalog=catalog)
    dest = tmp_path / "out"
    result = reelkeep("extract", str(clip), "--in", "01:00:01:06", "--out", "01:00:01:10", "--handles", "2",
                      "--dest", str(dest), "--mode", "reencode", "--preset", "h264", "--quiet", catalog=catalog)
    output = dest / "A001C002_01-00-01-06.mp4"
    assert str(output) in result.stdout and "1 extracted" in result.stdout
    assert decode_indexes(output) == list(range(28, 36))
    assert read_start_timecode(output) == "01:00:01:04"
    smart = reelkeep("extract", str(clip), "--in", "01:00:00:14", "--out", "01:00:01:14", "--handles", "2",
                     "--dest", str(dest), "--quiet", catalog=catalog)  # smart by default
    output = dest / "A001C002_01-00-00-14.mov"
    assert f"{output}\tframes 12-39\tstarts 01:00:00:12 (smart: 24 frame(s) copied, 4 re-encoded)" in smart.stdout
    assert decode_indexes(output) == list(range(12, 40))
    bad = reelkeep("extract", str(clip), "--in", "01:00:01:10", "--out", "01:00:01:06", "--dest", str(dest),
                   catalog=catalog, check=False)
    assert bad.returncode == 1 and "must come before" in bad.stdout


def test_cli_choices_are_the_presets_and_modes() -> None:
    import argparse

    from app.cli_extract import add_parser
    from app.ingest.extract import MODES
    from app.media.extract import PRESETS

    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    actions = {a.dest: a for a in parser._subparsers._group_actions[0].choices["extract"]._actions}
    assert set(actions["preset"].choices) == set(PRESETS)
    assert tuple(actions["mode"].choices) == MODES and actions["mode"].default == "smart"
