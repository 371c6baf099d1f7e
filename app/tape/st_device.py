"""A real drive through the Linux SCSI tape driver (`st`, `/dev/nstN`: the non-rewinding device), behind the same
calls as the simulated cartridge: records are read and written in variable-block mode (one write(2), one record),
partitions and blocks are reached with MTSETPART and MTSEEK (a SCSI LOCATE), filemarks with MTWEOF.

Untested here — no drive on this machine; only the parts that need none (request numbers, a device that is not a
tape) are tested. Thin on purpose, what it lacks is stated: cartridge memory (MAM) needs SCSI READ/WRITE
ATTRIBUTE through SG_IO, so attributes read as absent and are not written (LTFS readers then find the index by
filemarks, slower but correct); the space left is estimated from the end-of-data block, as st offers no capacity
log page; partitioning (MTMKPART) is left to the drive vendor's tools or `mkltfs`.
"""

from __future__ import annotations

import errno
import fcntl
import os
import struct

from app.tape.profiles import GENERATIONS, Generation, TapeError
from app.tape.simulated import FILEMARK_READ, EndOfData, Filemark, TapeFull

# <linux/mtio.h>
MTWEOF, MTEOM, MTSETBLK, MTSEEK, MTSETPART, MTBSF = 5, 12, 20, 22, 33, 2
_MTOP = struct.Struct("hi")  # struct mtop { short mt_op; int mt_count; }
_MTGET = struct.Struct("lllllii")  # struct mtget: type, resid, dsreg, gstat, erreg, fileno, blkno
_MTPOS = struct.Struct("l")  # struct mtpos { long mt_blkno; }
DENSITY_MASK, DENSITY_SHIFT = 0xFF000000, 24
MAX_RECORD = 1 << 20


def _ioc(direction: int, number: int, size: int) -> int:
    """The kernel's _IOC(dir, 'm', nr, size)."""
    return (direction << 30) | (size << 16) | (ord("m") << 8) | number


MTIOCTOP = _ioc(1, 1, _MTOP.size)  # _IOW
MTIOCGET = _ioc(2, 2, _MTGET.size)  # _IOR
MTIOCPOS = _ioc(2, 3, _MTPOS.size)  # _IOR


class StTape:
    """A cartridge loaded in a drive at /dev/nstN."""

    def __init__(self, device: str) -> None:
        self.device = device
        try:
            self._fd = os.open(device, os.O_RDWR)
        except OSError as exc:
            raise TapeError(f"cannot open the drive {device}: {exc.strerror} (is a cartridge loaded, and may this "
                            "user use the drive?)") from None
        try:
            status = _MTGET.unpack(fcntl.ioctl(self._fd, MTIOCGET, bytes(_MTGET.size)))
        except OSError as exc:
            os.close(self._fd)
            if exc.errno == errno.ENOTTY:
                raise TapeError(f"{device} is not a tape drive (give /dev/nstN, the non-rewinding st device)") from None
            raise TapeError(f"{device}: the drive does not answer ({exc.strerror})") from None
        density = (status[2] & DENSITY_MASK) >> DENSITY_SHIFT
        found = next((g for g in GENERATIONS.values() if g.density_code == density), None)
        if found is None:
            os.close(self._fd)
            raise TapeError(f"{device}: the cartridge's density code is {density:#x}; Reelkeep writes LTO-8 (0x5e) "
                            "and LTO-9 (0x60)")
        self.generation: Generation = found
        self.capacity = found.native_capacity
        self.partition = 0
        self._op(MTSETBLK, 0)  # variable block mode: each write is one record of its own size

    def close(self) -> None:
        os.close(self._fd)

    def _op(self, operation: int, count: int) -> None:
        try:
            fcntl.ioctl(self._fd, MTIOCTOP, _MTOP.pack(operation, count))
        except OSError as exc:
            raise TapeError(f"{self.device}: tape operation {operation} failed ({exc.strerror})") from None

    @property
    def block(self) -> int:
        return _MTPOS.unpack(fcntl.ioctl(self._fd, MTIOCPOS, bytes(_MTPOS.size)))[0]

    def locate(self, partition: int, block: int) -> None:
        if partition != self.partition:
            self._op(MTSETPART, partition)
            self.partition = partition
        self._op(MTSEEK, block)

    def eod(self, partition: int) -> int:
        self.locate(partition, 0)
        self._op(MTEOM, 1)
        return self.block

    def seek_eod(self, partition: int) -> None:
        self.eod(partition)

    def filemark_blocks(self, partition: int) -> list[int]:
        """The partition's last four filemarks (all an LTFS reader needs: those around the last index), found by
        spacing back from the end of data."""
        found: list[int] = []
        self.eod(partition)
        for _ in range(4):
            try:
                fcntl.ioctl(self._fd, MTIOCTOP, _MTOP.pack(MTBSF, 1))
            except OSError:
                break  # the beginning of the partition
            found.append(self.block)
        return sorted(found)

    @property
    def remaining(self) -> int:
        used = self.eod(1) * MAX_RECORD // 2  # records average about half the largest; an estimate
        return max(0, self.generation.usable_capacity - used)

    def write_record(self, data: bytes | memoryview) -> None:
        try:
            written = os.write(self._fd, data)
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise TapeFull(f"{self.device}: the cartridge is full (early warning reached)") from None
            raise TapeError(f"{self.device}: write failed ({exc.strerror})") from None
        if written != len(data):
            raise TapeError(f"{self.device}: the drive took {written} of {len(data)} bytes of a record")

    def write_filemarks(self, count: int = 1) -> None:
        self._op(MTWEOF, count)

    def read_record(self) -> bytes | Filemark:
        try:
            data = os.read(self._fd, MAX_RECORD)
        except OSError as exc:
            if exc.errno in (errno.EIO, errno.ENOSPC):
                raise EndOfData(f"{self.device}: end of data on partition {self.partition}") from None
            raise TapeError(f"{self.device}: read failed ({exc.strerror})") from None
        return data if data else FILEMARK_READ  # st reads a filemark as 0 bytes and moves past it

    def read_attribute(self, partition: int, identifier: int) -> bytes | None:
        return None  # MAM needs SG_IO (module docstring)

    def write_attribute(self, partition: int, identifier: int, value: bytes, form: int = 0) -> None:
        return None

    @property
    def volume_change_reference(self) -> int:
        return 0
