"""CMX 3600 EDL reading, writing and OTIO conversion against a small hand-written corpus."""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest

from app.core.timecode import from_frames, to_frames
from app.interchange.cmx3600 import parse_edl, to_otio, write_cmx3600
from app.interchange.edl_model import EdlClipRange, EdlDocument, EdlEvent

DATA = Path(__file__).resolve().parents[1] / "data" / "edl"
NTSC = Fraction(30000, 1001)
F24 = Fraction(24)


def load(name: str, rate: Fraction | None = F24) -> EdlDocument:
    return parse_edl((DATA / name).read_bytes(), rate)


def test_avid_cut_reads_title_reels_names_and_timecodes() -> None:
    doc = load("avid_cut.edl")
    assert (doc.title, doc.rate, doc.drop_frame, doc.errors, doc.warnings) == (
        "REEL_ONE_CUT_V3",
        F24,
        False,
        [],
        [],
    )
    assert [e.number for e in doc.events] == [1, 2, 3, 4]
    assert [e.reel for e in doc.events] == ["A001C003", "B002C011_230413_LONGREELNAME", "BL", "A001C003"]
    first = doc.events[0]
    assert (first.track, first.transition, first.transition_frames, first.status) == ("V", "cut", 0, "ok")
    assert first.source_in == to_frames("14:22:10:05", F24)
    assert from_frames(first.source_out, F24, False) == "14:22:14:05"
    assert (first.record_in, first.record_out) == (86400, 86496)
    assert first.clip_name == "A001C003_230412_R1AB.mov"
    assert first.source_file == "/Volumes/RAID/Day01/A001C003_230412_R1AB.mov"
    assert first.line_number == 4
    assert doc.events[3].comments == ("this take is the keeper",)
    assert doc.events[2].clip_name is None


def test_premiere_ax_reels_and_audio_tracks() -> None:
    doc = load("premiere_audio.edl", Fraction(25))
    assert {e.reel for e in doc.events} == {"AX", "BL"}
    assert [e.track for e in doc.events] == ["V", "AA", "A2", "AA/V", "B"]
    assert [e.tracks for e in doc.events] == [("V",), ("A1", "A2"), ("A2",), ("V", "A1", "A2"), ("V", "A1")]
    music = doc.events[2]
    assert (music.source_in, music.source_out, music.record_in, music.record_out) == (1500, 1575, 125, 200)
    assert music.clip_name == "music_bed.wav"
    assert doc.errors == []


def test_two_line_dissolve_and_wipe_keep_both_source_ranges() -> None:
    doc = load("transitions.edl")
    assert [e.number for e in doc.events] == [1, 2, 3, 4]
    assert [e.transition for e in doc.events] == ["cut", "dissolve", "wipe", "dissolve"]
    assert [e.transition_frames for e in doc.events] == [0, 24, 12, 48]
    dissolve = doc.events[1]
    assert dissolve.reel == "B001" and dissolve.outgoing is not None and dissolve.outgoing.reel == "A001"
    assert dissolve.outgoing.source_in == dissolve.outgoing.source_out == to_frames("01:00:05:00", F24)
    assert (dissolve.source_in, dissolve.source_out) == (
        to_frames("02:00:00:00", F24),
        to_frames("02:00:04:00", F24),
    )
    assert (dissolve.clip_name, dissolve.to_clip_name, dissolve.name) == (
        "shot_a.mov",
        "shot_b.mov",
        "shot_b.mov",
    )
    assert dissolve.line_number == 7  # the pair's first line
    wipe = doc.events[2]
    assert (wipe.transition_code, wipe.outgoing.reel, wipe.reel) == ("W001", "B001", "C001")
    assert doc.events[3].outgoing.reel == "BL"
    assert doc.errors == []


def test_m2_speed_is_attached_even_when_durations_match() -> None:
    doc = load("speed_m2.edl")
    same, faster = doc.events
    assert same.source_frames == same.record_frames == 48 and same.speed == 48.0
    assert (faster.source_frames, faster.record_frames, faster.speed) == (96, 48, 48.0)
    assert same.clip_name == "A005C002.mov"


