"""What a browser gets when it asks to play an item: the file itself when browsers play it, a remux when only the
container is the problem (H.264/AAC in MOV or MKV → MP4, packets copied), a transcode when the codecs are (ProRes,
DNxHR, MPEG-2… → the H.264/AAC `preview` proxy, made by the proxy job and kept in the catalog like any proxy;
ALAC, WMA… → AAC in M4A). Remuxes and audio transcodes go to a cache keyed by the file's identity hash, so a second
client, a seek or a resume is served from it with ranges instead of running an encoder again.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av

from app.ingest.thumbs import CACHE_ENV
from app.media.partial import PartialFile

DIRECT, REMUX, TRANSCODE = "direct", "remux", "transcode"
# What current browsers (Chromium, Firefox, Safari) all decode in these containers.
_MP4_VIDEO, _MP4_AUDIO = {"h264", "av1"}, {"aac", "mp3"}
_WEBM_VIDEO, _WEBM_AUDIO = {"vp8", "vp9", "av1"}, {"opus", "vorbis"}
_MP4_EXTENSIONS, _WEBM_EXTENSIONS = {".mp4", ".m4v"}, {".webm"}
_REMUXABLE_VIDEO = {"h264"}
_BROWSER_AUDIO_FILES = {(".mp3", "mp3"), (".m4a", "aac"), (".aac", "aac"), (".ogg", "vorbis"), (".ogg", "opus"),
                        (".opus", "opus"), (".flac", "flac"), (".wav", "pcm_s16le"), (".wav", "pcm_s24le"),
                        (".webm", "opus")}
AUDIO_BITRATES = (96_000, 128_000, 160_000, 192_000, 256_000, 320_000)


@dataclass(frozen=True)
class Delivery:
    how: str  # direct | remux | transcode
    why: str  # for the client and the log


def plan_delivery(info: dict[str, Any]) -> Delivery:
    """How to give a cataloged file (catalog.info()) to a browser."""
    name = str(info.get("name") or "")
    extension = os.path.splitext(name)[1].lower()
    video, audio = info.get("video_codec"), info.get("audio_codec")
    if info.get("kind") == "audio":
        if (extension, audio) in _BROWSER_AUDIO_FILES:
            return Delivery(DIRECT, f"{audio} in {extension} plays in browsers")
        return Delivery(TRANSCODE, f"{audio or 'this audio'} in {extension or 'this file'} does not play in every "
                                   "browser: AAC")
    if info.get("kind") != "video" or video is None:
        return Delivery(DIRECT, "not a video")
    if extension in _MP4_EXTENSIONS and video in _MP4_VIDEO and audio in (None, *_MP4_AUDIO):
        return Delivery(DIRECT, f"{video} in MP4 plays in browsers")
    if extension in _WEBM_EXTENSIONS and video in _WEBM_VIDEO and audio in (None, *_WEBM_AUDIO):
        return Delivery(DIRECT, f"{video} in WebM plays in browsers")
    if video in _REMUXABLE_VIDEO:
        audio_note = "" if audio in (None, *_MP4_AUDIO) else f", its {audio} audio encoded to AAC"
        return Delivery(REMUX, f"{video} plays in browsers, {extension or 'this container'} does not: the video "
                               f"copied into MP4{audio_note}")
    return Delivery(TRANSCODE, f"{video} does not play in browsers: H.264 preview")


def stream_cache_root() -> Path:
    """$REELKEEP_CACHE_DIR/streams, else the user cache dir's reelkeep/streams (beside the thumbnails)."""
    import platformdirs

    base = os.environ.get(CACHE_ENV) or platformdirs.user_cache_dir("reelkeep", appauthor=False)
    return Path(base).expanduser() / "streams"


def cached_path(identity_hash: str, name: str, root: Path | None = None) -> Path:
    return (root or stream_cache_root()) / identity_hash.rsplit("-", 1)[-1][:2] / identity_hash / name


def remux_to_mp4(source: str, dest: Path) -> Path:
    """The first video stream's packets copied into a fast-start MP4 (moov first, so a browser starts after the
    first range) with the first audio stream copied too when MP4 holds it (AAC, MP3), else encoded to AAC (PCM
    from a camera MOV); written as a partial, in place only when complete."""
    with av.open(source) as inp, PartialFile(dest, overwrite=True) as part:
        with av.open(str(part.path), "w", format="mp4", options={"movflags": "+faststart"}) as out:
            video = inp.streams.video[0]
            audio = inp.streams.audio[0] if inp.streams.audio else None
            copied = {video.index: out.add_stream_from_template(video)}
            encoder = resampler = None
            if audio is not None and audio.codec_context.name in _MP4_AUDIO:
                copied[audio.index] = out.add_stream_from_template(audio)
            elif audio is not None:
                encoder, resampler = _aac_encoder(out, audio, 192_000)
            for packet in inp.demux([s for s in (video, audio) if s is not None]):
                if packet.dts is None:
                    continue  # the demuxer's flush packets
                if packet.stream.index in copied:
                    packet.stream = copied[packet.stream.index]
                    out.mux(packet)
                elif encoder is not None and resampler is not None:
                    for frame in packet.decode():
                        for converted in resampler.resample(frame):
                            out.mux(encoder.encode(converted))
            if encoder is not None and resampler is not None:
                _flush(out, encoder, resampler)
        return part.commit()


def _aac_encoder(out: Any, source: Any, bit_rate: int) -> tuple[Any, Any]:
    encoder = out.add_stream("aac", rate=source.codec_context.sample_rate or 48_000)
    encoder.bit_rate = bit_rate
    encoder.layout = "stereo" if (source.codec_context.channels or 2) >= 2 else "mono"
    return encoder, av.AudioResampler(format="fltp", layout=encoder.layout.name, rate=encoder.rate)


def _flush(out: Any, encoder: Any, resampler: Any) -> None:
    for converted in resampler.resample(None):
        out.mux(encoder.encode(converted))
    out.mux(encoder.encode(None))


def transcode_audio(source: str, dest: Path, bit_rate: int = 192_000) -> Path:
    """The first audio stream as AAC in a fast-start M4A at bit_rate."""
    with av.open(source) as inp, PartialFile(dest, overwrite=True) as part:
        stream = inp.streams.audio[0]
        with av.open(str(part.path), "w", format="mp4", options={"movflags": "+faststart"}) as out:
            encoder, resampler = _aac_encoder(out, stream, bit_rate)
            for frame in inp.decode(stream):
                for converted in resampler.resample(frame):
                    out.mux(encoder.encode(converted))
            _flush(out, encoder, resampler)
        return part.commit()


def nearest_bitrate(asked: int | None) -> int:
    """One of a few fixed bitrates (each is one cache entry), the closest to what the client asked."""
    if not asked:
        return 192_000
    return min(AUDIO_BITRATES, key=lambda rate: abs(rate - asked))
