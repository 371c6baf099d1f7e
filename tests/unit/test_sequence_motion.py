"""M2 motion effects in the record sequence: record frame i of an event at speed S fps (timeline at R fps)
shows file frame in + floor(i*S/R); the virtual clip plays exactly those frames; and the player's clock of a
virtual clip reads record timecode past a skipped gap."""

from __future__ import annotations

from fractions import Fraction

from app.core.timecode import to_frames
from app.interchange.cmx3600 import parse_edl
from app.interchange.conform import EventMatch
from app.interchange.sequence import MediaRef, build_sequence
from app.services.player_clip import ClipInfo
from app.services.sequence_spec import sequence_spec

F25 = Fraction(25)
EDL = """TITLE: MOTION
FCM: NON-DROP FRAME

001  CAMA     V     C        01:00:00:00 01:00:00:10 10:00:00:00 10:00:00:10
002  CAMA     V     C        01:00:01:00 01:00:01:10 10:00:00:10 10:00:00:20
M2   CAMA           050.0                01:00:01:00
003  CAMA     V     C        01:00:02:10 01:00:02:20 10:00:00:20 10:00:01:05
M2   CAMA           012.5                01:00:02:10
004  CAMA     V     C        01:00:03:00 01:00:03:10 10:00:01:05 10:00:01:15
M2   CAMA           -025.0               01:00:03:00
005  CAMA     V     C        01:00:03:20 01:00:03:24 10:00:01:15 10:00:02:00
M2   CAMA           000.0                01:00:03:20
006  CAMA     V     C        01:00:00:00 01:00:00:10 10:00:02:00 10:00:02:10
M2   CAMA           -050.0               01:00:00:00
"""
REC = to_frames("10:00:00:00", F25)


def _sequence():
    doc = parse_edl(EDL, F25)
    ref = MediaRef(1, "CAMA.mov", F25, to_frames("01:00:00:00", F25), False, 100, "/m/CAMA.mov")
    matches = [EventMatch(e.number, "matched", 1, [1]) for e in doc.events]
    return build_sequence(doc, matches, {1: ref}), {1: ref}


