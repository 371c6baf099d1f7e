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
        """The index as written on tape. Serialized as text directly, byte for byte what ElementTree wrote (the
        form the reference ltfsck accepted): building an element tree first cost half of a small-file write."""
        out: list[str] = ["<?xml version='1.0' encoding='UTF-8'?>\n", f'<ltfsindex version="{FORMAT_VERSION}">']
        _text(out, "creator", self.creator)
        _text(out, "volumeuuid", self.volume_uuid)
        _text(out, "generationnumber", str(self.generation))
        _text(out, "updatetime", self.update_time)
        _location(out, "location", self.location)
        if self.previous is not None:
            _location(out, "previousgenerationlocation", self.previous)
        _text(out, "allowpolicyupdate", _bool(self.allow_policy_update))
        _text(out, "highestfileuid", str(self.highest_uid))
        _text(out, "volumelockstate", "unlocked")
        _directory(out, self.root)
        out.append("</ltfsindex>\n")
        return "".join(out).encode("utf-8")

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


# ---- writing (into a list of text pieces)
def _escape(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _text(out: list[str], tag: str, value: str) -> None:
    out.append(f"<{tag}>{_escape(value)}</{tag}>" if value else f"<{tag} />")


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _location(out: list[str], tag: str, location: Location) -> None:
    out.append(f"<{tag}><partition>{PARTITION_LETTERS[location.partition]}</partition>"
               f"<startblock>{location.start_block}</startblock></{tag}>")


def _name(out: list[str], name: str) -> None:
    encoded, percent = encode_name(name)
    if percent:
        out.append(f'<name percentencoded="true">{_escape(encoded)}</name>')
    else:
        _text(out, "name", encoded)


def _times(out: list[str], times: Times) -> None:
    for tag, value in (("creationtime", times.creation), ("changetime", times.change),
                       ("modifytime", times.modify), ("accesstime", times.access), ("backuptime", times.backup)):
        _text(out, tag, value)


def _xattrs(out: list[str], xattrs: dict[str, str]) -> None:
    if not xattrs:
        return
    out.append("<extendedattributes>")
    for key, value in xattrs.items():
        out.append("<xattr>")
        _text(out, "key", key)
        _text(out, "value", value)
        out.append("</xattr>")
    out.append("</extendedattributes>")


def _directory(out: list[str], directory: DirectoryEntry) -> None:
    out.append("<directory>")
    _name(out, directory.name)
    _text(out, "readonly", _bool(directory.readonly))
    _times(out, directory.times)
    _text(out, "fileuid", str(directory.uid))
    _xattrs(out, directory.xattrs)
    children: list[DirectoryEntry | FileEntry] = [*directory.directories, *directory.files]
    if not children:
        out.append("<contents /></directory>")
        return
    out.append("<contents>")
    for child in sorted(children, key=lambda entry: entry.uid):
        if isinstance(child, DirectoryEntry):
            _directory(out, child)
        else:
            _file(out, child)
    out.append("</contents></directory>")


def _file(out: list[str], file: FileEntry) -> None:
    out.append("<file>")
    _name(out, file.name)
    _text(out, "length", str(file.length))
    _text(out, "readonly", _bool(file.readonly))
    _times(out, file.times)
    _text(out, "fileuid", str(file.uid))
    _xattrs(out, file.xattrs)
    if file.symlink is not None:
        _text(out, "symlink", file.symlink)
    if file.extents:
        out.append("<extentinfo>")
        for extent in file.extents:
            out.append(f"<extent><fileoffset>{extent.file_offset}</fileoffset><partition>"
                       f"{PARTITION_LETTERS[extent.partition]}</partition><startblock>{extent.start_block}"
                       f"</startblock><byteoffset>{extent.byte_offset}</byteoffset><bytecount>{extent.byte_count}"
                       f"</bytecount></extent>")
        out.append("</extentinfo>")
    out.append("</file>")


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
