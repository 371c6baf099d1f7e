"""CatalogChanges: the one follower of the catalog's change feed in a program; services subscribe by table.

The feed (app/catalog/changes.py) is read on the GUI thread without waiting: on a server when its socket has
something (a QSocketNotifier), on a catalog file by polling `PRAGMA data_version` on the listener's own connection
every POLL_MS (a read of a counter in shared memory, no table is touched). Another program's commits come in bursts
(a scan commits batch after batch), so what arrives is gathered for SETTLE_MS and told once.
"""

from __future__ import annotations

import logging
from collections.abc import Collection

from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal

from app.catalog.catalog import Catalog
from app.catalog.changes import ALL, ChangeListener

log = logging.getLogger(__name__)
POLL_MS = 1000  # a catalog file: how often data_version is read
SETTLE_MS = 500  # gather a burst of commits: services re-read at most this often


def touches(tables: Collection[str], wanted: Collection[str]) -> bool:
    """Whether a change of tables (ALL: unknown which) concerns a service that reads wanted."""
    return ALL in tables or any(table in tables for table in wanted)


class CatalogChanges(QObject):
    """Tells which catalog tables other programs changed: `changed(frozenset[str])`, ALL in it when unknown."""

    changed = Signal(object)  # frozenset[str]
    error_raised = Signal(str)

    def __init__(self, catalog: Catalog, parent: QObject | None = None, poll_ms: int = POLL_MS,
                 settle_ms: int = SETTLE_MS) -> None:
        super().__init__(parent)
        self._listener: ChangeListener | None = None
        self._notifier: QSocketNotifier | None = None
        self._tables: set[str] = set()
        self._settle = QTimer(self, singleShot=True, interval=settle_ms)
        self._settle.timeout.connect(self._tell)
        self._poll = QTimer(self, interval=poll_ms)
        self._poll.timeout.connect(self._read)
        if str(catalog.path) == ":memory:":
            return  # no other program can open it
        try:
            self._listener = catalog.listen()
        except Exception as exc:  # noqa: BLE001 - the window works without it: other edits show on the next read
            log.warning("not following other programs' edits of the catalog: %s", exc)
            return
        fileno = self._listener.fileno()
        if fileno is not None:
            self._notifier = QSocketNotifier(fileno, QSocketNotifier.Type.Read, self)
            self._notifier.activated.connect(self._read)
        else:
            self._poll.start()

    @property
    def following(self) -> bool:
        """Whether other programs' changes are being followed (False after shutdown or a lost feed)."""
        return self._listener is not None

    def _read(self) -> None:
        if self._listener is None:
            return
        try:
            changed = self._listener.poll()  # reads only what has arrived: never waits
        except Exception as exc:  # noqa: BLE001 - the server closed the feed (a restart): never raise in a slot
            where = "catalog server" if self._notifier is not None else "catalog file"
            self.shutdown()
            self.error_raised.emit(f"lost the {where}'s change feed ({str(exc).strip()}); other people's edits show "
                                   "when the library is read again (reopen Reelkeep to follow them)")
            return
        if changed:
            self._tables |= changed
            if not self._settle.isActive():
                self._settle.start()

    def _tell(self) -> None:
        tables, self._tables = frozenset(self._tables), set()
        if tables:
            self.changed.emit(tables)

    def shutdown(self) -> None:
        """Stop following (closes the feed's connection)."""
        self._settle.stop()
        self._poll.stop()
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier = None
        if self._listener is not None:
            self._listener.close()
            self._listener = None
