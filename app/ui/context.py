"""What the UI needs of bootstrap.AppContext, as a protocol (ui must not import the composition root)."""

from __future__ import annotations

from typing import Protocol

from app.catalog.catalog import Catalog
from app.jobs.runner import JobRunner
from app.services.archive import ArchiveService
from app.services.farm import FarmService
from app.services.library import LibraryService
from app.services.offload import OffloadService
from app.services.player import PlayerService
from app.services.settings import Settings
from app.services.streaming import StreamingService
from app.services.tape import TapeService
from app.services.thumbnails import ThumbnailService
from app.services.timeline import TimelineService
from app.services.watch import WatchService


class UiContext(Protocol):
    """Structurally bootstrap.AppContext: catalog, runner, settings, services (library, watcher, player,
    thumbnails, timeline, archive, streaming, tape, offload)."""

    catalog: Catalog
    runner: JobRunner
    settings: Settings
    library: LibraryService
    watch: WatchService | None
    player: PlayerService
    thumbnails: ThumbnailService
    timeline: TimelineService
    archive: ArchiveService
    streaming: StreamingService
    tape: TapeService
    offload: OffloadService
    farm: FarmService | None  # the farm's jobs in the Jobs panel, and Send to Farm (None: no farm in this window)
