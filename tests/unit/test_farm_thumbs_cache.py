"""Farm thumbnails into the cache folder the submitter names (`reelkeep farm thumbs --cache DIR`, the window's own
cache for Send to Farm), not the worker's $REELKEEP_CACHE_DIR: the job ends with complete entries there."""

from __future__ import annotations

import io
from pathlib import Path

from app.catalog.catalog import Catalog
from app.cli import main
from app.farm.farm import Farm
from app.farm.tasks import run_farm_job
from app.ingest.add_files import add_files
from app.ingest.thumbs import CACHE_ENV, MANIFEST, cache_root, is_done, thumbnail_paths
from tests.media import make_clip


def test_a_thumbs_job_with_a_cache_folder_fills_that_folder(tmp_path: Path, media_dir: Path, monkeypatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "the worker's own cache"))
    catalog_path = tmp_path / "catalog.sqlite"
    catalog = Catalog(catalog_path)
    try:
        ids = add_files(catalog, [make_clip(media_dir / f"T00{i}.mov", rate="25", frames=8 + i, size=(160, 90),
                                            audio=False) for i in range(2)])
        hashes = [catalog.info(i)["identity_hash"] for i in ids]
    finally:
        catalog.close()
    shared = tmp_path / "shared cache"
    out = io.StringIO()
    code = main(["--catalog", str(catalog_path), "farm", "thumbs", str(media_dir), "--cache", str(shared), "--no-wait"],
                out)
    assert code == 0, out.getvalue()

    farm = Farm(catalog_path)
    try:
        (job,) = farm.ledger.jobs()
        assert job["args"]["cache"] == str(shared)
        run_farm_job(farm, job["id"], final=True)  # the worker's own code, in this process
        (ended,) = farm.ledger.jobs()
    finally:
        farm.close()
    assert ended["state"] == "done", ended["error"]
    assert ended["result"]["made"] == 2 and ended["result"]["cache"] == str(shared)
    root = cache_root(shared)
    for hash_ in hashes:
        assert is_done(hash_, root) and (root / hash_.rsplit("-", 1)[-1][:2] / hash_ / MANIFEST).is_file()
        assert thumbnail_paths(hash_, root)["poster"] and thumbnail_paths(hash_, root)["sprite"]
        assert not is_done(hash_)  # nothing went to the worker's own cache
