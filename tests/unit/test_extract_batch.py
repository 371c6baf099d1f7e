"""Batch extraction from a timeline as one job: per-event progress, subclip links, a summary, and a clean cancel."""

from __future__ import annotations

import time
from fractions import Fraction
from pathlib import Path

import pytest

from app.catalog.catalog import Catalog
from app.catalog.filters import LibraryFilter
from app.core.job import JobContext, execute
from app.core.progress import CancelToken, ProgressUpdate
from app.ingest.add_files import add_files
from app.ingest.extract import ExtractedFile, ExtractJob, ExtractRequest
from app.interchange.cmx3600 import parse_edl
from app.interchange.edl_extract import EdlExtractJob
from app.interchange.timeline_files import load_timeline_file
from tests.media import decode_indexes, make_clip, read_start_timecode

pytestmark = pytest.mark.both_backends

EDL = """TITLE: BATCH
FCM: NON-DROP FRAME

001  CAMA     V     C        01:00:01:00 01:00:02:00 10:00:00:00 10:00:01:00
002  BL       V     C        00:00:00:00 00:00:00:10 10:00:01:00 10:00:01:10
003  CAMB     V     C        02:00:00:10 02:00:01:10 10:00:01:10 10:00:02:10
004  CAMA     A     C        01:00:01:00 01:00:02:00 10:00:00:00 10:00:01:00
005  NOPE     V     C        01:00:00:00 01:00:01:00 10:00:02:10 10:00:03:10
"""


@pytest.fixture
def library(catalog: Catalog, media_dir: Path, tmp_path: Path) -> dict[str, int]:
    paths = [make_clip(media_dir / "CAMA.mov", rate="25", frames=75, size=(160, 90), start_tc="01:00:00:00"),
             make_clip(media_dir / "CAMB.mov", rate="25", frames=60, size=(160, 90), start_tc="02:00:00:00")]
    ids = add_files(catalog, [str(p) for p in paths])
    (tmp_path / "cut.edl").write_text(EDL, encoding="utf-8")
    return {p.stem: i for p, i in zip(paths, ids, strict=True)}


def _job(catalog: Catalog, tmp_path: Path, preset: str = "h264") -> EdlExtractJob:
    timeline = tmp_path / "cut.edl"
    doc, matches = load_timeline_file(timeline, catalog)
    return EdlExtractJob(catalog, doc, matches, timeline, tmp_path / "out", handles=3, preset=preset)


def test_batch_extracts_links_reports_and_conforms(catalog: Catalog, library: dict[str, int], tmp_path: Path) -> None:
    updates: list[ProgressUpdate] = []
    emitted: list[object] = []
    job = _job(catalog, tmp_path)
    plan = job.plan()
    assert [str(s) for s in plan.edl.skipped] == [
        "event 2: not media: black (BL)",
        "event 4: audio only: track A; video events are extracted",
        "event 5: offline: no file named like reel NOPE"]
    outcome = execute(job, JobContext(progress=updates.append, emit=emitted.append), plan)
    assert outcome.ok, outcome
    result = outcome.value
    assert result.summary() == "2 extracted, 0 failed, 3 skipped (1 not media, 1 audio only, 1 offline)"
    first, second = result.extract.outputs
    assert (first.path.name, first.event, second.path.name, second.event) == (
        "001_CAMA_CAMA.mp4", 1, "003_CAMB_CAMB.mp4", 3)
    assert decode_indexes(first.path) == list(range(25 - 3, 50 + 3))
    assert decode_indexes(second.path) == list(range(10 - 3, 35 + 3))
    assert [type(e) for e in emitted] == [ExtractedFile, ExtractedFile]

    messages = [u.message for u in updates]
    assert "event 1/2: 001_CAMA_CAMA — 0%" in messages and "event 2/2: 003_CAMB_CAMB — 0%" in messages
    assert updates[-1].message == "event 2/2: 003_CAMB_CAMB — 100%"
    assert (updates[-1].fraction, updates[-1].step, updates[-1].steps, updates[-1].step_fraction) == (1.0, 2, 2, 1.0)
    fractions = [u.fraction for u in updates]
    assert fractions == sorted(fractions)

    link = catalog.subclip_source(first.media_id)
    assert {k: link[k] for k in ("source_id", "first_frame", "last_frame", "in_frame", "out_frame", "handles",
                                 "first_tc", "last_tc", "event_number", "timeline")} == {
        "source_id": library["CAMA"], "first_frame": 22, "last_frame": 52, "in_frame": 25, "out_frame": 50,
        "handles": 3, "first_tc": "01:00:00:22", "last_tc": "01:00:02:02", "event_number": 1, "timeline": "cut.edl"}
    assert [s["media_id"] for s in catalog.subclips_of(library["CAMB"])] == [second.media_id]

    conformed = parse_edl(result.conformed.read_text(encoding="utf-8"), Fraction(25))
    assert result.conformed == tmp_path / "out" / "cut_conformed.edl"
    assert [(e.number, e.reel) for e in conformed.events] == [
        (1, "E001"), (2, "BL"), (3, "E003"), (4, "CAMA"), (5, "NOPE")]  # CMX reels: at most 8 characters
    assert [e.clip_name for e in conformed.events[::2]] == ["001_CAMA_CAMA.mp4", "003_CAMB_CAMB.mp4", None]