def test_fcm_changes_between_events_at_2997() -> None:
    doc = load("fcm_change.edl", rate=None)
    assert doc.rate == NTSC and doc.drop_frame is True
    assert doc.warnings == [
        "frame rate not in the EDL: assumed 29.97 fps (drop-frame); pass the media's rate"
    ]
    df, ndf, df_again = doc.events
    assert [e.drop_frame for e in doc.events] == [True, False, True]
    assert (df.record_in, df.record_out) == (107892, 108192)
    assert ndf.record_in == df.record_out == to_frames("01:00:06:12", NTSC)  # the same frame in NDF
    assert from_frames(ndf.record_out, NTSC, True) == "01:00:15;00"
    # ':' separators under FCM: DROP FRAME are still drop-frame.
    assert df_again.record_in == ndf.record_out and df_again.source_in == to_frames("03:00:00;00", NTSC)


def test_rate_not_given_non_drop_assumes_24_with_warning() -> None:
    doc = load("avid_cut.edl", rate=None)
    assert doc.rate == F24
    assert doc.warnings == ["frame rate not in the EDL: assumed 24 fps; pass the media's rate"]


def test_crlf_and_latin1_bytes() -> None:
    doc = load("latin1_crlf.edl")
    assert doc.title == "Café Straße"
    assert [e.clip_name for e in doc.events] == ["café_scène_01.mov", "Müller_utf8.mov"]
    assert doc.warnings == ["line 1: not UTF-8, read as cp1252", "line 5: not UTF-8, read as cp1252"]
    assert doc.errors == []


def test_cr_only_line_ends_and_str_input() -> None:
    text = (DATA / "avid_cut.edl").read_text().replace("\n", "\r")
    assert parse_edl(text, F24).events == load("avid_cut.edl").events


def test_locators_and_asc_cdl() -> None:
    (event,) = load("loc_cdl.edl").events
    assert [(loc.frame, loc.color, loc.name) for loc in event.locators] == [
        (to_frames("15:30:01:12", F24), "RED", "check focus"),
        (to_frames("15:30:03:00", F24), "GREEN", "VFX_010"),
    ]
    assert event.cdl is not None
    assert event.cdl.slope == (1.02, 0.98, 1.0)
    assert event.cdl.offset == (-0.01, 0.0, 0.015)
    assert event.cdl.power == (1.0, 1.0, 0.95)
    assert event.cdl.saturation == 0.9
    assert event.comments == ("GRADE NOTE: warm it up",)


def test_malformed_lines_are_reported_and_the_rest_loads() -> None:
    doc = load("malformed.edl")
    assert [e.number for e in doc.events] == [1, 3, 5]
    unknown = doc.events[1]
    assert (unknown.transition, unknown.transition_code, unknown.status) == ("unknown", "X", "error")
    assert doc.events[2].clip_name == "last.mov" and doc.events[2].status == "ok"
    assert [err.line_number for err in doc.errors] == [5, 6, 7, 8, 11]
    assert doc.errors[0].text == "this line is garbage %%%"
    assert "01:00:00:45" in doc.errors[1].message and "24 fps" in doc.errors[1].message
    assert "unknown transition code 'X'" in doc.errors[2].message
    assert "four timecodes" in doc.errors[3].message
    assert doc.errors[4].text.startswith("* ASC_SOP")


@pytest.mark.parametrize(
    ("name", "rate"),
    [
        ("avid_cut.edl", F24),
        ("premiere_audio.edl", Fraction(25)),
        ("transitions.edl", F24),
        ("speed_m2.edl", F24),
        ("fcm_change.edl", NTSC),
        ("latin1_crlf.edl", F24),
        ("loc_cdl.edl", F24),
    ],
)
def test_write_round_trips_and_the_otio_adapter_reads_it(name: str, rate: Fraction) -> None:
    doc = load(name, rate)
    text = write_cmx3600(doc)
    again = parse_edl(text, rate)
    assert again.errors == []
    assert again.events == [
        dataclasses.replace(e, line_number=a.line_number)
        for e, a in zip(doc.events, again.events, strict=True)
    ]
    timeline = otio.adapters.read_from_string(text, "cmx_3600", rate=float(rate))
    first = timeline.find_clips()[0]
    assert first.source_range.start_time.value == doc.events[0].source_in


