"""A verification pass and its report: every file listed with its tape, start block, digest and result, in HTML,
PDF and CSV; a damaged record named; a cancelled pass says which files were not checked."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pypdf

from app.core.progress import CancelToken
from app.tape.profiles import LTO8
from app.tape.simulated import SimulatedTape
from app.tape.verification import files_in_tape_order, verify_volume, write_reports
from app.tape.volume import format_volume, read_volume
from app.tape.write_files import write_folder

RECORD = 64 << 10


def _written(tmp_path: Path) -> SimulatedTape:
    project = tmp_path / "Day 04"
    (project / "D001").mkdir(parents=True)
    for number in range(1, 4):
        (project / "D001" / f"D001C00{number}.mov").write_bytes(os.urandom(RECORD * number + 5))
    (project / "read me.txt").write_text("notes")
    tape = SimulatedTape.create(tmp_path / "RK0020L8", LTO8)
    format_volume(tape, "RK0020L8", block_size=RECORD)
    write_folder(tape, project)
    return tape


def _csv(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_a_clean_pass_and_a_damaged_record_in_the_reports(tmp_path: Path) -> None:
    tape = _written(tmp_path)
    volume = read_volume(tape)
    order = files_in_tape_order(volume.index)
    assert [p for p, _e in order] == ["Day 04/read me.txt", "Day 04/D001/D001C001.mov", "Day 04/D001/D001C002.mov",
                                      "Day 04/D001/D001C003.mov"]  # as written: along the tape
    clean = verify_volume(tape, volume, "RK0020L8")
    assert clean.ok and clean.files == 4 and clean.bytes == RECORD * 6 + 15 + 5
    html = write_reports(clean, tmp_path / "reports")
    rows = _csv(html.with_suffix(".csv"))
    assert rows[0] == ["File", "Tape", "Start block", "Bytes", "xxh128", "Result"]
    assert [r[5] for r in rows[1:]] == ["ok"] * 4 and rows[1][:3] == ["Day 04/read me.txt", "RK0020L8", "b:7"]
    assert "Result" in html.read_text() and ">OK<" in html.read_text()

    clip = order[2][1]
    record = tmp_path / "RK0020L8" / f"1_{clip.extents[0].start_block + 1}_R"
    damaged = bytearray(record.read_bytes())
    damaged[100] ^= 0xFF
    record.write_bytes(bytes(damaged))
    bad = verify_volume(SimulatedTape.open(tmp_path / "RK0020L8"), volume, "RK0020L8")
    assert bad.complete and not bad.ok and list(bad.problems) == ["Day 04/D001/D001C002.mov"]
    html = write_reports(bad, tmp_path / "reports2")
    rows = _csv(html.with_suffix(".csv"))
    assert rows[3][0] == "Day 04/D001/D001C002.mov" and rows[3][5].startswith("xxh128 is ")
    text = "".join(page.extract_text() for page in pypdf.PdfReader(html.with_suffix(".pdf")).pages)
    assert "1 DAMAGED" in text and "D001C002.mov" in text


def test_a_cancelled_pass_lists_what_was_not_checked(tmp_path: Path) -> None:
    tape = _written(tmp_path)
    volume = read_volume(tape)
    token = CancelToken()
    seen: list[str] = []

    def stop_after_two(_count: int, path: str) -> None:
        seen.append(path)
        if len(seen) == 2:
            token.cancel()

    partial = verify_volume(tape, volume, "RK0020L8", token, stop_after_two)
    assert not partial.complete and partial.files == 2 and not partial.ok
    rows = _csv(write_reports(partial, tmp_path / "r").with_suffix(".csv"))
    assert [r[5] for r in rows[1:]] == ["ok", "ok", "not checked", "not checked"]
