"""Other programs' edits reach every view of an open window, on a catalog file and on a server: the library (a CLI
scan, ratings, tags), the Tape panel's tapes, the player's markers and the timeline's saved relinks. One
CatalogChanges per program follows the change feed and fans it out by table; the other program is a real process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.bootstrap import build_context
from app.catalog.catalog import Catalog
from app.catalog.changes import ALL
from app.core.facts import FileState
from app.interchange.timeline_files import timeline_hash
from app.jobs.runner import JobRunner
from app.services.catalog_changes import CatalogChanges
from app.services.player import PlayerService
from app.services.settings import Settings
from app.services.tape import TapeService
from app.services.timeline import TimelineService
from app.ui.library.columns import Col
from app.ui.library.table_model import LibraryTableModel
from tests.media.clips import make_clip

pytestmark = pytest.mark.both_backends

ROOT = Path(__file__).resolve().parents[2]
WAIT = 20_000  # an upper bound (ms), not a measured time: shared CI cores are slow
INDEX = """<?xml version="1.0" encoding="UTF-8"?>
<ltfsindex version="2.4.0">
  <creator>Other LTFS 9.1 - Linux</creator>
  <volumeuuid>30a91a08-daae-48d1-ae75-69804e61d2ea</volumeuuid>
  <generationnumber>3</generationnumber>
  <updatetime>2025-01-02T03:04:05.000000000Z</updatetime>
  <location><partition>a</partition><startblock>6</startblock></location>
  <directory><name>tape</name><contents>
    <file><name>B002C001.mxf</name><length>1000</length>
      <extentinfo><extent><fileoffset>0</fileoffset><partition>b</partition><startblock>40</startblock>
        <byteoffset>0</byteoffset><bytecount>1000</bytecount></extent></extentinfo></file>
  </contents></directory>
</ltfsindex>
"""
EDL = """TITLE: FOLLOW
FCM: NON-DROP FRAME