def test_cancel_mid_batch_keeps_finished_events_and_no_partial(catalog: Catalog, library: dict[str, int],
                                                               tmp_path: Path) -> None:
    token = CancelToken()
    dest = tmp_path / "out"
    partial_seen: list[list[str]] = []

    def progress(update: ProgressUpdate) -> None:
        if update.step != 2 or token.cancelled:
            return
        partials = [p.name for p in dest.iterdir() if p.name.endswith(".partial")]
        if partials:  # the second event is being written: cancel it halfway
            partial_seen.extend(partials)
            token.cancel()
        else:
            time.sleep(0.15)  # outlast the meter's 10 Hz throttle, so the next frame reports again

    outcome = execute(_job(catalog, tmp_path, "prores_hq"), JobContext(progress=progress, cancel=token))
    assert not outcome.ok and outcome.cancelled
    assert partial_seen and partial_seen[0].startswith("003_CAMB_CAMB.mov.")
    assert sorted(p.name for p in dest.iterdir()) == ["001_CAMA_CAMA.mov"]  # no partial, no conformed EDL
    names = sorted(r["name"] for r in catalog.rows(catalog.query_ids(LibraryFilter())))
    assert names == ["001_CAMA_CAMA.mov", "CAMA.mov", "CAMB.mov"]
    assert catalog.subclips_of(library["CAMA"])[0]["event_number"] == 1
    assert catalog.subclips_of(library["CAMB"]) == []


def test_single_extract_records_its_source(catalog: Catalog, media_dir: Path, tmp_path: Path) -> None:
    source = make_clip(media_dir / "A001.mov", rate="24000/1001", frames=48, size=(160, 90))
    [media_id] = add_files(catalog, [str(source)])
    updates: list[ProgressUpdate] = []
    job = ExtractJob(catalog, [ExtractRequest(media_id, 10, 20, 2, "reencode", "h264", tmp_path / "out")])
    outcome = execute(job, JobContext(progress=updates.append))
    assert outcome.ok
    (output,) = outcome.value.outputs
    assert updates[-1].message == "subclip 1/1: A001_01-00-00-10 — 100%"
    link = catalog.info(output.media_id)["subclip_of"]
    assert (link["source_id"], link["first_frame"], link["last_frame"], link["event_number"]) == (media_id, 8, 21, None)
    assert link["first_tc"] == read_start_timecode(output.path) == "01:00:00:08"
    assert link["last_tc"] == "01:00:00:21"


def test_name_pattern_fields_collisions_and_bad_patterns(catalog: Catalog, library: dict[str, int],
                                                         tmp_path: Path) -> None:
    from app.core.extract_plan import ExtractError

    timeline = tmp_path / "cut.edl"
    doc, matches = load_timeline_file(timeline, catalog)
    job = EdlExtractJob(catalog, doc, matches, timeline, tmp_path / "out", handles=3, preset="h264",
                        name_pattern="{reel}_{in_tc}_{track}")
    assert [r.name for r in job.plan().edl.requests] == ["CAMA_01-00-01-00_V", "CAMB_02-00-00-10_V"]
    same = EdlExtractJob(catalog, doc, matches, timeline, tmp_path / "out", name_pattern="shot")
    plan = same.plan()
    assert [r.name for r in plan.edl.requests] == ["shot", "shot_2"]  # never one output over another
    outcome = execute(same, JobContext(), plan)
    assert sorted(o.path.name for o in outcome.value.extract.outputs) == ["shot.mov", "shot_2.mov"]
    for bad, why in (("{take}", "unknown field {take}"), ("{event", "not valid"), ("a/{clip}", "plain file name")):
        with pytest.raises(ExtractError, match=why):
            EdlExtractJob(catalog, doc, matches, timeline, tmp_path / "out", name_pattern=bad).plan()


def test_a_second_batch_into_the_same_folder_replaces_nothing(catalog: Catalog, library: dict[str, int],
                                                              tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert execute(_job(catalog, tmp_path), JobContext()).ok
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert sorted(before) == ["001_CAMA_CAMA.mp4", "003_CAMB_CAMB.mp4", "cut_conformed.edl"]
    outcome = execute(_job(catalog, tmp_path), JobContext())
    assert outcome.ok, outcome
    second = outcome.value
    assert [o.path.name for o in second.extract.outputs] == ["001_CAMA_CAMA_2.mp4", "003_CAMB_CAMB_2.mp4"]
    assert second.conformed == out / "cut_conformed_2.edl"
    assert {name: (out / name).read_bytes() for name in before} == before
    assert f"{out / '001_CAMA_CAMA.mp4'} already exists and was left alone: written as 001_CAMA_CAMA_2.mp4 " \
           "(--overwrite replaces)" in second.extract.warnings
    conformed = parse_edl(second.conformed.read_text(encoding="utf-8"), Fraction(25))
    assert [(e.number, e.reel, e.clip_name) for e in conformed.events if e.number in (1, 3)] == [
        (1, "E001", "001_CAMA_CAMA_2.mp4"), (3, "E003", "003_CAMB_CAMB_2.mp4")]  # the files written for them

    timeline = tmp_path / "cut.edl"
    doc, matches = load_timeline_file(timeline, catalog)
    forced = execute(EdlExtractJob(catalog, doc, matches, timeline, out, handles=3, preset="h264", overwrite=True),
                     JobContext())
    assert [o.path.name for o in forced.value.extract.outputs] == ["001_CAMA_CAMA.mp4", "003_CAMB_CAMB.mp4"]
    assert forced.value.conformed == out / "cut_conformed.edl" and not forced.value.extract.warnings
    assert len(list(out.iterdir())) == 6
