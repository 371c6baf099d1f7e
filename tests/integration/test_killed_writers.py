"""A writer killed with SIGKILL mid-write leaves only a partial, never a finished-looking output, and the next
run that writes to that destination removes it: the one rule of app.media.partial, for every writer."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from app.catalog.catalog import Catalog
from app.ingest.add_files import add_files
from app.ingest.thumbs import thumbs_dir
from app.media.partial import PARTIAL
from tests.media import make_clip

ROOT = Path(__file__).resolve().parents[2]

# Runs a job in a child process whose cancel token stalls at its 12th check (mid-write) until killed.
_CHILD = """
import sys, threading
from pathlib import Path
from app.catalog.catalog import Catalog
from app.core.job import JobContext, execute
from app.core.progress import CancelToken
from app.ingest.extract import ExtractJob, ExtractRequest
from app.ingest.thumbs import ThumbnailJob

class StallingToken(CancelToken):
    calls = 0
    def check(self):
        self.calls += 1
        if self.calls == int(sys.argv[4]):
            print("writing", flush=True)
            threading.Event().wait()  # hold mid-write until the parent kills us

catalog = Catalog(sys.argv[1])
media_id = int(sys.argv[2])
if sys.argv[3] == "thumbs":
    job = ThumbnailJob(catalog, [media_id])
else:
    job = ExtractJob(catalog, [ExtractRequest(media_id, 5, 40, 0, "reencode", "prores_hq", Path(sys.argv[3]))])
execute(job, JobContext(cancel=StallingToken()))
"""


def _env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "REELKEEP_CATALOG": str(tmp_path / "catalog.sqlite"), "QT_QPA_PLATFORM": "offscreen",
            "REELKEEP_CACHE_DIR": str(tmp_path / "cache")}


def _kill_mid_write(tmp_path: Path, media_id: int, target: str, at: int) -> None:
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(tmp_path / "catalog.sqlite"), str(media_id), target,
                              str(at)], cwd=ROOT, env=_env(tmp_path), stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "writing"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL


def _reelkeep(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "app", *args], cwd=ROOT, env=_env(tmp_path), capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stdout + result.stderr
    return result


def _cataloged_clip(tmp_path: Path) -> tuple[Path, int]:
    (tmp_path / "media").mkdir()
    clip = make_clip(tmp_path / "media" / "A001C002.mov", rate="24", frames=48, size=(160, 90))
    catalog = Catalog(tmp_path / "catalog.sqlite")
    try:
        [media_id] = add_files(catalog, [str(clip)])
    finally:
        catalog.close()
    return clip, media_id


def test_a_killed_extract_leaves_a_partial_that_the_next_extract_there_removes(tmp_path: Path) -> None:
    clip, media_id = _cataloged_clip(tmp_path)
    dest = tmp_path / "out"
    _kill_mid_write(tmp_path, media_id, str(dest), at=12)
    left = sorted(p.name for p in dest.iterdir())
    assert len(left) == 1 and left[0].startswith("A001C002_01-00-00-05.mov.") and left[0].endswith(PARTIAL)
    _reelkeep(tmp_path, "extract", str(clip), "--in", "01:00:01:00", "--out", "01:00:01:10", "--dest", str(dest), "-q")
    assert sorted(p.name for p in dest.iterdir()) == ["A001C002_01-00-01-00.mov"]


def test_a_killed_thumbs_leaves_a_partial_folder_that_the_next_run_removes(tmp_path: Path) -> None:
    clip, media_id = _cataloged_clip(tmp_path)
    _kill_mid_write(tmp_path, media_id, "thumbs", at=3)  # after the poster, among the sprite's tiles
    shard = next((tmp_path / "cache" / "thumbs").iterdir())
    left = list(shard.iterdir())
    assert len(left) == 1 and (left[0] / "poster.jpg").is_file()  # half made, not under the final name
    _reelkeep(tmp_path, "thumbs", str(clip), "-q")
    catalog = Catalog(tmp_path / "catalog.sqlite")
    try:
        hash_ = catalog.info(media_id)["identity_hash"]
    finally:
        catalog.close()
    assert list(shard.iterdir()) == [thumbs_dir(hash_, tmp_path / "cache" / "thumbs")]
    assert sorted(p.name for p in shard.glob("*/*")) == [
        "poster.jpg", "preview.mp4", "sprite.jpg", "sprite.json", "thumbs.json"]
