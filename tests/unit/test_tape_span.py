"""A plan written onto simulated cartridges: a file spanning two tapes restored exactly from its parts, each tape
verifiable on its own (its digests, its manifest, its ASC MHL checked by ascmhl-debug), the A and B sets, and
cartridges that hold less than planned."""

from __future__ import annotations

import csv
import json
import os
import subprocess
from pathlib import Path

import pytest
import xxhash

from app.core.job import JobContext, execute
from app.tape.jobs import PlanTapesJob, WritePlanJob
from app.tape.ltfs_index import DirectoryEntry, FileEntry
from app.tape.plan import TapePlan, plan_tapes
from app.tape.plan_walk import walk_sources
from app.tape.plan_write import plan_rest
from app.tape.profiles import LTO9
from app.tape.read_files import check_entry
from app.tape.restore import restore, restore_span, restore_spanned
from app.tape.simulated import SimulatedTape
from app.tape.volume import format_volume, read_volume
from app.tape.write_files import (
    COPY_KEY,
    SPAN_LENGTH_KEY,
    SPAN_OFFSET_KEY,
    SPAN_XXH128_KEY,
    TAPE_SET_KEY,
    XXH128_KEY,
    append_block,
)
from tests.archive_oracles import ASCMHL_DEBUG

BLOCK = 64 << 10
CAPACITY = 3_000_000
CLIP = "Day 06/A001/A001C002.mov"


def project(tmp_path: Path) -> Path:
    root = tmp_path / "Day 06"
    (root / "A001").mkdir(parents=True)
    (root / "B001" / "empty").mkdir(parents=True)
    (root / "A001" / "A001C001.mov").write_bytes(os.urandom(BLOCK * 20 + 123))
    (root / "A001" / "A001C002.mov").write_bytes(os.urandom(BLOCK * 18 + 5))
    (root / "B001" / "take.wav").write_bytes(os.urandom(5000))
    (root / "notes.txt").write_text("six")
    (root / "latest").symlink_to("A001/A001C002.mov")
    return root


def written_plan(tmp_path: Path, copies: int = 1) -> tuple[Path, TapePlan, Path]:
    source = project(tmp_path)
    plan = execute(PlanTapesJob([source], tmp_path / "plan", LTO9, CAPACITY, copies, block_size=BLOCK),
                   JobContext()).value
    outcome = execute(WritePlanJob(plan.folder, f"file:{tmp_path / 'shelf'}/{{barcode}}"), JobContext())
    assert outcome.ok, outcome.message
    return source, plan, tmp_path / "shelf"


def entries(folder: Path) -> dict[str, FileEntry | DirectoryEntry]:
    return dict(read_volume(SimulatedTape.open(folder)).index.root.walk())


def test_a_file_spanning_two_tapes_is_restored_exactly(tmp_path: Path) -> None:
    source, plan, shelf = written_plan(tmp_path)
    first, second = entries(shelf / "RK0001L9"), entries(shelf / "RK0002L9")
    head, tail = first[CLIP], second[CLIP]  # the same path on both tapes, each part an ordinary file
    assert isinstance(head, FileEntry) and isinstance(tail, FileEntry)
    whole = (source / "A001" / "A001C002.mov").read_bytes()
    assert head.xattrs[SPAN_OFFSET_KEY] == "0" and tail.xattrs[SPAN_OFFSET_KEY] == str(head.length)
    assert head.length % BLOCK == 0 and head.length + tail.length == len(whole)
    assert head.xattrs[SPAN_LENGTH_KEY] == tail.xattrs[SPAN_LENGTH_KEY] == str(len(whole))
    assert head.xattrs[XXH128_KEY] == xxhash.xxh3_128(whole[:head.length]).hexdigest()  # the part's own digest
    assert SPAN_XXH128_KEY not in head.xattrs
    assert tail.xattrs[SPAN_XXH128_KEY] == xxhash.xxh3_128(whole).hexdigest()
    for barcode in ("RK0001L9", "RK0002L9"):  # each tape verifies on its own
        tape = SimulatedTape.open(shelf / barcode)
        volume = read_volume(tape)
        assert volume.index.root.xattrs[TAPE_SET_KEY] == "RK0001L9" and volume.index.root.xattrs[COPY_KEY] == "A"
        for _path, entry in volume.index.root.walk():
            if isinstance(entry, FileEntry) and entry.symlink is None:
                assert check_entry(tape, entry) is None

    tapes = [SimulatedTape.open(shelf / "RK0001L9"), SimulatedTape.open(shelf / "RK0002L9")]
    target = tmp_path / "back" / "A001C002.mov"
    assert restore_span([(tapes[0], head), (tapes[1], tail)], target) is None
    assert target.read_bytes() == whole
    # LTFS times are read from the source's float mtime: equal to the microsecond
    assert abs(target.stat().st_mtime_ns - (source / "A001" / "A001C002.mov").stat().st_mtime_ns) < 2000

    rows = [{"barcode": b, "volume_uuid": read_volume(SimulatedTape.open(shelf / b)).label.volume_uuid,
             "path": CLIP} for b in ("RK0001L9", "RK0002L9")]
    assert restore_spanned(f"file:{shelf}/{{barcode}}", rows, tmp_path / "catalog") is None  # the catalog's way
    assert (tmp_path / "catalog" / CLIP).read_bytes() == whole
    assert "missing" in restore_span([(tapes[1], tail)], tmp_path / "x" / "only-tail")
    assert "already exists" in restore_span([(tapes[0], head), (tapes[1], tail)], target)

    record = shelf / "RK0002L9" / f"1_{tail.extents[0].start_block}_R"
    damaged = bytearray(record.read_bytes())
    damaged[7] ^= 0x40
    record.write_bytes(bytes(damaged))
    problem = restore_span([(tapes[0], head), (SimulatedTape.open(shelf / "RK0002L9"), tail)],
                           tmp_path / "damaged" / "clip.mov")
    assert problem is not None and "part 2 of 2" in problem and "use the other copy" in problem
    assert not list((tmp_path / "damaged").iterdir())  # nothing half-restored left behind


