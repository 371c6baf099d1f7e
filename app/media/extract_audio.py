"""The audio of an extraction: every audio stream of the source, each cut to exactly the extracted frames.

Sample positions count from the video's frame 0, so a cut keeps A/V sync: frames first..last get samples
round(first / rate * sr) .. round((last + 1) / rate * sr) of each stream (at its own sample rate). Each
output track keeps its source's layout, language and title, in the source's order. The tracks are written
in step with the video (up to the end of each frame written so far), which keeps the muxer's interleaving
queue short.
"""

from __future__ import annotations

from collections.abc import Generator
from fractions import Fraction

import av
import numpy as np

_DEFAULT_LAYOUTS = {1: "mono", 2: "stereo", 3: "2.1", 4: "quad", 5: "5.0", 6: "5.1", 7: "6.1", 8: "7.1"}
_PCM_IN_MOV = ("pcm_s16le", "pcm_s16be", "pcm_s24le", "pcm_s24be", "pcm_s32le", "pcm_f32le", "pcm_f32be")
# Matroska's A_PCM/INT/LIT, A_PCM/INT/BIG and A_PCM/FLOAT/IEEE (little-endian floats only).
_PCM_IN_MATROSKA = ("pcm_s16le", "pcm_s16be", "pcm_s24le", "pcm_s24be", "pcm_s32le", "pcm_s32be", "pcm_f32le")


def audio_codec_for(container: str, source_codec: str) -> str:
    """MOV and Matroska keep PCM as it is (sample-exact; in MOV other codecs become 16-bit PCM: exact, no
    generation loss); MP4 and a compressed track in Matroska get AAC."""
    if container == "mov":
        return source_codec if source_codec in _PCM_IN_MOV else "pcm_s16le"
    if container == "matroska" and source_codec in _PCM_IN_MATROSKA:
        return source_codec
    return "aac"


class AudioTracks:
    """Every audio stream of the source, each an AudioTrack; the same calls as one AudioTrack."""

    def __init__(self, path: str, rate: Fraction, first: int, video_start: Fraction) -> None:
        with av.open(path, metadata_errors="ignore") as container:
            count = len(container.streams.audio)
        self.tracks = [AudioTrack(path, rate, first, video_start, n) for n in range(count)]

    def add_stream(self, out: av.container.OutputContainer, codec: str | None = None) -> None:
        """One output stream per source stream, in the source's order."""
        for track in self.tracks:
            track.add_stream(out, codec)

    def write_until(self, frames: int) -> None:
        for track in self.tracks:
            track.write_until(frames)

    def finish(self, frames: int) -> None:
        for track in self.tracks:
            track.finish(frames)


