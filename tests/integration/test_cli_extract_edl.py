"""`reelkeep extract --edl`: every matched video event, frame-exact with handles (smart mode), and a conformed EDL."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio

from app.core.timecode import from_frames
from app.interchange.cmx3600 import parse_edl
from tests.integration.test_cli import reelkeep
from tests.media import decode_indexes, ffmpeg_decode_indexes, make_clip, read_start_timecode

RATE = Fraction(25)


def tc(frames: int) -> str:
    return from_frames(frames, RATE)


EDL = """TITLE: BATCH
FCM: NON-DROP FRAME

001  CAMA     V     C        01:00:01:00 01:00:02:00 10:00:00:00 10:00:01:00
* FROM CLIP NAME: CAMA.mov
002  CAMB     V     C        02:00:00:10 02:00:00:20 10:00:01:00 10:00:01:10
003  CAMA     A     C        01:00:01:00 01:00:02:00 10:00:00:00 10:00:01:00
004  NOPE     V     C        01:00:00:00 01:00:01:00 10:00:01:10 10:00:02:10
"""


def test_extract_edl_batch_with_handles(tmp_path: Path) -> None:
    media = tmp_path / "media"
    media.mkdir()
    make_clip(media / "CAMA.mov", rate="25", frames=75, start_tc="01:00:00:00", audio=True)
    make_clip(media / "CAMB.mov", rate="25", frames=50, start_tc="02:00:00:00", audio=True)
    catalog = tmp_path / "catalog.sqlite"
    reelkeep("scan", str(media), "--quiet", catalog=catalog)
    edl = tmp_path / "cut.edl"
    edl.write_text(EDL, encoding="utf-8")
    dest = tmp_path / "out"

    result = reelkeep("extract", "--edl", str(edl), "--handles", "5", "--dest", str(dest), "--quiet",
                      catalog=catalog)  # smart mode by default: the sources' own H.264 in MOV
    assert "2 extracted, 0 failed, 2 skipped" in result.stdout
    assert "event 3: audio only" in result.stdout and "event 4: offline" in result.stdout

    first = dest / "001_CAMA_CAMA.mov"
    second = dest / "002_CAMB_CAMB.mov"
    assert decode_indexes(first) == list(range(25 - 5, 50 + 5))  # 01:00:01:00–01:00:02:00 of a 01:00:00:00 clip
    assert ffmpeg_decode_indexes(first) == (list(range(20, 55)), "")
    assert read_start_timecode(first) == "01:00:00:20"
    assert decode_indexes(second) == list(range(10 - 5, 20 + 5))
    assert read_start_timecode(second) == "02:00:00:05"

    conformed = parse_edl((dest / "cut_conformed.edl").read_text(encoding="utf-8"), RATE)
    by_number = {e.number: e for e in conformed.events}
    assert by_number[1].source_file == str(first) and by_number[1].reel == "E001"
    assert (tc(by_number[1].source_in), tc(by_number[1].source_out)) == ("01:00:01:00", "01:00:02:00")
    assert by_number[2].source_file == str(second)
    assert by_number[4].reel == "NOPE"  # not extracted: kept as it was


def test_extract_edl_failure_exits_1_with_summary_and_info_shows_links(tmp_path: Path) -> None:
    media = tmp_path / "media"
    media.mkdir()
    cama = make_clip(media / "CAMA.mov", rate="25", frames=75, start_tc="01:00:00:00", audio=False)
    camb = make_clip(media / "CAMB.mov", rate="25", frames=50, start_tc="02:00:00:00", audio=False)
    catalog = tmp_path / "catalog.sqlite"
    reelkeep("scan", str(media), "--quiet", catalog=catalog)
    camb.write_bytes(b"")  # damaged after the scan: the catalog still says it is fine
    edl = tmp_path / "cut.edl"
    edl.write_text(EDL.replace("004  NOPE", "004  BL  "), encoding="utf-8")
    dest = tmp_path / "out"

    result = reelkeep("extract", "--edl", str(edl), "--dest", str(dest), "--mode", "reencode", "--preset", "h264",
                      "--quiet", catalog=catalog, check=False)
    assert result.returncode == 1, result.stderr
    assert "Extract: 1 extracted, 1 failed, 2 skipped (1 audio only, 1 not media)" in result.stdout
    assert f"error: event 2: {camb}: " in result.stdout
    assert "skipped: event 4: not media: black (BL)" in result.stdout
    assert sorted(p.name for p in dest.iterdir()) == ["001_CAMA_CAMA.mp4", "cut_conformed.edl"]

    output = dest / "001_CAMA_CAMA.mp4"
    info = reelkeep("info", str(output), catalog=catalog).stdout
    assert f"subclip of {cama} frames 25–49 (01:00:01:00–01:00:01:24), event 1 of cut.edl" in info
    source = reelkeep("info", str(cama), catalog=catalog).stdout
    assert f"subclip {output} frames 25–49 (01:00:01:00–01:00:01:24), event 1 of cut.edl" in source
    record = json.loads(reelkeep("info", str(output), "--json", catalog=catalog).stdout)
    assert (record["subclip_of"]["source_path"], record["subclip_of"]["event_number"]) == (str(cama), 1)


def test_extract_edl_name_pattern_and_a_bad_one(tmp_path: Path) -> None:
    media = tmp_path / "media"
    media.mkdir()
    make_clip(media / "CAMA.mov", rate="25", frames=75, start_tc="01:00:00:00", audio=False)
    catalog = tmp_path / "catalog.sqlite"
    reelkeep("scan", str(media), "--quiet", catalog=catalog)
    edl = tmp_path / "cut.edl"
    edl.write_text(EDL, encoding="utf-8")
    dest = tmp_path / "out"
    bad = reelkeep("extract", "--edl", str(edl), "--dest", str(dest), "--name", "{take}", "--quiet",
                   catalog=catalog, check=False)
    assert bad.returncode == 1 and "unknown field {take}" in bad.stderr
    assert not dest.exists() or not any(dest.iterdir())  # nothing written before the pattern was checked
    reelkeep("extract", "--edl", str(edl), "--dest", str(dest), "--name", "{reel}_{in_tc}", "--quiet",
             catalog=catalog)
    assert (dest / "CAMA_01-00-01-00.mov").exists()


DISSOLVE = """TITLE: DISSOLVE
FCM: NON-DROP FRAME

