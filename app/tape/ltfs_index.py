"""The LTFS index (LTFS Format Specification 2.4, "Index"): the volume's whole file tree as XML, written after the
data it describes, generation after generation, each pointing back at the previous one. Written in the element
order the reference implementation writes; read tolerantly (unknown elements are skipped, as the spec asks of
readers of a newer minor version).

Names are NFC. A name with ':' or a control character is percent-encoded as the reference implementation does it
(encode_name) and marked `percentencoded="true"`. Children are written in file-uid order; the root's uid is 1.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO
from xml.etree import ElementTree

from app.tape.ltfs_label import FORMAT_VERSION, PARTITION_LETTERS, parse_xml
from app.tape.profiles import TapeError


@dataclass(frozen=True)
class Extent:
    file_offset: int
    partition: int  # 0 (a) or 1 (b)
    start_block: int
    byte_offset: int
    byte_count: int


@dataclass
class Times:
    creation: str
    change: str
    modify: str
    access: str
    backup: str

    @staticmethod
    def all(moment: str) -> Times:
        return Times(moment, moment, moment, moment, moment)


@dataclass
class FileEntry:
    name: str
    uid: int
    times: Times
    length: int = 0
    extents: list[Extent] = field(default_factory=list)
    xattrs: dict[str, str] = field(default_factory=dict)
    symlink: str | None = None
    readonly: bool = False


@dataclass
class DirectoryEntry:
    name: str
    uid: int
    times: Times
    files: list[FileEntry] = field(default_factory=list)
    directories: list[DirectoryEntry] = field(default_factory=list)
    xattrs: dict[str, str] = field(default_factory=dict)
    readonly: bool = False

    def walk(self, prefix: str = "") -> Iterator[tuple[str, FileEntry | DirectoryEntry]]:
        """(path, entry) of everything below, depth first; paths are '/'-joined names."""
        for directory in self.directories:
            path = f"{prefix}{directory.name}"
            yield path, directory
            yield from directory.walk(path + "/")
        for file in self.files:
            yield f"{prefix}{file.name}", file


@dataclass
class Location:
    partition: int
    start_block: int


@dataclass
class LtfsIndex:
    creator: str
    volume_uuid: str
    generation: int
    update_time: str
    location: Location
    root: DirectoryEntry
    previous: Location | None = None
    highest_uid: int = 1
    allow_policy_update: bool = True

    def xml(self) -> bytes:
        root = ElementTree.Element("ltfsindex", version=FORMAT_VERSION)
        _text(root, "creator", self.creator)
        _text(root, "volumeuuid", self.volume_uuid)
        _text(root, "generationnumber", str(self.generation))
        _text(root, "updatetime", self.update_time)
        _location(root, "location", self.location)
        if self.previous is not None:
            _location(root, "previousgenerationlocation", self.previous)
        _text(root, "allowpolicyupdate", _bool(self.allow_policy_update))
        _text(root, "highestfileuid", str(self.highest_uid))
        _text(root, "volumelockstate", "unlocked")
        _directory(root, self.root)
        return ElementTree.tostring(root, encoding="UTF-8", xml_declaration=True) + b"\n"

    @staticmethod
    def parse(data: bytes) -> LtfsIndex:
        root = parse_xml(data, "ltfsindex", "LTFS index")
        top = root.find("directory")
        if top is None:
            raise TapeError("the LTFS index has no root directory")
        try:
            previous = root.find("previousgenerationlocation")
            return LtfsIndex(root.findtext("creator") or "", (root.findtext("volumeuuid") or "").strip(),
                             int(root.findtext("generationnumber") or "0"), root.findtext("updatetime") or "",
                             _read_location(root.find("location")), _read_directory(top),
                             _read_location(previous) if previous is not None else None,
                             int(root.findtext("highestfileuid") or "0"),
                             (root.findtext("allowpolicyupdate") or "true").strip() == "true")
        except (ValueError, TypeError) as exc:
            raise TapeError(f"the LTFS index is damaged: {exc}") from None


# ---- writing
def _text(parent: ElementTree.Element, tag: str, value: str) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, tag)
    element.text = value
    return element


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _location(parent: ElementTree.Element, tag: str, location: Location) -> None:
    element = ElementTree.SubElement(parent, tag)
    _text(element, "partition", PARTITION_LETTERS[location.partition])
    _text(element, "startblock", str(location.start_block))


def _name(parent: ElementTree.Element, name: str) -> None:
    encoded, percent = encode_name(name)
    element = _text(parent, "name", encoded)
    if percent:
        element.set("percentencoded", "true")


def _times(parent: ElementTree.Element, times: Times) -> None:
    for tag, value in (("creationtime", times.creation), ("changetime", times.change),
                       ("modifytime", times.modify), ("accesstime", times.access), ("backuptime", times.backup)):
        _text(parent, tag, value)


def _xattrs(parent: ElementTree.Element, xattrs: dict[str, str]) -> None:
    if not xattrs:
        return
    element = ElementTree.SubElement(parent, "extendedattributes")
    for key, value in xattrs.items():
        xattr = ElementTree.SubElement(element, "xattr")
        _text(xattr, "key", key)
        _text(xattr, "value", value)


def _directory(parent: ElementTree.Element, directory: DirectoryEntry) -> None:
    element = ElementTree.SubElement(parent, "directory")
    _name(element, directory.name)
    _text(element, "readonly", _bool(directory.readonly))
    _times(element, directory.times)
    _text(element, "fileuid", str(directory.uid))
    _xattrs(element, directory.xattrs)
    contents = ElementTree.SubElement(element, "contents")
    children: list[DirectoryEntry | FileEntry] = [*directory.directories, *directory.files]
    for child in sorted(children, key=lambda entry: entry.uid):
        if isinstance(child, DirectoryEntry):
            _directory(contents, child)
        else:
            _file(contents, child)


def _file(parent: ElementTree.Element, file: FileEntry) -> None:
    element = ElementTree.SubElement(parent, "file")
    _name(element, file.name)
    _text(element, "length", str(file.length))
    _text(element, "readonly", _bool(file.readonly))
    _times(element, file.times)
    _text(element, "fileuid", str(file.uid))
    _xattrs(element, file.xattrs)
    if file.symlink is not None:
        _text(element, "symlink", file.symlink)
    if file.extents:
        info = ElementTree.SubElement(element, "extentinfo")
        for extent in file.extents:
            item = ElementTree.SubElement(info, "extent")
            _text(item, "fileoffset", str(extent.file_offset))
            _text(item, "partition", PARTITION_LETTERS[extent.partition])
            _text(item, "startblock", str(extent.start_block))
            _text(item, "byteoffset", str(extent.byte_offset))
            _text(item, "bytecount", str(extent.byte_count))


def encode_name(name: str) -> tuple[str, bool]:
    """(the name as the index holds it, whether it is percent-encoded). As the reference implementation does: a
    name with ':' or a control character other than TAB, LF and CR is encoded whole — every UTF-8 byte that is
    not printable ASCII, and space, '%' and ':', becomes %XX (uppercase); other names are kept as they are."""
    name = unicodedata.normalize("NFC", name)
    if not any(ch == ":" or (ord(ch) < 0x20 and ch not in "\t\n\r") for ch in name):
        return name, False
    return "".join(chr(b) if 0x21 <= b <= 0x7E and b not in (0x25, 0x3A) else f"%{b:02X}"
                   for b in name.encode("utf-8", "surrogateescape")), True


def decode_name(text: str, percent: bool) -> str:
    """The name a percent-encoded index name stands for (%00, %1F and %2F stay as they are: never in a name)."""
    if not percent:
        return unicodedata.normalize("NFC", text)
    raw = bytearray()
    index = 0
    while index < len(text):
        pair = text[index + 1:index + 3]
        if text[index] == "%" and len(pair) == 2 and all(c in "0123456789abcdefABCDEF" for c in pair) \
                and pair.upper() not in ("00", "1F", "2F"):
            raw.append(int(pair, 16))
            index += 3
        else:
            raw.extend(text[index].encode("utf-8"))
            index += 1
    return unicodedata.normalize("NFC", raw.decode("utf-8", "surrogateescape"))


# ---- reading
def _read_location(element: ElementTree.Element | None) -> Location:
    if element is None:
        raise ValueError("no location")
    return Location(PARTITION_LETTERS.index((element.findtext("partition") or "").strip()),
                    int(element.findtext("startblock") or "0"))


def _read_name(element: ElementTree.Element) -> str:
    name = element.find("name")
    if name is None:
        return ""
    return decode_name(name.text or "", name.get("percentencoded") == "true")


def _read_times(element: ElementTree.Element) -> Times:
    return Times(*(element.findtext(tag) or "" for tag in
                   ("creationtime", "changetime", "modifytime", "accesstime", "backuptime")))


def _read_xattrs(element: ElementTree.Element) -> dict[str, str]:
    found = {}
    for xattr in element.findall("extendedattributes/xattr"):
        key = xattr.findtext("key")
        if key is not None:
            found[key] = xattr.findtext("value") or ""
    return found


def _read_directory(element: ElementTree.Element) -> DirectoryEntry:
    directory = DirectoryEntry(_read_name(element), int(element.findtext("fileuid") or "0"), _read_times(element),
                               xattrs=_read_xattrs(element),
                               readonly=(element.findtext("readonly") or "").strip() == "true")
    contents = element.find("contents")
    for child in contents if contents is not None else ():
        if child.tag == "directory":
            directory.directories.append(_read_directory(child))
        elif child.tag == "file":
            directory.files.append(_read_file(child))
    return directory


def _read_file(element: ElementTree.Element) -> FileEntry:
    extents = [Extent(int(e.findtext("fileoffset") or "0"),
                      PARTITION_LETTERS.index((e.findtext("partition") or "").strip()),
                      int(e.findtext("startblock") or "0"), int(e.findtext("byteoffset") or "0"),
                      int(e.findtext("bytecount") or "0"))
               for e in element.findall("extentinfo/extent")]
    return FileEntry(_read_name(element), int(element.findtext("fileuid") or "0"), _read_times(element),
                     int(element.findtext("length") or "0"), extents, _read_xattrs(element),
                     element.findtext("symlink"), (element.findtext("readonly") or "").strip() == "true")


# ---- streaming (an index of a million files is hundreds of MB of XML: imports read it element by element)
@dataclass(frozen=True)
class IndexHeader:
    creator: str
    volume_uuid: str
    generation: int
    update_time: str
    root_xattrs: dict[str, str]


def read_index_header(source: BinaryIO) -> IndexHeader:
    """The index's own fields and its root folder's attributes, reading no further than the root's contents."""
    fields: dict[str, str] = {}
    try:
        for event, element in ElementTree.iterparse(source, events=("start", "end")):
            if event == "start" and element.tag == "contents":
                break
            if event == "end" and element.tag in ("creator", "volumeuuid", "generationnumber", "updatetime"):
                fields[element.tag] = (element.text or "").strip()
            if event == "end" and element.tag == "extendedattributes":
                xattrs = {x.findtext("key") or "": x.findtext("value") or "" for x in element.findall("xattr")}
                fields.update({f"xattr:{k}": v for k, v in xattrs.items()})
    except ElementTree.ParseError as exc:
        raise TapeError(f"the LTFS index cannot be read: {exc}") from None
    try:
        generation = int(fields.get("generationnumber", "0"))
    except ValueError:
        raise TapeError("the LTFS index is damaged: its generation number is not a number") from None
    return IndexHeader(fields.get("creator", ""), fields.get("volumeuuid", ""), generation,
                       fields.get("updatetime", ""),
                       {k[6:]: v for k, v in fields.items() if k.startswith("xattr:")})


