"""Slices per coded frame, read by the probe from the first keyframe (it picks the player's decoder threading)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from app.core.proxy_presets import SourceChoice
from app.media.bitstream import slices_per_frame
from app.media.probe import probe
from app.services.mpv_engine import decoder_options
from tests.media import make_clip


@pytest.mark.parametrize(("suffix", "slices"), [(".mp4", 1), (".mp4", 4), (".mov", 3), (".mkv", 2)])
def test_probe_counts_the_slices_of_h264(tmp_path: Path, suffix: str, slices: int) -> None:
    clip = make_clip(tmp_path / f"clip{suffix}", rate="25", frames=6, size=(320, 180), slices=slices, audio=False)
    assert probe(clip).video_slices == slices


def test_probe_reads_annex_b_streams(tmp_path: Path) -> None:
    """MPEG-TS carries H.264 with start codes instead of length prefixes."""
    clip = make_clip(tmp_path / "clip.mp4", rate="25", frames=6, size=(320, 180), slices=3, audio=False)
    ts = tmp_path / "clip.ts"
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg, "scripts/setup.sh installs ffmpeg"
    subprocess.run([ffmpeg, "-v", "error", "-i", str(clip), "-c", "copy", str(ts)], check=True)
    assert probe(ts).video_slices == 3


def test_intra_codecs_have_no_slice_count(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "clip.mov", rate="25", frames=2, size=(320, 180), codec="prores", audio=False)
    assert probe(clip).video_slices is None


def test_hevc_slice_segments_and_damaged_packets() -> None:
    def hevc_nal(kind: int, body: bytes = b"\x01\x80\x00") -> bytes:
        unit = bytes([kind << 1]) + body
        return len(unit).to_bytes(4, "big") + unit

    hvcc = bytes([1] + [0] * 20 + [3])  # configurationVersion 1, lengthSizeMinusOne 3
    packet = hevc_nal(32) + hevc_nal(19) + hevc_nal(19) + hevc_nal(39)  # VPS, two IDR segments, SEI
    assert slices_per_frame("hevc", packet, hvcc) == 2
    assert slices_per_frame("h264", b"\x00\x00\x00\xff\x65", b"\x01\x64\x00\x1f\xff") is None  # a cut prefix
    assert slices_per_frame("prores", b"anything", None) is None


def test_decoder_options_follow_the_slice_count() -> None:
    assert decoder_options(SourceChoice("a.mp4", 1920, 1080, 0, slices=4)) == "thread_type=slice"
    assert decoder_options(SourceChoice("a.mp4", 1920, 1080, 0, slices=1)) == ""
    assert decoder_options(SourceChoice("a.mp4", 1920, 1080, 0)) == ""  # unknown: FFmpeg's default


def test_older_catalog_gains_the_slice_column(tmp_path: Path) -> None:
    from peewee import SqliteDatabase

    from app.catalog import migrations
    from app.catalog.catalog import Catalog
    from app.ingest.add_files import add_files

    path = tmp_path / "v3.sqlite"
    db = SqliteDatabase(str(path))
    db.connect()
    migrations.upgrade(db, path, target=3)
    db.execute_sql(
        "INSERT INTO media_file (id, path, path_raw, name, kind, added_at, modified_at, last_seen_at, status)"
        " VALUES (7, '/m/old.mov', ?, 'old.mov', 'video', 1, 1, 1, 'ok')", (b"/m/old.mov",))
    db.close()
    catalog = Catalog(path)
    try:
        assert migrations.schema_version(catalog.db) == migrations.HEAD >= 5
        assert catalog.info(7)["video_slices"] is None  # unknown until probed again
        clip = make_clip(tmp_path / "new.mp4", rate="25", frames=6, size=(320, 180), slices=2, audio=False)
        [media_id] = add_files(catalog, [clip])
        assert catalog.info(media_id)["video_slices"] == 2
    finally:
        catalog.close()
    assert list(tmp_path.glob("v3.sqlite.v3-*.bak"))
