"""A tape cartridge simulated in a folder, in the layout of the LTFS reference implementation's file backend
(`mkltfs -e file -d FOLDER`), so tests and demos need no drive and the reference tools (ltfsck) can check what
Reelkeep writes:

- the object at block n of partition p is one file: `p_n_R` (a record: exactly its bytes), `p_n_F` (a filemark,
  empty) or `p_n_E` (end of data, empty);
- writing at block n removes everything at and above n in that partition, then the new end of data follows;
- `filedebug_tc_conf.xml` describes the cartridge (type L8/L9, density code, capacity in MB);
- `attr_p_ID` files hold the cartridge memory (MAM) attributes, one SCSI attribute each (identifier, format,
  length, value), e.g. the volume coherency information LTFS keeps per partition.

Partition 0 is LTFS's index partition, 1 its data partition. Capacity counts the records of both partitions.
"""

from __future__ import annotations

import contextlib
import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from app.tape.profiles import GENERATIONS, LTO8, Generation, TapeError

CONF = "filedebug_tc_conf.xml"
_OBJECT = re.compile(r"([01])_([0-9]+)_([RFE])")
RECORD, FILEMARK, END = "R", "F", "E"
VOLUME_CHANGE_REFERENCE = 0x0009


class EndOfData(TapeError):
    """Reading went past the last thing written on the partition."""


class TapeFull(TapeError):
    """The cartridge has no room for this record (the write did not happen)."""


@dataclass(frozen=True)
class Filemark:
    """What read_record gives at a filemark (the position moves past it)."""


FILEMARK_READ = Filemark()


