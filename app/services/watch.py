"""WatchService: live folder watching. Marshals watchdog's thread into this one and batches changes."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from app.core.job import Outcome
from app.ingest.watch import FsChangesJob, FsEvent, PendingChanges, RootWatcher
from app.services.library import LibraryService

SETTLE_INTERVAL_MS = 400  # a file counts as copied when its size held still over one interval


class WatchService(QObject):
    _event_arrived = Signal(object)  # emitted on watchdog's thread, delivered queued on ours
    watching_changed = Signal()

    def __init__(self, library: LibraryService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self._pending = PendingChanges()
        self._job_running = False
        self._event_arrived.connect(self._on_event)
        self._watcher = RootWatcher(self._event_arrived.emit)
        self._timer = QTimer(self)
        self._timer.setInterval(SETTLE_INTERVAL_MS)
        self._timer.timeout.connect(self._flush)
        self._timer.start()
        library.roots_changed.connect(self.sync_roots)
        self.sync_roots()

    def folders(self) -> list[str]:
        return self._watcher.folders()

    def idle(self) -> bool:
        """No event waiting to be applied, no file still settling, no batch being applied."""
        return not self._job_running and not self._pending

    @Slot()
    def sync_roots(self) -> None:
        wanted = {path for _, path in self.library.roots()}
        for folder in set(self._watcher.folders()) - wanted:
            self._watcher.unwatch(folder)
        for folder in wanted:
            self._watcher.watch(folder)
        self.watching_changed.emit()

    def stop(self) -> None:
        self._timer.stop()
        self._watcher.stop()

    @Slot(object)
    def _on_event(self, event: FsEvent) -> None:
        self._pending.add(event)

    @Slot()
    def _flush(self) -> None:
        # The timer only hands work to the runner; stat and probe happen in the catalog lane.
        if self._job_running or not self._pending:
            return
        batch, self._pending = self._pending, PendingChanges()
        self._job_running = True
        self.library.runner.submit(FsChangesJob(self.library.catalog, batch), self._on_applied)

    def _on_applied(self, outcome: Outcome) -> None:
        self._job_running = False
        if not outcome.ok:
            self.library.error_raised.emit(outcome.message)
            return
        result = outcome.value
        for raw, last in result.still_settling.items():
            self._pending.touched.setdefault(raw, last)
        if result.changed_ids:
            self.library.notify_changed(result.changed_ids)
            self.library.tags_changed.emit()
