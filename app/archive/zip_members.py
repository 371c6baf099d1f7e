"""The members of a ZIP as byte ranges: where each STORED member's data starts in the file, so players and decoders
read it in place (mpv's `slice://`, FFmpeg's `subfile` protocol) with no extraction and no Python in the data path.

The data offset comes from the member's *local* file header (30 bytes + its name + its own extra field), not from
the central directory: the two extra fields may differ (ZIP64 writers put a zip64 extra in the local header only
when they must), and only the local one says where the bytes are.
"""

from __future__ import annotations

import os
import posixpath
import re
import struct
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from app.archive.model import ArchiveError

LOCAL_HEADER = struct.Struct("<4s5H3L2H")  # signature, version, flags, method, time, date, crc, sizes, name, extra
LOCAL_SIGNATURE = b"PK\x03\x04"
FLAG_ENCRYPTED = 0x1
_DRIVE = re.compile(r"^[A-Za-z]:")
_SLICE = re.compile(r"slice://([0-9]+)-\+([0-9]+)@(.+)", re.DOTALL)


@dataclass(frozen=True)
class ZipMember:
    name: str  # as stored (POSIX separators)
    size: int  # uncompressed
    compressed_size: int
    method: int  # 0 = STORED
    flags: int
    crc32: int
    header_offset: int
    data_offset: int

    @property
    def stored(self) -> bool:
        return self.method == zipfile.ZIP_STORED

    @property
    def method_name(self) -> str:
        return "stored" if self.stored else _method_name(self.method)

    @property
    def encrypted(self) -> bool:
        return bool(self.flags & FLAG_ENCRYPTED)

    @property
    def is_folder(self) -> bool:
        return self.name.endswith("/")


def read_members(path: Path | str) -> list[ZipMember]:
    """Every member with its data offset; ArchiveError for a file that is not a complete ZIP."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive, open(path, "rb") as raw:
            size = os.fstat(raw.fileno()).st_size
            members = []
            for info in archive.infolist():
                raw.seek(info.header_offset)
                header = raw.read(LOCAL_HEADER.size)
                if len(header) < LOCAL_HEADER.size:
                    raise ArchiveError(f"{path}: the ZIP is truncated (the header of {info.filename} is cut off)")
                fields = LOCAL_HEADER.unpack(header)
                if fields[0] != LOCAL_SIGNATURE:
                    raise ArchiveError(f"{path}: damaged ZIP (no local header where {info.filename} should start)")
                name_length, extra_length = fields[9], fields[10]
                data_offset = info.header_offset + LOCAL_HEADER.size + name_length + extra_length
                if data_offset + info.compress_size > size:
                    raise ArchiveError(f"{path}: the ZIP is truncated ({info.filename} ends past the end of the file)")
                members.append(ZipMember(info.filename, info.file_size, info.compress_size, info.compress_type,
                                         info.flag_bits, info.CRC, info.header_offset, data_offset))
            return members
    except zipfile.BadZipFile as exc:
        raise ArchiveError(f"{path}: not a complete ZIP file ({exc}); a truncated download or copy?") from None
    except OSError as exc:
        raise ArchiveError(f"{path}: cannot read it ({exc.strerror or exc})") from None


def check_member_name(name: str) -> str:
    """The member's name as a safe relative logical path; ArchiveError for names that would land outside the
    destination (zip-slip: `../x`, `/etc/x`, `C:\\x`, backslashes) or that are empty."""
    if "\\" in name or name.startswith("/") or _DRIVE.match(name) or "\x00" in name:
        raise ArchiveError(f"the ZIP member {name!r} has an unsafe name (absolute, a drive or backslashes); "
                           "refusing the whole ZIP")
    parts = [p for p in name.rstrip("/").split("/")]
    if any(p in ("", ".", "..") for p in parts):
        raise ArchiveError(f"the ZIP member {name!r} points outside the archive (.. or empty parts); "
                           "refusing the whole ZIP")
    return unicodedata.normalize("NFC", posixpath.join(*parts))


def require_stored(path: Path, member: ZipMember) -> None:
    """A member players and decoders can read in place: STORED and not encrypted."""
    if member.encrypted:
        raise ArchiveError(f"{path}: {member.name} is encrypted; Reelkeep does not read encrypted ZIP members")
    if not member.stored:
        raise ArchiveError(f"{path}: {member.name} is compressed ({_method_name(member.method)}), so it cannot be "
                           "played or read in place; unpack it first (the Archive panel's Unpack…, or `reelkeep "
                           f"archive unpack {path} FOLDER {member.name}`); `reelkeep archive export` writes ZIPs "
                           "whose members play in place")


def _method_name(method: int) -> str:
    return {zipfile.ZIP_DEFLATED: "deflate", zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "lzma"}.get(
        method, f"method {method}")


def slice_url(zip_path: Path | str, member: ZipMember) -> str:
    """mpv's URL for the member's bytes: `slice://START-+SIZE@/abs/file.zip` (mpv 0.33 and newer)."""
    return f"slice://{member.data_offset}-+{member.size}@{os.path.abspath(zip_path)}"


def parse_slice_url(url: str) -> tuple[str, int, int] | None:
    """(zip path, data offset, size) of a URL made by slice_url, else None."""
    match = _SLICE.fullmatch(url)
    return None if match is None else (match.group(3), int(match.group(1)), int(match.group(2)))


def subfile_url(zip_path: Path | str, member: ZipMember) -> str:
    """FFmpeg's (PyAV's) URL for the member's bytes: `subfile,,start,S,end,E,,:/abs/file.zip` (end exclusive)."""
    return (f"subfile,,start,{member.data_offset},end,{member.data_offset + member.size},,:"
            f"{os.path.abspath(zip_path)}")