def test_write_bare_events_and_unknown_transition_as_cut() -> None:
    doc = load("malformed.edl")
    text = write_cmx3600(doc.events, rate=F24, drop_frame=False, title="FIXED")
    again = parse_edl(text, F24)
    assert again.title == "FIXED" and again.errors == []
    assert [e.transition for e in again.events] == ["cut", "cut", "cut"]
    assert "unknown transition X" in again.events[1].comments[0]


def test_to_otio_tracks_gaps_transitions_and_markers() -> None:
    timeline = to_otio(load("avid_cut.edl"))
    (video,) = timeline.tracks
    assert video.name == "V" and timeline.global_start_time == otio.opentime.RationalTime(86400, 24)
    kinds = [type(item).__name__ for item in video]
    assert kinds == ["Clip", "Clip", "Clip", "Gap", "Clip"]
    first = video[0]
    assert first.source_range.start_time == otio.opentime.RationalTime(1241525, 24)
    assert first.source_range.duration == otio.opentime.RationalTime(96, 24)
    assert first.metadata["reelkeep"]["reel"] == "A001C003" and first.metadata["reelkeep"]["event"] == 1
    assert first.media_reference.target_url == "/Volumes/RAID/Day01/A001C003_230412_R1AB.mov"
    assert video[3].source_range.duration.value == 24

    audio = to_otio(load("premiere_audio.edl", Fraction(25)))
    assert [t.name for t in audio.tracks] == ["V", "A1", "A2"]
    assert audio.tracks[2].kind == otio.schema.TrackKind.Audio

    dissolves = to_otio(load("transitions.edl")).tracks[0]
    transitions = [item for item in dissolves if isinstance(item, otio.schema.Transition)]
    assert [t.out_offset.value for t in transitions] == [24, 12, 48]
    assert transitions[0].transition_type == otio.schema.TransitionTypes.SMPTE_Dissolve

    (clip,) = to_otio(load("loc_cdl.edl")).find_clips()
    assert [(m.name, m.color, m.marked_range.start_time.value) for m in clip.markers] == [
        ("check focus", otio.schema.MarkerColor.RED, to_frames("15:30:01:12", F24)),
        ("VFX_010", otio.schema.MarkerColor.GREEN, to_frames("15:30:03:00", F24)),
    ]

    speed = list(to_otio(load("speed_m2.edl")).find_clips())
    assert [c.effects[0].time_scalar for c in speed] == [2.0, 2.0]


def test_reels_longer_than_eight_characters_keep_the_columns_and_read_back() -> None:
    # What a timeline from FCP XML, AAF or .otio gives: reels named after clips.
    long_a, long_b = "A001_C002_1121L7_graded", "A001_C002_1121L7_raw"
    events = [
        EdlEvent(1, long_a, "V", "cut", 0, 86400, 86424, 0, 24, clip_name="a.mov", speed=48.0),
        EdlEvent(2, long_b, "V", "dissolve", 12, 90000, 90048, 24, 72, clip_name="a.mov", to_clip_name="b.mov",
                 outgoing=EdlClipRange(long_a, 86424, 86436, 24, 24)),
        EdlEvent(3, "A001C002", "V", "cut", 0, 86400, 86424, 72, 96),
    ]
    text = write_cmx3600(events, rate=F24, drop_frame=False, title="LONG")
    rows = [line for line in text.splitlines() if line[:3].isdigit()]
    assert len(rows) == 4 and {len(row) for row in rows} == {len(rows[-1])}  # every column in its place
    reels = {row.split()[1] for row in rows}
    assert all(len(reel) <= 8 for reel in reels) and len(reels) == 3  # the two long reels stay apart
    again = parse_edl(text, F24)
    assert again.errors == []
    assert [e.reel for e in again.events] == [long_a, long_b, "A001C002"]
    assert again.events[1].outgoing.reel == long_a and again.events[0].speed == 48.0
    assert write_cmx3600(again.events, rate=F24, drop_frame=False, title="LONG") == text  # no comment piles up
    timeline = otio.adapters.read_from_string(text, "cmx_3600", rate=24)
    assert [c.source_range.start_time.value for c in timeline.find_clips()][-1] == 86400
