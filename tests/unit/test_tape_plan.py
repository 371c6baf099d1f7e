"""The tape plan: tape order, space per cartridge, spanning at record boundaries or moving whole, barcodes of the
A and B sets, and a million-entry plan's memory staying flat (only per-tape totals are kept)."""

from __future__ import annotations

import os
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.tape.plan import SPLIT_MIN_RECORDS, TAPE_OVERHEAD, PlanError, TapePlan, barcode_sequence, plan_tapes
from app.tape.plan_walk import FILE, FOLDER, TapeItem, walk_sources
from app.tape.profiles import LTO8, LTO9
from app.tape.write_files import metadata_allowance

BLOCK = 64 << 10
CAPACITY = 3_000_000


def project(tmp_path: Path) -> Path:
    root = tmp_path / "Day 05"
    (root / "A001").mkdir(parents=True)
    (root / "B001" / "empty").mkdir(parents=True)
    (root / "A001" / "A001C001.mov").write_bytes(os.urandom(BLOCK * 20 + 123))
    (root / "A001" / "A001C002.mov").write_bytes(os.urandom(BLOCK * 18))
    (root / "B001" / "take.wav").write_bytes(os.urandom(5000))
    (root / "notes.txt").write_text("five")
    (root / "latest").symlink_to("A001/A001C002.mov")
    return root


def test_a_plan_keeps_tape_order_and_spans_a_file_at_a_record_boundary(tmp_path: Path) -> None:
    source = project(tmp_path)
    plan = plan_tapes(walk_sources([source]), tmp_path / "plan", LTO9, CAPACITY, BLOCK, copies=2)
    assert [t.number for t in plan.tapes] == [1, 2]
    assert plan.barcodes == {"A": ["RK0001L9", "RK0002L9"], "B": ["RK0003L9", "RK0004L9"]}  # B counts on
    assert plan.tape_set == "RK0001L9"
    items = [item for tape in plan.tapes for item in plan.items(tape.number)]
    # folder by folder, files by name before the folders: the folder write's order
    assert [i.path for i in items if not i.spanned or i.offset == 0] == [i.path for i in walk_sources([source])]
    parts = [i for i in items if i.path == "Day 05/A001/A001C002.mov"]
    assert len(parts) == 2 and parts[0].offset == 0 and parts[0].length % BLOCK == 0  # split at a record boundary
    assert parts[1].offset == parts[0].length and parts[0].length + parts[1].length == BLOCK * 18
    assert [t.spanned for t in plan.tapes] == [1, 1]
    for tape in plan.tapes:  # the plan never counts more than a cartridge holds after its reserve
        assert tape.used() <= plan.usable and 0 < plan.fill(tape) < 1
    reloaded = TapePlan.load(tmp_path / "plan")
    assert reloaded.tapes == plan.tapes and reloaded.barcodes == plan.barcodes


def test_no_split_moves_a_file_whole_and_small_files_never_span(tmp_path: Path) -> None:
    source = project(tmp_path)
    plan = plan_tapes(walk_sources([source]), tmp_path / "plan", LTO9, CAPACITY, BLOCK, split=False)
    items = [item for tape in plan.tapes for item in plan.items(tape.number)]
    assert not any(item.spanned for item in items)
    assert [i.path for i in plan.items(2) if i.kind == FILE][0] == "Day 05/A001/A001C002.mov"

    small = tmp_path / "small"
    small.mkdir()
    for number in range(3):  # each just under the split threshold: they move, never span
        (small / f"{number}.bin").write_bytes(bytes(BLOCK * (SPLIT_MIN_RECORDS - 1)))
    plan = plan_tapes(walk_sources([small]), tmp_path / "plan2", LTO9, CAPACITY, BLOCK)
    assert not any(i.spanned for t in plan.tapes for i in plan.items(t.number)) and len(plan.tapes) == 3


def test_a_file_larger_than_a_cartridge_needs_splitting_and_bad_barcodes_are_refused(tmp_path: Path) -> None:
    big = tmp_path / "big"
    big.mkdir()
    with open(big / "plate.bin", "wb") as out:
        out.truncate(5_000_000)  # sparse: size is what matters
    with pytest.raises(PlanError, match="larger than a whole cartridge.*without --no-split"):
        plan_tapes(walk_sources([big]), tmp_path / "plan", LTO9, CAPACITY, BLOCK, split=False)
    assert not (tmp_path / "plan").exists()  # a failed plan leaves nothing
    with pytest.raises(PlanError, match="too little for a record of"):  # split on, yet no record fits: said so
        plan_tapes(walk_sources([big]), tmp_path / "plan", LTO9, TAPE_OVERHEAD + BLOCK // 2, BLOCK)
    assert not (tmp_path / "plan").exists()
    plan = plan_tapes(walk_sources([big]), tmp_path / "plan", LTO9, CAPACITY, BLOCK)
    parts = [i for t in plan.tapes for i in plan.items(t.number) if i.kind == FILE]
    assert len(plan.tapes) == 3 and sum(p.length for p in parts) == 5_000_000
    assert [p.offset for p in parts] == [0, parts[0].length, parts[0].length + parts[1].length]
    with pytest.raises(PlanError, match="not an empty folder"):
        plan_tapes(walk_sources([big]), tmp_path / "plan", LTO9, CAPACITY, BLOCK)
    with pytest.raises(PlanError, match="L8 cartridge"):
        plan_tapes(walk_sources([big]), tmp_path / "p3", LTO9, CAPACITY, BLOCK, barcode_start="RK0001L8")


def test_barcodes_count_up_in_their_digits() -> None:
    assert barcode_sequence("rk0009", LTO8, 3) == ["RK0009L8", "RK0010L8", "RK0011L8"]
    assert barcode_sequence("ABC998L9", LTO9, 2) == ["ABC998L9", "ABC999L9"]
    with pytest.raises(PlanError, match="run past ABC999"):
        barcode_sequence("ABC999", LTO9, 2)
    with pytest.raises(PlanError, match="end in digits"):
        barcode_sequence("ABCDEF", LTO9, 1)


def synthetic(count: int, size: int) -> Iterator[TapeItem]:
    """A plan's input without files on disk: count files of size bytes, 1,000 to a folder."""
    for number in range(count):
        if number % 1000 == 0:
            yield TapeItem(FOLDER, f"Shoot/Card{number // 1000:04d}", "/nowhere")
        path = f"Shoot/Card{number // 1000:04d}/C{number:07d}.mov"
        yield TapeItem(FILE, path, "/nowhere/" + path, size, 0, 0, size)


def test_a_big_plan_keeps_only_per_tape_totals_in_memory(tmp_path: Path) -> None:
    count = 30_000
    tracemalloc.start()
    try:
        plan = plan_tapes(synthetic(count, 10 << 20), tmp_path / "plan", LTO9, 40 * 10**9)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    starts = sum(1 for t in plan.tapes for i in plan.items(t.number) if i.kind == FILE and i.offset == 0)
    assert starts == count and sum(t.files for t in plan.tapes) == count + sum(t.spanned for t in plan.tapes) // 2
    assert len(plan.tapes) == 8
    assert peak < 4 << 20  # a list of the 30,000 items alone would take over 10 MB
    first = next(plan.items(1))
    assert first.kind == FOLDER and first.path == "Shoot/Card0000"
    assert plan.tapes[0].allowance >= metadata_allowance("Shoot/Card0000/C0000000.mov") * plan.tapes[0].files
