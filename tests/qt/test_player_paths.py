"""File names that are not UTF-8 play like any other: the catalog keeps their exact bytes and the player hands
them to mpv as a file:// URL of escaped bytes (python-mpv can only pass UTF-8 text)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.services.mpv_engine import mpv_path
from app.services.player import PlayerService
from tests.media import make_clip
from tests.qt.test_player_service import _open, _settle

NON_UTF8 = b"A001C002_\xff\xfe.mov"


@pytest.fixture
def player(qapp, catalog):
    service = PlayerService(catalog)
    yield service
    service.shutdown()


def _non_utf8_clip(media_dir: Path, frames: int = 50) -> Path:
    path = Path(os.fsdecode(os.path.join(os.fsencode(media_dir), NON_UTF8)))
    return make_clip(path, rate="25", frames=frames, gop=12, bframes=2)


def test_mpv_path_escapes_only_names_that_are_not_utf8(tmp_path) -> None:
    plain = str(tmp_path / "Ünïcødé 100%.mov")
    assert mpv_path(plain) == plain
    odd = os.fsdecode(os.fsencode(str(tmp_path)) + b"/a%b\xff\xfe c.mov")
    url = mpv_path(odd)
    assert url.startswith("file:///") and url.endswith("/a%25b%FF%FE%20c.mov")
    url.encode("ascii")  # python-mpv can pass it


def test_non_utf8_name_plays_the_right_frames(qtbot, player, catalog, media_dir) -> None:
    clip = _non_utf8_clip(media_dir)
    assert os.path.isfile(clip)
    _open(qtbot, player, catalog, clip)  # frame 0 read from mpv's own pixels
    assert not player.error
    player.seek_frame(37)
    _settle(qtbot, player, 37)
    player.step(1)
    _settle(qtbot, player, 38)
    assert player.timecode() == "01:00:01:13" and not player.error


def test_non_utf8_name_plays_inside_a_sequence(qtbot, player, catalog, media_dir) -> None:
    """The edl:// virtual clip takes the file by its bytes too: a cut into it shows the right frames."""
    from app.ingest.add_files import add_files
    from app.interchange.sequence import Segment, media_refs
    from app.services.sequence_spec import sequence_spec

    odd = _non_utf8_clip(media_dir)
    plain = make_clip(media_dir / "plain.mov", rate="25", frames=50, gop=12, bframes=2)
    odd_id, plain_id = add_files(catalog, [odd, plain])
    refs = media_refs(catalog, [odd_id, plain_id])
    assert refs[odd_id].path == str(odd)  # the file's bytes, not the catalog's display text
    segments = [Segment(0, plain_id, 0, 10, 5, 15), Segment(1, odd_id, 10, 20, 30, 40)]
    spec = sequence_spec(segments, refs)
    assert spec is not None and spec.starts == (0, 10)
    assert player.open_sequence(spec.url, "Sequence", spec.rate, spec.frame_count, 12)
    qtbot.waitUntil(lambda: player._player.duration is not None, timeout=5000)
    _settle(qtbot, player, 32)  # virtual frame 12 is frame 32 of the non-UTF-8 file (its pattern says 32)
    player.seek_frame(3)
    _settle(qtbot, player, 8)
    assert not player.error
