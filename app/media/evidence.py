"""Evidence that a file is what its headers say: audio that decodes, a picture with a size, all the length
the header announces. Demuxers guess from the file name and will "open" random bytes named .mp3 or .jpg,
and a file cut short keeps the header that announces its full length."""

from __future__ import annotations

import os
from fractions import Fraction

import av

from app.core.errors import ProbeError

# Packets decoded for evidence: real audio decodes every one; noise, at best, the odd chance sync.
_EVIDENCE_PACKETS = 4
# Containers whose length mutagen reads from the end of the file (Ogg's last granule): it is what is there.
_LENGTH_FROM_END = {"ogg"}
# Containers whose bit rate mutagen derives from the file size, so size and length always agree: check packets.
_ALWAYS_CHECK = {"flac", "mp4"}
# Raw streams without a header: their length is an estimate from the first frame's bit rate, nothing to check.
_ESTIMATED_LENGTH = {"mp3", "aac", "ac3", "eac3", "dts", "mp2", "truehd", "mlp"}
# Encoder delay and padding make a complete file's packets end a few hundredths off its announced length.
_END_TOLERANCE = 0.5
NOT_AUDIO = ("not readable as audio: no audio could be decoded from it (random or damaged data, or not an "
             "audio file)")


def require_audio(container: av.container.InputContainer, stream: av.audio.stream.AudioStream) -> None:
    """Raise ProbeError unless the first packets decode to audio of one rate and channel count."""
    frames = errors = 0
    formats: set[tuple[int, int]] = set()
    try:
        for number, packet in enumerate(container.demux(stream)):
            if number >= _EVIDENCE_PACKETS:
                break
            try:
                for frame in packet.decode():
                    if frame.samples and frame.sample_rate:
                        frames += 1
                        formats.add((frame.sample_rate, len(frame.layout.channels)))
            except av.error.FFmpegError:
                errors += 1
    except av.error.FFmpegError:
        errors += 1
    if not frames or errors * 4 > frames or len(formats) > 1:
        raise ProbeError(NOT_AUDIO)


def audio_present(container: av.container.InputContainer, stream: av.audio.stream.AudioStream,
                  announced: float) -> float | None:
    """None when the packets reach the announced length (seconds); else the seconds actually present."""
    reached = _end_after(container, stream, max(announced - 2 * _END_TOLERANCE, 0.0))
    if reached is not None and reached >= announced - _END_TOLERANCE:
        return None
    # Seeking to the end found nothing (the header's seek table points past the bytes): read every packet.
    present = _end_after(container, stream, None)
    if present is None:
        return None  # no packet carries a timestamp: nothing to measure the length by
    return present if present < announced - _END_TOLERANCE else None


def truncated_audio_message(present: float, announced: float) -> str:
    return (f"truncated: the file holds {present:.1f} s of audio of the {announced:.1f} s its header announces "
            "(an interrupted copy or download?); copy it again from the source")


def size_covers_length(path: str, duration: float, bit_rate: int | None) -> bool:
    """True when the file holds at least the bytes its length at its bit rate needs (tags only add to it)."""
    if not bit_rate:
        return False
    return os.path.getsize(path) * 8 / bit_rate >= duration * 0.98 - _END_TOLERANCE


def check_audio_file(path: str, duration: float | None, bit_rate: int | None, container_name: str | None,
                     suspect: bool = False) -> None:
    """Raise ProbeError for an audio file read by its tags that decodes to nothing or was cut short.

    `suspect`: mutagen found no header that vouches for the stream (an MP3 without a Xing/VBRI frame that
    it synced to by scanning). A file whose tags read cleanly and whose size covers its length is not
    opened again: that keeps a music library's scan at mutagen's speed."""
    check_end = bool(duration) and container_name not in _LENGTH_FROM_END and (
        container_name in _ALWAYS_CHECK or not size_covers_length(path, duration, bit_rate))
    if not (suspect or not duration or check_end):
        return
    try:
        with av.open(path, metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise ProbeError(NOT_AUDIO)
            stream = container.streams.audio[0]
            require_audio(container, stream)
            if not check_end:
                return
            present = audio_present(container, stream, duration)
    except av.error.FFmpegError as exc:
        raise ProbeError(f"{NOT_AUDIO}: {exc.strerror or exc}") from exc
    if present is not None:
        raise ProbeError(truncated_audio_message(present, duration))


def check_audio_stream(container: av.container.InputContainer, duration: float | None) -> None:
    """Raise ProbeError for an audio-only container (opened by PyAV) that decodes to nothing or was cut short."""
    stream = container.streams.audio[0]
    require_audio(container, stream)
    if duration and container.format.name.split(",")[0] not in _ESTIMATED_LENGTH:
        present = audio_present(container, stream, duration)
        if present is not None:
            raise ProbeError(truncated_audio_message(present, duration))


def require_picture(width: int | None, height: int | None) -> None:
    """An image whose header gives no size is not an image (a demuxer chosen by the name found no picture)."""
    if not width or not height:
        raise ProbeError("not readable as an image: no picture could be read from it (random or damaged data, "
                         "or not an image file)")


def _end_after(container: av.container.InputContainer, stream: av.audio.stream.AudioStream,
               seconds: float | None) -> float | None:
    """The latest packet end (seconds from the stream's start) from `seconds` on (None: the start) to EOF."""
    base = stream.time_base or Fraction(1, 1000000)
    origin = stream.start_time or 0
    end = None
    try:
        container.seek(origin + int((seconds or 0) / base), stream=stream, backward=True)
        for packet in container.demux(stream):
            if packet.pts is None or not packet.size:
                continue
            reached = float((packet.pts - origin + (packet.duration or 0)) * base)
            end = reached if end is None or reached > end else end
    except av.error.FFmpegError:
        pass  # what was read so far is what there is
    return end
