"""The record sequence: matched video events in record order, mapped to file frames on the timecode clock;
and the batch extraction job the panel and the CLI share, for a chosen subset of events."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from app.core.job import JobContext, execute
from app.core.timecode import to_frames
from app.ingest.add_files import add_files
from app.interchange.cmx3600 import parse_edl
from app.interchange.conform import EventMatch, load_and_conform
from app.interchange.edl_extract import EdlExtractJob
from app.interchange.sequence import MediaRef, build_sequence, file_range, media_ref, segment_at
from tests.media import decode_indexes, make_clip

F25, F24, F2398, F2997 = Fraction(25), Fraction(24), Fraction(24000, 1001), Fraction(30000, 1001)

EDL = """TITLE: SEQ
FCM: NON-DROP FRAME

001  CAMB     V     C        02:00:00:10 02:00:00:20 10:00:01:00 10:00:01:10
002  CAMA     V     C        01:00:01:00 01:00:02:00 10:00:00:00 10:00:01:00
003  CAMA     A     C        01:00:01:00 01:00:02:00 10:00:00:00 10:00:01:00
004  NOPE     V     C        01:00:00:00 01:00:01:00 10:00:01:10 10:00:02:10
005  CAMA     V     C        01:00:02:00 01:00:02:20 10:00:01:05 10:00:02:00
"""


def ref(media_id: int, start_tc: str, rate: Fraction, frames: int | None = 100, drop: bool = False) -> MediaRef:
    return MediaRef(media_id, f"m{media_id}.mov", rate, to_frames(start_tc, rate), drop, frames)


def matched(doc, ids: dict[str, int]) -> list[EventMatch]:
    return [EventMatch(e.number, "matched", ids[e.reel], [ids[e.reel]]) if e.reel in ids
            else EventMatch(e.number, "offline", None) for e in doc.events]


def test_matched_video_events_in_record_order_the_later_one_winning_an_overlap() -> None:
    doc = parse_edl(EDL, F25)
    refs = {1: ref(1, "01:00:00:00", F25), 2: ref(2, "02:00:00:00", F25)}
    segments = build_sequence(doc, matched(doc, {"CAMA": 1, "CAMB": 2}), refs)
    rec = to_frames("10:00:00:00", F25)
    # 002 first (record 10:00:00:00); 001 cut short where 005 starts over it; audio 003 and offline 004 left out
    assert [(s.index, s.media_id, s.record_in - rec, s.record_out - rec, s.file_in, s.file_out)
            for s in segments] == [(1, 1, 0, 25, 25, 50), (0, 2, 25, 30, 10, 15), (4, 1, 30, 50, 50, 70)]
    assert segment_at(segments, rec + 24).index == 1 and segment_at(segments, rec + 25).index == 0
    assert segment_at(segments, rec + 50) is None
    assert segments[1].file_frame(rec + 27) == 12 and segments[1].record_frame(12) == rec + 27


def test_file_frames_meet_on_the_timecode_clock() -> None:
    event_24 = parse_edl(EDL, F24)
    first = event_24.events[1]
    # a 24 fps EDL on 23.976 media: both count 24 frames per timecode second, frame for frame
    assert file_range(first, event_24, ref(1, "01:00:00:00", F2398)) == (24, 48)
    # a 25 fps EDL on 50 fps media: two file frames per EDL frame
    event_25 = parse_edl(EDL, F25)
    assert file_range(event_25.events[1], event_25, ref(1, "01:00:00:00", Fraction(50))) == (50, 100)
    # drop-frame on both sides: real frames, so the range across the minute is 4 frames (;00 and ;01 are skipped)
    df = parse_edl("FCM: DROP FRAME\n001  CAMA V C 01:00:59;28 01:01:00;04 10:00:00;00 10:00:00;06\n", F2997)
    media = ref(1, "01:00:00;00", F2997, 5000, drop=True)
    assert file_range(df.events[0], df, media) == (1798, 1802)


def test_a_source_range_past_the_file_end_is_cut_to_the_file() -> None:
    doc = parse_edl(EDL, F25)
    segments = build_sequence(doc, matched(doc, {"CAMA": 1}), {1: ref(1, "01:00:00:00", F25, frames=60)})
    assert [(s.index, s.file_in, s.file_out) for s in segments] == [(1, 25, 50), (4, 50, 60)]


def test_media_ref_reads_the_catalog_record() -> None:
    info = {"id": 7, "name": "c.mov", "frame_rate": "30000/1001", "start_timecode": "01:00:00;00",
            "drop_frame": True, "frame_count": 90}
    assert media_ref(info) == MediaRef(7, "c.mov", F2997, 107892, True, 90)
    assert media_ref({**info, "frame_rate": None}) is None


def test_extract_job_takes_only_the_chosen_events(catalog, media_dir: Path, tmp_path: Path) -> None:
    make_clip(media_dir / "CAMA.mov", rate="25", frames=75, start_tc="01:00:00:00", audio=False)
    make_clip(media_dir / "CAMB.mov", rate="25", frames=50, start_tc="02:00:00:00", audio=False)
    add_files(catalog, [media_dir / "CAMA.mov", media_dir / "CAMB.mov"])
    doc, matches = load_and_conform(EDL, catalog)
    dest = tmp_path / "out"
    job = EdlExtractJob(catalog, doc, matches, tmp_path / "seq.edl", dest, 2, preset="h264", only=[0, 3])
    outcome = execute(job, JobContext())
    assert outcome.ok, outcome
    result = outcome.value
    [output] = result.extract.outputs
    assert output.path.stem == "001_CAMB_CAMB" and output.media_id is not None
    assert [str(s) for s in result.skipped] == ["event 4: offline: no file named like reel NOPE"]
    assert decode_indexes(output.path) == list(range(10 - 2, 20 + 2))
    conformed = parse_edl((dest / "seq_conformed.edl").read_text(encoding="utf-8"), F25)
    assert [e.reel for e in conformed.events] == ["E001", "CAMA", "CAMA", "NOPE", "CAMA"]
    assert result.summary() == "1 extracted, 0 failed, 1 skipped (1 offline)"
