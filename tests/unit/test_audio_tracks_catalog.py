"""Every audio stream is probed and cataloged (schema version 6), shown by `info`, and read for files that
were cataloged before (upgraded from a version 5 file: unknown until the next scan, then read)."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

import pytest
from peewee import SqliteDatabase

from app.catalog import migrations
from app.catalog.catalog import Catalog
from app.catalog.migrations import (
    m0001_initial,
    m0002_search_and_content_hash,
    m0003_proxies,
    m0004_subclips_and_relinks,
    m0005_video_slices,
)
from app.core.facts import AudioStreamFacts
from app.ingest.add_files import add_files
from app.ingest.scan import plan_scan, run_scan
from app.media.probe import probe
from tests.integration.test_cli import reelkeep
from tests.media import make_audio, make_clip

pytestmark = pytest.mark.both_backends

BOOM_LAV = [{"language": "eng", "title": "Boom"}, {"language": "fra", "title": "Lav"}]


def _boom_lav(path: Path) -> Path:
    return make_clip(path, rate="25", frames=25, size=(64, 36), audio_channels=1, audio_tracks=BOOM_LAV)


@pytest.mark.parametrize("suffix", [".mov", ".mp4", ".mkv"])
def test_probe_reads_every_audio_stream_with_its_tags(tmp_path: Path, suffix: str) -> None:
    facts = probe(_boom_lav(tmp_path / f"clip{suffix}"))
    codec = "aac" if suffix == ".mp4" else "pcm_s16le"
    assert facts.audio_tracks is not None
    assert [(t.index, t.stream_index, t.codec, t.channels, t.sample_rate, t.language, t.title)
            for t in facts.audio_tracks] == [(0, 1, codec, 1, 48000, "eng", "Boom"), (1, 2, codec, 1, 48000, "fra",
                                                                                     "Lav")]
    # Matroska names no layout for PCM (a bare channel count): none is made up.
    assert [t.layout for t in facts.audio_tracks] == [None if suffix == ".mkv" else "mono"] * 2
    assert (facts.audio_codec, facts.channels) == (codec, 1)  # the summary is the first track's


def test_probe_counts_no_track_and_music_files(tmp_path: Path) -> None:
    assert probe(make_clip(tmp_path / "mute.mov", frames=5, size=(64, 36), audio=False)).audio_tracks == ()
    song = probe(make_audio(tmp_path / "song.flac", tags={"title": "Teardrop"}))
    assert song.audio_tracks == (AudioStreamFacts(index=0, codec="flac", channels=2, sample_rate=48000,
                                                  bit_rate=song.bit_rate),)


def test_catalog_keeps_every_track_and_forgets_them_with_the_file(catalog: Catalog, tmp_path: Path) -> None:
    clip = _boom_lav(tmp_path / "A001C002.mov")
    (media_id,) = add_files(catalog, [str(clip)])
    info = catalog.info(media_id)
    assert info["audio_tracks"] == [
        {"index": 0, "stream_index": 1, "codec": "pcm_s16le", "channels": 1, "layout": "mono", "sample_rate": 48000,
         "bit_rate": 768000, "language": "eng", "title": "Boom"},
        {"index": 1, "stream_index": 2, "codec": "pcm_s16le", "channels": 1, "layout": "mono", "sample_rate": 48000,
         "bit_rate": 768000, "language": "fra", "title": "Lav"},
    ]
    assert (info["audio_codec"], info["channels"]) == ("pcm_s16le", 1)
    # Probed again after a change: the list is replaced, never appended to.
    _boom_lav(clip)
    add_files(catalog, [str(clip)])
    assert len(catalog.info(media_id)["audio_tracks"]) == 2
    catalog.remove_media([media_id])
    assert catalog.db.execute_sql("SELECT COUNT(*) FROM audio_stream").fetchone()[0] == 0


def _version_5_catalog(path: Path, root: Path, clip: Path) -> None:
    """A catalog as version 5 left it: the clip cataloged ok with its first track only, rated 4."""
    db = SqliteDatabase(str(path))
    db.connect()
    with db.atomic():
        for step in (m0001_initial, m0002_search_and_content_hash, m0003_proxies, m0004_subclips_and_relinks,
                     m0005_video_slices):
            step.apply(db)
        db.execute_sql("PRAGMA user_version = 5")
    now = time.time()
    stat = clip.stat()
    db.execute_sql("INSERT INTO library_root (id, path, added_at) VALUES (1, ?, ?)", (str(root), now))
    db.execute_sql(
        "INSERT INTO media_file (id, root_id, path, path_raw, name, size, mtime, kind, fps_num, fps_den,"
        " audio_codec, channels, sample_rate, rating, added_at, modified_at, last_seen_at, status)"
        " VALUES (1, 1, ?, ?, ?, ?, ?, 'video', 25, 1, 'pcm_s16le', 1, 48000, 4, ?, ?, ?, 'ok')",
        (str(clip), os.fsencode(clip), clip.name, stat.st_size, stat.st_mtime, now, now, now),
    )
    db.close()


def test_version_5_catalog_upgrades_tracks_unknown_until_the_next_scan(tmp_path: Path) -> None:
    root = tmp_path / "media"
    root.mkdir()
    clip = _boom_lav(root / "A001C002.mov")
    path = tmp_path / "v5.sqlite"
    _version_5_catalog(path, root, clip)
    catalog = Catalog(path)
    try:
        assert migrations.schema_version(catalog.db) == migrations.HEAD >= 6
        info = catalog.info(1)
        assert info["audio_tracks"] is None  # unknown, not "no tracks"
        assert (info["audio_codec"], info["channels"], info["rating"]) == ("pcm_s16le", 1, 4)
    finally:
        catalog.close()
    text = reelkeep("info", str(clip), catalog=path).stdout
    assert "audio_tracks" in text and "unknown (cataloged by an older Reelkeep, which read only the first" in text
    assert "audio track 1" not in text
    catalog = Catalog(path)
    try:
        updates: list = []
        result = run_scan(catalog, plan_scan(catalog), progress=updates.append)
        assert (result.unchanged, result.probed) == (1, 0)  # not probed again: only its streams are read
        reading = [u for u in updates if u.message.startswith("Reading the audio tracks of 1 files")]
        assert reading and reading[-1].done == reading[-1].total == 1  # the one-time pass shows its progress
        info = catalog.info(1)
        assert [(t["index"], t["title"]) for t in info["audio_tracks"]] == [(0, "Boom"), (1, "Lav")]
        assert info["rating"] == 4 and info["status"] == "ok"
        assert catalog.unread_audio_ids(1) == []
    finally:
        catalog.close()
    backups = list(tmp_path.glob("v5.sqlite.v5-*.bak"))
    assert backups
    with sqlite3.connect(backups[0]) as old:
        assert old.execute("PRAGMA user_version").fetchone()[0] == 5


def test_cli_info_lists_every_track(tmp_path: Path) -> None:
    media = tmp_path / "media"
    media.mkdir()
    clip = _boom_lav(media / "A001C002.mov")
    catalog = tmp_path / "catalog.sqlite"
    reelkeep("scan", str(media), catalog=catalog)
    record = json.loads(reelkeep("info", str(clip), "--json", catalog=catalog).stdout)
    assert [{k: t[k] for k in ("index", "codec", "channels", "layout", "sample_rate", "language", "title")}
            for t in record["audio_tracks"]] == [
        {"index": 0, "codec": "pcm_s16le", "channels": 1, "layout": "mono", "sample_rate": 48000, "language": "eng",
         "title": "Boom"},
        {"index": 1, "codec": "pcm_s16le", "channels": 1, "layout": "mono", "sample_rate": 48000, "language": "fra",
         "title": "Lav"},
    ]
    text = reelkeep("info", str(clip), catalog=catalog).stdout
    assert 'audio track 1 of 2: pcm_s16le, mono (1 channel), 48000 Hz, language eng, "Boom"' in text
    assert 'audio track 2 of 2: pcm_s16le, mono (1 channel), 48000 Hz, language fra, "Lav"' in text


def test_a_moved_file_keeps_its_record_with_its_tracks(catalog: Catalog, tmp_path: Path) -> None:
    root = tmp_path / "media"
    (root / "day2").mkdir(parents=True)
    clip = _boom_lav(root / "A001C002.mov")
    catalog.add_root(root)
    run_scan(catalog, plan_scan(catalog))
    (media_id,) = catalog.ids_under(clip)
    clip.rename(root / "day2" / clip.name)
    result = run_scan(catalog, plan_scan(catalog))
    assert result.moved == 1
    assert catalog.ids_under(root / "day2" / clip.name) == [media_id]
    assert [t["title"] for t in catalog.info(media_id)["audio_tracks"]] == ["Boom", "Lav"]
    assert catalog.db.execute_sql("SELECT COUNT(*) FROM audio_stream").fetchone()[0] == 2


@pytest.mark.parametrize("mode", ["smart", "reencode", "copy"])
def test_cli_extract_output_is_cataloged_with_every_track(tmp_path: Path, mode: str) -> None:
    media = tmp_path / "media"
    media.mkdir()
    clip = make_clip(media / "A001C002.mov", rate="25", frames=100, size=(64, 36), audio_channels=1,
                     audio_tracks=BOOM_LAV)
    catalog = tmp_path / "catalog.sqlite"
    run = reelkeep("extract", str(clip), "--in", "01:00:00:20", "--out", "01:00:03:06", "--dest",
                   str(tmp_path / "out"), "--mode", mode, "-q", catalog=catalog)
    output = run.stdout.splitlines()[0].split("\t")[0]
    record = json.loads(reelkeep("info", output, "--json", catalog=catalog).stdout)
    assert [(t["index"], t["channels"], t["language"], t["title"]) for t in record["audio_tracks"]] == [
        (0, 1, "eng", "Boom"), (1, 1, "fra", "Lav")]
    assert record["subclip_of"]["source_path"] == str(clip)
