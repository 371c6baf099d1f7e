"""VideoSource.grab: every target of a pass decodes, whatever the file's keyframe layout."""

from __future__ import annotations

import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from app.media.framegrab import VideoSource
from tests.media import make_clip
from tests.media.pattern import read_index


def _remux_to_ts(source: Path, target: Path) -> Path:
    """The same packets in MPEG-TS, which has no keyframe index (the ffmpeg CLI adds the in-band SPS/PPS
    TS needs; the setup installs it)."""
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(source), "-c", "copy", "-f", "mpegts", str(target)],
                   check=True, timeout=60)
    return target


@pytest.mark.parametrize(("container", "frames", "gop", "targets"), [
    ("mov", 12, 250, [0, 3, 6, 8, 11]),
    ("mp4", 12, 250, [0, 3, 6, 8, 11]),
    ("mkv", 12, 250, [0, 3, 6, 8, 11]),
    ("ts", 12, 250, [0, 3, 6, 8, 11]),
    ("ts", 75, 12, [0, 5, 30, 31, 50, 74]),
])
def test_every_target_of_a_pass_decodes(tmp_path: Path, container: str, frames: int, gop: int,
                                        targets: list[int]) -> None:
    # With one keyframe in the index (or no index: MPEG-TS) the source measures keyframe spacing by reading
    # the file; done in the middle of a pass, that ended the pass after its first target (proxies --verify
    # of a short clip said frames 3, 6, 8 and 11 "do not decode").
    clip = make_clip(tmp_path / f"clip.{'mkv' if container == 'ts' else container}", rate="25", frames=frames,
                     size=(160, 90), audio=False, gop=gop)
    if container == "ts":
        clip = _remux_to_ts(clip, tmp_path / "clip.ts")
    with VideoSource(str(clip), Fraction(25), frames) as source:
        grabbed = dict(source.grab(targets))
    assert {index: read_index(frame) for index, frame in grabbed.items()} == {t: t for t in targets}
