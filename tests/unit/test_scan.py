"""Scanning real generated media: exact rates, timecodes, tags; incremental rescans; moves; bad input."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from app.catalog.catalog import Catalog
from app.catalog.filters import LibraryFilter
from app.ingest.scan import ScanJob, plan_scan, run_scan
from tests.media import make_audio, make_bad_corpus, make_clip, make_image

pytestmark = pytest.mark.both_backends


def _scan(catalog: Catalog, root: Path | None = None, **kwargs):
    if root is not None:
        catalog.add_root(root)
    return run_scan(catalog, plan_scan(catalog, **kwargs))


def _info(catalog: Catalog, path: Path) -> dict:
    media_id = catalog.id_for_path(path)
    assert media_id is not None, f"{path} not cataloged"
    return catalog.info(media_id)


@pytest.mark.parametrize(
    ("rate", "tc", "exact", "drop"),
    [
        ("24000/1001", "01:00:00:00", "24000/1001", False),
        ("25", "10:00:00:00", "25/1", False),
        ("30000/1001", "01:00:00;00", "30000/1001", True),
    ],
)
def test_video_exact_rate_timecode_and_duration(catalog, media_dir, rate, tc, exact, drop) -> None:
    clip = make_clip(media_dir / "A001C001.mov", rate=rate, frames=30, start_tc=tc)
    result = _scan(catalog, media_dir)
    assert result.new == 1 and result.errors == 0
    info = _info(catalog, clip)
    assert info["status"] == "ok"
    assert info["kind"] == "video"
    assert info["frame_rate"] == exact
    assert info["frame_count"] == 30
    assert info["start_timecode"] == tc
    assert info["drop_frame"] is drop
    num, den = (int(x) for x in exact.split("/"))
    assert info["duration"] == pytest.approx(30 * den / num)
    assert (info["width"], info["height"]) == (320, 180)
    assert info["video_codec"] == "h264"
    assert info["audio_codec"] and info["channels"] == 2 and info["sample_rate"] == 48000
    assert info["identity_hash"]


def test_prores_and_mkv_timecode(catalog, media_dir) -> None:
    prores = make_clip(media_dir / "pr.mov", codec="prores", rate="24", frames=12, audio=False)
    mkv = make_clip(media_dir / "tc.mkv", rate="25", frames=12, start_tc="02:00:00:00", audio=False)
    _scan(catalog, media_dir)
    assert _info(catalog, prores)["video_codec"] == "prores"
    assert _info(catalog, prores)["start_timecode"] == "01:00:00:00"
    assert _info(catalog, mkv)["start_timecode"] == "02:00:00:00"
    assert _info(catalog, mkv)["frame_rate"] == "25/1"


TAGS = {"title": "Nightcall", "artist": "Kavinsky", "album": "OutRun", "albumartist": "Kavinsky",
        "tracknumber": "3/10", "discnumber": "1", "date": "2013", "genre": "Synthwave"}


@pytest.mark.parametrize("suffix", [".mp3", ".flac", ".ogg", ".opus", ".m4a", ".wav", ".aiff"])
def test_audio_tags_every_format(catalog, media_dir, suffix) -> None:
    song = make_audio(media_dir / f"song{suffix}", tags=TAGS, seconds=1.0, cover=True)
    _scan(catalog, media_dir)
    info = _info(catalog, song)
    assert info["status"] == "ok", info["status_message"]
    assert info["kind"] == "audio"
    assert (info["title"], info["artist"], info["album"], info["album_artist"]) == (
        "Nightcall", "Kavinsky", "OutRun", "Kavinsky")
    assert (info["track"], info["disc"], info["year"], info["genre"]) == (3, 1, 2013, "Synthwave")
    assert info["has_cover"] is True
    assert info["duration"] == pytest.approx(1.0, abs=0.1)
    assert info["sample_rate"] and info["channels"]


def test_image(catalog, media_dir) -> None:
    image = make_image(media_dir / "still.png", size=(64, 48))
    _scan(catalog, media_dir)
    info = _info(catalog, image)
    assert (info["kind"], info["width"], info["height"], info["status"]) == ("image", 64, 48, "ok")


def test_unchanged_rescan_does_not_reopen_files(catalog, media_dir) -> None:
    clip = make_clip(media_dir / "c.mov", frames=12)
    _scan(catalog, media_dir)
    probed_at = _info(catalog, clip)["probed_at"]
    result = _scan(catalog)
    assert (result.new, result.changed, result.unchanged, result.probed) == (0, 0, 1, 0)
    assert _info(catalog, clip)["probed_at"] == probed_at


def test_changed_file_is_reprobed(catalog, media_dir) -> None:
    clip = make_clip(media_dir / "c.mov", frames=12)
    _scan(catalog, media_dir)
    make_clip(clip, frames=36)
    os.utime(clip, (1e9, 1e9))
    result = _scan(catalog)
    assert (result.changed, result.probed) == (1, 1)
    assert _info(catalog, clip)["frame_count"] == 36


def test_vanished_file_is_missing_and_keeps_user_data(catalog, media_dir) -> None:
    clip = make_clip(media_dir / "c.mov", frames=12)
    _scan(catalog, media_dir)
    media_id = catalog.id_for_path(clip)
    catalog.add_tags([media_id], ["keeper"])
    catalog.set_rating([media_id], 4)
    catalog.add_marker(media_id, 5, "clap")
    clip.unlink()
    result = _scan(catalog)
    assert result.missing == 1
    info = catalog.info(media_id)
    assert info["status"] == "missing" and "not found" in info["status_message"]
    assert (info["tags"], info["rating"], info["markers"]) == (["keeper"], 4, [{"frame": 5, "name": "clap"}])
    assert catalog.query_ids(LibraryFilter(status="missing")) == [media_id]


def test_moved_file_takes_over_its_record(catalog, media_dir) -> None:
    clip = make_clip(media_dir / "take.mov", frames=12)
    _scan(catalog, media_dir)
    media_id = catalog.id_for_path(clip)
    catalog.add_tags([media_id], ["hero"])
    catalog.set_rating([media_id], 5)
    (media_dir / "sub").mkdir()
    moved = media_dir / "sub" / "renamed take.mov"
    shutil.move(clip, moved)
    result = _scan(catalog)
    assert result.moved == 1
    assert catalog.count() == 1
    assert catalog.id_for_path(moved) == media_id
    info = catalog.info(media_id)
    assert (info["status"], info["name"], info["tags"], info["rating"]) == ("ok", "renamed take.mov", ["hero"], 5)
    assert catalog.query_ids(LibraryFilter(text="renamed")) == [media_id]


def test_bad_input_corpus_is_cataloged_with_clear_errors(catalog, tmp_path) -> None:
    corpus = make_bad_corpus(tmp_path / "bad")
    result = _scan(catalog, tmp_path / "bad")  # finishes despite the symlink loop
    by_key = {key: catalog.id_for_path(os.fsencode(path)) for key, path in corpus.items()}
    infos = {key: catalog.info(i) for key, i in by_key.items() if i is not None}

    assert infos["zero_byte"]["status"] == "error" and "empty file" in infos["zero_byte"]["status_message"]
    assert infos["wrong_extension"]["status"] == "error"
    assert "not readable as media" in infos["wrong_extension"]["status_message"]
    assert infos["broken_symlink"]["status"] == "error"
    assert "broken symbolic link" in infos["broken_symlink"]["status_message"]
    assert infos["truncated"]["status"] == "error", infos["truncated"]
    assert "truncated" in infos["truncated"]["status_message"]
    assert infos["garbage_header"]["status"] == "error"
    for key in ("non_utf8_name", "long_name", "unicode_name"):
        assert infos[key]["status"] == "ok", (key, infos[key]["status_message"])
        assert infos[key]["frame_count"] > 0
    assert by_key["dir_named_like_media"] is None  # a folder is walked, not cataloged
    # root ignores permission bits; otherwise the file must be reported unreadable
    if os.geteuid() != 0:
        assert "permission denied" in infos["unreadable"]["status_message"]
    else:
        assert infos["unreadable"]["status"] == "ok"
    assert result.errors >= 4
    # the loop was followed once: no file appears twice under another path
    names = [row["name"] for row in catalog.rows(catalog.query_ids())]
    assert len(names) == len(set(names))


def test_file_vanishing_during_probe_is_reported(catalog, media_dir) -> None:
    clip = make_clip(media_dir / "gone.mov", frames=6)
    catalog.add_root(media_dir)
    plan = plan_scan(catalog)

    def vanish(ids: list[int]) -> None:
        if clip.exists():
            clip.unlink()  # after discovery recorded it, before probing opens it

    run_scan(catalog, plan, on_change=vanish)
    info = catalog.info(catalog.id_for_path(clip))
    assert info["status"] == "error"
    assert "disappeared" in info["status_message"]


def test_parallel_probe_pool_gives_the_same_results(catalog, media_dir) -> None:
    for index in range(70):  # above the pool threshold: probing runs in two processes
        make_audio(media_dir / f"{index:03d}.mp3", tags={"title": f"Song {index}", "artist": "A"}, seconds=0.2)
    result = _scan(catalog, media_dir, workers=2)
    assert (result.new, result.probed, result.errors) == (70, 70, 0)
    assert catalog.query_ids(LibraryFilter(text="song 69")) == [catalog.id_for_path(media_dir / "069.mp3")]


def test_scan_job_plan_and_cancel(catalog, media_dir) -> None:
    from app.core.job import JobContext, execute

    for index in range(5):
        make_audio(media_dir / f"{index}.mp3", seconds=0.2)
    root = catalog.add_root(media_dir)
    job = ScanJob(catalog, [root])
    assert job.plan().roots == ((root, str(media_dir)),)
    ctx = JobContext()
    ctx.cancel.cancel()
    outcome = execute(job, ctx)
    assert not outcome.ok and outcome.cancelled
    # the catalog is consistent: a later scan completes the work
    assert _scan(catalog).probed == 5
