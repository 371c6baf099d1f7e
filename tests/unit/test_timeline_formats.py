"""FCP 7 XML, AAF and .otio timelines, written by OpenTimelineIO's own adapters, read into the EDL model."""

from __future__ import annotations

import dataclasses
import re
import shutil
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest
from opentimelineio.opentime import RationalTime, TimeRange

from app.catalog.catalog import Catalog
from app.core.job import JobContext, execute
from app.core.timecode import to_frames
from app.ingest.add_files import add_files
from app.interchange.cmx3600 import parse_edl, write_cmx3600
from app.interchange.edl_extract import EdlExtractJob
from app.interchange.edl_model import EdlEvent, track_parts
from app.interchange.otio_import import read_otio_file
from app.interchange.timeline_files import (
    TIMELINE_SUFFIXES,
    UnsupportedTimeline,
    forget_relink,
    load_timeline_file,
    save_relink,
)
from app.interchange.timeline_write import write_timeline
from tests.media import decode_indexes, make_clip

pytestmark = pytest.mark.both_backends

RATE = 25
DATA = Path(__file__).resolve().parents[1] / "data" / "edl"
CAMA, CAMB = to_frames("01:00:00:00", Fraction(RATE)), to_frames("02:00:00:00", Fraction(RATE))
START = to_frames("10:00:00:00", Fraction(RATE))


def _range(start: int, duration: int) -> TimeRange:
    return TimeRange(RationalTime(start, RATE), RationalTime(duration, RATE))


def _clip(folder: Path, name: str, start: int, duration: int, available: tuple[int, int], reel: str | None = None
          ) -> otio.schema.Clip:
    reference = otio.schema.ExternalReference(target_url=(folder / name).as_uri(), available_range=_range(*available))
    clip = otio.schema.Clip(name=name, media_reference=reference, source_range=_range(start, duration))
    if reel:  # where the CMX adapter and FCP XML keep a reel name
        clip.metadata["cmx_3600"] = {"reel": reel}
        reference.metadata["fcp_xml"] = {"timecode": {"reel": {"name": reel}}}
    return clip


def _timeline(folder: Path, rich: bool = True, slug: bool = True) -> otio.schema.Timeline:
    """V: CAMA, gap, CAMB, dissolve, CAMA; V2: gap, slug; A1: CAMA. Without `rich` (for AAF): no dissolve, no V2.

    The FCP XML writer of otio-fcp-adapter 1.0 fails on a generator (an unbound local in _build_file), so FCP XML
    is written without the slug.
    """
    timeline = otio.schema.Timeline(name="FORMATS", global_start_time=RationalTime(START, RATE))
    video = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    first = _clip(folder, "CAMA.mov", CAMA + 25, 25, (CAMA, 75), reel="A001")
    first.markers.append(otio.schema.Marker(name="focus", marked_range=_range(CAMA + 30, 0),
                                            color=otio.schema.MarkerColor.GREEN))
    video.extend([first, otio.schema.Gap(source_range=_range(0, 10)),
                  _clip(folder, "CAMB.mov", CAMB + 10, 20, (CAMB, 50))])
    tracks = [video]
    if rich:
        video.append(otio.schema.Transition(transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
                                            in_offset=RationalTime(5, RATE), out_offset=RationalTime(5, RATE)))
        video.append(_clip(folder, "CAMA.mov", CAMA + 50, 20, (CAMA, 75)))
    if rich and slug:
        upper = otio.schema.Track(name="V2", kind=otio.schema.TrackKind.Video)
        slug = otio.schema.GeneratorReference(generator_kind="Slug", available_range=_range(0, 100))
        upper.extend([otio.schema.Gap(source_range=_range(0, 20)),
                      otio.schema.Clip(name="Slug", media_reference=slug, source_range=_range(0, 10))])
        tracks.append(upper)
    audio = otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio)
    audio.append(_clip(folder, "CAMA.mov", CAMA + 25, 25, (CAMA, 75), reel="A001"))
    timeline.tracks.extend(tracks + [audio])
    return timeline


def _row(e: EdlEvent) -> tuple:
    return (e.number, e.reel, e.track, e.transition, e.transition_frames, e.source_in - (CAMB if e.reel == "CAMB"
            else CAMA if e.reel != "BL" else 0), e.source_out - e.source_in, e.record_in - START, e.record_out - START)


