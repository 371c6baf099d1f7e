"""PartialFile: a file appears under its final name only when committed; anything else leaves nothing."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from app.media.partial import PARTIAL, PartialFile


def _write_clip(part: PartialFile) -> None:
    out = part.open("mov")
    stream = out.add_stream("mjpeg", rate=25)
    stream.width, stream.height, stream.pix_fmt = 64, 48, "yuvj420p"
    frame = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), dtype=np.uint8), format="rgb24")
    out.mux(stream.encode(frame))
    out.mux(stream.encode(None))


def test_commit_renames_into_place(tmp_path: Path) -> None:
    dest = tmp_path / "sub" / "clip.mov"
    with PartialFile(dest) as part:
        _write_clip(part)
        assert part.path.name.endswith(PARTIAL) and part.path.exists() and not dest.exists()
        assert part.commit() == dest
    assert [p.name for p in dest.parent.iterdir()] == ["clip.mov"] and dest.stat().st_size > 0


@pytest.mark.parametrize("interrupted", [False, True])
def test_error_or_no_commit_leaves_nothing(tmp_path: Path, interrupted: bool) -> None:
    dest = tmp_path / "clip.mov"
    if interrupted:
        with pytest.raises(KeyboardInterrupt), PartialFile(dest) as part:
            _write_clip(part)  # the container is still open when the interrupt comes
            raise KeyboardInterrupt
    else:
        with PartialFile(dest) as part:
            _write_clip(part)
    assert list(tmp_path.iterdir()) == []