class AudioTrack:
    """One audio stream of the source (the n-th) cut sample-exactly to output frames 0.. (source frame
    `first` on)."""

    def __init__(self, path: str, rate: Fraction, first: int, video_start: Fraction, number: int = 0) -> None:
        self.path, self.rate, self.first, self.number = path, rate, first, number
        with av.open(path, metadata_errors="ignore") as container:
            audio = container.streams.audio
            stream = audio[number] if number < len(audio) else None
            self.present = stream is not None and bool(stream.codec_context.sample_rate)
            self.sample_rate = stream.codec_context.sample_rate if self.present else 0
            self.layout = named_layout(stream.codec_context) if self.present else ""
            self.codec = stream.codec_context.name if self.present else ""
            self.tags = track_tags(stream) if self.present else {}
        self.origin = video_start
        self.begin = self._position(first)
        self.stream: av.audio.stream.AudioStream | None = None
        self.out: av.container.OutputContainer | None = None
        self.written = 0
        self._chunks: Generator[av.AudioFrame, None, None] | None = None
        self._held: av.AudioFrame | None = None

    def _position(self, frame: int) -> int:
        return round(Fraction(frame) / self.rate * self.sample_rate)

    def add_stream(self, out: av.container.OutputContainer, codec: str | None = None) -> None:
        """Add the output audio stream (codec: default for the container), when the source has audio."""
        if not self.present:
            return
        self.out = out
        self.stream = out.add_stream(codec or audio_codec_for(out.format.name.split(",")[0], self.codec),
                                     rate=self.sample_rate)
        self.stream.layout = self.layout
        for key, value in self.tags.items():
            self.stream.metadata[key] = value

    def write_until(self, frames: int) -> None:
        """Write the samples of output frames 0..frames-1 not written yet."""
        if self.stream is None:
            return
        target = self._position(self.first + frames) - self.begin
        if self._chunks is None:
            self._chunks = self._trimmed(seek=True)
        while self.written < target:
            chunk = self._held if self._held is not None else next(self._chunks, None)
            self._held = None
            if chunk is None:
                return  # the source's audio ends before its video
            need = target - self.written
            if chunk.samples > need:
                chunk, self._held = _slice(chunk, 0, need), _slice(chunk, need, chunk.samples)
            self._write(chunk)

    def finish(self, frames: int) -> None:
        """Write up to the end of the last frame and flush the encoder."""
        if self.stream is None or self.out is None:
            return
        self.write_until(frames)
        self.out.mux(self.stream.encode(None))
        if self._chunks is not None:
            self._chunks.close()  # closes the source it reads

    def _write(self, frame: av.AudioFrame) -> None:
        # The encoder resamples to its own sample format and re-chunks to its frame size (AAC: 1024).
        frame.pts = self.written
        frame.time_base = Fraction(1, self.sample_rate)
        assert self.out is not None and self.stream is not None
        self.out.mux(self.stream.encode(frame))
        self.written += frame.samples

    def _trimmed(self, seek: bool) -> Generator[av.AudioFrame, None, None]:
        """Decoded audio from sample `begin` on (the first chunk cut there)."""
        with av.open(self.path, metadata_errors="ignore") as container:
            stream = container.streams.audio[self.number]
            time_base = stream.time_base or Fraction(1, self.sample_rate)
            if seek and self.begin > self.sample_rate:
                target = self.origin + Fraction(self.begin - self.sample_rate, self.sample_rate)  # a second early
                container.seek(int(target / time_base), stream=stream, backward=True)
            else:
                seek = False
            position = None
            for frame in container.decode(stream):
                if frame.pts is not None:
                    position = round((frame.pts * time_base - self.origin) * self.sample_rate)
                elif position is None:
                    position = 0
                if seek and position > self.begin:  # the seek overshot: read from the start instead
                    break
                seek = False
                n = frame.samples
                lo = max(self.begin - position, 0)
                position += n
                if lo < n:
                    yield frame if lo == 0 else _slice(frame, lo, n)
            else:
                return
        yield from self._trimmed(seek=False)


def track_tags(stream: av.audio.stream.AudioStream) -> dict[str, str]:
    """The stream's language and title, as muxers take them (MOV/MP4 write "title" as the track's name)."""
    tags = {key.lower(): value for key, value in stream.metadata.items() if value}
    found = {"language": tags.get("language"), "title": tags.get("title") or tags.get("name")}
    return {key: value for key, value in found.items() if value and value != "und"}


def named_layout(ctx: av.AudioCodecContext) -> str:
    """The layout's name; for a bare channel count ("2 channels", e.g. PCM in Matroska) the default layout of
    that count, which encoders such as AAC require."""
    name = ctx.layout.name
    return _DEFAULT_LAYOUTS.get(ctx.channels, name) if name.endswith("channels") else name


def _slice(frame: av.AudioFrame, lo: int, hi: int) -> av.AudioFrame:
    data = frame.to_ndarray()
    if frame.format.is_planar:
        part = data[:, lo:hi]
    else:
        channels = len(frame.layout.channels)
        part = data[:, lo * channels:hi * channels]
    out = av.AudioFrame.from_ndarray(np.ascontiguousarray(part), format=frame.format.name, layout=frame.layout.name)
    out.sample_rate = frame.sample_rate
    return out
