"""H.264 bitstream plumbing for smart extraction: avcC records, NAL units, parameter-set ids.

MP4/MOV store H.264 as length-prefixed NAL units with the parameter sets in the avcC record (ISO/IEC
14496-15); encoders without a global header emit Annex B (start codes) with the parameter sets in-band.
"""

from __future__ import annotations

from dataclasses import dataclass

NAL_IDR, NAL_SEI, NAL_SPS, NAL_PPS, NAL_AUD = 5, 6, 7, 8, 9
_SLICE_TYPES = (1, 5)


class BitstreamError(ValueError):
    """The bytes are not the H.264 structure they claim to be."""


@dataclass(frozen=True)
class AvcConfig:
    """An AVCDecoderConfigurationRecord: NAL length size and the parameter sets."""

    profile: int
    compatibility: int
    level: int
    length_size: int
    sps: tuple[bytes, ...]
    pps: tuple[bytes, ...]
    extension: bytes = b""  # High-profile fields (chroma format, bit depths, SPS extensions), kept as they are

    def to_bytes(self) -> bytes:
        """The record, serialised (with every parameter set it holds)."""
        out = bytearray([1, self.profile, self.compatibility, self.level, 0xFC | (self.length_size - 1),
                         0xE0 | len(self.sps)])
        for nal in self.sps:
            out += len(nal).to_bytes(2, "big") + nal
        out.append(len(self.pps))
        for nal in self.pps:
            out += len(nal).to_bytes(2, "big") + nal
        return bytes(out + self.extension)

    def with_parameter_sets(self, sps: list[bytes], pps: list[bytes]) -> AvcConfig:
        """The same record also holding these parameter sets (distinct ids, so both sets stay valid)."""
        return AvcConfig(self.profile, self.compatibility, self.level, self.length_size,
                         self.sps + tuple(s for s in sps if s not in self.sps),
                         self.pps + tuple(p for p in pps if p not in self.pps), self.extension)

    def parameter_sets(self) -> list[bytes]:
        return [*self.sps, *self.pps]


def parse_avcc(data: bytes | None) -> AvcConfig:
    """Read an avcC record (the extradata of H.264 in MP4/MOV/MKV)."""
    if not data or data[0] != 1 or len(data) < 7:
        raise BitstreamError("the H.264 stream has no avcC record (Annex B or missing extradata)")
    try:
        length_size = (data[4] & 3) + 1
        pos, sps = 6, []
        for _ in range(data[5] & 0x1F):
            size = int.from_bytes(data[pos:pos + 2], "big")
            sps.append(bytes(data[pos + 2:pos + 2 + size]))
            pos += 2 + size
        pps = []
        count = data[pos]
        pos += 1
        for _ in range(count):
            size = int.from_bytes(data[pos:pos + 2], "big")
            pps.append(bytes(data[pos + 2:pos + 2 + size]))
            pos += 2 + size
    except IndexError as exc:
        raise BitstreamError("truncated avcC record") from exc
    if pos > len(data) or not sps or not pps or length_size == 3:
        raise BitstreamError("malformed avcC record")
    return AvcConfig(data[1], data[2], data[3], length_size, tuple(sps), tuple(pps), bytes(data[pos:]))


def split_annexb(data: bytes) -> list[bytes]:
    """NAL units of an Annex B buffer (3- or 4-byte start codes)."""
    nals, start, i, n = [], None, 0, len(data)
    while True:
        j = data.find(b"\x00\x00\x01", i)
        if j < 0:
            break
        if start is not None:
            end = j - 1 if j > 0 and data[j - 1] == 0 else j
            nals.append(data[start:end])
        start = i = j + 3
    if start is not None and start < n:
        nals.append(data[start:])
    return [bytes(nal.rstrip(b"\x00")) for nal in nals if nal]


def split_lengths(data: bytes, length_size: int) -> list[bytes]:
    """NAL units of a length-prefixed sample."""
    nals, pos = [], 0
    while pos < len(data):
        size = int.from_bytes(data[pos:pos + length_size], "big")
        pos += length_size
        if size <= 0 or pos + size > len(data):
            raise BitstreamError("a NAL unit length runs past the end of its sample")
        nals.append(bytes(data[pos:pos + size]))
        pos += size
    return nals


def join_lengths(nals: list[bytes], length_size: int) -> bytes:
    """A length-prefixed sample of these NAL units."""
    limit = 1 << (8 * length_size)
    out = bytearray()
    for nal in nals:
        if len(nal) >= limit:
            raise BitstreamError(f"a {len(nal)}-byte NAL unit does not fit a {length_size}-byte length")
        out += len(nal).to_bytes(length_size, "big") + nal
    return bytes(out)


def nal_type(nal: bytes) -> int:
    return nal[0] & 0x1F


def is_idr(nals: list[bytes]) -> bool:
    """Whether the access unit's pictures are IDR slices (a decoder may start here with an empty DPB)."""
    types = [nal_type(n) for n in nals if nal_type(n) in _SLICE_TYPES]
    return bool(types) and all(t == NAL_IDR for t in types)


def sps_id(nal: bytes) -> int:
    """seq_parameter_set_id of an SPS NAL unit."""
    return _BitReader(nal[4:]).ue()  # after the NAL header, profile_idc, constraint flags and level_idc


def pps_id(nal: bytes) -> int:
    """pic_parameter_set_id of a PPS NAL unit."""
    return _BitReader(nal[1:]).ue()


class _BitReader:
    """Exp-Golomb reader over an RBSP (emulation prevention bytes removed)."""

    def __init__(self, data: bytes) -> None:
        self.data = data.replace(b"\x00\x00\x03", b"\x00\x00")
        self.pos = 0

    def bit(self) -> int:
        if self.pos >= 8 * len(self.data):
            raise BitstreamError("parameter set ends early")
        value = (self.data[self.pos >> 3] >> (7 - (self.pos & 7))) & 1
        self.pos += 1
        return value

    def ue(self) -> int:
        zeros = 0
        while self.bit() == 0:
            zeros += 1
            if zeros > 31:
                raise BitstreamError("bad Exp-Golomb code")
        value = 1
        for _ in range(zeros):
            value = (value << 1) | self.bit()
        return value - 1
