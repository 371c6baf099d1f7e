"""A catalog on a PostgreSQL server: opened by URL, migrated by the same numbered steps, the same schema as a
SQLite catalog, several connections at once. Runs against the tests' real server (tests/postgres_server.py)."""

from __future__ import annotations

import threading
from pathlib import Path

import psycopg
import pytest

from app.catalog import migrations
from app.catalog.catalog import Catalog
from app.catalog.db import (
    CATALOG_ENV,
    default_catalog_path,
    is_server_url,
    local_folder,
    redacted,
    to_pyformat,
)
from app.catalog.filters import LibraryFilter
from app.core.errors import CatalogError
from app.core.facts import FileState, MediaFacts, ProbeOutcome
from tests.postgres_server import PostgresServer


def _columns_sqlite(catalog: Catalog) -> dict[str, list[str]]:
    tables = [r[0] for r in catalog.db.execute_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        " AND name NOT LIKE 'media_fts%' AND name NOT LIKE 'tape_fts%'").fetchall()]
    return {t: sorted(r[1] for r in catalog.db.execute_sql(f"PRAGMA table_info({t})").fetchall()) for t in tables}


def _columns_postgres(catalog: Catalog) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for table, column in catalog.db.execute_sql(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"
            " AND table_name NOT IN ('reelkeep_schema', 'media_fts', 'tape_fts')").fetchall():
        found.setdefault(table, []).append(column)
    return {t: sorted(c) for t, c in found.items()}


def test_a_url_opens_a_migrated_catalog_with_the_sqlite_schema(postgres_url: str, tmp_path: Path) -> None:
    server = Catalog(postgres_url)
    try:
        assert migrations.schema_version(server.db) == migrations.HEAD
        assert server.db.execute_sql("SELECT count(*) FROM reelkeep_schema").fetchone()[0] == 1
        file = Catalog(tmp_path / "catalog.sqlite")
        try:
            assert _columns_postgres(server) == _columns_sqlite(file)
        finally:
            file.close()
    finally:
        server.close()
    # opened again: nothing to do, nothing lost
    again = Catalog(postgres_url)
    try:
        assert migrations.upgrade(again.db, None) == []
        assert again.count() == 0
    finally:
        again.close()


def test_a_catalog_from_a_newer_reelkeep_is_refused_by_name(postgres_url: str) -> None:
    Catalog(postgres_url).close()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("UPDATE reelkeep_schema SET version = %s", (migrations.HEAD + 1,))
    with pytest.raises(CatalogError, match=r"the catalog postgresql://\S+ has schema version \d+, newer than"):
        Catalog(postgres_url)


def test_two_programs_opening_a_new_catalog_at_once_migrate_it_once(postgres_url: str) -> None:
    opened: list[Catalog] = []
    errors: list[BaseException] = []

    def open_one() -> None:
        try:
            opened.append(Catalog(postgres_url))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert len(opened) == 3
    assert migrations.schema_version(opened[0].db) == migrations.HEAD


def test_edits_from_one_catalog_connection_are_seen_by_another(postgres_url: str, tmp_path: Path) -> None:
    first, second = Catalog(postgres_url), Catalog(postgres_url)
    try:
        root = first.add_root(tmp_path)
        [media_id] = first.add_discovered(root, [FileState(b"/shoot/Day 2/A002C007.mov", 10, 1.0)])
        first.apply_probes([ProbeOutcome(media_id, "h", MediaFacts(kind="video", title="Harbour at dusk"))])
        first.add_tags([media_id], ["Selects"])
        assert second.query_ids(LibraryFilter(text="harb dusk")) == [media_id]
        assert second.query_ids(LibraryFilter(tag="selects")) == [media_id]  # tag names ignore case, as NOCASE
        second.add_tags([media_id], ["SELECTS"])  # the same tag
        assert first.tag_counts() == [("Selects", 1)]
    finally:
        first.close()
        second.close()