001  A001C003 V     C        01:00:00:10 01:00:01:00 10:00:00:00 10:00:00:15
* FROM CLIP NAME: A001C003_220101_R1AB.mov

002  A001C003 V     C        01:00:01:00 01:00:01:00 10:00:00:15 10:00:00:15
002  B002C007 V     D    010 02:00:00:05 02:00:01:05 10:00:00:15 10:00:01:15
* FROM CLIP NAME: A001C003_220101_R1AB.mov
* TO CLIP NAME: B002C007_220101_R1AB.mov

003  BL       V     C        00:00:00:00 00:00:00:00 10:00:01:15 10:00:01:15
003  B002C007 V     D    005 02:00:01:05 02:00:01:15 10:00:01:15 10:00:02:00
* TO CLIP NAME: B002C007_220101_R1AB.mov
"""


def test_conformed_edl_of_a_dissolve_reads_back_the_same_by_reelkeep_and_otio(tmp_path: Path) -> None:
    media = tmp_path / "media"
    media.mkdir()
    make_clip(media / "A001C003_220101_R1AB.mov", rate="25", frames=60, start_tc="01:00:00:00", audio=False)
    make_clip(media / "B002C007_220101_R1AB.mov", rate="25", frames=60, start_tc="02:00:00:00", audio=False)
    catalog = tmp_path / "catalog.sqlite"
    reelkeep("scan", str(media), "--quiet", catalog=catalog)
    edl = tmp_path / "dissolve.edl"
    edl.write_text(DISSOLVE, encoding="utf-8")
    dest = tmp_path / "out"
    # 12 frames of handles: event 1's file holds the 10 frames its clip runs on under the dissolve
    result = reelkeep("extract", "--edl", str(edl), "--handles", "12", "--dest", str(dest), "--quiet",
                      catalog=catalog)
    assert "3 extracted, 0 failed, 0 skipped" in result.stdout
    a, b, c = (dest / f"{n:03d}_{r}_{r}_220101_R1AB.mov" for n, r in ((1, "A001C003"), (2, "B002C007"),
                                                                      (3, "B002C007")))
    written = dest / "dissolve_conformed.edl"
    text = written.read_text(encoding="utf-8")
    event_lines = [line for line in text.splitlines() if line[:3].isdigit()]
    assert len(event_lines) == 5 and all(len(line) == len(event_lines[0]) for line in event_lines)  # CMX columns
    assert [line.split()[1] for line in event_lines] == ["E001", "E001", "E002", "BL", "E003"]

    original = parse_edl(DISSOLVE, RATE)
    ours = parse_edl(text, RATE)
    assert not ours.errors and len(ours.events) == len(original.events) == 3
    expected = [("E001", a.name, None, str(a)), ("E002", a.name, b.name, str(b)), ("E003", None, c.name, str(c))]
    assert [(e.reel, e.clip_name, e.to_clip_name, e.source_file) for e in ours.events] == expected
    assert [e.outgoing.reel if e.outgoing else None for e in ours.events] == [None, "E001", "BL"]
    times = [(e.source_in, e.source_out, e.record_in, e.record_out, e.transition, e.transition_frames)
             for e in original.events]
    assert [(e.source_in, e.source_out, e.record_in, e.record_out, e.transition, e.transition_frames)
            for e in ours.events] == times

    timeline = otio.adapters.read_from_file(str(written), rate=25)
    items = list(timeline.video_tracks()[0])
    clips = [i for i in items if isinstance(i, otio.schema.Clip)]
    dissolves = [i for i in items if isinstance(i, otio.schema.Transition)]
    assert [clip.name for clip in clips] == [a.name, b.name, c.name]
    assert [clip.metadata["cmx_3600"]["reel"] for clip in clips] == ["E001", "E002", "E003"]
    assert [otio.opentime.to_timecode(clip.source_range.start_time, 25) for clip in clips] == [
        "01:00:00:10", "02:00:00:05", "02:00:01:05"]
    assert [otio.opentime.to_timecode(clip.range_in_parent().start_time, 25) for clip in clips] == [
        "00:00:00:00", "00:00:00:15", "00:00:01:15"]  # record times relative to the track's start
    assert dissolves[0].name == f"SMPTE_Dissolve from {a.name} to {b.name}"
    assert [d.out_offset.value for d in dissolves] == [10, 5]

    # conform finds every event's extract, not the camera file it was cut from
    conformed = json.loads(reelkeep("edl", str(written), "--json", catalog=catalog).stdout)
    assert [(e["status"], e["path"]) for e in conformed["events"]] == [("matched", str(p)) for p in (a, b, c)]
    # and the timeline it came from still conforms to the camera files
    again = json.loads(reelkeep("edl", str(edl), "--json", catalog=catalog).stdout)
    assert [e["path"] for e in again["events"]] == [str(media / n) for n in (
        "A001C003_220101_R1AB.mov", "B002C007_220101_R1AB.mov", "B002C007_220101_R1AB.mov")]
