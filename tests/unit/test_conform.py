"""Conform EDL events to cataloged clips by reel, clip or file name and source timecode."""

from __future__ import annotations

import shutil
from fractions import Fraction
from pathlib import Path

import pytest

from app.catalog.catalog import Catalog
from app.ingest.add_files import add_files
from app.interchange.cmx3600 import parse_edl
from app.interchange.conform import common_rate, conform, relink
from tests.media import make_clip

pytestmark = pytest.mark.both_backends

EDL = """TITLE: CONFORM TEST
FCM: NON-DROP FRAME

001  A001C003 V     C        01:00:01:00 01:00:03:00 00:00:00:00 00:00:02:00
002  A001C003 V     C        01:00:10:00 01:00:11:00 00:00:02:00 00:00:03:00
003  TAPE7    V     C        10:00:00:00 10:00:01:00 00:00:03:00 00:00:04:00
* FROM CLIP NAME:  B002C011_230413_R2.mov
004  C003     V     C        02:00:00:00 02:00:01:00 00:00:04:00 00:00:05:00
005  NOSUCH   V     C        01:00:00:00 01:00:01:00 00:00:05:00 00:00:06:00
006  X        V     C        00:00:00:00 00:00:01:00 00:00:06:00 00:00:07:00
* SOURCE FILE: D:\\Media\\Day3\\D004C001.MOV
"""


def _library(catalog: Catalog, folder: Path) -> dict[str, int]:
    paths = [
        make_clip(folder / "A001C003_220101_R1AB.mov", rate=24, frames=96, start_tc="01:00:00:00", audio=False),
        make_clip(folder / "B002C011_230413_R2.mov", rate=24, frames=48, start_tc="10:00:00:00", audio=False),
        make_clip(folder / "C003.mov", rate=24, frames=48, start_tc="02:00:00:00", audio=False),
        make_clip(folder / "d004c001.mov", rate=24, frames=48, start_tc="00:00:00:00", audio=False),
    ]
    (folder / "copy").mkdir()
    paths.append(Path(shutil.copy(paths[2], folder / "copy" / "C003.mov")))
    ids = add_files(catalog, [str(p) for p in paths])
    return {str(p.relative_to(folder)): i for p, i in zip(paths, ids, strict=True)}


def test_conform_matches_by_name_and_timecode(catalog: Catalog, media_dir: Path) -> None:
    ids = _library(catalog, media_dir)
    doc = parse_edl(EDL, Fraction(24))
    matches = conform(doc, catalog)
    assert [m.event_number for m in matches] == [1, 2, 3, 4, 5, 6]
    assert [m.status for m in matches] == ["matched", "offline", "matched", "ambiguous", "offline", "matched"]
    assert matches[0].media_id == ids["A001C003_220101_R1AB.mov"]
    assert "01:00:10:00–01:00:11:00 outside A001C003_220101_R1AB.mov (01:00:00:00–01:00:04:00)" in matches[1].reason
    assert matches[2].media_id == ids["B002C011_230413_R2.mov"]
    assert sorted(matches[3].candidates) == sorted([ids["C003.mov"], ids["copy/C003.mov"]])
    assert matches[3].media_id is None
    assert matches[4].reason == "no file named like reel NOSUCH"
    assert matches[5].media_id == ids["d004c001.mov"]
    assert common_rate(matches, catalog) == Fraction(24)


def test_other_rate_compares_on_the_timecode_clock(catalog: Catalog, media_dir: Path) -> None:
    _library(catalog, media_dir)
    doc = parse_edl(EDL, Fraction(25))  # 01:00:01:00 at 25 fps is still inside a 24 fps clip from 01:00:00:00
    assert [m.status for m in conform(doc, catalog)][:2] == ["matched", "offline"]


def test_relink_sets_one_event_by_hand(catalog: Catalog, media_dir: Path) -> None:
    ids = _library(catalog, media_dir)
    matches = conform(parse_edl(EDL, Fraction(24)), catalog)
    relinked = relink(matches, 4, ids["copy/C003.mov"])
    assert (relinked[3].status, relinked[3].media_id, relinked[3].reason) == (
        "matched", ids["copy/C003.mov"], "relinked by hand")
    assert relinked[:3] == matches[:3] and relinked[4:] == matches[4:]


