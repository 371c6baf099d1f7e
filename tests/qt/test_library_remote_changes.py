"""Several programs on one catalog server: another program's edits reach the window's library views (the change
feed, LISTEN/NOTIFY), and the window's own edits are not told twice."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path

import psycopg

from app.bootstrap import build_context
from app.core.errors import CatalogError
from app.core.facts import FileState
from app.ui.library.columns import Col
from app.ui.library.table_model import LibraryTableModel
from tests.postgres_server import PostgresServer

ROOT = Path(__file__).resolve().parents[2]


def _other_program(url: str, code: str) -> None:
    script = f"from app.catalog.catalog import Catalog\ncatalog = Catalog({url!r})\n{code}\ncatalog.close()\n"
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, timeout=120)


def test_another_program_s_edits_reset_the_views_once_per_burst(qtbot, postgres_url: str, tmp_path: Path) -> None:
    ctx = build_context(postgres_url, str(tmp_path / "settings.ini"), watch=False)
    try:
        library = ctx.library
        [media_id] = ctx.catalog.add_discovered(None, [FileState(b"/shoot/A001C001.mov", 10, 1.0)])
        resets: list[bool] = []
        tags: list[bool] = []
        library.library_reset.connect(lambda: resets.append(True))
        library.tags_changed.connect(lambda: tags.append(True))
        model = LibraryTableModel(library)  # what the library panel shows
        assert model.index(model.row_for_id(media_id), Col.RATING).data() == "☆☆☆☆☆"

        _other_program(postgres_url, f"catalog.set_rating([{media_id}], 4)\ncatalog.add_tags([{media_id}], ['selects'])")
        qtbot.waitUntil(lambda: bool(resets) and bool(tags), timeout=20_000)
        assert ctx.catalog.info(media_id)["rating"] == 4
        qtbot.waitUntil(lambda: model.index(model.row_for_id(media_id), Col.RATING).data() == "★★★★☆", timeout=5000)

        # the window's own edit: told by the edit itself (media_changed), not again by the feed
        changed: list[list[int]] = []
        library.media_changed.connect(changed.append)
        resets.clear()
        library.set_rating([media_id], 2)
        qtbot.waitUntil(lambda: changed == [[media_id]], timeout=10_000)
        _other_program(postgres_url, "catalog.add_root('/')")  # a later change from elsewhere, told after it
        qtbot.waitUntil(lambda: bool(resets), timeout=20_000)
        assert resets == [True]
    finally:
        ctx.shutdown()


def test_a_lost_change_feed_is_told_not_raised(qtbot, postgres_server: PostgresServer, postgres_url: str,
                                              tmp_path: Path) -> None:
    ctx = build_context(postgres_url, str(tmp_path / "settings.ini"), watch=False)
    try:
        errors: list[str] = []
        ctx.library.error_raised.connect(errors.append)
        database = postgres_url.split("/")[3].split("?")[0]
        with psycopg.connect(postgres_server.url(), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s"
                          " AND pid <> pg_backend_pid()", (database,))
        qtbot.waitUntil(lambda: bool(errors), timeout=20_000)
        assert "lost the catalog server's change feed" in errors[0]
        with contextlib.suppress(CatalogError):  # the catalog's own connection went too: one step fails
            ctx.catalog.count()
        assert ctx.catalog.count() == 0  # and it reconnects
    finally:
        ctx.shutdown()
