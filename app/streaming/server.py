"""The streaming server: an aiohttp application on its own event loop in its own thread, so the GUI (or the CLI's
main thread) never waits on a client. Catalog and archive reads run in a small thread pool beside the loop; the
bytes of media go out through sendfile.

`StreamingServer(...).start()` returns once the socket listens (the bound port is known then, also for port 0) and
`stop()` closes every connection and the loop; `reelkeep serve` runs the same server until Ctrl+C.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from app import __version__
from app.catalog.catalog import Catalog
from app.catalog.db import is_server_url
from app.core.errors import ReelkeepError
from app.streaming.access import Access, access_middleware
from app.streaming.archive_api import ArchiveApi
from app.streaming.changes_api import ChangesApi
from app.streaming.delivery import stream_cache_root
from app.streaming.hls_api import HlsApi
from app.streaming.library_api import LibraryApi
from app.streaming.live import LiveTranscoder
from app.streaming.stream_cache import DEFAULT_LIMIT, CacheKeeper
from app.streaming.web_client import add_web_client

log = logging.getLogger(__name__)
LIVE_KEY: web.AppKey[LiveTranscoder] = web.AppKey("live", LiveTranscoder)
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8765


class ServerError(ReelkeepError):
    pass


def new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop's loop where it is installed (Linux, macOS: its transports and callbacks cost less per request),
    else asyncio's own; REELKEEP_EVENT_LOOP=asyncio asks for asyncio's (to rule uvloop out, and to compare)."""
    if os.environ.get("REELKEEP_EVENT_LOOP") == "asyncio":
        return asyncio.new_event_loop()
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


@dataclass(frozen=True)
class ServerConfig:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    token: str = ""
    loopback_without_token: bool = False
    archives: tuple[str, ...] = field(default_factory=tuple)
    live_idle_seconds: float = 30.0  # a live transcode nobody asks anything of stops after this
    live_sessions: int = 0  # live transcodes at once (0: one per core, at least two)
    stream_cache_bytes: int = DEFAULT_LIMIT  # the stream cache's size limit (0: none)
    changes_poll_seconds: float = 1.0  # how often the catalog's change feed is read for waiting web pages