001  NOSUCH   V     C        01:00:00:00 01:00:00:12 00:00:00:00 00:00:00:12
"""


def _cli(catalog: Catalog, *args: str) -> None:
    """`reelkeep --catalog … ARGS` in a process of its own."""
    subprocess.run([sys.executable, "-m", "app", "--catalog", str(catalog.path), *args], cwd=ROOT, check=True,
                   timeout=120, capture_output=True)


def _other_program(catalog: Catalog, code: str) -> None:
    script = f"from app.catalog.catalog import Catalog\ncatalog = Catalog({str(catalog.path)!r})\n{code}\ncatalog.close()\n"
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, timeout=120)


def test_the_library_follows_a_cli_and_leaves_out_its_own_edits(qtbot, catalog: Catalog, tmp_path: Path) -> None:
    [media_id] = catalog.add_discovered(None, [FileState(b"/shoot/A001C001.mov", 10, 1.0)])
    ctx = build_context(catalog.path, str(tmp_path / "settings.ini"), watch=False)  # as the window has it
    try:
        library = ctx.library
        resets: list[bool] = []
        tags: list[bool] = []
        library.library_reset.connect(lambda: resets.append(True))
        library.tags_changed.connect(lambda: tags.append(True))
        model = LibraryTableModel(library)
        assert model.rowCount() == 1

        # the window's own edit is told by the edit (media_changed), not again by the feed
        changed: list[list[int]] = []
        library.media_changed.connect(changed.append)
        library.set_rating([media_id], 2)
        qtbot.waitUntil(lambda: changed == [[media_id]], timeout=WAIT)
        _other_program(catalog, f"catalog.add_root({str(tmp_path)!r})")  # one commit elsewhere, told after it
        qtbot.waitUntil(lambda: bool(resets), timeout=WAIT)
        assert resets == [True]

        shoot = tmp_path / "day2"
        shoot.mkdir()
        make_clip(shoot / "B001C001.mov", rate=24, frames=6, size=(64, 36), audio=False)
        _cli(catalog, "scan", str(shoot))  # another program's scan: the new file shows
        qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=WAIT)

        tags.clear()
        _other_program(catalog, f"catalog.set_rating([{media_id}], 4)\ncatalog.add_tags([{media_id}], ['selects'])")
        qtbot.waitUntil(lambda: bool(tags) and model.index(model.row_for_id(media_id), Col.RATING).data()
                        == "★★★★☆", timeout=WAIT)
        assert ctx.changes is not None and ctx.changes.following
    finally:
        ctx.shutdown()


def test_tapes_markers_and_relinks_follow_another_program(qtbot, catalog: Catalog, tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "A001C001.mov", rate=24, frames=24, size=(64, 36), audio=False)
    from app.ingest.add_files import add_files

    [media_id] = add_files(catalog, [str(clip)])
    edl = tmp_path / "cut.edl"
    edl.write_text(EDL, encoding="utf-8")
    index = tmp_path / "index.xml"
    index.write_text(INDEX, encoding="utf-8")

    changes = CatalogChanges(catalog, poll_ms=100, settle_ms=100)
    runner = JobRunner()
    player = PlayerService(catalog, runner)
    timeline = TimelineService(catalog, runner, player)
    tape = TapeService(catalog, runner, Settings(str(tmp_path / "settings.ini")))
    for service in (player, timeline, tape):
        service.follow(changes)
    told: list[frozenset[str]] = []
    changes.changed.connect(told.append)
    markers: list[bool] = []
    player.markers_changed.connect(lambda: markers.append(True))
    try:
        tape.refresh()
        qtbot.waitUntil(lambda: tape.loaded, timeout=WAIT)
        assert tape.tapes == []
        assert player.open_media(media_id)
        assert timeline.open_file(edl)
        qtbot.waitUntil(lambda: timeline.doc is not None, timeout=WAIT)
        assert [m.status for m in timeline.matches] == ["offline"]

        _other_program(catalog, "from pathlib import Path\nfrom app.tape.offline import import_index_file\n"
                       f"import_index_file(catalog, Path({str(index)!r}), 'RK0001L8')\n"
                       f"catalog.add_marker({media_id}, 5, 'from elsewhere')\n"
                       f"catalog.save_relink({timeline_hash(edl)!r}, 1, {media_id})")
        qtbot.waitUntil(lambda: [t["barcode"] for t in tape.tapes] == ["RK0001L8"], timeout=WAIT)
        qtbot.waitUntil(lambda: bool(markers) and [m[1:] for m in player.markers()] == [(5, "from elsewhere")],
                        timeout=WAIT)
        qtbot.waitUntil(lambda: [(m.status, m.media_id) for m in timeline.matches] == [("matched", media_id)],
                        timeout=WAIT)
        tables = frozenset().union(*told)
        assert {"tape", "tape_file", "marker", "timeline_relink"} <= tables or tables == {ALL}  # a file: unknown
    finally:
        player.shutdown()
        runner.shutdown()
        changes.shutdown()


@pytest.mark.sqlite_only
def test_a_catalog_file_s_listener_leaves_out_this_program_s_writes(catalog: Catalog) -> None:
    listener = catalog.listen()
    try:
        catalog.add_root("/")
        assert listener.poll() == frozenset()  # data_version moved, but by this program
        catalog.add_tags(catalog.add_discovered(None, [FileState(b"/a.mov", 1, 1.0)]), ["x"])
        assert listener.poll(include_own=True) == {ALL}
        _other_program(catalog, "catalog.add_root('/tmp')")
        assert listener.poll() == {ALL}
        assert listener.poll() == frozenset()
    finally:
        listener.close()


def test_the_window_follows_edits_made_through_its_own_sharing_server(qtbot, catalog: Catalog,
                                                                       tmp_path: Path) -> None:
    """Share Library runs in the window's process; a rating set on a phone shows in the window all the same."""
    from tests.integration.test_streaming_server import request, start

    [media_id] = catalog.add_discovered(None, [FileState(b"/shoot/A001C001.mov", 10, 1.0)])
    ctx = build_context(catalog.path, str(tmp_path / "settings.ini"), watch=False)
    server = start(catalog.path)  # in this process, as File -> Share Library... runs it
    try:
        resets: list[bool] = []
        ctx.library.library_reset.connect(lambda: resets.append(True))
        model = LibraryTableModel(ctx.library)
        assert model.rowCount() == 1
        status, _h, _body = request(server, "PATCH", f"/api/items/{media_id}", body={"rating": 3})
        assert status == 200
        qtbot.waitUntil(lambda: bool(resets), timeout=WAIT)  # told by the feed, as for another program's edit
        assert model.index(model.row_for_id(media_id), Col.RATING).data() == "★★★☆☆"
    finally:
        server.stop()
        ctx.shutdown()
