"""`reelkeep edl`, run as a user runs it after scanning a folder."""

from __future__ import annotations

import json
import shutil
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
from opentimelineio.opentime import RationalTime, TimeRange

from app.interchange.cmx3600 import parse_edl
from tests.integration.test_cli import reelkeep
from tests.media import make_clip

EDL = """TITLE: CLI CONFORM
FCM: NON-DROP FRAME

001  A001C003 V     C        01:00:01:00 01:00:03:00 00:00:00:00 00:00:02:00
002  A001C003 V     C        01:00:10:00 01:00:11:00 00:00:02:00 00:00:03:00
this line is not an event
003  C003     V     C        02:00:00:00 02:00:01:00 00:00:03:00 00:00:04:00
004  NOSUCH   V     C        01:00:00:00 01:00:01:00 00:00:04:00 00:00:05:00
"""


def test_edl_conforms_against_the_scanned_catalog(tmp_path: Path) -> None:
    media = tmp_path / "media"
    (media / "copy").mkdir(parents=True)
    make_clip(media / "A001C003_220101_R1AB.mov", rate=25, frames=100, start_tc="01:00:00:00", audio=False)
    clip = make_clip(media / "C003.mov", rate=25, frames=50, start_tc="02:00:00:00", audio=False)
    shutil.copy(clip, media / "copy" / "C003.mov")
    catalog = tmp_path / "catalog.sqlite"
    reelkeep("scan", str(media), "--quiet", catalog=catalog)
    edl = tmp_path / "cut.edl"
    edl.write_text(EDL, encoding="utf-8")

    result = json.loads(reelkeep("edl", str(edl), "--json", catalog=catalog).stdout)
    assert (result["title"], result["rate"], result["drop_frame"]) == ("CLI CONFORM", "25/1", False)
    assert result["warnings"] == []  # the rate came from the matched media
    events = result["events"]
    assert [(e["number"], e["status"]) for e in events] == [
        (1, "matched"), (2, "offline"), (3, "ambiguous"), (4, "offline")]
    assert events[0]["path"].endswith("A001C003_220101_R1AB.mov") and events[0]["source_in"] == "01:00:01:00"
    assert "outside A001C003_220101_R1AB.mov (01:00:00:00–01:00:04:00)" in events[1]["reason"]
    assert len(events[2]["candidates"]) == 2
    assert [(e["line"], e["text"]) for e in result["errors"]] == [(6, "this line is not an event")]

    text = reelkeep("edl", str(edl), catalog=catalog).stdout
    assert "error: line 6: this line is not an event — " in text
    assert "1 matched, 1 ambiguous, 2 offline" in text

    forced = json.loads(reelkeep("edl", str(edl), "--json", "--rate", "24", catalog=catalog).stdout)
    assert forced["rate"] == "24/1"


def test_edl_unreadable_file_exits_1(tmp_path: Path) -> None:
    result = reelkeep("edl", str(tmp_path / "nope.edl"), catalog=tmp_path / "catalog.sqlite", check=False)
    assert result.returncode == 1 and "cannot read" in result.stderr


def _fcp_xml(path: Path, media: Path) -> Path:
    """An FCP 7 XML of two cuts of C003 and one of A001C003, written by OTIO's FCP XML adapter; C003's path is
    the editing machine's (not here: conform goes by name), A001C003's the file's own."""
    rate = 25

    def clip(name: str, start: int, frames: int, available: int, root: Path = media) -> otio.schema.Clip:
        reference = otio.schema.ExternalReference(
            target_url=(root / name).as_uri(),
            available_range=TimeRange(RationalTime(start - start % 100, rate), RationalTime(available, rate)))
        return otio.schema.Clip(name=name, media_reference=reference,
                                source_range=TimeRange(RationalTime(start, rate), RationalTime(frames, rate)))

    timeline = otio.schema.Timeline(name="XML CUT", global_start_time=RationalTime(90000, rate))
    track = otio.schema.Track(kind=otio.schema.TrackKind.Video)
    track.extend([clip("A001C003_220101_R1AB.mov", 90025, 50, 100),
                  clip("C003.mov", 180000, 25, 50, Path("/Volumes/EDIT"))])
    timeline.tracks.append(track)
    otio.adapters.write_to_file(timeline, str(path), adapter_name="fcp_xml")
    return path


