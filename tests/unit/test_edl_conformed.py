"""The conformed EDL's event lines: short unique CMX reels per extracted file, FROM/TO names on transitions,
the outgoing side pointed at an extract only when that file holds the transition's frames."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from app.core.timecode import to_frames
from app.ingest.extract import ExtractedFile
from app.interchange.cmx3600 import parse_edl
from app.interchange.edl_conformed import conformed_edl

F25 = Fraction(25)
EDL = """TITLE: SHAPES
FCM: NON-DROP FRAME

001  A001     V     C        01:00:00:00 01:00:01:00 10:00:00:00 10:00:01:00
* FROM CLIP NAME: a.mov
002  A001     V     C        01:00:01:00 01:00:01:00 10:00:01:00 10:00:01:00
002  B001     V     D    010 02:00:00:00 02:00:01:00 10:00:01:00 10:00:02:00
* FROM CLIP NAME: a.mov
* TO CLIP NAME: b.mov
003  B001     V     C        02:00:01:00 02:00:01:00 10:00:02:00 10:00:02:00
003  C001     V     W001 020 03:00:00:00 03:00:01:00 10:00:02:00 10:00:03:00
* FROM CLIP NAME: b.mov
* TO CLIP NAME: c.mov
004  E005     V     C        04:00:00:00 04:00:01:00 10:00:03:00 10:00:04:00
005  BL       V     C        00:00:00:00 00:00:00:00 10:00:04:00 10:00:04:00
005  D001     V     D    005 05:00:00:00 05:00:01:00 10:00:04:00 10:00:05:00
* TO CLIP NAME: d.mov
006  F001     V     C        06:00:00:00 06:00:00:00 10:00:05:00 10:00:05:00
006  G001     V     K        07:00:00:00 07:00:01:00 10:00:05:00 10:00:06:00
* FROM CLIP NAME: f.mov
* TO CLIP NAME: g.mov
"""


def _output(path: str, start_tc: str, frames: int) -> ExtractedFile:
    first = to_frames(start_tc, F25)
    return ExtractedFile(Path(path), 1, 1, first, first + frames - 1, start_tc, True)


def test_reels_names_and_outgoing_sides() -> None:
    doc = parse_edl(EDL, F25)
    events = {f"{e.number:03d}_{e.reel}": e for e in doc.events if e.reel not in ("E005", "BL")}
    assert list(events) == ["001_A001", "002_B001", "003_C001", "005_D001", "006_G001"]
    outputs = {
        "001_A001": _output("/out/001_A001_a.mov", "01:00:00:00", 25 + 12),  # 12 frames of handle: covers the D
        "002_B001": _output("/out/002_B001_b.mov", "02:00:00:00", 25 + 12),  # 12: not the wipe's 20
        "003_C001": _output("/out/003_C001_c.mov", "03:00:00:00", 25),
        "005_D001": _output("/out/005_D001_d.mov", "05:00:00:00", 25),
        "006_G001": _output("/out/006_G001_g.mov", "07:00:00:00", 25),
    }
    text = conformed_edl(doc, events, outputs)
    lines = [line for line in text.splitlines() if line[:3].isdigit()]
    assert [line.split()[1] for line in lines] == [
        "E001", "E001", "E002", "B001", "E003", "E005", "BL", "E005A", "E006"]  # E005 is event 4's own reel
    assert len({len(line) for line in lines}) == 1  # every reel fits its 8 columns
    again = parse_edl(text, F25)
    assert not again.errors and len(again.events) == len(doc.events)
    names = [(e.reel, e.clip_name, e.to_clip_name, e.source_file) for e in again.events]
    assert names == [
        ("E001", "001_A001_a.mov", None, "/out/001_A001_a.mov"),
        ("E002", "001_A001_a.mov", "002_B001_b.mov", "/out/002_B001_b.mov"),
        ("E003", "b.mov", "003_C001_c.mov", "/out/003_C001_c.mov"),  # B's file ends before the wipe does
        ("E005", None, None, None),  # not extracted: as it was
        ("E005A", None, "005_D001_d.mov", "/out/005_D001_d.mov"),
        ("E006", "006_G001_g.mov", None, "/out/006_G001_g.mov"),  # a key is written as its own line
    ]
    assert [e.outgoing.reel if e.outgoing else None for e in again.events] == [
        None, "E001", "B001", None, "BL", None]
    keep = ("number", "track", "transition", "transition_code", "transition_frames", "source_in", "source_out",
            "record_in", "record_out")
    assert [[getattr(e, k) for k in keep] for e in again.events] == [[getattr(e, k) for k in keep]
                                                                     for e in doc.events]