def _drop_connections(server: PostgresServer, url: str) -> None:
    """What a server restart or an administrator does to every client of one database."""
    database = url.split("/")[3].split("?")[0]
    with psycopg.connect(server.url(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s"
                      " AND pid <> pg_backend_pid()", (database,))


def test_a_lost_connection_fails_one_step_clearly_and_the_next_reconnects(postgres_server: PostgresServer,
                                                                        postgres_url: str) -> None:
    catalog = Catalog(postgres_url)
    try:
        [kept] = catalog.add_discovered(None, [FileState(b"/a.mov", 1, 1.0)])
        _drop_connections(postgres_server, postgres_url)
        with pytest.raises(CatalogError, match="lost the connection to the catalog server"):
            catalog.count()
        assert catalog.count() == 1
        _drop_connections(postgres_server, postgres_url)
        with pytest.raises(CatalogError, match="nothing of this step was saved"):
            catalog.add_discovered(None, [FileState(b"/b.mov", 1, 1.0)])  # a transaction
        assert catalog.add_discovered(None, [FileState(b"/b.mov", 1, 1.0)]) != [kept]
        assert catalog.count() == 2
    finally:
        catalog.close()


def test_an_unreachable_server_is_a_clear_error_without_the_password(postgres_server: PostgresServer) -> None:
    url = postgres_server.url("no_such_catalog").replace("reelkeep@", "reelkeep:s3cret@")
    with pytest.raises(CatalogError, match="cannot open the catalog postgresql://") as raised:
        Catalog(url)
    assert "s3cret" not in str(raised.value)
    assert "no_such_catalog" in str(raised.value)


def test_urls_are_told_from_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    assert is_server_url("postgresql://editor@db.studio.lan:5432/reelkeep")
    assert is_server_url("postgres://db/reelkeep")
    assert not is_server_url("/home/me/postgresql:/catalog.sqlite")
    assert redacted("postgresql://editor:pw@db:5432/reelkeep") == "postgresql://editor:***@db:5432/reelkeep"
    monkeypatch.setenv(CATALOG_ENV, "postgresql://editor@db.studio.lan/reelkeep")
    assert default_catalog_path() == "postgresql://editor@db.studio.lan/reelkeep"  # a string, not a Path
    monkeypatch.setenv(CATALOG_ENV, "~/cat.sqlite")
    assert default_catalog_path() == Path("~/cat.sqlite").expanduser()


def test_a_server_url_turned_into_a_path_is_refused_not_made_a_folder(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CatalogError, match="passed on as a file path"):
        Catalog(Path("postgresql://editor@db.studio.lan/reelkeep"))
    assert list(tmp_path.iterdir()) == []


def test_a_server_catalog_keeps_this_machine_s_files_in_a_folder_of_its_own(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from app.ingest.offload import default_report_dir
    from app.ingest.sanitize_journal import journal_dir

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    studio = local_folder("postgresql://editor@db.studio.lan:5433/reelkeep")
    assert studio == tmp_path / "data" / "reelkeep" / "servers" / "editor@db.studio.lan_5433_reelkeep"
    assert local_folder("postgresql://editor@db.studio.lan:5433/other") != studio
    socket = local_folder("postgresql://editor@/reelkeep?host=%2Fvar%2Frun%2Fpostgresql")
    assert socket is not None and socket.parent == studio.parent and "/" not in socket.name
    assert journal_dir("postgresql://editor@db.studio.lan:5433/reelkeep") == studio / "journals"
    assert default_report_dir("postgresql://editor@db.studio.lan:5433/reelkeep") == studio / "reports" / "offload"
    assert local_folder(tmp_path / "catalog.sqlite") == tmp_path and local_folder(":memory:") is None


def test_sqlite_style_sql_is_translated_outside_literals_only() -> None:
    assert to_pyformat("SELECT ? WHERE a LIKE ? ESCAPE '\\' AND b = 'what? 100%'") == (
        "SELECT %s WHERE a LIKE %s ESCAPE '\\' AND b = 'what? 100%%'")
    assert to_pyformat("SELECT 'it''s ?', ?") == "SELECT 'it''s ?', %s"