def test_edl_reads_fcp_xml_writes_otio_and_cmx_and_saves_relinks(tmp_path: Path) -> None:
    media = tmp_path / "media"
    (media / "copy").mkdir(parents=True)
    make_clip(media / "A001C003_220101_R1AB.mov", rate=25, frames=100, size=(160, 90), start_tc="01:00:00:00",
              audio=False)
    clip = make_clip(media / "C003.mov", rate=25, frames=50, size=(160, 90), start_tc="02:00:00:00", audio=False)
    shutil.copy(clip, media / "copy" / "C003.mov")
    catalog = tmp_path / "catalog.sqlite"
    reelkeep("scan", str(media), "--quiet", catalog=catalog)
    xml = _fcp_xml(tmp_path / "cut.xml", media)

    result = json.loads(reelkeep("edl", str(xml), "--json", "--otio", str(tmp_path / "out.otio"), "--edl",
                                 str(tmp_path / "out.edl"), catalog=catalog).stdout)
    assert (result["title"], result["rate"]) == ("XML CUT", "25/1")
    assert [(e["number"], e["reel"], e["source_in"], e["record_in"], e["status"]) for e in result["events"]] == [
        (1, "A001C003_220101_R1AB", "01:00:01:00", "01:00:00:00", "matched"),
        (2, "C003", "02:00:00:00", "01:00:02:00", "ambiguous")]
    again = parse_edl((tmp_path / "out.edl").read_text(encoding="utf-8"), Fraction(25))
    assert [(e.reel, e.source_in, e.record_out) for e in again.events] == [
        ("A001C003_220101_R1AB", 90025, 90050), ("C003", 180000, 90075)]
    otio_again = otio.adapters.read_from_file(str(tmp_path / "out.otio"))
    assert [c.name for c in otio_again.find_clips()] == ["A001C003_220101_R1AB.mov", "C003.mov"]

    chosen = media / "copy" / "C003.mov"
    relinked = reelkeep("edl", str(xml), "--relink", f"2={chosen}", catalog=catalog).stdout
    assert f"matched\t{chosen} (relinked by hand, saved)" in relinked
    reopened = reelkeep("edl", str(xml), catalog=catalog).stdout  # the relink was saved with the catalog
    assert f"matched\t{chosen} (relinked by hand, saved)" in reopened
    assert "2 matched, 0 ambiguous, 0 offline, 0 not media" in reopened
    forgot = reelkeep("edl", str(xml), "--forget-relink", "2", catalog=catalog).stdout
    assert "1 matched, 1 ambiguous" in forgot
    # the timeline naming a cataloged file's own path picks it from files of the same name
    xml = _fcp_xml(tmp_path / "here.xml", media)
    xml.write_text(xml.read_text(encoding="utf-8").replace("file:///Volumes/EDIT/", (media / "x").as_uri()[:-1]),
                   encoding="utf-8")
    here = json.loads(reelkeep("edl", str(xml), "--json", catalog=catalog).stdout)
    assert [(e["status"], e["path"]) for e in here["events"]] == [
        ("matched", str(media / "A001C003_220101_R1AB.mov")), ("matched", str(media / "C003.mov"))]

    bad = reelkeep("edl", str(xml), "--relink", "9=x.mov", catalog=catalog, check=False)
    assert bad.returncode == 2 and "the timeline has no event 9" in bad.stderr


def test_edl_unreadable_timeline_is_a_clear_error(tmp_path: Path) -> None:
    camera = tmp_path / "M01.xml"
    camera.write_text("<?xml version='1.0'?><NonRealTimeMeta/>", encoding="utf-8")
    garbage = tmp_path / "cut.aaf"
    garbage.write_bytes(b"not an aaf" * 100)
    for path, message in ((camera, "M01.xml: an XML file but not a Final Cut Pro 7 XML timeline"),
                          (garbage, "cut.aaf: not a readable AAF file")):
        result = reelkeep("edl", str(path), catalog=tmp_path / "catalog.sqlite", check=False)
        assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr


def test_edl_json_keeps_m2_motion_effects(tmp_path: Path) -> None:
    edl = tmp_path / "speed.edl"
    edl.write_text("""TITLE: SPEED
FCM: NON-DROP FRAME

001  A005C002 V     C        11:00:00:00 11:00:02:00 01:00:00:00 01:00:02:00
M2   A005C002       048.0                11:00:00:00
002  A005C003 V     C        11:10:00:00 11:10:01:00 01:00:02:00 01:00:03:00
M2   A005C003       -012.0               11:10:00:00
003  A005C004 V     C        11:20:00:00 11:20:01:00 01:00:03:00 01:00:04:00
""", encoding="utf-8")
    result = json.loads(reelkeep("edl", str(edl), "--json", "--rate", "24", catalog=tmp_path / "c.sqlite").stdout)
    assert [e["speed"] for e in result["events"]] == [48.0, -12.0, None]
