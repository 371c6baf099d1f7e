"""`reelkeep tape` on a simulated cartridge, as a user runs it: format, write, list, verify, and the damage and
mistakes a user meets."""

from __future__ import annotations

import os
from pathlib import Path

from tests.integration.test_cli import reelkeep


def test_format_write_list_verify_and_a_damaged_record(tmp_path: Path) -> None:
    catalog = tmp_path / "c.db"
    project = tmp_path / "Day 02"
    (project / "B001").mkdir(parents=True)
    (project / "B001" / "B001C001.mov").write_bytes(os.urandom(1 << 20))
    (project / "notes.txt").write_text("day two")
    device = f"file:{tmp_path / 'RK0010L8'}"
    formatted = reelkeep("tape", "format", device, "--barcode", "RK0010L8", "--generation", "lto-8",
                         catalog=catalog)
    assert formatted.stdout.startswith("formatted RK0010L8 (LTO8): LTFS volume ")
    written = reelkeep("tape", "write", device, str(project), "--to", "2026", "-q", catalog=catalog)
    assert "wrote 2 files, 1,048,583 bytes: index generation 2" in written.stdout
    listed = reelkeep("tape", "list", device, catalog=catalog).stdout
    assert "2026/Day 02/B001/B001C001.mov" in listed and "folder  2026/Day 02/B001/" in listed
    verified = reelkeep("tape", "verify", device, "-q", catalog=catalog).stdout
    assert "tape OK: 2 files" in verified
    report = Path(verified.split("report: ")[1].split(" (and")[0])
    assert report.parent == tmp_path / "reports" / "tape" and "-verify-" in report.name
    assert report.with_suffix(".pdf").stat().st_size > 0 and "B001C001.mov" in report.with_suffix(".csv").read_text()
    tapes = reelkeep("tape", "list", catalog=catalog).stdout  # verify put the tape and its pass in the catalog
    assert "RK0010L8" in tapes and " ok" in tapes and "(due)" not in tapes
    restored = reelkeep("tape", "restore", device, "2026/Day 02/B001", "--to", str(tmp_path / "back"), "-q",
                        catalog=catalog)
    assert "restored 1 files, 1,048,576 bytes" in restored.stdout
    assert (tmp_path / "back" / "2026/Day 02/B001/B001C001.mov").read_bytes() == \
        (project / "B001" / "B001C001.mov").read_bytes()

    first_data = tmp_path / "RK0010L8" / "1_7_R"  # the first record after the format's index: notes.txt
    damaged = bytearray(first_data.read_bytes())
    damaged[0] ^= 1
    first_data.write_bytes(bytes(damaged))
    verified = reelkeep("tape", "verify", device, "-q", catalog=catalog, check=False)
    assert verified.returncode == 1 and "tape DAMAGED: 1 of 2 files" in verified.stdout
    assert "DAMAGED 2026/Day 02/notes.txt: xxh128 is" in verified.stderr  # files first, then folders


def test_mistakes_get_clear_messages(tmp_path: Path) -> None:
    catalog = tmp_path / "c.db"
    bad = reelkeep("tape", "format", f"file:{tmp_path / 't'}", "--barcode", "R1", catalog=catalog, check=False)
    assert bad.returncode == 1 and "'R1' is not a usable barcode" in bad.stderr and "Traceback" not in bad.stderr
    drive = reelkeep("tape", "list", "/dev/nst0", catalog=catalog, check=False)
    assert drive.returncode == 1 and "cannot open the drive /dev/nst0" in drive.stderr
    assert "is a folder: a mounted LTFS volume" in reelkeep("tape", "verify", str(tmp_path), catalog=catalog,
                                                           check=False).stderr
    blank = tmp_path / "blank"
    blank.mkdir()
    missing = reelkeep("tape", "write", f"file:{blank}", str(tmp_path), catalog=catalog, check=False)
    assert missing.returncode == 1 and "is not a simulated cartridge" in missing.stderr
    reelkeep("tape", "format", f"file:{tmp_path / 'small'}", "--barcode", "RK0011L9", "--capacity", "2M",
             catalog=catalog)
    (tmp_path / "big").mkdir()
    (tmp_path / "big" / "huge.bin").write_bytes(bytes(3 << 20))
    full = reelkeep("tape", "write", f"file:{tmp_path / 'small'}", str(tmp_path / "big"), catalog=catalog,
                    check=False)
    assert full.returncode == 1 and "do not fit" in full.stderr


def test_a_write_killed_midway_leaves_the_previous_generation_and_the_next_write_reuses_its_space(
        tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    from app.tape.simulated import SimulatedTape
    from app.tape.volume import read_volume
    from app.tape.write_files import append_block
    from tests.integration.test_cli import ROOT

    catalog = tmp_path / "c.db"
    folder = tmp_path / "RK0012L9"
    device = f"file:{folder}"
    reelkeep("tape", "format", device, "--barcode", "RK0012L9", catalog=catalog)
    first = tmp_path / "first"
    first.mkdir()
    (first / "kept.txt").write_text("generation 2")
    reelkeep("tape", "write", device, str(first), "-q", catalog=catalog)
    big = tmp_path / "big"
    big.mkdir()
    for number in range(4):
        (big / f"plate_{number}.bin").write_bytes(os.urandom(64 << 20))
    writer = subprocess.Popen([sys.executable, "-m", "app", "tape", "write", device, str(big), "-q"], cwd=ROOT,
                              env={**os.environ, "REELKEEP_CATALOG": str(catalog)})
    deadline = time.monotonic() + 60
    while len(list(folder.glob("1_*_R"))) < 20 and time.monotonic() < deadline and writer.poll() is None:
        time.sleep(0.01)
    writer.send_signal(signal.SIGKILL)
    writer.wait(30)
    tape = SimulatedTape.open(folder)
    assert tape.eod(1) > append_block(tape)  # records no index refers to
    volume = read_volume(tape)
    assert volume.index.generation == 2 and [p for p, _e in volume.index.root.walk()] == ["first",
                                                                                  "first/kept.txt"]
    assert "tape OK: 1 files" in reelkeep("tape", "verify", device, "-q", catalog=catalog).stdout

    small = tmp_path / "again"
    small.mkdir()
    (small / "next.txt").write_text("generation 3")
    reelkeep("tape", "write", device, str(small), "-q", catalog=catalog)
    tape = SimulatedTape.open(folder)
    assert tape.eod(1) == append_block(tape)  # nothing after the last index: the orphans were overwritten
    assert "tape OK: 2 files" in reelkeep("tape", "verify", device, "-q", catalog=catalog).stdout