def test_black_and_aux_without_a_clip_are_not_media(catalog: Catalog, media_dir: Path) -> None:
    make_clip(media_dir / "broll.mov", rate=25, frames=100, size=(160, 90), start_tc="00:00:09:00", audio=False)
    add_files(catalog, [str(media_dir / "broll.mov")])
    premiere = (Path(__file__).resolve().parents[1] / "data" / "edl" / "premiere_audio.edl").read_bytes()
    doc = parse_edl(premiere + b"\n006  AX       V     C        00:00:00:00 00:00:01:00 00:00:11:00 00:00:12:00\n",
                    Fraction(25))
    matches = conform(doc, catalog)
    assert [(m.event_number, m.status) for m in matches] == [
        (1, "offline"), (2, "offline"), (3, "offline"), (4, "matched"), (5, "not media"), (6, "not media")]
    # Premiere's AX reels name their file in FROM CLIP NAME: they are media, looked up by that name.
    assert matches[0].reason == "no file named like clip interview_cam_a.mp4"
    assert (matches[4].reason, matches[5].reason) == (
        "black (BL)", "aux source (AX) with no clip name or source file")


def test_an_extract_loses_to_its_source_unless_the_event_names_it(catalog: Catalog, media_dir: Path,
                                                                  tmp_path: Path) -> None:
    from app.core.job import JobContext, execute
    from app.interchange.edl_extract import EdlExtractJob

    source = make_clip(media_dir / "A001C003_220101_R1AB.mov", rate=24, frames=96, start_tc="01:00:00:00",
                       audio=False)
    (source_id,) = add_files(catalog, [str(source)])
    timeline = tmp_path / "cut.edl"
    timeline.write_text(EDL, encoding="utf-8")
    doc = parse_edl(EDL, Fraction(24))
    first = parse_edl(EDL.split("002  ")[0], Fraction(24))
    # named {clip}_{event}: the extract's name starts with the reel, as a camera file's would
    job = EdlExtractJob(catalog, first, conform(first, catalog), timeline, tmp_path / "out", handles=2,
                        mode="reencode", preset="h264", name_pattern="{clip}_{event}")
    outcome = execute(job, JobContext())
    assert outcome.ok, outcome
    extract = outcome.value.extract.outputs[0]
    assert extract.path.name == "A001C003_220101_R1AB_1.mp4"

    again = conform(doc, catalog)[0]  # both cover 01:00:01:00-01:00:03:00 and both are named like A001C003
    assert (again.status, again.media_id, again.candidates) == ("matched", source_id, [source_id])
    named = parse_edl(EDL.split("002  ")[0] + "* FROM CLIP NAME: A001C003_220101_R1AB_1.mp4\n", Fraction(24))
    match = conform(named, catalog)[0]
    assert (match.status, match.media_id) == ("matched", extract.media_id)
    # a SOURCE FILE path names one file outright, where a copy of it elsewhere has the same name
    (tmp_path / "copy").mkdir()
    add_files(catalog, [shutil.copy(extract.path, tmp_path / "copy" / extract.path.name)])
    assert conform(named, catalog)[0].status == "ambiguous"
    by_path = parse_edl(EDL.split("002  ")[0] + f"* FROM CLIP NAME: A001C003.mov\n* SOURCE FILE: {extract.path}\n",
                        Fraction(24))
    match = conform(by_path, catalog)[0]
    assert (match.status, match.media_id) == ("matched", extract.media_id)


def test_an_extract_named_like_its_source_loses_to_it(catalog: Catalog, media_dir: Path, tmp_path: Path) -> None:
    from app.core.job import JobContext, execute
    from app.interchange.edl_extract import EdlExtractJob

    source = make_clip(media_dir / "A001C003.mov", rate=24, frames=96, start_tc="01:00:00:00", audio=False)
    (source_id,) = add_files(catalog, [str(source)])
    first = parse_edl(EDL.split("002  ")[0] + "* FROM CLIP NAME: A001C003.mov\n", Fraction(24))
    for pattern in ("{clip}", "{reel}_{event}"):  # A001C003.mp4 (the source's very name), A001C003_1.mp4
        job = EdlExtractJob(catalog, first, conform(first, catalog), tmp_path / "cut.edl", tmp_path / pattern[1:5],
                            mode="reencode", preset="h264", name_pattern=pattern)
        outcome = execute(job, JobContext())
        assert outcome.ok, outcome
        match = conform(first, catalog)[0]
        assert (match.status, match.media_id) == ("matched", source_id), pattern
    assert len(catalog.subclips_of(source_id)) == 2  # both were cut from the camera file
