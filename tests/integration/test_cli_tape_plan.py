"""`reelkeep tape plan` and `tape write --plan / --copies` as a user runs them, on a shelf of simulated
cartridges: the plan's summary, the A and B sets written and cataloged, a cartridge that fills up early and the
plan of what it left."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.archive_oracles import ASCMHL_DEBUG
from tests.integration.test_cli import reelkeep


def footage(tmp_path: Path) -> Path:
    root = tmp_path / "Day 07"
    (root / "C001").mkdir(parents=True)
    (root / "C001" / "C001C001.mov").write_bytes(os.urandom(1_600_000))
    (root / "C001" / "C001C002.mov").write_bytes(os.urandom(1_400_000))
    (root / "notes.txt").write_text("seven")
    return root


def test_plan_then_write_two_copies_on_a_shelf(tmp_path: Path) -> None:
    catalog = tmp_path / "c.db"
    source = footage(tmp_path)
    planned = reelkeep("tape", "plan", str(source), "--capacity", "3M", "--block-size", "64K", "--copies", "2",
                       "--out", str(tmp_path / "plan"), "-q", catalog=catalog).stdout
    assert "tape set RK0001L9: 2 LTO9 cartridges per copy, 2 copies (A, B)" in planned
    assert "RK0004L9  B" in planned and "Day 07/C001/C001C002.mov" in planned
    shelf = f"file:{tmp_path / 'shelf'}/{{barcode}}"
    written = reelkeep("tape", "write", "--plan", str(tmp_path / "plan"), shelf, "-q", catalog=catalog).stdout
    assert "wrote RK0004L9 (copy B, tape 2)" in written
    for barcode in ("RK0001L9", "RK0002L9", "RK0003L9", "RK0004L9"):
        verified = reelkeep("tape", "verify", f"file:{tmp_path / 'shelf' / barcode}", "-q", catalog=catalog)
        assert "tape OK" in verified.stdout
        reelkeep("tape", "import-index", f"file:{tmp_path / 'shelf' / barcode}", catalog=catalog)
    listed = reelkeep("tape", "list", catalog=catalog).stdout  # the catalog sees each tape's set and copy
    assert "RK0001L9/A" in listed and "RK0001L9/B" in listed

    # The file spanning tapes 1 and 2, restored from the catalog: copy B's two tapes, joined and checked whole.
    spanned = next(line for line in reelkeep("tape", "find", "C001C002", catalog=catalog).stdout.splitlines()
                   if "[part at" in line)
    assert "Day 07/C001/C001C002.mov" in spanned
    plan = reelkeep("tape", "restore", "--from-catalog", "Day 07/C001/C001C002.mov", "--copy", "B",
                    catalog=catalog).stdout
    assert "spanning RK0003L9, RK0004L9: Day 07/C001/C001C002.mov" in plan
    back = tmp_path / "back"
    restored = reelkeep("tape", "restore", "--from-catalog", "Day 07", "--copy", "B", "--device", shelf,
                        "--to", str(back), "-q", catalog=catalog)
    assert "restored 3 files, 3,000,005 bytes" in restored.stdout
    for name in ("C001/C001C001.mov", "C001/C001C002.mov", "notes.txt"):
        assert (back / "Day 07" / name).read_bytes() == (source / name).read_bytes()
    # one tape alone gives only its part of that file, and says so
    alone = reelkeep("tape", "restore", f"file:{tmp_path / 'shelf' / 'RK0002L9'}", "Day 07", "--to",
                     str(tmp_path / "alone"), "-q", catalog=catalog, check=False)
    assert alone.returncode == 1 and "ONLY A PART Day 07/C001/C001C002.mov" in alone.stderr

    again = reelkeep("tape", "write", f"file:{tmp_path / 'one'}", str(source), "--copies", "2",
                     "--capacity", "3M", "--block-size", "64K", catalog=catalog, check=False)
    assert again.returncode == 1 and "give a device with {barcode} in it" in again.stderr
    fly = reelkeep("tape", "write", f"file:{tmp_path / 'fly'}/{{barcode}}", str(source), "--copies", "2",
                   "--barcode-start", "FLY001", "--capacity", "8M", "-q", catalog=catalog).stdout
    assert "wrote FLY001L9 (copy A, tape 1)" in fly and "wrote FLY002L9 (copy B, tape 1)" in fly


def test_a_cartridge_filling_up_early_says_what_is_left_and_how_to_go_on(tmp_path: Path) -> None:
    catalog = tmp_path / "c.db"
    source = footage(tmp_path)
    reelkeep("tape", "plan", str(source), "--capacity", "5M", "--out",
             str(tmp_path / "plan"), "-q", catalog=catalog)
    reelkeep("tape", "format", f"file:{tmp_path / 'shelf' / 'RK0001L9'}", "--barcode", "RK0001L9", "--capacity",
             "2M", catalog=catalog)  # smaller than the plan counted
    full = reelkeep("tape", "write", "--plan", str(tmp_path / "plan"), f"file:{tmp_path / 'shelf'}/{{barcode}}",
                    "-q", catalog=catalog, check=False)
    assert full.returncode == 1 and "Traceback" not in full.stderr
    assert "RK0001L9 (copy A, tape 1 of 1) held less than planned and is full" in full.stderr
    assert f"reelkeep tape plan --rest {tmp_path / 'plan'} --out NEW_PLAN" in full.stderr
    assert "tape OK" in reelkeep("tape", "verify", f"file:{tmp_path / 'shelf' / 'RK0001L9'}", "-q",
                                 catalog=catalog).stdout
    rest = reelkeep("tape", "plan", "--rest", str(tmp_path / "plan"), "--out", str(tmp_path / "rest"), "-q",
                    catalog=catalog).stdout
    assert "tape set RK0001L9" in rest and "RK0002L9  A" in rest
    reelkeep("tape", "write", "--plan", str(tmp_path / "rest"), f"file:{tmp_path / 'shelf'}/{{barcode}}", "-q",
             catalog=catalog)
    on_tapes = "".join(reelkeep("tape", "list", f"file:{tmp_path / 'shelf' / b}", catalog=catalog).stdout
                       for b in ("RK0001L9", "RK0002L9"))
    for name in ("C001C001.mov", "C001C002.mov", "notes.txt"):
        assert name in on_tapes


def test_an_archive_version_planned_written_and_restored_from_the_catalog(tmp_path: Path) -> None:
    catalog = tmp_path / "c.db"
    source = footage(tmp_path)
    archive = tmp_path / "Show"
    reelkeep("archive", "create", str(source), str(archive), "-m", "day 7", "-q", catalog=catalog)
    extra = tmp_path / "grade.cdl"
    extra.write_text("<cdl/>\n")
    reelkeep("archive", "add", str(archive), str(extra), "--to", "color", "-q", catalog=catalog)
    unknown = reelkeep("tape", "plan", f"{archive}@v3", "--out", str(tmp_path / "none"), catalog=catalog,
                       check=False)
    assert unknown.returncode == 1 and "no version or branch 'v3'" in unknown.stderr and "v1…v2" in unknown.stderr
    single = reelkeep("tape", "write", f"file:{tmp_path / 'one'}", f"{archive}@v2", catalog=catalog, check=False)
    assert single.returncode == 1 and "goes on tape through a plan" in single.stderr

    planned = reelkeep("tape", "plan", f"{archive}@main", "--capacity", "3M", "--block-size", "64K",
                       "--out", str(tmp_path / "plan"), "-q", catalog=catalog).stdout
    assert "2 LTO9 cartridges per copy" in planned and "  Show/v2/notes.txt … " in planned
    shelf = f"file:{tmp_path / 'shelf'}/{{barcode}}"
    reelkeep("tape", "write", "--plan", str(tmp_path / "plan"), shelf, "-q", catalog=catalog)
    back = tmp_path / "back"
    reelkeep("tape", "restore", "--from-catalog", "Show/v2", "--device", shelf, "--to", str(back), "-q",
             catalog=catalog)
    unpacked = tmp_path / "unpacked"
    reelkeep("archive", "unpack", str(archive), str(unpacked), "--version", "v2", "-q", catalog=catalog)
    files = sorted(p.relative_to(unpacked) for p in unpacked.rglob("*") if p.is_file())
    assert Path("color/grade.cdl") in files and Path("C001/C001C002.mov") in files
    for name in files:
        assert (back / "Show" / "v2" / name).read_bytes() == (unpacked / name).read_bytes()
    checked = subprocess.run([ASCMHL_DEBUG, "verify", str(back / "Show" / "v2")], capture_output=True, text=True,
                             timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr
