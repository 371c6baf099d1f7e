"""What a compressed video packet says about how it can be decoded: slices per frame in H.264 and HEVC.

Slices decode in parallel and, unlike frame threading, add no latency after a seek: measured on 1080p
H.264 (GOP 48), an exact seek in mpv took a median 187 ms with slice threading against 253 ms with frame
threading on two-slice streams, while single-slice streams are faster with frame threading (docs/player.md).
"""

from __future__ import annotations

# VCL (picture data) NAL unit types: H.264 1..5 (coded slices), HEVC 0..31 (slice segments).
_H264_VCL = range(1, 6)
_HEVC_VCL = range(0, 32)


def slices_per_frame(codec: str, packet: bytes, extradata: bytes | None) -> int | None:
    """Coded slices in one access unit (a whole frame's packet), or None for codecs without NAL units."""
    if codec not in ("h264", "hevc"):
        return None
    length_size = _nal_length_size(codec, extradata)
    units = _length_prefixed(packet, length_size) if length_size else _annex_b(packet)
    if codec == "h264":
        vcl = [u for u in units if u and (u[0] & 0x1F) in _H264_VCL]
    else:
        # Dependent slice segments would count too (telling them apart needs the PPS); encoders that split
        # pictures for speed write independent slices.
        vcl = [u for u in units if u and ((u[0] >> 1) & 0x3F) in _HEVC_VCL]
    return len(vcl) or None


def _nal_length_size(codec: str, extradata: bytes | None) -> int | None:
    """The NAL length prefix size of MP4/MOV-style packets (avcC / hvcC), None for Annex B start codes."""
    if not extradata:
        return None
    if codec == "h264" and extradata[0] == 1 and len(extradata) > 4:
        return (extradata[4] & 3) + 1
    if codec == "hevc" and extradata[0] == 1 and len(extradata) > 21:
        return (extradata[21] & 3) + 1
    return None


def _length_prefixed(data: bytes, size: int) -> list[bytes]:
    units, pos = [], 0
    while pos + size <= len(data):
        length = int.from_bytes(data[pos:pos + size], "big")
        pos += size
        if length <= 0 or pos + length > len(data):
            break
        units.append(data[pos:pos + length])
        pos += length
    return units


def _annex_b(data: bytes) -> list[bytes]:
    starts, pos = [], data.find(b"\x00\x00\x01")
    while pos >= 0:
        starts.append(pos + 3)
        pos = data.find(b"\x00\x00\x01", pos + 3)
    return [data[a:b - 3].rstrip(b"\x00") if i + 1 < len(starts) else data[a:]
            for i, (a, b) in enumerate(zip(starts, starts[1:] + [len(data) + 3], strict=True))]

