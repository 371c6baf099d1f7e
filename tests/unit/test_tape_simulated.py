"""The simulated cartridge in the LTFS reference implementation's file-backend layout, on a real folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.tape.profiles import LTO9, TapeError
from app.tape.simulated import FILEMARK_READ, EndOfData, SimulatedTape, TapeFull


def test_records_filemarks_and_end_of_data_are_files_named_as_the_reference_names_them(tmp_path: Path) -> None:
    folder = tmp_path / "L9TAPE"
    tape = SimulatedTape.create(folder, LTO9, capacity=10 * 10**6)
    tape.locate(1, 0)
    tape.write_record(b"VOL1")
    tape.write_filemarks(1)
    tape.write_record(b"x" * 1000)
    tape.write_record(b"y" * 10)
    assert sorted(p.name for p in folder.glob("1_*")) == ["1_0_R", "1_1_F", "1_2_R", "1_3_R", "1_4_E"]
    assert (folder / "1_2_R").read_bytes() == b"x" * 1000 and (folder / "1_1_F").stat().st_size == 0
    assert sorted(p.name for p in folder.glob("0_*")) == ["0_0_E"]
    conf = (folder / "filedebug_tc_conf.xml").read_text()
    assert "<cart_type>L9</cart_type>" in conf and "<density_code>60</density_code>" in conf
    assert "<capacity_mb>10</capacity_mb>" in conf

    again = SimulatedTape.open(folder)  # a reload reads what is there
    assert again.generation is LTO9 and again.eod(1) == 4 and again.eod(0) == 0 and again.used == 1014
    again.locate(1, 0)
    assert [again.read_record() for _ in range(4)] == [b"VOL1", FILEMARK_READ, b"x" * 1000, b"y" * 10]
    with pytest.raises(EndOfData):
        again.read_record()

    again.locate(1, 2)  # writing in the middle removes everything after, as on a tape
    again.write_record(b"z")
    assert sorted(p.name for p in folder.glob("1_*")) == ["1_0_R", "1_1_F", "1_2_R", "1_3_E"]
    assert again.used == 5
    with pytest.raises(TapeError, match="past the end of data"):
        again.locate(1, 9)


def test_a_full_cartridge_refuses_the_record_and_keeps_what_it_has(tmp_path: Path) -> None:
    tape = SimulatedTape.create(tmp_path / "t", LTO9, capacity=2 * 10**6)
    tape.locate(1, 0)
    tape.write_record(b"a" * 1_500_000)
    with pytest.raises(TapeFull, match="the cartridge is full"):
        tape.write_record(b"b" * 600_000)
    assert tape.block == 1 and not (tmp_path / "t" / "1_1_R").exists() and tape.remaining == 500_000


def test_cartridge_memory_attributes_are_scsi_attributes(tmp_path: Path) -> None:
    tape = SimulatedTape.create(tmp_path / "t", LTO9)
    tape.write_attribute(0, 0x0806, b"RK0001L9".ljust(32), form=1)
    assert (tmp_path / "t" / "attr_0_806").read_bytes()[:5] == b"\x08\x06\x01\x00\x20"
    assert SimulatedTape.open(tmp_path / "t").read_attribute(0, 0x0806) == b"RK0001L9".ljust(32)
    assert tape.read_attribute(1, 0x080C) is None


def test_a_folder_that_is_not_a_cartridge_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TapeError, match="is not a simulated cartridge"):
        SimulatedTape.open(tmp_path)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "photo.jpg").write_bytes(b"x")
    with pytest.raises(TapeError, match="not empty"):
        SimulatedTape.create(tmp_path / "busy")
    old = tmp_path / "lto5"
    old.mkdir()
    (old / "filedebug_tc_conf.xml").write_text("<filedebug_cartridge_config><cart_type>L5</cart_type>"
                                               "<capacity_mb>3072</capacity_mb></filedebug_cartridge_config>")
    with pytest.raises(TapeError, match="cartridge type L5; Reelkeep writes LTO8 and LTO9"):
        SimulatedTape.open(old)
