"""Qt tests run a real app context, whose thumbnail service makes thumbnails after every scan."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.ingest.thumbs import CACHE_ENV


@pytest.fixture(autouse=True)
def thumbnail_cache(monkeypatch, tmp_path: Path) -> Path:
    """Each test its own thumbnail cache: none is written to the user's, none is left over from another test."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_ENV, str(folder))
    return folder
