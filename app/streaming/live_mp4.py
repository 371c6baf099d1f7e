"""A live segment as a self-initialising fragmented MP4 (ftyp, moov, then its fragments) for browsers that play HLS
through Media Source Extensions (the web client's own loader, app/streaming/web/hls.js): MSE takes MP4, not
MPEG-TS. Made from the finished MPEG-TS segment by copying its packets (no re-encode) and kept beside it.

The times inside stay those of the TS segment — the source's frame numbers — so a browser appending segments made
by different encoders, in any order, places each where it belongs on one timeline: the muxer is told not to shift
a stream to start at zero (avoid_negative_ts, use_editlist=0) and `frag_discont` writes the first packet's time as
the fragment's decode time (tfdt).
"""

from __future__ import annotations

from pathlib import Path

import av
from av.bitstream import BitStreamFilterContext

from app.media.partial import PartialFile

MSE_MOVFLAGS = "frag_keyframe+empty_moov+default_base_moof+frag_discont"
_ADTS_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350)


def mp4_segment_path(ts_segment: Path) -> Path:
    return ts_segment.with_suffix(".mp4")


def audio_specific_config(adts_header: bytes) -> bytes:
    """The MP4 decoder config (AudioSpecificConfig, 2 bytes) an ADTS frame header describes: MPEG-TS carries AAC
    with ADTS headers and no stream-level config, which MP4 needs in its moov before the first packet."""
    if len(adts_header) < 7 or adts_header[0] != 0xFF or adts_header[1] & 0xF0 != 0xF0:
        raise ValueError("not an ADTS frame")
    object_type = (adts_header[2] >> 6) + 1
    rate_index = (adts_header[2] >> 2) & 0x0F
    channels = ((adts_header[2] & 0x01) << 2) | (adts_header[3] >> 6)
    if rate_index >= len(_ADTS_RATES):
        raise ValueError("ADTS frame with an unknown sample rate")
    return bytes([(object_type << 3) | (rate_index >> 1), ((rate_index & 1) << 7) | (channels << 3)])


def make_mp4_segment(ts_segment: Path, dest: Path | None = None) -> Path:
    """Copy the video and audio packets of a finished TS segment into a fragmented MP4 beside it (or at dest),
    keeping their times. Returns the file, which appears complete or not at all."""
    dest = dest or mp4_segment_path(ts_segment)
    with av.open(str(ts_segment)) as inp:
        video = inp.streams.video[0]
        audio = inp.streams.audio[0] if inp.streams.audio else None
        packets = [p for p in inp.demux([video, *([audio] if audio else [])]) if p.dts is not None]
        with PartialFile(dest, overwrite=True) as part:
            out = part.open("mp4", options={"movflags": MSE_MOVFLAGS, "avoid_negative_ts": "disabled",
                                             "use_editlist": "0"})
            video_out = out.add_stream_from_template(video)
            audio_out = to_asc = None
            first_audio = next((p for p in packets if p.stream.type == "audio"), None) if audio else None
            if audio is not None and first_audio is not None:
                audio_out = out.add_stream_from_template(audio)
                audio_out.codec_context.extradata = audio_specific_config(bytes(first_audio))
                to_asc = BitStreamFilterContext("aac_adtstoasc", audio)
            for packet in packets:
                if packet.stream.type == "video":
                    packet.stream = video_out
                    out.mux(packet)
                elif to_asc is not None:
                    for stripped in to_asc.filter(packet):
                        stripped.stream = audio_out
                        out.mux(stripped)
            return part.commit()


__all__ = ["MSE_MOVFLAGS", "audio_specific_config", "make_mp4_segment", "mp4_segment_path"]
