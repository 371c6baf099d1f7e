"""`GET /api/changes?since=N`: a long poll the web page waits on, answered as soon as the catalog changed (another
program, another browser, the window the server runs in), so an open page shows others' edits without being asked.

The server follows the catalog's change feed (app/catalog/changes.py) once for all its clients: a poll every
second, off the event loop; each change moves `version`, and every request waiting with an older one is answered.
A request with the current version waits up to WAIT_SECONDS, then is answered with it unchanged (the page asks
again); `"following": false` says the feed could not be opened (the page then stops asking).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web

from app.catalog.catalog import Catalog
from app.catalog.changes import ChangeListener
from app.streaming.library_api import BadRequest

log = logging.getLogger(__name__)
WAIT_SECONDS = 25.0  # under the idle timeouts of common proxies
POLL_SECONDS = 1.0


class ChangesApi:
    def __init__(self, catalog: Catalog, run: Callable[..., Any], poll_seconds: float = POLL_SECONDS) -> None:
        self.catalog = catalog
        self.run = run
        self.poll_seconds = poll_seconds
        self.version = 0
        self._listener: ChangeListener | None = None
        self._changed = asyncio.Event()
        self._closing = False
        self._task: asyncio.Task[None] | None = None

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/api/changes", self.changes)
        app.on_startup.append(self._start)
        app.on_shutdown.append(self._release)
        app.on_cleanup.append(self._stop)

    async def changes(self, request: web.Request) -> web.Response:
        try:
            since = int(request.query.get("since", "-1"))
        except ValueError:
            raise BadRequest("since is the version a previous answer gave") from None
        if since == self.version and not self._closing:
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(changed.wait()), WAIT_SECONDS)
        return web.json_response({"version": self.version, "following": self._listener is not None})

    async def _start(self, _app: web.Application) -> None:
        try:
            self._listener = await self.run(self.catalog.listen)
        except Exception as exc:  # noqa: BLE001 - the server works without it: pages see changes when they ask
            log.warning("web pages will not follow other programs' edits: %s", exc)
            return
        self._task = asyncio.ensure_future(self._follow())

    async def _follow(self) -> None:
        listener = self._listener
        assert listener is not None
        while True:
            await asyncio.sleep(self.poll_seconds)
            try:
                tables = await self.run(listener.poll)
            except Exception as exc:  # noqa: BLE001 - a lost feed (the server restarted): stop following
                log.warning("web pages no longer follow other programs' edits: %s", exc)
                self._listener = None
                self._tell()
                return
            if tables:
                self.version += 1
                self._tell()

    def _tell(self) -> None:
        """Answer every waiting request; later ones wait for the next change."""
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def _release(self, _app: web.Application) -> None:
        self._closing = True  # waiting pages are answered now, so stopping does not wait for their polls
        self._tell()

    async def _stop(self, _app: web.Application) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._listener is not None:
            listener, self._listener = self._listener, None
            await self.run(listener.close)


__all__ = ["ChangesApi", "WAIT_SECONDS"]
