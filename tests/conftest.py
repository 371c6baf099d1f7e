"""Shared fixtures: a fresh migrated catalog per test, an app context whose threads are joined at teardown."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("LC_NUMERIC", "C")

from app.catalog.catalog import Catalog  # noqa: E402
from tests.postgres_server import PostgresServer  # noqa: E402

BACKENDS = ("sqlite", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "both_backends: tests using `catalog` run on SQLite and on PostgreSQL")
    config.addinivalue_line("markers", "sqlite_only: a both_backends test about SQLite itself (pragmas, files)")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marked = metafunc.definition.get_closest_marker("both_backends")
    if marked and "catalog" in metafunc.fixturenames and not metafunc.definition.get_closest_marker("sqlite_only"):
        metafunc.parametrize("catalog", BACKENDS, indirect=True)


@pytest.fixture
def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalog]:
    """A fresh migrated catalog: a SQLite file, or (parametrized, see both_backends) a PostgreSQL database."""
    if getattr(request, "param", "sqlite") == "postgresql":
        cat = Catalog(request.getfixturevalue("postgres_server").create_catalog_database())
    else:
        cat = Catalog(tmp_path / "catalog.sqlite")
    yield cat
    cat.close()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL server for this test process (each xdist worker starts its own), stopped at the end."""
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """The URL of a fresh, empty database of its own for one test."""
    return postgres_server.create_database()


@pytest.fixture
def app_context(qapp, tmp_path: Path):
    """Catalog, runner, settings and services (with live watching), shut down after the test."""
    from app.bootstrap import build_context

    ctx = build_context(tmp_path / "catalog.sqlite", str(tmp_path / "settings.ini"), watch=True)
    yield ctx
    ctx.shutdown()


@pytest.fixture
def media_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "media"
    folder.mkdir()
    return folder


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 1 MiB filesystem (a tmpfs; the suite runs as root, in CI too)."""
    folder = tmp_path / "small disk"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    assert mounted.returncode == 0, f"this test mounts a tmpfs and needs root: {mounted.stderr}"
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def fill_disk(folder: Path) -> Path:
    """Take every free byte of folder's filesystem."""
    filler = folder / "filler"
    # Unbuffered: a buffered file would try to flush its rest again on close and raise there.
    with open(filler, "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
        except OSError:
            pass
        try:
            while handle.write(b"\0" * 512):  # the last partial block
                pass
        except OSError:
            pass
    return filler
