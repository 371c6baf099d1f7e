"""Test-media helpers: generated clips, audio files, images and a bad-input corpus.

Everything follows ``/work/shared/TESTING.md`` ("the frame-index pattern"):

* every generated video frame carries its 0-based index in a band at the top of the
  frame (36 cells: guards ``1 0``, 24 index bits MSB first, an 8-bit check byte
  ``((b2 + b1 + b0) & 0xFF) ^ 0xA5``, guards ``0 1``), painted by :func:`paint_index`
  and read back by :func:`read_index` -- the one reader every test should use;
* clips carry a start timecode stored the way cameras/NLEs do (a ``tmcd`` track in
  MOV/MP4, the ``TIMECODE`` tag in Matroska);
* audio is 48 kHz stereo, silent except a 1 kHz beep one frame long at the start of
  every whole second (frames ``0, round(fps), 2*round(fps), ...``).

Media is written with PyAV only (tags with mutagen).  No Qt here.
"""

from tests.media.audio import TAG_KEYS, make_audio
from tests.media.clips import (
    beep_frames,
    beep_onsets,
    decode_audio,
    decode_indexes,
    dominant_hz,
    ffmpeg_decode_indexes,
    make_clip,
    make_image,
    parse_rate,
    read_start_timecode,
    sample_at_frame,
    track_beep_frames,
    track_beep_hz,
)
from tests.media.corpus import (
    BAD_CORPUS_KEYS,
    SPECIAL_KEYS,
    cut_in_half,
    make_bad_corpus,
    make_noise,
    make_special_files,
    run_limited,
)
from tests.media.pattern import (
    AUDIO_RATE,
    CELLS,
    DEFAULT_TC,
    DEFAULT_TC_DF,
    MAX_INDEX,
    band_height,
    check_byte,
    paint_index,
    pattern_bits,
    read_index,
)

__all__ = [
    "AUDIO_RATE", "BAD_CORPUS_KEYS", "CELLS", "SPECIAL_KEYS", "cut_in_half", "make_noise", "make_special_files",
    "run_limited", "DEFAULT_TC", "DEFAULT_TC_DF", "MAX_INDEX", "TAG_KEYS",
    "band_height", "beep_frames", "beep_onsets", "check_byte", "decode_audio", "decode_indexes", "dominant_hz",
    "ffmpeg_decode_indexes", "make_audio", "make_bad_corpus", "make_clip",
    "make_image", "paint_index", "parse_rate", "pattern_bits", "read_index", "read_start_timecode",
    "sample_at_frame", "track_beep_frames", "track_beep_hz",
]