def build_app(catalog: Catalog, config: ServerConfig, pool: concurrent.futures.Executor,
              encoder: concurrent.futures.Executor | None = None, worker: int = 0) -> web.Application:
    """The application: token check on every route, the library and archive APIs and their streams. Reads run
    in pool; remuxes and transcodes one at a time in encoder (two cores: a second encode would only halve both)."""

    async def run(fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(pool, functools.partial(fn, *args))

    async def encode(fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(encoder or pool, functools.partial(fn, *args))

    app = web.Application(middlewares=[access_middleware(Access(config.token, config.loopback_without_token))],
                          client_max_size=1 << 20)
    library = LibraryApi(catalog, run, encode)
    library.keeper = CacheKeeper(stream_cache_root(), config.stream_cache_bytes)
    library.add_routes(app)
    live = LiveTranscoder(config.live_sessions or None, config.live_idle_seconds)
    HlsApi(library, live).add_routes(app)
    ArchiveApi(catalog, config.archives, run).add_routes(app)
    ChangesApi(catalog, run, config.changes_poll_seconds).add_routes(app)

    async def status(_request: web.Request) -> web.Response:
        count = await run(catalog.count)
        return web.json_response({"name": "Reelkeep", "version": __version__, "items": count,
                                  "live_transcodes": live.running, "worker": worker})

    async def stop_transcodes(_app: web.Application) -> None:
        await asyncio.get_running_loop().run_in_executor(pool, live.close)

    async def trim_cache(_app: web.Application) -> None:
        library.trim_cache_soon()

    app.on_startup.append(trim_cache)
    app.on_shutdown.append(stop_transcodes)
    app[LIVE_KEY] = live

    app.router.add_get("/api/status", status)
    add_web_client(app, run)
    return app


class StreamingServer:
    """One running server; start() and stop() from any thread."""

    def __init__(self, catalog_path: Path | str, config: ServerConfig, sock: socket.socket | None = None,
                 worker: int = 0) -> None:
        """sock: a listening socket to serve on instead of binding config's address (a worker of
        `reelkeep serve --workers`, app/streaming/workers.py); worker: its number, 0 for the only or first one."""
        if not config.token:
            raise ServerError("the server needs a token (see docs/streaming.md)")
        # a postgresql:// URL stays a string (Path() would fold its //)
        self.catalog_path = catalog_path if is_server_url(catalog_path) else Path(catalog_path)
        self.config = config
        self.sock = sock
        self.worker = worker
        self.port: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopped: asyncio.Event | None = None
        self._started = threading.Event()
        self._failure: BaseException | None = None
        self.ready_callback: Callable[[], None] | None = None  # called on the server thread once it listens
        self.live: LiveTranscoder | None = None  # the live transcodes, once the server runs

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and self.port is not None

    @property
    def url(self) -> str:
        host = self.config.host if self.config.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}/"

    def start(self, timeout: float = 15.0) -> None:
        """Listen (raises ServerError when the address is taken or not ours to bind)."""
        if self._thread is not None:
            return
        self._started.clear()
        self._thread = threading.Thread(target=self._main, name="reelkeep-streaming", daemon=True)
        self._thread.start()
        if not self._started.wait(timeout):
            raise ServerError("the streaming server did not start in time")
        if self._failure is not None:
            self._thread.join(timeout)
            self._thread = None
            raise ServerError(str(self._failure)) from self._failure

    def request_stop(self) -> None:
        """Ask the server to close its connections and end its thread; returns at once (see `stopped`)."""
        loop, stopped = self._loop, self._stopped
        if loop is not None and stopped is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already closed
                loop.call_soon_threadsafe(stopped.set)

    @property
    def stopped(self) -> bool:
        return self._thread is None or not self._thread.is_alive()

    def stop(self, timeout: float = 15.0) -> None:
        """request_stop() and wait for the thread to end."""
        thread = self._thread
        if thread is None:
            return
        self.request_stop()
        thread.join(timeout)
        self._thread = None
        self.port = None

    def serve_forever(self) -> None:
        """Run in the calling thread until stop() from another thread, SIGINT or SIGTERM; a failure to listen is
        left in `failure`."""
        self._main()

    @property
    def failure(self) -> BaseException | None:
        return self._failure

    def _main(self) -> None:
        loop = new_event_loop()
        self._loop = loop
        self._failure = None
        try:
            loop.run_until_complete(self._serve())
        except BaseException as exc:  # noqa: BLE001 - kept for start() / serve_forever's caller
            self._failure = exc
            if self._started.is_set():
                log.error("the streaming server stopped: %s", exc, exc_info=exc)
            self._started.set()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
            self._loop = None

    async def _serve(self) -> None:
        self._stopped = asyncio.Event()
        # as another program: the window this server runs in follows its clients' edits as it follows other programs'
        catalog = Catalog(self.catalog_path, as_other_program=True)
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="reelkeep-streaming-io")
        encoder = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="reelkeep-streaming-encode")
        app = build_app(catalog, self.config, pool, encoder, self.worker)
        self.live = app[LIVE_KEY]
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=2.0)
        await runner.setup()
        try:
            site: web.BaseSite = web.SockSite(runner, self.sock) if self.sock is not None else \
                web.TCPSite(runner, self.config.host, self.config.port, reuse_address=True)
            try:
                await site.start()
            except OSError as exc:
                raise ServerError(f"cannot listen on {self.config.host}:{self.config.port}: {exc.strerror or exc}"
                                  " (is another program using the port? choose another port)") from None
            sockets = site._server.sockets if site._server is not None else ()  # noqa: SLF001 - the bound port
            self.port = sockets[0].getsockname()[1] if sockets else self.config.port
            self._started.set()
            if self.ready_callback is not None:
                self.ready_callback()
            if threading.current_thread() is threading.main_thread():  # `reelkeep serve`: Ctrl+C stops cleanly
                for signum in (signal.SIGINT, signal.SIGTERM):
                    asyncio.get_running_loop().add_signal_handler(signum, self._stopped.set)
            await self._stopped.wait()
        finally:
            await runner.cleanup()
            pool.shutdown(wait=True, cancel_futures=True)
            encoder.shutdown(wait=True, cancel_futures=True)
            catalog.close()


def shared_archives(paths: Sequence[str]) -> tuple[str, ...]:
    return tuple(str(Path(p).absolute()) for p in paths)
