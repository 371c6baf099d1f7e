"""The Linux st driver glue: what can be checked without a drive (none is attached here; docs/tape.md)."""

from __future__ import annotations

import pytest

from app.tape.profiles import TapeError
from app.tape.st_device import MTIOCGET, MTIOCPOS, MTIOCTOP, StTape


def test_request_numbers_are_the_kernels() -> None:
    # The values <linux/mtio.h> gives on 64-bit Linux (struct mtop 8 bytes, mtget 48, mtpos 8).
    assert (MTIOCTOP, MTIOCGET, MTIOCPOS) == (0x40086D01, 0x80306D02, 0x80086D03)


def test_a_device_that_is_not_a_tape_drive_is_named(tmp_path) -> None:
    with pytest.raises(TapeError, match="/dev/null is not a tape drive"):
        StTape("/dev/null")
    with pytest.raises(TapeError, match="cannot open the drive .*nst9"):
        StTape(str(tmp_path / "nst9"))
