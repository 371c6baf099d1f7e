"""Several processes on one catalog file: scans, the GUI's jobs and a fresh catalog's first open."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.catalog import db
from app.catalog.catalog import Catalog
from app.core.errors import CatalogError
from app.core.facts import FileState
from tests.integration.test_cli import ROOT
from tests.media.library import make_library

OPEN_AT_ONCE = """
import os, sys, time
import pytest

from app.catalog import db
from app.catalog.catalog import Catalog
from app.core.errors import CatalogError
from app.core.facts import FileState
path, ready, go = sys.argv[1:4]
open(ready, "w").close()
while not os.path.exists(go):
    time.sleep(0.001)
catalog = Catalog(path)
catalog.add_root(os.path.dirname(path))
catalog.close()
"""


def scan_process(catalog: Path, *args: str) -> subprocess.Popen:
    """`reelkeep scan ARGS` as a real process, not waited for."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.Popen([sys.executable, "-m", "app", "--catalog", str(catalog), "scan", "-q", *args], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished(process: subprocess.Popen) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=180)
    return process.returncode, out, err


def test_two_scans_of_different_roots_on_one_catalog(tmp_path: Path) -> None:
    catalog_path = tmp_path / "catalog.sqlite"
    Catalog(catalog_path).close()
    make_library(tmp_path / "one", 600, prefix="one")
    make_library(tmp_path / "two", 600, prefix="two")
    scans = [scan_process(catalog_path, str(tmp_path / name), "--workers", "1") for name in ("one", "two")]
    results = [finished(scan) for scan in scans]
    for code, out, err in results:
        assert code == 0, err
        assert "600 new" in out and "0 with errors" in out, out
    catalog = Catalog(catalog_path)
    try:
        assert catalog.count() == 1200
        assert catalog.status_counts() == {"ok": 1200}
    finally:
        catalog.close()


def test_processes_opening_a_fresh_catalog_at_once(tmp_path: Path) -> None:
    for attempt in range(3):
        folder = tmp_path / f"attempt{attempt}"
        folder.mkdir()
        go = folder / "go"
        children = [
            subprocess.Popen([sys.executable, "-c", OPEN_AT_ONCE, str(folder / "catalog.sqlite"),
                              str(folder / f"ready{n}"), str(go)], cwd=ROOT, stderr=subprocess.PIPE, text=True)
            for n in range(6)
        ]
        deadline = time.monotonic() + 60
        while len(list(folder.glob("ready*"))) < len(children) and time.monotonic() < deadline:
            time.sleep(0.01)
        go.touch()  # every child has imported everything: they open the catalog together
        for child in children:
            _, err = child.communicate(timeout=60)
            assert child.returncode == 0, err
        catalog = Catalog(folder / "catalog.sqlite")
        try:
            assert catalog.roots() == [(1, str(folder))]
        finally:
            catalog.close()


def test_a_catalog_locked_longer_than_the_timeout_is_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(db, "BUSY_TIMEOUT_S", 0.5)
    path = tmp_path / "catalog.sqlite"
    catalog = Catalog(path)
    ids = catalog.add_discovered(None, [FileState(b"/L/a.mp3", 1, 1.0)])
    other = sqlite3.connect(path, isolation_level=None)  # another program holding the write lock
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(CatalogError, match=r"the catalog at .* stayed locked by another program for 0.5 s"):
            catalog.add_tags(ids, ["waited"])
        other.execute("ROLLBACK")
        catalog.add_tags(ids, ["waited"])
        assert catalog.tag_counts() == [("waited", 1)]
    finally:
        other.close()
        catalog.close()
