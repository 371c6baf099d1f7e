"""Root mapping from the command line, run as users run it: real `reelkeep` processes, each "machine" with its own
settings file (REELKEEP_SETTINGS), one catalog. Machine A mounts the storage at tmp/raid, machine B at tmp/mnt/raid
(a link to the same folder); the catalog stores /Volumes/RAID/…"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.root_map import ROOT_MAP_ENV
from app.services.settings import SETTINGS_ENV
from tests.media import make_audio, make_clip

ROOT = Path(__file__).resolve().parents[2]


def reelkeep(*args: str, catalog: str, settings: Path, code: int = 0) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != ROOT_MAP_ENV}
    env.update({"REELKEEP_CATALOG": catalog, SETTINGS_ENV: str(settings), "QT_QPA_PLATFORM": "offscreen"})
    result = subprocess.run([sys.executable, "-m", "app", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == code, result.stderr + result.stdout
    return result


@pytest.fixture
def storage(tmp_path: Path) -> tuple[Path, Path]:
    raid = tmp_path / "raid"
    (raid / "Show").mkdir(parents=True)
    make_clip(raid / "Show" / "A001C001.mov", rate="25", frames=12, start_tc="01:00:00:00")
    make_audio(raid / "Show" / "song.flac", tags={"title": "Teardrop"})
    (tmp_path / "mnt").mkdir()
    (tmp_path / "mnt" / "raid").symlink_to(raid, target_is_directory=True)
    return raid, tmp_path / "mnt" / "raid"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_machines_from_the_command_line(tmp_path: Path, storage: tuple[Path, Path], backend: str,
                                            request: pytest.FixtureRequest) -> None:
    raid, mnt = storage
    if backend == "postgresql":
        catalog = request.getfixturevalue("postgres_server").create_catalog_database()
    else:
        catalog = str(tmp_path / "catalog.sqlite")
    machine_a, machine_b, bare = tmp_path / "a.ini", tmp_path / "b.ini", tmp_path / "none.ini"

    # A maps for one run with --map-root and scans its folder: stored as /Volumes/RAID/Show
    scan = reelkeep("--map-root", f"/Volumes/RAID={raid}", "scan", str(raid / "Show"), "--quiet", catalog=catalog,
                    settings=machine_a)
    assert "2 new" in scan.stdout
    stored = json.loads(reelkeep("list", "--json", catalog=catalog, settings=bare).stdout)
    assert sorted(r["path"] for r in stored) == ["/Volumes/RAID/Show/A001C001.mov", "/Volumes/RAID/Show/song.flac"]
    assert {r["root"] for r in stored} == {"/Volumes/RAID/Show"}

    # B saves its mapping in its settings; every later command uses it
    added = reelkeep("catalog", "map-root", "add", "/Volumes/RAID/", str(mnt), catalog=catalog, settings=machine_b)
    assert f"Mapped /Volumes/RAID -> {mnt}" in added.stdout and str(machine_b) in added.stdout
    listed = reelkeep("catalog", "map-root", "list", catalog=catalog, settings=machine_b).stdout
    assert "/Volumes/RAID" in listed and str(mnt) in listed
    rescan = reelkeep("scan", "--quiet", catalog=catalog, settings=machine_b)
    assert "0 new" in rescan.stdout and "2 unchanged" in rescan.stdout and "0 missing" in rescan.stdout
    clip = mnt / "Show" / "A001C001.mov"
    info = json.loads(reelkeep("info", str(clip), "--json", catalog=catalog, settings=machine_b).stdout)
    assert info["path"] == str(clip) and info["root"] == str(mnt / "Show") and info["frame_count"] == 12
    on_b = json.loads(reelkeep("list", "--json", catalog=catalog, settings=machine_b).stdout)
    assert sorted(r["path"] for r in on_b) == [str(clip), str(mnt / "Show" / "song.flac")]
    assert sorted(r["id"] for r in on_b) == sorted(r["id"] for r in stored)

    # --map-root wins over the saved entry for that run only
    run = json.loads(reelkeep("--map-root", f"/Volumes/RAID={raid}", "list", "--json", catalog=catalog,
                              settings=machine_b).stdout)
    assert sorted(r["path"] for r in run) == [str(raid / "Show" / "A001C001.mov"), str(raid / "Show" / "song.flac")]
    both = json.loads(reelkeep("--map-root", "/Volumes/Other=/mnt/other", "catalog", "map-root", "list", "--json",
                               catalog=catalog, settings=machine_b).stdout)
    assert both == [{"catalog": "/Volumes/RAID", "local": str(mnt), "from": "settings"},
                    {"catalog": "/Volumes/Other", "local": "/mnt/other", "from": "this run"}]

    reelkeep("catalog", "map-root", "remove", "/Volumes/RAID", catalog=catalog, settings=machine_b)
    assert "No root mapping" in reelkeep("catalog", "map-root", "list", catalog=catalog, settings=machine_b).stdout


def test_malformed_mappings_are_refused_clearly(tmp_path: Path) -> None:
    catalog, settings = str(tmp_path / "catalog.sqlite"), tmp_path / "settings.ini"
    relative = reelkeep("--map-root", "Volumes/RAID=/mnt/raid", "list", catalog=catalog, settings=settings, code=2)
    assert "not an absolute path" in relative.stderr
    missing = reelkeep("--map-root", "/Volumes/RAID", "list", catalog=catalog, settings=settings, code=2)
    assert "CATALOG_PATH=LOCAL_PATH" in missing.stderr
    empty = reelkeep("catalog", "map-root", "add", "/Volumes/RAID", " ", catalog=catalog, settings=settings, code=2)
    assert "is empty" in empty.stderr
    worker = reelkeep("worker", "--map-root", "=/x", catalog=catalog, settings=settings, code=2)
    assert "is empty" in worker.stderr
    reelkeep("catalog", "map-root", "add", "/Volumes/A", "/mnt/raid", catalog=catalog, settings=settings)
    clash = reelkeep("catalog", "map-root", "add", "/Volumes/B=/mnt/raid", catalog=catalog, settings=settings, code=2)
    assert "same path on this machine" in clash.stderr
    nothing = reelkeep("catalog", "map-root", "remove", "/Volumes/B", catalog=catalog, settings=settings, code=2)
    assert "no root mapping for" in nothing.stderr
    assert not (tmp_path / "catalog.sqlite").exists()  # none of this opened the catalog
    assert "--map-root" in reelkeep("--help", catalog=catalog, settings=settings).stdout
