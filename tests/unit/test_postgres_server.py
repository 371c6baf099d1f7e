"""The tests' own PostgreSQL server (tests/postgres_server.py): real, private, a fresh database per test."""

from __future__ import annotations

import subprocess
import sys

import psycopg
import pytest

from tests.postgres_server import PostgresServer


def test_a_real_server_with_a_fresh_database_per_test(postgres_server: PostgresServer, postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        assert conn.execute("SHOW server_version_num").fetchone()[0] >= "120000"
        assert conn.execute("SHOW fsync").fetchone()[0] == "off"
        assert conn.execute("SHOW server_encoding").fetchone()[0] == "UTF8"
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] == 0
        conn.execute("CREATE TABLE clip (id bigint PRIMARY KEY, raw bytea NOT NULL)")
        conn.execute("INSERT INTO clip VALUES (1, %s)", (b"/m\xffdia/clip.mov",))
        assert conn.execute("SELECT raw FROM clip").fetchone()[0] == b"/m\xffdia/clip.mov"
    # another database of the same server starts empty
    with psycopg.connect(postgres_server.create_database(), autocommit=True) as other:
        assert other.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] == 0


def test_each_test_gets_its_own_database(postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        assert conn.execute("SELECT to_regclass('public.clip')").fetchone()[0] is None


def test_a_server_left_by_a_killed_test_process_is_stopped_by_the_next_one() -> None:
    orphan = PostgresServer().start()
    try:
        gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                              check=True, timeout=60)
        (orphan.folder / "owner.pid").write_text(gone.stdout.strip())  # as if its test process had been killed
        assert (orphan.data / "postmaster.pid").exists()
        PostgresServer().start().stop()
        assert not orphan.folder.exists()
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(orphan.url(), connect_timeout=5).close()
    finally:
        orphan.stop()
