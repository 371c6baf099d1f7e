"""Posters, sprite sheets and hover previews from real generated media, read back frame by frame."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from app.catalog.catalog import Catalog
from app.core.job import JobContext, execute
from app.core.progress import CancelToken
from app.ingest.scan import plan_scan, run_scan
from app.ingest.thumbs import ThumbnailJob, cache_root, thumbnail_paths, thumbs_dir
from app.media.partial import PARTIAL
from app.media.thumbnails import ThumbnailSet, is_blank, make_thumbnails, preview_ranges, sprite_interval
from tests.media import (
    decode_indexes,
    make_audio,
    make_bad_corpus,
    make_clip,
    make_image,
    paint_index,
    read_index,
)

pytestmark = pytest.mark.both_backends

ROOT = Path(__file__).resolve().parents[2]

CLIPS = {
    # name: (make_clip arguments, rate, frames)
    "long_gop_23976.mov": (dict(rate="24000/1001", frames=48, gop=12, bframes=2), Fraction(24000, 1001), 48),
    "keyframe_aligned_25.mp4": (dict(rate="25", frames=250, gop=25, bframes=2), Fraction(25), 250),
    "prores_2997.mov": (dict(rate="30000/1001", frames=60, codec="prores", audio=False), Fraction(30000, 1001), 60),
    "open_gop_2997.mkv": (dict(rate="30000/1001", frames=160, gop=30, open_gop=True, audio=False),
                          Fraction(30000, 1001), 160),
    # No index: a seek lands on any packet, and the first frame is not at time 0.
    "no_index_25.ts": (dict(rate="25", frames=100, gop=25, audio=False), Fraction(25), 100),
    # MPEG-4 Part 2 with B-frames in AVI: the first frame at time 1, not 0.
    "bframes_2997.avi": (dict(rate="30000/1001", frames=60, codec="mpeg4", bframes=2, gop=12, audio=False),
                         Fraction(30000, 1001), 60),
}
_REMUX = {".ts": "mpegts", ".avi": "avi"}


def _remux(source: Path, target: Path, rate: Fraction) -> Path:
    """Copy the video packets into another container, as a camera or a capture tool would have written it."""
    with av.open(str(source)) as inp, av.open(str(target), "w", format=_REMUX[target.suffix]) as out:
        video = inp.streams.video[0]
        stream = out.add_stream_from_template(video)
        stream.time_base = 1 / rate  # AVI counts frames in its time base
        for packet in inp.demux(video):
            if packet.size:  # not the demuxer's end-of-stream marker
                packet.stream = stream
                out.mux(packet)
    return target


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clips")
    made = {}
    for name, (args, rate, _) in CLIPS.items():
        path = folder / name
        if path.suffix in _REMUX:
            made[name] = _remux(make_clip(path.with_suffix(".mp4"), **args), path, rate)
        else:
            made[name] = make_clip(path, **args)
    return made


@pytest.fixture(scope="module")
def made(clips, tmp_path_factory: pytest.TempPathFactory) -> dict[str, ThumbnailSet]:
    """Every output of every clip, made once for the module."""
    return {name: make_thumbnails(path, tmp_path_factory.mktemp(name), "video") for name, path in clips.items()}


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REELKEEP_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "thumbs"


def _picture(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        return next(container.decode(video=0)).to_ndarray(format="rgb24")


def _tiles(sheet: Path, info: dict) -> list[np.ndarray]:
    image = _picture(sheet)
    w, h = info["tile_width"], info["tile_height"]
    return [image[(k // info["columns"]) * h:(k // info["columns"] + 1) * h,
                  (k % info["columns"]) * w:(k % info["columns"] + 1) * w] for k in range(info["count"])]


@pytest.mark.parametrize("name", list(CLIPS))
def test_sprite_tile_k_shows_frame_k_times_interval(made, name) -> None:
    _, rate, frames = CLIPS[name]
    made = made[name]
    info = json.loads((made.sprite.parent / "sprite.json").read_text())
    assert info == {**info, "tile_width": 160, "tile_height": 90, "frame_rate": f"{rate.numerator}/{rate.denominator}"}
    interval, count = info["interval_frames"], info["count"]
    assert min(frames, 10) <= count <= 100 and count == -(-frames // interval)
    assert info["interval_seconds"] == pytest.approx(float(interval / rate), abs=1e-12)
    assert info["frame_indices"] == [k * interval for k in range(count)]
    assert (info["columns"], info["rows"]) == (min(count, 10), -(-count // min(count, 10)))
    sheet = _picture(made.sprite)
    assert sheet.shape == (info["rows"] * 90, info["columns"] * 160, 3)
    assert [read_index(tile) for tile in _tiles(made.sprite, info)] == info["frame_indices"]


def test_sprite_interval_rules() -> None:
    assert sprite_interval(1440, Fraction(24)) == 24  # a minute: one tile a second
    assert sprite_interval(1440, Fraction(24), keyframe_gap=12) == 24  # already on keyframes
    assert sprite_interval(1440, Fraction(24), keyframe_gap=48) == 48  # up to twice as sparse for keyframes
    assert sprite_interval(1440, Fraction(24), keyframe_gap=250) == 24  # a huge GOP is not followed
    assert sprite_interval(24 * 3600, Fraction(24)) == 864  # an hour: 100 tiles
    assert sprite_interval(48, Fraction(24000, 1001)) == 4  # two seconds: still 10 tiles (not 2)
    assert sprite_interval(48, Fraction(24000, 1001), keyframe_gap=12) == 4  # 4 tiles would be too few
    assert sprite_interval(7, Fraction(25)) == 1  # very short: every frame


def _clip_with_black_start(path: Path, black: int = 20, frames: int = 50, rate: int = 25, gop: int = 10) -> Path:
    """Frames below `black` are black under the index band; later frames have texture and motion."""
    texture = np.random.default_rng(7).integers(0, 256, (180, 320, 3), dtype=np.uint8)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=rate, time_base=Fraction(1, rate), options={
            "preset": "ultrafast", "crf": "18", "x264-params": f"keyint={gop}:min-keyint={gop}:scenecut=0"})
        stream.width, stream.height, stream.pix_fmt = 320, 180, "yuv420p"
        for i in range(frames):
            image = np.zeros((180, 320, 3), np.uint8) if i < black else np.roll(texture, 4 * i, axis=1)
            paint_index(image, i)
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, rate)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def test_poster_skips_a_black_start(tmp_path) -> None:
    clip = _clip_with_black_start(tmp_path / "fade_in.mp4")
    made = make_thumbnails(clip, tmp_path, "video")
    poster = _picture(made.poster)
    assert poster.shape == (180, 320, 3)
    assert read_index(poster) == 20  # 10% and 20% land on black keyframes 0 and 10; 40% finds keyframe 20
    assert not is_blank(poster) and poster[20:].mean() > 60


def test_blank_detection() -> None:
    black_with_band = np.zeros((180, 320, 3), np.uint8)
    paint_index(black_with_band, 12345)
    assert is_blank(black_with_band)
    assert is_blank(np.full((90, 160, 3), 128, np.uint8))  # flat grey
    noise = np.random.default_rng(1).integers(0, 256, (90, 160, 3), dtype=np.uint8)
    assert not is_blank(noise)


def _preview_facts(path: Path) -> tuple[str, int, list[int], float]:
    with av.open(str(path)) as container:
        assert not container.streams.audio, "the preview must be muted"
        stream = container.streams.video[0]
        pts = [frame.pts for frame in container.decode(stream)]
        return stream.codec_context.name, stream.width, pts, float(stream.duration * stream.time_base)


@pytest.mark.parametrize("name", ["keyframe_aligned_25.mp4", "long_gop_23976.mov", "open_gop_2997.mkv",
                                  "no_index_25.ts", "bframes_2997.avi"])
def test_preview_is_muted_h264_of_snippets_in_order(made, name) -> None:
    _, rate, frames = CLIPS[name]
    made = made[name]
    ranges = preview_ranges(frames, rate)
    expected = [i for part in ranges for i in part]
    if frames > 5 * round(rate):
        assert len(ranges) == 5 and all(len(r) == round(rate) for r in ranges)
        assert all(k * frames // 5 <= r.start and r.stop <= (k + 1) * frames // 5 for k, r in enumerate(ranges))
    else:
        assert expected == list(range(frames))
    codec, width, pts, duration = _preview_facts(made.preview)
    assert (codec, width) == ("h264", 240)
    assert decode_indexes(made.preview) == expected
    assert duration == pytest.approx(len(expected) / rate, abs=0.5 / rate)
    step = pts[1] - pts[0]
    assert [p - pts[0] for p in pts] == [k * step for k in range(len(pts))]  # continuous timestamps


@pytest.mark.parametrize("suffix", [".mp3", ".flac", ".m4a", ".ogg"])
def test_audio_cover_becomes_the_poster(tmp_path, suffix) -> None:
    song = make_audio(tmp_path / f"song{suffix}", cover=True, tags={"title": "x"})
    made = make_thumbnails(song, tmp_path, "audio")
    assert made.sprite is None and made.preview is None
    poster = _picture(made.poster).astype(int)
    # tests.media's cover: 32x32, red rising left to right, blue falling top to bottom, a white square
    assert poster.shape == (32, 32, 3)
    assert (poster[16, 16] > 230).all()
    assert poster[2, 2, 2] > 200 and poster[2, 2, 0] < 40  # top left: blue, no red
    assert poster[29, 29, 0] > 200 and poster[29, 29, 2] < 40  # bottom right: red, no blue
    silent = make_audio(tmp_path / f"bare{suffix}")
    assert make_thumbnails(silent, tmp_path / "bare", "audio").poster is None


def test_image_poster_is_a_scaled_copy(tmp_path) -> None:
    image = make_image(tmp_path / "still.png", size=(1280, 720), index=4242)
    made = make_thumbnails(image, tmp_path, "image")
    poster = _picture(made.poster)
    assert poster.shape == (180, 320, 3) and read_index(poster) == 4242


def _scan(catalog: Catalog, folder: Path) -> None:
    catalog.add_root(folder)
    run_scan(catalog, plan_scan(catalog))


def _library(folder: Path, clips: dict[str, Path]) -> dict[str, Path]:
    folder.mkdir()
    files = {
        "clip": folder / "clip.mov",
        "copy": folder / "copy of clip.mov",
        "song": make_audio(folder / "song.mp3", cover=True),
        "bare": make_audio(folder / "bare.flac"),
        "still": make_image(folder / "still.jpg", size=(640, 360), index=7),
    }
    for key in ("clip", "copy"):
        files[key].write_bytes(clips["long_gop_23976.mov"].read_bytes())
    return files


def test_job_makes_skips_and_regenerates(catalog, clips, cache, tmp_path) -> None:
    files = _library(tmp_path / "media", clips)
    _scan(catalog, tmp_path / "media")
    ids = {key: catalog.id_for_path(path) for key, path in files.items()}
    job = ThumbnailJob(catalog, list(ids.values()))
    assert job.lane == "thumbs"
    plan = job.plan()
    assert sorted(i.media_id for i in plan.items) == sorted(ids[k] for k in ("clip", "song", "bare", "still"))
    assert plan.up_to_date == (ids["copy"],)  # same content, same thumbnails
    clip_item = next(i for i in plan.items if i.media_id == ids["clip"])
    assert (clip_item.kind, clip_item.frame_rate, clip_item.frame_count) == ("video", Fraction(24000, 1001), 48)
    updates = []
    outcome = execute(job, JobContext(progress=updates.append))
    assert outcome.ok, outcome
    result = outcome.value
    assert (result.made, result.up_to_date, result.without_artwork, result.failures) == (3, 1, 1, [])
    assert updates[-1].done == updates[-1].total == 4 and updates[-1].unit == "files"

    clip_hash = catalog.info(ids["clip"])["identity_hash"]
    found = thumbnail_paths(clip_hash)
    assert found["poster"] == thumbs_dir(clip_hash) / "poster.jpg"
    assert thumbs_dir(clip_hash) == cache / clip_hash.split("-")[1][:2] / clip_hash and cache_root() == cache
    assert found["sprite"].is_file() and found["preview"].is_file() and found["sprite_info"]["count"] == 12
    assert thumbnail_paths(catalog.info(ids["bare"])["identity_hash"])["poster"] is None
    still = thumbnail_paths(catalog.info(ids["still"])["identity_hash"])
    assert still["sprite"] is None and read_index(_picture(still["poster"])) == 7

    again = ThumbnailJob(catalog, list(ids.values())).plan()
    assert again.items == () and len(again.up_to_date) == 5
    before = found["poster"].stat().st_ino
    redo = ThumbnailJob(catalog, list(ids.values()), regenerate=True)
    outcome = execute(redo, JobContext())
    assert outcome.ok and outcome.value.made == 3
    assert thumbnail_paths(clip_hash)["poster"].stat().st_ino != before
    assert not list(cache.glob("*/.staging-*"))


class _CancelInside(CancelToken):
    """Cancels at the n-th check and records the staging folders present at that moment."""

    def __init__(self, at: int, cache: Path) -> None:
        super().__init__()
        self.at, self.calls, self.cache, self.seen = at, 0, cache, []

    def check(self) -> None:
        self.calls += 1
        if self.calls == self.at:
            self.seen = [p for p in self.cache.glob(f"*/*{PARTIAL}/*")]  # the partial folder being filled
            self.cancel()
        super().check()


def test_cancel_removes_the_partial_output(catalog, clips, cache, tmp_path) -> None:
    media = tmp_path / "media"
    media.mkdir()
    clip = media / "clip.mp4"
    clip.write_bytes(clips["keyframe_aligned_25.mp4"].read_bytes())
    _scan(catalog, media)
    token = _CancelInside(at=4, cache=cache)  # 1: between files, 2: after the poster, 3+: between tiles
    outcome = execute(ThumbnailJob(catalog, [catalog.id_for_path(clip)]), JobContext(cancel=token))
    assert not outcome.ok and outcome.cancelled
    assert [p.name for p in token.seen] == ["poster.jpg"]  # something partial existed…
    assert not list(cache.rglob("*.jpg")) and not list(cache.glob("*/*"))  # …and is gone
    assert thumbnail_paths(catalog.info(catalog.id_for_path(clip))["identity_hash"])["poster"] is None


def test_bad_corpus_fails_per_file_without_stopping(catalog, cache, tmp_path) -> None:
    corpus = make_bad_corpus(tmp_path / "bad")
    _scan(catalog, tmp_path / "bad")
    ids = catalog.query_ids()
    outcome = execute(ThumbnailJob(catalog, ids), JobContext())
    assert outcome.ok, outcome
    failed = {os.path.basename(f.path): f.message for f in outcome.value.failures}
    expected = {"zero_byte.mp4", "truncated.mp4", "garbage_header.mov", "wrong_extension.mkv", "broken_symlink.mp4"}
    if not os.access(corpus["unreadable"], os.R_OK):  # root reads it anyway
        expected.add("unreadable.mp4")
    assert set(failed) == expected, failed
    assert "empty file" in failed["zero_byte.mp4"] and "truncated" in failed["truncated.mp4"]
    assert "not readable as media" in failed["wrong_extension.mkv"]
    assert "broken symbolic link" in failed["broken_symlink.mp4"]
    # long_name and unicode_name are made; non_utf8_name (and unreadable, when readable) are byte copies of
    # long_name: same content hash, same thumbnails
    assert (outcome.value.made, outcome.value.up_to_date) == (2, 2 if len(expected) == 5 else 1)


def _reelkeep(*args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "app", *args], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert not check or result.returncode == 0, result.stderr
    return result


def test_cli_thumbs_and_info_keys(clips, tmp_path) -> None:
    media = tmp_path / "media"
    media.mkdir()
    clip = media / "A001.mp4"
    clip.write_bytes(clips["keyframe_aligned_25.mp4"].read_bytes())
    song = make_audio(media / "song.m4a", cover=True)
    env = {**os.environ, "REELKEEP_CATALOG": str(tmp_path / "catalog.sqlite"),
           "REELKEEP_CACHE_DIR": str(tmp_path / "cache"), "QT_QPA_PLATFORM": "offscreen"}
    _reelkeep("scan", str(media), "--quiet", env=env)
    missing = _reelkeep("thumbs", "-q", str(tmp_path / "elsewhere"), env=env, check=False)
    assert missing.returncode == 1 and "not in the catalog" in missing.stderr
    before = json.loads(_reelkeep("info", str(clip), "--json", env=env).stdout)
    assert (before["poster"], before["sprite"], before["sprite_interval"], before["preview"]) == (None,) * 4

    made = _reelkeep("thumbs", "--quiet", env=env)
    assert "Thumbnails: 2 made, 0 up to date, 0 without artwork, 0 failed" in made.stdout
    info = json.loads(_reelkeep("info", str(clip), "--json", env=env).stdout)
    assert info["sprite_interval"] == 1.0  # 25 fps, keyframe every 25 frames
    for key in ("poster", "sprite", "preview"):
        assert Path(info[key]).is_file() and Path(info[key]).parent.name == info["identity_hash"]
        assert Path(info[key]).is_relative_to(tmp_path / "cache" / "thumbs")
    assert "0 made, 2 up to date" in _reelkeep("thumbs", "-q", str(media), env=env).stdout
    assert "Thumbnails: 1 made, 0 up to date" in _reelkeep("thumbs", "-q", "--regenerate", str(song), env=env).stdout


def test_staging_left_by_a_crash_is_cleaned_up(tmp_path) -> None:
    import os
    import time

    from app.ingest.thumbs import remove_stale_staging

    fresh = tmp_path / ".staging-abc-1"
    stale = tmp_path / ".staging-abc-2"
    other = tmp_path / ".staging-xyz-3"
    for folder in (fresh, stale, other):
        folder.mkdir()
        (folder / "poster.jpg").write_bytes(b"half")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    assert remove_stale_staging(tmp_path, "abc") == [stale]
    assert fresh.exists() and other.exists() and not stale.exists()  # a live run's folder and other files' stay
