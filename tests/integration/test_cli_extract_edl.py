"""`reelkeep extract --edl`: every matched video event, frame-exact with handles (smart mode), and a conformed EDL."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

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
    assert by_number[1].source_file == str(first) and by_number[1].reel == first.stem
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
