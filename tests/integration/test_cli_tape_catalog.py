"""The offline tape catalog from the command line: tapes imported, listed, searched, found by a file's bytes, and
files restored from several tapes in load order — with the tapes "on the shelf" until the restore needs them."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tests.integration.test_cli import reelkeep


def _tape_with(tmp_path: Path, catalog: Path, barcode: str, project: Path) -> str:
    device = f"file:{tmp_path / 'shelf' / barcode}"
    assert f"cataloged {barcode}: 0 files" in reelkeep("tape", "format", device, "--barcode", barcode,
                                                       catalog=catalog).stdout
    written = reelkeep("tape", "write", device, str(project), "-q", catalog=catalog).stdout
    assert f"cataloged {barcode}: " in written  # a write puts the tape's new index into the catalog
    imported = reelkeep("tape", "import-index", device, catalog=catalog).stdout
    assert imported.startswith(f"updated {barcode}: index generation 2, ")
    return device


def test_find_which_tape_holds_a_file_and_restore_from_two_tapes_in_order(tmp_path: Path) -> None:
    catalog = tmp_path / "c.db"
    day1, day2 = tmp_path / "src" / "Day 01", tmp_path / "src" / "Day 02"
    (day1 / "A001").mkdir(parents=True)
    (day2 / "B001").mkdir(parents=True)
    (day1 / "A001" / "A001C003.mov").write_bytes(os.urandom(700_000))
    (day1 / "A001" / "A001C004.mov").write_bytes(os.urandom(300_000))
    (day2 / "B001" / "B001C001.mov").write_bytes(os.urandom(500_000))
    (day2 / "empty").mkdir()
    _tape_with(tmp_path, catalog, "RK0001L9", day1)
    _tape_with(tmp_path, catalog, "RK0002L9", day2)

    listed = reelkeep("tape", "list", catalog=catalog).stdout.splitlines()
    assert listed[0].split()[:4] == ["BARCODE", "GEN", "SET/COPY", "FILES"]
    assert listed[1].split()[:3] == ["RK0001L9", "LTO9", "-"] and listed[1].split()[3] == "2"
    assert "never (due)" in listed[2]
    files = reelkeep("tape", "list", "--tape", "rk0001l9", catalog=catalog).stdout
    assert "700,000        b:7  Day 01/A001/A001C003.mov" in files

    found = reelkeep("tape", "find", "b001c001", catalog=catalog).stdout
    assert found.startswith("RK0002L9") and "Day 02/B001/B001C001.mov" in found
    by_bytes = reelkeep("tape", "find", "--file", str(day1 / "A001" / "A001C004.mov"), catalog=catalog).stdout
    assert by_bytes.startswith("RK0001L9") and "Day 01/A001/A001C004.mov" in by_bytes
    stranger = tmp_path / "not on tape.mov"
    stranger.write_bytes(b"nope")
    missing = reelkeep("tape", "find", "--file", str(stranger), catalog=catalog, check=False)
    assert missing.returncode == 1 and "no cataloged tape holds it" in missing.stdout

    reelkeep("scan", str(day1), "-q", catalog=catalog)
    info = reelkeep("info", str(day1 / "A001" / "A001C003.mov"), catalog=catalog).stdout
    assert "on tape RK0001L9: Day 01/A001/A001C003.mov  [same name and size; not checked by content hash]" in info

    # the restore plan needs no tape: the shelf is away
    shutil.move(tmp_path / "shelf", tmp_path / "vault")
    wanted = ["Day 02/B001/B001C001.mov", "Day 01/A001", "Day 02/empty"]
    plan = reelkeep("tape", "restore", "--from-catalog", *wanted, catalog=catalog).stdout
    assert plan.splitlines()[:2] == ["1. load RK0001L9: 2 files, 1.0 MB", "2. load RK0002L9: 1 files, 500.0 KB"]

    back = tmp_path / "back"
    restored = reelkeep("tape", "restore", "--from-catalog", *wanted, "--device",
                        f"file:{tmp_path / 'vault'}/{{barcode}}", "--to", str(back), "-q", catalog=catalog)
    assert "restored 3 files, 1,500,000 bytes" in restored.stdout
    for source, copy in ((day1 / "A001" / "A001C003.mov", back / "Day 01/A001/A001C003.mov"),
                         (day2 / "B001" / "B001C001.mov", back / "Day 02/B001/B001C001.mov")):
        assert copy.read_bytes() == source.read_bytes()
    assert (back / "Day 02" / "empty").is_dir()


def test_the_wrong_tape_in_the_drive_and_an_index_xml_import(tmp_path: Path) -> None:
    catalog = tmp_path / "c.db"
    project = tmp_path / "P"
    project.mkdir()
    (project / "clip.mov").write_bytes(os.urandom(1000))
    _tape_with(tmp_path, catalog, "RK0003L8", project)
    other = f"file:{tmp_path / 'other'}"
    reelkeep("tape", "format", other, "--barcode", "RK0004L8", catalog=catalog)
    wrong = reelkeep("tape", "restore", "--from-catalog", "P/clip.mov", "--device", other, "--to",
                     str(tmp_path / "back"), "-q", catalog=catalog, check=False)
    assert wrong.returncode == 1 and "not RK0003L8" in wrong.stderr and "load RK0003L8" in wrong.stderr
    assert not (tmp_path / "back" / "P" / "clip.mov").exists()

    index = sorted((tmp_path / "shelf" / "RK0003L8").glob("0_*_R"))[-1]  # the index partition's newest index
    fresh = tmp_path / "fresh.db"
    unnamed = reelkeep("tape", "import-index", str(index), catalog=fresh, check=False)
    assert unnamed.returncode == 1 and "give its barcode with --barcode" in unnamed.stderr
    assert "added RK0003L8: index generation 2, 1 files" in reelkeep(
        "tape", "import-index", str(index), "--barcode", "RK0003L8", catalog=fresh).stdout
    assert "P/clip.mov" in reelkeep("tape", "find", "clip", catalog=fresh).stdout


def test_a_mounted_ltfs_volume_from_the_command_line(tmp_path: Path) -> None:
    catalog = tmp_path / "c.db"
    project = tmp_path / "Day 07"
    (project / "G001").mkdir(parents=True)
    (project / "G001" / "G001C001.mov").write_bytes(os.urandom(200_000))
    mount = tmp_path / "ltfs"  # stands for the folder an LTFS driver mounts (tests/unit/test_tape_mounted.py)
    mount.mkdir()
    written = reelkeep("tape", "write", str(mount), str(project), "-q", catalog=catalog).stdout
    assert "wrote 1 files, 200,000 bytes into the LTFS volume at" in written
    assert (mount / "Day 07" / "G001" / "G001C001.mov").read_bytes() == (project / "G001" / "G001C001.mov").read_bytes()
    assert "200,000  Day 07/G001/G001C001.mov" in reelkeep("tape", "list", str(mount), catalog=catalog).stdout
    plain = reelkeep("tape", "import-index", str(mount), "--barcode", "RK0200L9", catalog=catalog, check=False)
    assert plain.returncode == 1 and "is not an LTFS mount" in plain.stderr
    os.setxattr(mount, "user.ltfs.volumeUUID", b"2b9d0f1e-6a55-4b8e-9e0e-0f8a1c5d7e21")
    assert "added RK0200L9" in reelkeep("tape", "import-index", str(mount), "--barcode", "RK0200L9",
                                        catalog=catalog).stdout
    assert "RK0200L9" in reelkeep("tape", "find", "G001C001", catalog=catalog).stdout
