"""The LTFS label construct at the start of both partitions: an 80-byte ANSI VOL1 label, a filemark, the
`<ltfslabel>` XML, a filemark (LTFS Format Specification 2.4, "Label construct")."""

from __future__ import annotations

import uuid as uuid_module
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree import ElementTree

from app.tape.profiles import TapeError

FORMAT_VERSION = "2.4.0"
PARTITION_LETTERS = ("a", "b")  # LTFS names partition 0 (index) a and partition 1 (data) b
_VOLSER_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def ltfs_time(moment: datetime | None = None) -> str:
    """LTFS's time format: UTC with nanoseconds, e.g. 2026-12-04T03:41:41.333666459Z."""
    moment = (moment or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond * 1000:09d}Z"


def volume_serial(barcode: str) -> str:
    """The six-character volume serial of a barcode ('RK0001L9' → 'RK0001')."""
    volser = barcode.strip().upper()[:6]
    if len(volser) != 6 or not set(volser) <= _VOLSER_CHARS:
        raise TapeError(f"{barcode!r} is not a usable barcode: six letters or digits, then the media type "
                        "(e.g. RK0001L9)")
    return volser


def vol1_label(volser: str) -> bytes:
    """The 80-byte VOL1 record: serial, accessibility 'L', implementation 'LTFS', label standard '4'."""
    record = f"VOL1{volser:<6}L{'':13}{'LTFS':<13}{'':14}{'':28}4"
    assert len(record) == 80
    return record.encode("ascii")


@dataclass(frozen=True)
class VolumeLabel:
    creator: str
    format_time: str
    volume_uuid: str
    block_size: int
    compression: bool = False

    @staticmethod
    def new(creator: str, block_size: int) -> VolumeLabel:
        return VolumeLabel(creator, ltfs_time(), str(uuid_module.uuid4()), block_size)

    def xml(self, partition: int) -> bytes:
        root = ElementTree.Element("ltfslabel", version=FORMAT_VERSION)
        ElementTree.SubElement(root, "creator").text = self.creator
        ElementTree.SubElement(root, "formattime").text = self.format_time
        ElementTree.SubElement(root, "volumeuuid").text = self.volume_uuid
        location = ElementTree.SubElement(root, "location")
        ElementTree.SubElement(location, "partition").text = PARTITION_LETTERS[partition]
        partitions = ElementTree.SubElement(root, "partitions")
        ElementTree.SubElement(partitions, "index").text = PARTITION_LETTERS[0]
        ElementTree.SubElement(partitions, "data").text = PARTITION_LETTERS[1]
        ElementTree.SubElement(root, "blocksize").text = str(self.block_size)
        ElementTree.SubElement(root, "compression").text = "true" if self.compression else "false"
        ElementTree.indent(root, "    ")
        return ElementTree.tostring(root, encoding="UTF-8", xml_declaration=True) + b"\n"

    @staticmethod
    def parse(data: bytes) -> VolumeLabel:
        root = parse_xml(data, "ltfslabel", "LTFS label")
        try:
            return VolumeLabel(root.findtext("creator") or "", root.findtext("formattime") or "",
                               (root.findtext("volumeuuid") or "").strip(), int(root.findtext("blocksize") or "0"),
                               (root.findtext("compression") or "").strip() == "true")
        except ValueError:
            raise TapeError("the LTFS label has no valid block size") from None


def parse_xml(data: bytes, tag: str, what: str) -> ElementTree.Element:
    """The root element of an LTFS XML record, which must be <tag>; TapeError naming `what` otherwise."""
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise TapeError(f"the {what} cannot be read: {exc}") from None
    if root.tag != tag:
        raise TapeError(f"not an {what} (<{root.tag}>)")
    return root