RICH = [  # number, reel, track, transition, frames, source in (from the clip start), source frames, record in, out
    (1, "A001", "V", "cut", 0, 25, 25, 0, 25),
    (2, "CAMB", "V", "cut", 0, 10, 15, 35, 50),  # ends where the dissolve starts, 5 frames before the cut
    (3, "CAMA", "V", "dissolve", 10, 45, 25, 50, 75),  # the incoming clip starts with the dissolve
    (4, "BL", "V2", "cut", 0, 0, 10, 20, 30),
    (5, "A001", "A1", "cut", 0, 25, 25, 0, 25),
]


@pytest.mark.parametrize("suffix", [".otio", ".xml"])
def test_otio_and_fcp_xml_read_into_events(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"cut{suffix}"
    fcp = suffix == ".xml"
    otio.adapters.write_to_file(_timeline(tmp_path, slug=not fcp), str(path), adapter_name="fcp_xml" if fcp else None)
    doc = read_otio_file(path)
    assert (doc.title, doc.rate, doc.drop_frame, doc.errors, doc.warnings) == ("FORMATS", Fraction(25), False, [], [])
    rows = [_row(e) for e in doc.events]
    # FCP XML shares one <file> (and its reel) between clips of the same media: the third clip is A001 too.
    assert rows == (RICH if not fcp else [*RICH[:2], (3, "A001", *RICH[2][2:]), (4, *RICH[4][1:])])
    first, _, dissolve, *_ = doc.events
    assert (first.clip_name, first.source_file) == ("CAMA.mov", str(tmp_path / "CAMA.mov"))
    color = "RED" if fcp else "GREEN"  # FCP 7 markers have no colour; the adapter gives OTIO's default
    assert [(loc.frame - CAMA, loc.color, loc.name) for loc in first.locators] == [(30, color, "focus")]
    assert dissolve.outgoing is not None
    assert (dissolve.outgoing.reel, dissolve.outgoing.source_in - CAMB) == ("CAMB", 25)
    assert (dissolve.clip_name, dissolve.to_clip_name, dissolve.name) == ("CAMB.mov", "CAMA.mov", "CAMA.mov")


def test_aaf_written_by_the_aaf_adapter_reads_into_events(tmp_path: Path) -> None:
    path = tmp_path / "cut.aaf"
    # The AAF writer needs a MobID per clip; "use_empty_mob_ids" makes fresh ones for clips without AAF metadata.
    otio.adapters.write_to_file(_timeline(tmp_path, rich=False), str(path), use_empty_mob_ids=True)
    doc = read_otio_file(path)
    assert (doc.title, doc.rate) == ("FORMATS", Fraction(25))
    # AAF keeps no CMX or FCP reel: the reel falls back to the source file's name.
    assert [_row(e) for e in doc.events] == [(1, "CAMA", "V", "cut", 0, 25, 25, 0, 25),
                                             (2, "CAMB", "V", "cut", 0, 10, 20, 35, 55),
                                             (3, "CAMA", "A1", "cut", 0, 25, 25, 0, 25)]
    assert doc.events[1].source_file == str(tmp_path / "CAMB.mov")


@pytest.fixture
def library(catalog: Catalog, media_dir: Path) -> dict[str, int]:
    paths = [make_clip(media_dir / "CAMA.mov", rate=RATE, frames=75, size=(160, 90), start_tc="01:00:00:00"),
             make_clip(media_dir / "CAMB.mov", rate=RATE, frames=50, size=(160, 90), start_tc="02:00:00:00")]
    return {p.stem: i for p, i in zip(paths, add_files(catalog, [str(p) for p in paths]), strict=True)}


def test_fcp_xml_conforms_and_extracts_like_an_edl(catalog: Catalog, library: dict[str, int], media_dir: Path,
                                                   tmp_path: Path) -> None:
    path = tmp_path / "cut.xml"
    otio.adapters.write_to_file(_timeline(media_dir, slug=False), str(path), adapter_name="fcp_xml")
    doc, matches = load_timeline_file(path, catalog)
    assert [(m.status, m.media_id) for m in matches] == [
        ("matched", library["CAMA"]), ("matched", library["CAMB"]), ("matched", library["CAMA"]),
        ("matched", library["CAMA"])]
    job = EdlExtractJob(catalog, doc, matches, path, tmp_path / "out", preset="h264")
    outcome = execute(job, JobContext())
    assert outcome.ok, outcome
    assert outcome.value.summary() == "3 extracted, 0 failed, 1 skipped (1 audio only)"
    outputs = {o.event: o.path for o in outcome.value.extract.outputs}
    assert decode_indexes(outputs[3]) == list(range(45, 70))  # the dissolve's incoming frames included
    assert decode_indexes(outputs[2]) == list(range(10, 25))
    assert (tmp_path / "out" / "cut_conformed.edl").is_file()


def test_relinks_are_saved_by_content_and_applied_on_open(catalog: Catalog, library: dict[str, int],
                                                          media_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "cut.otio"
    otio.adapters.write_to_file(_timeline(media_dir), str(path))
    assert [m.status for m in load_timeline_file(path, catalog)[1]] == [
        "matched", "matched", "matched", "not media", "matched"]  # the slug on V2 is black
    save_relink(catalog, path, 2, library["CAMA"])
    copy = Path(shutil.copy(path, tmp_path / "renamed.otio"))
    for opened in (path, copy):
        _, matches = load_timeline_file(opened, catalog)
        assert (matches[1].status, matches[1].media_id, matches[1].reason) == (
            "matched", library["CAMA"], "relinked by hand, saved")
        assert matches[0].reason != "relinked by hand, saved"
    copy.write_text(copy.read_text(encoding="utf-8").replace("FORMATS", "EDITED"), encoding="utf-8")
    assert load_timeline_file(copy, catalog)[1][1].media_id == library["CAMB"]  # another file: its own relinks
    assert forget_relink(catalog, path, 2)
    assert load_timeline_file(path, catalog)[1][1].media_id == library["CAMB"]


_KEYS = ("number", "reel", "transition", "transition_frames", "source_in", "source_out", "record_in", "record_out",
         "source_file")


def _fields(e: EdlEvent) -> dict:
    return {**{k: getattr(e, k) for k in _KEYS}, "name": e.name or e.reel}  # OTIO clips always have a name


@pytest.mark.parametrize("name", ["avid_cut.edl", "transitions.edl", "premiere_audio.edl"])
def test_edl_written_as_otio_reads_back_the_same(tmp_path: Path, name: str) -> None:
    doc = parse_edl((DATA / name).read_bytes(), Fraction(24000, 1001))
    again = read_otio_file(write_timeline(doc, tmp_path / f"{name}.otio"))
    assert (again.title, again.rate, again.drop_frame) == (doc.title, doc.rate, doc.drop_frame)
    # An AA/V event comes back as one event per track, each with the EDL's number: compare the first.
    firsts = [e for i, e in enumerate(again.events) if e.number not in {x.number for x in again.events[:i]}]
    assert sorted((_fields(e) for e in firsts), key=lambda f: f["number"]) == [
        _fields(e) for e in doc.events if e.record_frames]


def test_multi_track_video_is_written_to_cmx_on_v_with_a_note() -> None:
    assert track_parts("V2") == ("V2",) and track_parts("V2/A1") == ("V2", "A1")
    event = EdlEvent(7, "CAMB", "V2", "cut", 0, 10, 20, 30, 40)
    assert event.has_video and not dataclasses.replace(event, track="A2").has_video
    text = write_cmx3600([event], Fraction(25), False, "T")
    again = parse_edl(text, Fraction(25))
    assert again.errors == [] and again.events[0].track == "V"
    assert again.events[0].comments == ("REELKEEP: track V2 written as V",)


def _bad_files(folder: Path) -> dict[str, Path]:
    good = folder / "good.otio"
    otio.adapters.write_to_file(_timeline(folder), str(good))
    files = {
        "garbage.aaf": b"\x00\x01 this is not a compound file" * 40,
        "empty.otio": b"",
        "truncated.otio": good.read_bytes()[: len(good.read_bytes()) // 2],
        "camera.xml": b"<?xml version='1.0'?><NonRealTimeMeta><Duration value='10'/></NonRealTimeMeta>",
        "broken.xml": b"<?xml version='1.0'?><xmeml version='4'><sequence><name>x</name>",
        "notes.txt": b"001  A V C 01:00:00:00 01:00:01:00 01:00:00:00 01:00:01:00\n",
    }
    paths = {}
    for name, data in files.items():
        (folder / name).write_bytes(data)
        paths[name] = folder / name
    (folder / "folder.otio").mkdir()
    paths["folder.otio"] = folder / "folder.otio"
    paths["gone.edl"] = folder / "gone.edl"
    return paths


def test_unreadable_timelines_are_clear_errors_naming_the_file(catalog: Catalog, tmp_path: Path) -> None:
    expected = {
        "garbage.aaf": "not a readable AAF file", "empty.otio": "not a readable OpenTimelineIO file",
        "truncated.otio": "not a readable OpenTimelineIO file",
        "camera.xml": "not a Final Cut Pro 7 XML timeline (its root is <NonRealTimeMeta>",
        "broken.xml": "not well-formed XML", "notes.txt": "not a timeline Reelkeep can read",
        "folder.otio": "cannot read", "gone.edl": "cannot read",
    }
    for name, path in _bad_files(tmp_path).items():
        with pytest.raises(UnsupportedTimeline, match=re.escape(name)) as caught:
            load_timeline_file(path, catalog)
        assert expected[name] in str(caught.value), (name, str(caught.value))
    assert set(TIMELINE_SUFFIXES) == {".edl", ".otio", ".xml", ".aaf"}


@pytest.mark.parametrize(("rate", "suffix", "drop"), [
    (Fraction(30000, 1001), ".xml", False),  # the FCP XML says NDF in <displayformat>
    (Fraction(30000, 1001), ".otio", True),  # OTIO says nothing: 29.97 counts drop-frame, as OTIO itself does
    (Fraction(24000, 1001), ".otio", False),
])
def test_ntsc_float_rates_read_as_exact_fractions(tmp_path: Path, rate: Fraction, suffix: str, drop: bool) -> None:
    fps = float(rate)
    timeline = otio.schema.Timeline(name="NTSC", global_start_time=RationalTime(107892, fps))
    track = otio.schema.Track(kind=otio.schema.TrackKind.Video)
    reference = otio.schema.ExternalReference(target_url="file:///m/A.mov",
                                              available_range=TimeRange(RationalTime(0, fps), RationalTime(100, fps)))
    track.append(otio.schema.Clip(name="A.mov", media_reference=reference,
                                  source_range=TimeRange(RationalTime(10, fps), RationalTime(20, fps))))
    timeline.tracks.append(track)
    path = tmp_path / f"ntsc{suffix}"
    otio.adapters.write_to_file(timeline, str(path), adapter_name="fcp_xml" if suffix == ".xml" else "otio_json")
    doc = read_otio_file(path)
    assert (doc.rate, doc.drop_frame) == (rate, drop)
    assert [(e.source_in, e.source_out, e.record_in, e.record_out) for e in doc.events] == [(10, 30, 107892, 107912)]


def test_generators_are_not_media(catalog: Catalog, tmp_path: Path) -> None:
    timeline = otio.schema.Timeline(name="GEN", global_start_time=RationalTime(START, RATE))
    track = otio.schema.Track(kind=otio.schema.TrackKind.Video)
    for kind, name in (("SMPTEBars", "Bars and Tone"), ("SolidColor", "Black")):
        reference = otio.schema.GeneratorReference(generator_kind=kind, available_range=_range(0, 100))
        track.append(otio.schema.Clip(name=name, media_reference=reference, source_range=_range(0, 10)))
    timeline.tracks.append(track)
    path = tmp_path / "gen.otio"
    otio.adapters.write_to_file(timeline, str(path))
    doc, matches = load_timeline_file(path, catalog)
    assert [(e.reel, e.clip_name, e.comments) for e in doc.events] == [
        ("AX", None, ("generator SMPTEBars: Bars and Tone",)), ("BL", None, ("generator SolidColor: Black",))]
    assert [m.status for m in matches] == ["not media", "not media"]
