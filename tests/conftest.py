"""Shared fixtures: a fresh migrated catalog per test, an app context whose threads are joined at teardown."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("LC_NUMERIC", "C")

from app.catalog.catalog import Catalog  # noqa: E402


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Catalog]:
    cat = Catalog(tmp_path / "catalog.sqlite")
    yield cat
    cat.close()


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