def test_each_record_frame_shows_in_plus_floor_i_times_speed_over_rate() -> None:
    segments, _ = _sequence()
    assert [s.file_frames() for s in segments[:5]] == [
        list(range(10)),                        # no effect
        [25 + 2 * i for i in range(10)],        # 50 fps over 25: twice speed
        [60 + i // 2 for i in range(10)],       # 12.5: half speed, each frame twice
        [75 - i for i in range(10)],            # -25: backwards
        [95] * 10,                              # 0: a freeze frame
    ]
    # backwards at twice speed from frame 0: only its first record frame lies inside the file
    assert (segments[5].record_in, segments[5].record_out, segments[5].file_frames()) == (REC + 50, REC + 51, [0])
    half = segments[2]
    assert (half.file_in, half.file_out) == (60, 65)
    # the first record frame showing a file frame, for the playhead
    assert [half.record_frame(f) for f in (60, 61, 64)] == [REC + 20, REC + 22, REC + 28]
    back = segments[3]
    assert [back.record_frame(f) for f in (75, 70, 66)] == [REC + 30, REC + 35, REC + 39]
    assert segments[1].record_frame(27) == REC + 11 and segments[1].record_frame(28) == REC + 12


def test_the_virtual_clip_has_one_frame_per_record_frame_and_parts_of_the_named_frames() -> None:
    segments, refs = _sequence()
    spec = sequence_spec(segments, refs)
    assert spec is not None
    assert spec.starts == (0, 10, 20, 30, 40, 50) and spec.frame_count == 51
    parts = spec.url.removeprefix("edl://").split(";")
    shown = []
    for part in parts:
        start, length = (float(x) for x in part.rsplit(",", 2)[1:])
        first, count = round((start + 0.001) * 25), round(length * 25)
        assert abs(first / 25 - 0.001 - start) < 1e-9 and abs(count / 25 - length) < 1e-9
        shown.extend(range(first, first + count))
    assert shown == [f for s in segments for f in s.file_frames()]
    # the plain event is one part; half speed 60,60,61,61.. is 60 then 60-61, 61-62..: 6 parts for 10 frames
    assert len(parts) == 1 + 10 + 6 + 10 + 10 + 1


def test_a_virtual_clip_clock_reads_record_timecode_past_a_gap() -> None:
    clip = ClipInfo(None, "edl://", "Sequence", "sequence", F25, 900, False, 30,
                    timecode_starts=((0, 900), (10, 950), (20, 2000)))
    assert [clip.timecode_frame(f) for f in (0, 9, 10, 19, 20, 29)] == [900, 909, 950, 959, 2000, 2009]
    plain = ClipInfo(7, "/m/a.mov", "a.mov", "video", F25, 900, False, 30)
    assert plain.timecode_frame(12) == 912


def test_go_to_a_record_timecode_of_a_virtual_clip_finds_its_frame_past_a_gap() -> None:
    clip = ClipInfo(None, "edl://", "Sequence", "sequence", F25, 900, False, 30,
                    timecode_starts=((0, 900), (10, 950), (20, 2000)))
    assert [clip.clip_frame(t) for t in (900, 909, 950, 959, 2000, 2009)] == [0, 9, 10, 19, 20, 29]
    assert clip.clip_frame(930) == 10  # in the gap: the first frame after it
    assert clip.clip_frame(899) < 0 and clip.clip_frame(2010) == 30  # outside: the caller says so
    assert all(clip.clip_frame(clip.timecode_frame(f)) == f for f in range(30))
    plain = ClipInfo(7, "/m/a.mov", "a.mov", "video", F25, 900, False, 30)
    assert plain.clip_frame(912) == 12 and plain.clip_frame(899) == -1


def test_batch_extraction_takes_every_frame_an_m2_effect_shows(catalog, media_dir, tmp_path) -> None:
    from app.core.job import JobContext, execute
    from app.ingest.add_files import add_files
    from app.interchange.conform import conform
    from app.interchange.edl_extract import EdlExtractJob, plan_edl_extract
    from tests.media import decode_indexes, make_clip

    clip = make_clip(media_dir / "CAMA.mov", rate="25", frames=100, size=(160, 90), start_tc="01:00:00:00",
                     audio=False)
    add_files(catalog, [str(clip)])
    # source outs written as in + record duration (as Avid does): the effect's frames run past or before them
    doc = parse_edl("""TITLE: M2 BATCH
FCM: NON-DROP FRAME

001  CAMA     V     C        01:00:01:00 01:00:01:10 10:00:00:00 10:00:00:10
M2   CAMA           050.0                01:00:01:00
002  CAMA     V     C        01:00:03:00 01:00:03:10 10:00:00:10 10:00:00:20
M2   CAMA           -025.0               01:00:03:00
003  CAMA     V     C        01:00:00:02 01:00:00:12 10:00:00:20 10:00:01:05
M2   CAMA           -050.0               01:00:00:02
004  CAMA     V     C        01:00:02:00 01:00:02:10 10:00:01:05 10:00:01:15
""", F25)
    matches = conform(doc, catalog)
    plan = plan_edl_extract(doc, matches, catalog, 0, "reencode", "h264", tmp_path / "out")
    assert [(r.in_frame, r.out_frame) for r in plan.requests] == [(25, 44), (66, 85), (0, 12), (50, 60)]
    timeline = tmp_path / "m2.edl"
    job = EdlExtractJob(catalog, doc, matches, timeline, tmp_path / "out", mode="reencode", preset="h264",
                        only=[0])
    outcome = execute(job, JobContext())
    assert outcome.ok, outcome
    assert decode_indexes(outcome.value.extract.outputs[0].path) == list(range(25, 44))


def test_effects_play_from_an_intra_proxy_when_the_file_has_one() -> None:
    segments, refs = _sequence()
    refs = {1: MediaRef(1, "CAMA.mov", F25, refs[1].start_frame, False, 100, "/m/CAMA.mov", "/p/editorial.mov")}
    spec = sequence_spec(segments, refs)
    assert spec is not None
    parts = spec.url.removeprefix("edl://").split(";")
    assert parts[0].startswith("%11%/m/CAMA.mov,") and all(p.startswith("%16%/p/editorial.mov,") for p in parts[1:])
