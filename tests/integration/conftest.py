"""Fixtures of the streaming tests: a scanned library of a video in MOV, one in MP4 and a FLAC; and that library
with a 36 s ProRes clip added."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.catalog.catalog import Catalog
from app.core.job import JobContext, execute
from app.ingest.scan import ScanJob
from tests.media import make_audio, make_clip

PRORES_FRAMES = 900  # 25 fps: nine live segments of 100 frames


@pytest.fixture(scope="session")
def prores_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 36 s ProRes clip, encoded once per test process (about 10 s of encoding; five tests use it)."""
    path = tmp_path_factory.mktemp("prores") / "D004 dailies.mov"
    make_clip(path, rate="25", frames=PRORES_FRAMES, codec="prores", start_tc="10:00:00:00")
    return path


@pytest.fixture
def library(tmp_path: Path) -> tuple[Path, dict[str, int]]:
    media = tmp_path / "media"
    media.mkdir()
    make_clip(media / "A001C001.mov", rate="25", frames=50, start_tc="01:00:00:00")
    make_clip(media / "B002 night.mp4", rate="24000/1001", frames=48, gop=12)
    make_audio(media / "track.flac", tags={"title": "Teardrop", "artist": "Massive Attack"})
    path = tmp_path / "catalog.sqlite"
    catalog = Catalog(path)
    root = catalog.add_root(media)
    assert execute(ScanJob(catalog, [root]), JobContext()).ok
    ids = {row["name"]: row["id"] for row in catalog.rows(catalog.query_ids())}
    catalog.close()
    return path, ids


@pytest.fixture
def prores(library, tmp_path: Path, monkeypatch, prores_clip: Path) -> tuple[Path, int]:
    """The library with a 36 s ProRes clip with sound (no browser decodes it, it has no proxy)."""
    monkeypatch.setenv("REELKEEP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("REELKEEP_PROXY_DIR", str(tmp_path / "proxies"))
    shutil.copyfile(prores_clip, tmp_path / "media" / "D004 dailies.mov")  # each test mutates only its copy
    catalog = Catalog(library[0])
    try:
        assert execute(ScanJob(catalog), JobContext()).ok
        media_id = next(row["id"] for row in catalog.rows(catalog.query_ids()) if row["name"] == "D004 dailies.mov")
    finally:
        catalog.close()
    return library[0], media_id
