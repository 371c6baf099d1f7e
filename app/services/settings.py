"""The one settings object: typed accessors over QSettings (INI file beside the user's config)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray, QObject, QSettings, Signal

# Where tape cartridges are loaded: a device, or a pattern with {barcode} (file:/tapes/{barcode} for a shelf of
# simulated cartridges); and how many days after a clean verify pass a tape is due again.
TAPE_DEVICE_KEY = "tape/device"
TAPE_REVERIFY_DAYS_KEY = "tape/reverify_days"
# The catalog the app opens when neither --catalog nor REELKEEP_CATALOG says: a file, or a postgresql:// URL.
CATALOG_KEY = "catalog/location"


class Settings(QObject):
    changed = Signal(str)

    def __init__(self, path: str | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
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

    def sync(self) -> None:
        self._store.sync()

    def file_name(self) -> str:
        return self._store.fileName()
