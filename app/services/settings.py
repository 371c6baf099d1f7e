"""The one settings object: typed accessors over QSettings (INI file beside the user's config)."""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import QByteArray, QObject, QSettings, Signal

from app.core.root_map import RootMap

# Where tape cartridges are loaded: a device, or a pattern with {barcode} (file:/tapes/{barcode} for a shelf of
# simulated cartridges); and how many days after a clean verify pass a tape is due again.
TAPE_DEVICE_KEY = "tape/device"
TAPE_REVERIFY_DAYS_KEY = "tape/reverify_days"
# The catalog the app opens when neither --catalog nor REELKEEP_CATALOG says: a file, or a postgresql:// URL.
CATALOG_KEY = "catalog/location"
# This machine's root mapping (catalog path -> path here; app/core/root_map.py), as JSON [[catalog, local], …]. Per
# machine by nature: it is kept here and never in the (shared) catalog.
ROOT_MAP_KEY = "catalog/root_map"
# The settings file to use instead of the user's (a farm worker's service, a test).
SETTINGS_ENV = "REELKEEP_SETTINGS"


class Settings(QObject):
    changed = Signal(str)

    def __init__(self, path: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        path = path or os.environ.get(SETTINGS_ENV)
        if path:
            self._store = QSettings(path, QSettings.Format.IniFormat)
        else:
            self._store = QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "reelkeep", "reelkeep")

    def value(self, key: str, default: Any = None, kind: type | None = None) -> Any:
        if kind is None:
            return self._store.value(key, default)
        return self._store.value(key, default, type=kind)

    def set_value(self, key: str, value: Any) -> None:
        self._store.setValue(key, value)
        self.changed.emit(key)

    def bytes_value(self, key: str) -> QByteArray | None:
        value = self._store.value(key)
        return value if isinstance(value, QByteArray) else None

    def root_map(self) -> RootMap:
        """This machine's root mapping (RootMapError when what is stored cannot be used)."""
        return RootMap.from_json(str(self._store.value(ROOT_MAP_KEY, "") or ""),
                                 f"the root mapping in {self.file_name()}")

    def set_root_map(self, mapping: RootMap) -> None:
        self.set_value(ROOT_MAP_KEY, mapping.to_json() if mapping else "")

    def sync(self) -> None:
        self._store.sync()

    def file_name(self) -> str:
        return self._store.fileName()