def iter_index_entries(source: BinaryIO) -> Iterator[tuple[str, FileEntry | DirectoryEntry]]:
    """(path, entry) of every folder and file below the root, as the XML goes (folders carry no children), keeping
    only the open folders in memory."""
    names: list[str] = []  # the open folders' names below the root
    open_elements: list[ElementTree.Element] = []
    folders: list[bool] = []  # per open <directory>: already yielded (at the start of its contents)

    def folder_entry(folder: ElementTree.Element) -> DirectoryEntry:
        return DirectoryEntry(_read_name(folder), int(folder.findtext("fileuid") or "0"), _read_times(folder),
                              xattrs=_read_xattrs(folder))

    try:
        for event, element in ElementTree.iterparse(source, events=("start", "end")):
            if event == "start":
                if element.tag == "contents" and len(folders) > 1 and open_elements[-1].tag == "directory":
                    # a folder's own fields come before its contents: it is complete now
                    entry = folder_entry(open_elements[-1])
                    names.append(entry.name)
                    folders[-1] = True
                    yield "/".join(names), entry
                elif element.tag == "directory":
                    folders.append(False)
                open_elements.append(element)
                continue
            open_elements.pop()
            if element.tag == "file" and folders:
                entry_file = _read_file(element)
                yield "/".join([*names, entry_file.name]), entry_file
                del open_elements[-1][-1]  # the file is done: drop it from its <contents>
            elif element.tag == "directory":
                yielded = folders.pop()
                if yielded:
                    names.pop()
                elif folders:  # a folder written without <contents>
                    entry = folder_entry(element)
                    yield "/".join([*names, entry.name]), entry
                if open_elements:
                    del open_elements[-1][-1]
    except ElementTree.ParseError as exc:
        raise TapeError(f"the LTFS index cannot be read: {exc}") from None
    except (ValueError, TypeError) as exc:
        raise TapeError(f"the LTFS index is damaged: {exc}") from None
