"""`reelkeep archive create/add/list/verify` as a user runs them, and what a kill -9, a full disk and damage do."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.archive.store import Archive
from tests.archive_oracles import assert_archive_sound, assert_valid_ocfl
from tests.integration.test_cli import ROOT, reelkeep
from tests.media import make_clip


@pytest.fixture
def project(tmp_path: Path) -> Path:
    src = tmp_path / "project"
    (src / "A001").mkdir(parents=True)
    make_clip(src / "A001" / "A001C001.mov", rate="24", frames=24, start_tc="01:00:00:00")
    (src / "sound.wav").write_bytes(os.urandom(300_000))
    return src


def test_create_add_list_verify(project: Path, tmp_path: Path) -> None:
    catalog, archive = tmp_path / "catalog.db", tmp_path / "archive"
    created = reelkeep("archive", "create", str(project), str(archive), "--proxies", "thumbnail", "-m", "day 1",
                       catalog=catalog)
    assert "wrote v1 on branch main: 2 added; 2 file(s) in v1" in created.stdout
    extra = tmp_path / "VFX"
    extra.mkdir()
    (extra / "shot010_v001.exr").write_bytes(os.urandom(50_000))
    added = reelkeep("archive", "add", str(archive), str(extra), "--to", "vfx", catalog=catalog)
    assert "wrote v2 on branch main: 1 added; 3 file(s) in v2" in added.stdout
    listing = json.loads(reelkeep("archive", "list", str(archive), "--json", catalog=catalog).stdout)
    assert [f["path"] for f in listing] == ["A001/A001C001.mov", "sound.wav", "vfx/VFX/shot010_v001.exr"]
    old = reelkeep("archive", "list", str(archive), "--version", "v1", catalog=catalog).stdout
    assert "vfx/" not in old and "2 files" in old
    everything = reelkeep("archive", "list", str(archive), "--all", catalog=catalog).stdout
    assert ".reelkeep/proxies/thumbnail/A001/A001C001.mov.mp4" in everything
    verified = reelkeep("archive", "verify", str(archive), "--full", catalog=catalog)
    assert "archive OK" in verified.stdout
    assert_archive_sound(archive)


def test_verify_names_changed_missing_and_truncated_files(project: Path, tmp_path: Path) -> None:
    catalog, archive = tmp_path / "catalog.db", tmp_path / "archive"
    reelkeep("archive", "create", str(project), str(archive), catalog=catalog)
    clip = archive / "v1/content/A001/A001C001.mov"
    data = bytearray(clip.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte, same size
    clip.write_bytes(bytes(data))
    quick = reelkeep("archive", "verify", str(archive), catalog=catalog, check=False)
    assert quick.returncode == 0  # sizes match: only a full read can see it
    full = reelkeep("archive", "verify", str(archive), "--full", catalog=catalog, check=False)
    assert full.returncode == 1
    assert "DAMAGED digest: v1:A001/A001C001.mov" in full.stdout
    (archive / "v1/content/sound.wav").unlink()
    missing = reelkeep("archive", "verify", str(archive), catalog=catalog, check=False)
    assert missing.returncode == 1 and "DAMAGED missing: v1:sound.wav" in missing.stdout
    with open(clip, "r+b") as handle:
        handle.truncate(1000)
    truncated = reelkeep("archive", "verify", str(archive), "--json", catalog=catalog, check=False)
    report = json.loads(truncated.stdout)
    assert not report["ok"] and {p["kind"] for p in report["problems"]} >= {"size", "missing"}


def test_a_damaged_inventory_is_reported_not_trusted(project: Path, tmp_path: Path) -> None:
    catalog, archive = tmp_path / "catalog.db", tmp_path / "archive"
    reelkeep("archive", "create", str(project), str(archive), catalog=catalog)
    for name in ("inventory.json", "v1/inventory.json"):
        text = (archive / name).read_text(encoding="utf-8")
        (archive / name).write_text(text[: len(text) // 2], encoding="utf-8")
    listing = reelkeep("archive", "list", str(archive), catalog=catalog, check=False)
    assert listing.returncode == 1 and "inventory is damaged" in listing.stderr and "Traceback" not in listing.stderr
    verify = reelkeep("archive", "verify", str(archive), catalog=catalog, check=False)
    assert verify.returncode == 1 and "DAMAGED structure" in verify.stdout


def test_not_an_archive(tmp_path: Path) -> None:
    result = reelkeep("archive", "list", str(tmp_path), catalog=tmp_path / "c.db", check=False)
    assert result.returncode == 1 and "is not an archive" in result.stderr


@pytest.mark.parametrize("point", ["before-commit-point", "after-commit-point"])
def test_kill_9_mid_commit_loses_nothing(project: Path, tmp_path: Path, point: str) -> None:
    catalog, archive = tmp_path / "catalog.db", tmp_path / "archive"
    reelkeep("archive", "create", str(project), str(archive), catalog=catalog)
    new = tmp_path / "new.bin"
    new.write_bytes(os.urandom(2_000_000))
    env = {**os.environ, "REELKEEP_CATALOG": str(catalog), "REELKEEP_TEST_KILL_AT": point}
    killed = subprocess.run([sys.executable, "-m", "app", "archive", "add", str(archive), str(new)], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=120)
    assert killed.returncode == -9
    opened = Archive.open(archive)  # recovers what the killed writer left
    if point == "before-commit-point":
        assert opened.head == "v1" and "new.bin" not in opened.state()
    else:  # the version was complete: its root inventory copy and branch move are finished on open
        assert opened.head == "v2" and opened.branches()["main"].head == "v2" and "new.bin" in opened.state()
    assert_archive_sound(archive)
    again = reelkeep("archive", "add", str(archive), str(new), catalog=catalog)  # stale staging is cleaned
    assert ("nothing changed" in again.stdout) == (point == "after-commit-point")
    assert not list((archive / "extensions/reelkeep/staging").iterdir())
    assert_valid_ocfl(archive)


def test_a_full_disk_leaves_the_archive_as_it_was(project: Path, tmp_path: Path, small_disk: Path) -> None:
    catalog, archive = tmp_path / "catalog.db", small_disk / "archive"
    small = tmp_path / "small"
    small.mkdir()
    (small / "a.txt").write_text("a")
    reelkeep("archive", "create", str(small), str(archive), catalog=catalog)
    before = sorted(str(p.relative_to(archive)) for p in archive.rglob("*") if "staging" not in p.parts)
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(3_000_000))  # larger than the 1 MiB disk
    result = reelkeep("archive", "add", str(archive), str(big), catalog=catalog, check=False)
    assert result.returncode == 1 and "full" in result.stderr and "Traceback" not in result.stderr
    after = sorted(str(p.relative_to(archive)) for p in archive.rglob("*") if "staging" not in p.parts)
    assert after == before
    assert not list((archive / "extensions/reelkeep/staging").iterdir())
    assert_archive_sound(archive)