def test_each_tape_carries_its_manifest_the_set_and_an_ascmhl_that_verifies(tmp_path: Path) -> None:
    _source, plan, shelf = written_plan(tmp_path, copies=2)
    assert sorted(p.name for p in shelf.iterdir()) == ["RK0001L9", "RK0002L9", "RK0003L9", "RK0004L9"]
    copy_b = read_volume(SimulatedTape.open(shelf / "RK0004L9")).index.root.xattrs
    assert copy_b[COPY_KEY] == "B" and copy_b[TAPE_SET_KEY] == "RK0001L9"
    out = tmp_path / "restored"
    report = restore(SimulatedTape.open(shelf / "RK0002L9"), [""], out)
    assert not report.problems and report.parts == [CLIP]  # the tail part, said so
    with open(out / ".reelkeep" / "RK0002L9.manifest.csv", newline="") as rows:
        manifest = list(csv.DictReader(rows))
    assert manifest[0]["path"] == CLIP and int(manifest[0]["offset"]) > 0  # the tail part, first on this tape
    assert [r["path"] for r in manifest] == [CLIP, "Day 06/B001/take.wav"]
    for row in manifest:
        assert xxhash.xxh3_128((out / row["path"]).read_bytes()).hexdigest() == row["xxh128"]
    whole_set = json.loads((out / ".reelkeep" / "RK0002L9.set.json").read_text())
    assert [(t["barcode"], t["copy"]) for t in whole_set["tapes"]] == [
        ("RK0001L9", "A"), ("RK0002L9", "A"), ("RK0003L9", "B"), ("RK0004L9", "B")]
    assert whole_set["tape_set"] == "RK0001L9" and whole_set["this_tape"] == "RK0002L9"

    checked = subprocess.run([ASCMHL_DEBUG, "verify", str(out)], capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    damaged = out / "Day 06" / "B001" / "take.wav"
    data = bytearray(damaged.read_bytes())
    data[0] ^= 1
    damaged.write_bytes(bytes(data))
    checked = subprocess.run([ASCMHL_DEBUG, "verify", str(out)], capture_output=True, text=True, timeout=120)
    assert checked.returncode != 0 and "take.wav" in checked.stdout + checked.stderr


def test_a_full_plan_fits_the_cartridges_it_counted(tmp_path: Path) -> None:
    source = tmp_path / "cards"
    source.mkdir()
    for number in range(40):  # many files, filling each cartridge to the plan's brim
        (source / f"C{number:03d}.mov").write_bytes(os.urandom(BLOCK * 3 + number))
    plan = plan_tapes(walk_sources([source]), tmp_path / "plan", LTO9, CAPACITY, BLOCK)
    assert len(plan.tapes) >= 3
    outcome = execute(WritePlanJob(plan.folder, f"file:{tmp_path / 'shelf'}/{{barcode}}"), JobContext())
    assert outcome.ok, outcome.message
    names = set()
    for tape in plan.tapes:
        found = entries(tmp_path / "shelf" / plan.barcode("A", tape.number))
        names |= {p for p in found if p.startswith("cards/")}
    assert len(names) == 40


def test_a_cartridge_smaller_than_planned_stops_with_a_valid_index_and_the_rest_is_planned(tmp_path: Path) -> None:
    source = project(tmp_path)
    plan = plan_tapes(walk_sources([source]), tmp_path / "plan", LTO9, CAPACITY, BLOCK)
    shelf = tmp_path / "shelf"
    small = SimulatedTape.create(shelf / "RK0001L9", LTO9, 1_500_000)  # the plan counted 3 MB
    format_volume(small, "RK0001L9", BLOCK)
    outcome = execute(WritePlanJob(plan.folder, f"file:{shelf}/{{barcode}}"), JobContext())
    assert not outcome.ok
    assert "RK0001L9 (copy A, tape 1 of 2) held less than planned" in outcome.message
    assert "from 'Day 06/A001/A001C001.mov' on were not written" in outcome.message
    assert f"tape plan --rest {plan.folder}" in outcome.message
    tape = SimulatedTape.open(shelf / "RK0001L9")
    volume = read_volume(tape)
    files = {p: e for p, e in volume.index.root.walk() if isinstance(e, FileEntry)}
    assert set(files) == {"Day 06/latest", "Day 06/notes.txt"}  # finished files only, no half clip
    assert all(check_entry(tape, e) is None for e in files.values() if e.symlink is None)
    assert tape.eod(1) == append_block(tape)  # nothing after the index
    assert not (shelf / "RK0002L9").exists()

    rest = plan_rest(TapePlan.load(plan.folder), tmp_path / "rest")
    assert rest.tape_set == "RK0001L9" and list(rest.barcodes) == ["A"]
    assert rest.barcodes["A"][0] == "RK0003L9"  # counting on after the plan's barcodes
    outcome = execute(WritePlanJob(rest.folder, f"file:{shelf}/{{barcode}}"), JobContext())
    assert outcome.ok, outcome.message
    on_shelf = {}
    for barcode in rest.barcodes["A"]:
        on_shelf.update({p: (barcode, e) for p, e in entries(shelf / barcode).items() if isinstance(e, FileEntry)})
    for relative in ("A001/A001C001.mov", "B001/take.wav"):
        barcode, entry = on_shelf[f"Day 06/{relative}"]
        assert b"".join(_read(shelf / barcode, entry)) == (source / relative).read_bytes()
    parts = [(SimulatedTape.open(shelf / b), entries(shelf / b)[CLIP]) for b in rest.barcodes["A"]
             if CLIP in entries(shelf / b)]
    assert len(parts) == 2
    assert restore_span(parts, tmp_path / "back.mov") is None  # type: ignore[arg-type]
    assert (tmp_path / "back.mov").read_bytes() == (source / "A001" / "A001C002.mov").read_bytes()


def _read(folder: Path, entry: FileEntry) -> list[bytes]:
    from app.tape.read_files import read_entry

    return list(read_entry(SimulatedTape.open(folder), entry))


def test_one_device_for_a_plan_of_several_cartridges_is_refused(tmp_path: Path) -> None:
    source = project(tmp_path)
    plan = plan_tapes(walk_sources([source]), tmp_path / "plan", LTO9, CAPACITY, BLOCK)
    outcome = execute(WritePlanJob(plan.folder, f"file:{tmp_path / 'one'}"), JobContext())
    assert not outcome.ok and "needs 2 cartridges (RK0001L9, RK0002L9)" in outcome.message
    assert "{barcode}" in outcome.message
    taken = SimulatedTape.create(tmp_path / "shelf" / "RK0001L9", LTO9, CAPACITY)
    format_volume(taken, "RK0009L9", BLOCK)
    outcome = execute(WritePlanJob(plan.folder, f"file:{tmp_path / 'shelf'}/{{barcode}}"), JobContext())
    assert not outcome.ok and "the cartridge loaded for RK0001L9 is RK0009L9" in outcome.message


@pytest.mark.parametrize("copies", [2])
def test_progress_names_the_tape_and_the_file(tmp_path: Path, copies: int) -> None:
    source = project(tmp_path)
    plan = plan_tapes(walk_sources([source]), tmp_path / "plan", LTO9, CAPACITY, BLOCK, copies=copies)
    messages: list[str] = []
    outcome = execute(WritePlanJob(plan.folder, f"file:{tmp_path / 'shelf'}/{{barcode}}"),
                      JobContext(progress=lambda update: messages.append(update.message)))
    assert outcome.ok, outcome.message
    assert any(m.startswith("RK0003L9 (copy B, tape 1 of 2)") for m in messages)
    assert any(m.startswith("RK0001L9 (copy A, tape 1 of 2): Day 06/") for m in messages)
