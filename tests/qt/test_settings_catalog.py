"""The catalog chosen in Settings (a file or a PostgreSQL server) is the one the app opens next; --catalog and
REELKEEP_CATALOG still win; a password in a URL is never shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel

from app.bootstrap import build_context
from app.catalog.db import CATALOG_ENV
from app.services.settings import CATALOG_KEY, Settings
from app.ui.dialogs.settings_dialog import SettingsDialog


def test_the_catalog_chosen_in_settings_opens_next_time(qtbot, postgres_url: str, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CATALOG_ENV, raising=False)
    settings_file = str(tmp_path / "settings.ini")
    first = build_context(tmp_path / "local.sqlite", settings_file, watch=False)
    try:
        dialog = SettingsDialog(first.library, None, settings_file, settings=first.settings)
        qtbot.addWidget(dialog)
        with_password = postgres_url.replace("reelkeep@", "reelkeep:s3cret@")  # the tests' server trusts anyone
        dialog.catalog_choice.setText(f"  {with_password} ")
        dialog.catalog_choice.editingFinished.emit()
        assert first.settings.value(CATALOG_KEY) == with_password
    finally:
        first.shutdown()

    second = build_context(None, settings_file, watch=False)  # no --catalog, no REELKEEP_CATALOG
    try:
        assert second.catalog.path == with_password and second.catalog.count() == 0
        dialog = SettingsDialog(second.library, None, settings_file, settings=second.settings)
        qtbot.addWidget(dialog)
        labels = " ".join(label.text() for label in dialog.findChildren(QLabel))
        assert "s3cret" not in labels and "reelkeep:***@" in labels  # the catalog open now, without its password
        assert dialog.catalog_choice.text() == with_password  # the field to change it holds what was typed
    finally:
        second.shutdown()

    monkeypatch.setenv(CATALOG_ENV, str(tmp_path / "env.sqlite"))
    third = build_context(None, settings_file, watch=False)
    try:
        assert Path(third.catalog.path) == tmp_path / "env.sqlite"  # the environment wins over Settings
    finally:
        third.shutdown()
    assert Settings(settings_file).value(CATALOG_KEY) == with_password