class SimulatedTape:
    """One simulated cartridge, loaded: a position (partition, block), records, filemarks and attributes."""

    def __init__(self, folder: Path, generation: Generation, capacity: int) -> None:
        self.folder = Path(folder)
        self.generation = generation
        self.capacity = capacity
        self.partition = 0
        self.block = 0
        self._objects: list[dict[int, str]] = [{}, {}]  # per partition: block → R | F | E
        self._changed = False  # written since load (the drive then bumps the volume change reference once)
        self._sizes: dict[tuple[int, int], int] = {}
        self._used = 0  # the sum of _sizes, kept as records come and go (a write checks it for every record)
        self._scan()

    # ---- a cartridge
    @classmethod
    def create(cls, folder: Path, generation: Generation = LTO8, capacity: int | None = None) -> SimulatedTape:
        """A new blank cartridge in an empty (or new) folder; capacity defaults to the generation's native one."""
        folder = Path(folder)
        if folder.exists() and any(folder.iterdir()):
            raise TapeError(f"{folder} is not empty: a simulated cartridge needs a folder of its own")
        folder.mkdir(parents=True, exist_ok=True)
        capacity = generation.native_capacity if capacity is None else capacity
        root = ElementTree.Element("filedebug_cartridge_config")
        for name, value in (("dummy_io", "false"), ("emulate_readonly", "false"),
                            ("capacity_mb", str(max(1, capacity // 10**6))), ("cart_type", generation.cartridge_type),
                            ("density_code", f"{generation.density_code:x}")):
            ElementTree.SubElement(root, name).text = value
        ElementTree.indent(root)
        (folder / CONF).write_bytes(ElementTree.tostring(root, encoding="UTF-8", xml_declaration=True) + b"\n")
        for partition in (0, 1):
            (folder / f"{partition}_0_{END}").touch()
        return cls(folder, generation, capacity)

    @classmethod
    def open(cls, folder: Path) -> SimulatedTape:
        folder = Path(folder)
        try:
            root = ElementTree.parse(folder / CONF).getroot()
        except (OSError, ElementTree.ParseError) as exc:
            raise TapeError(f"{folder} is not a simulated cartridge (no readable {CONF}: {exc})") from None
        cart = (root.findtext("cart_type") or "").strip()
        generation = next((g for g in GENERATIONS.values() if g.cartridge_type == cart), None)
        if generation is None:
            raise TapeError(f"{folder}: cartridge type {cart or 'unknown'}; Reelkeep writes LTO8 and LTO9 (L8, L9)")
        try:
            capacity = int(root.findtext("capacity_mb") or "0") * 10**6
        except ValueError:
            raise TapeError(f"{folder}: {CONF} has no valid capacity_mb") from None
        return cls(folder, generation, capacity)

    def _scan(self) -> None:
        try:
            names = os.listdir(self.folder)
        except OSError as exc:
            raise TapeError(f"cannot read the cartridge {self.folder}: {exc.strerror}") from None
        for name in names:
            match = _OBJECT.fullmatch(name)
            if match:
                partition, block, kind = int(match.group(1)), int(match.group(2)), match.group(3)
                self._objects[partition][block] = kind
                if kind == RECORD:
                    self._sizes[partition, block] = os.stat(self.folder / name).st_size
                    self._used += self._sizes[partition, block]
        for partition in (0, 1):
            if END not in self._objects[partition].values():
                self._objects[partition][self.eod(partition)] = END

    # ---- where things are
    def eod(self, partition: int) -> int:
        """The block of the partition's end of data."""
        objects = self._objects[partition]
        ends = [block for block, kind in objects.items() if kind == END]
        return min(ends) if ends else (max(objects) + 1 if objects else 0)

    def filemark_blocks(self, partition: int) -> list[int]:
        """The blocks of the partition's filemarks, in order (what spacing over filemarks finds on a drive)."""
        return sorted(block for block, kind in self._objects[partition].items() if kind == FILEMARK)

    @property
    def used(self) -> int:
        return self._used

    @property
    def remaining(self) -> int:
        return max(0, self.capacity - self.used)

    def locate(self, partition: int, block: int) -> None:
        if partition not in (0, 1):
            raise TapeError(f"partition {partition}: an LTFS tape has partitions 0 and 1")
        if not 0 <= block <= self.eod(partition):
            raise TapeError(f"block {block} is past the end of data of partition {partition} "
                            f"({self.eod(partition)})")
        self.partition, self.block = partition, block

    def seek_eod(self, partition: int) -> None:
        self.locate(partition, self.eod(partition))

    # ---- writing
    def write_record(self, data: bytes | memoryview) -> None:
        if len(data) > self.remaining:
            raise TapeFull(f"the cartridge is full: {len(data):,} bytes do not fit in the {self.remaining:,} left")
        self._truncate()
        path = self.folder / f"{self.partition}_{self.block}_{RECORD}"
        try:
            with open(path, "wb") as out:
                out.write(data)
        except OSError as exc:
            with contextlib.suppress(OSError):
                path.unlink()
            raise TapeError(f"cannot write to the simulated cartridge {self.folder}: {exc.strerror}") from None
        self._placed(RECORD, len(data))

    def write_filemarks(self, count: int = 1) -> None:
        for _ in range(count):
            self._truncate()
            (self.folder / f"{self.partition}_{self.block}_{FILEMARK}").touch()
            self._placed(FILEMARK, 0)

    def _truncate(self) -> None:
        """Writing at this block: everything at and above it in the partition goes (as on a tape)."""
        if not self._changed:
            self._changed = True
            self.write_attribute(0, VOLUME_CHANGE_REFERENCE, struct.pack(">I", self.volume_change_reference + 1))
        objects = self._objects[self.partition]
        if objects.get(self.block) == END and self.block + 1 not in objects:  # appending: only the end marker
            del objects[self.block]
            with contextlib.suppress(FileNotFoundError):
                (self.folder / f"{self.partition}_{self.block}_{END}").unlink()
            return
        for block in [b for b in objects if b >= self.block]:
            kind = objects.pop(block)
            self._used -= self._sizes.pop((self.partition, block), 0)
            with contextlib.suppress(FileNotFoundError):
                (self.folder / f"{self.partition}_{block}_{kind}").unlink()

    def _placed(self, kind: str, size: int) -> None:
        objects = self._objects[self.partition]
        objects[self.block] = kind
        if kind == RECORD:
            self._sizes[self.partition, self.block] = size
            self._used += size
        self.block += 1
        (self.folder / f"{self.partition}_{self.block}_{END}").touch()
        objects[self.block] = END

    # ---- reading
    def read_record(self) -> bytes | Filemark:
        """The record at the position (and move past it), FILEMARK_READ at a filemark; EndOfData at the end."""
        kind = self._objects[self.partition].get(self.block)
        if kind is None or kind == END:
            raise EndOfData(f"end of data on partition {self.partition} at block {self.block}")
        name = f"{self.partition}_{self.block}_{kind}"
        self.block += 1
        if kind == FILEMARK:
            return FILEMARK_READ
        try:
            return (self.folder / name).read_bytes()
        except OSError as exc:
            raise TapeError(f"cannot read block {self.block - 1} of partition {self.partition}: "
                            f"{exc.strerror}") from None

    def record_size(self, partition: int, block: int) -> int | None:
        return self._sizes.get((partition, block))

    # ---- cartridge memory (MAM)
    def write_attribute(self, partition: int, identifier: int, value: bytes, form: int = 0) -> None:
        """One MAM attribute (form: 0 binary, 1 ASCII, 2 text), stored as the SCSI attribute it would be."""
        header = struct.pack(">HBH", identifier, form, len(value))
        (self.folder / f"attr_{partition}_{identifier:x}").write_bytes(header + value)

    @property
    def volume_change_reference(self) -> int:
        """The drive's count of write passes over this cartridge (MAM 0x0009), which LTFS's coherency records
        quote so a mount can trust them."""
        value = self.read_attribute(0, VOLUME_CHANGE_REFERENCE)
        return int.from_bytes(value, "big") if value else 0

    def read_attribute(self, partition: int, identifier: int) -> bytes | None:
        try:
            data = (self.folder / f"attr_{partition}_{identifier:x}").read_bytes()
        except FileNotFoundError:
            return None
        _id, _form, length = struct.unpack(">HBH", data[:5])
        return data[5:5 + length]
