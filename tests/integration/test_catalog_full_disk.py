"""A catalog on a disk that fills up: a clear message, exit 1, nothing recorded before is lost.

The disk is real: a small tmpfs mounted for the test (the suite runs as root, in CI too).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from app.catalog.catalog import Catalog
from app.core.errors import CatalogError
from app.core.facts import FileState
from tests.conftest import fill_disk
from tests.integration.test_catalog_concurrency import finished, scan_process
from tests.media.library import make_library


def test_scan_onto_a_full_disk_says_so_and_loses_nothing(small_disk: Path, tmp_path: Path) -> None:
    library = tmp_path / "library"
    make_library(library, 4000)
    catalog_path = small_disk / "catalog.sqlite"
    Catalog(catalog_path).close()
    # Room for the empty catalog (190 KB at schema 8) and a few batches, never for all 4000 rows.
    subprocess.run(["mount", "-o", "remount,size=1536k", str(small_disk)], check=True)

    code, out, err = finished(scan_process(catalog_path, str(library), "--workers", "1"))

    assert code == 1, (out, err)
    assert f"disk full: the catalog at {catalog_path} could not be written" in err
    assert "Traceback" not in err and "rollback" not in err
    assert "Scanned:" not in out  # no summary that looks like a finished scan
    catalog = Catalog(catalog_path)
    try:
        recorded = catalog.count()
        assert 0 < recorded < 4000  # the batches committed before the disk filled are there, pending
        assert catalog.status_counts() == {"pending": recorded}
        assert catalog.roots() == [(1, str(library))]
    finally:
        catalog.close()

    # room again: the same command finishes the job, keeping what the first run recorded
    subprocess.run(["mount", "-o", "remount,size=32m", str(small_disk)], check=True)
    code, out, err = finished(scan_process(catalog_path))
    assert code == 0, err
    catalog = Catalog(catalog_path)
    try:
        assert catalog.count() == 4000 and catalog.status_counts() == {"ok": 4000}
    finally:
        catalog.close()
    assert f"{4000 - recorded} new" in out


@pytest.mark.parametrize("edit", ["tags", "folder move"])
def test_edits_on_a_full_disk_raise_a_catalog_error_and_change_nothing(small_disk: Path, edit: str) -> None:
    catalog = Catalog(small_disk / "catalog.sqlite")
    try:
        ids = catalog.add_discovered(None, [FileState(f"/L/a/s{i}.mp3".encode(), 10, 1.0) for i in range(200)])
        filler = fill_disk(small_disk)
        with pytest.raises(CatalogError, match="disk full: the catalog at .* could not be written"):
            if edit == "tags":  # a transaction with savepoints inside (get_or_create)
                catalog.add_tags(ids, ["kept", "apart"])
            else:  # one savepoint per file inside the folder's transaction
                catalog.move_prefix(b"/L/a", b"/L/b")
        assert catalog.tag_counts() == [] and sorted(catalog.ids_under(b"/L/a")) == sorted(ids)
        filler.unlink()
        catalog.add_tags(ids, ["kept"])
        assert catalog.tag_counts() == [("kept", 200)]
    finally:
        catalog.close()
