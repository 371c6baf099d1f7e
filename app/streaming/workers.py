"""`reelkeep serve --workers N`: N server processes on one port, so range reads use every core instead of one
thread's (each process has its own GIL and event loop). Linux only: there SO_REUSEPORT gives each process a
listening socket of its own and the kernel spreads new connections across them (macOS and Windows accept the
option without spreading).

The parent binds all N sockets before any worker starts (so the port, also a free one picked for port 0, is
known and a taken port is refused once, in the parent), serves as worker 0 and starts workers 1..N-1 as spawned
processes, each a whole StreamingServer on its socket and the same catalog. What they share and how it stays
right across processes is in docs/streaming.md ("Several worker processes"): the catalog is SQLite in WAL mode
(writes take the write lock and wait for it), cache files are written under per-process partial names and renamed
into place, a remux or proxy is made under a lock file by one process, and live segments by one encoder.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from app.streaming.server import ServerConfig, ServerError, StreamingServer

log = logging.getLogger(__name__)
BACKLOG = 128  # aiohttp's own default for the sockets it binds


def workers_supported() -> bool:
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def default_workers() -> int:
    """One per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def listening_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """count sockets listening on host:port with SO_REUSEPORT. A plain bind comes first and fails when anything
    holds the port: with SO_REUSEPORT alone, a second `reelkeep serve` of the same user would silently share it."""
    try:
        family, kind, proto, _name, address = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM,
                                                                 flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as exc:
        raise ServerError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sockets: list[socket.socket] = []
    try:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as aiohttp binds: TIME_WAIT is no owner
            probe.bind(address)
            address = (address[0], probe.getsockname()[1], *address[2:])
        for _ in range(count):
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind(address)
            sock.listen(BACKLOG)
            sock.setblocking(False)
    except OSError as exc:
        for sock in sockets:
            sock.close()
        raise ServerError(f"cannot listen on {host}:{port}: {exc.strerror or exc}"
                          " (is another program using the port? choose another port)") from None
    return sockets


def worker_config(config: ServerConfig, port: int, count: int) -> ServerConfig:
    """Each worker's config: the bound port, and its share of the live transcode slots (one encoder per core in
    all, not per process)."""
    slots = config.live_sessions or max(2, os.cpu_count() or 2)
    return replace(config, port=port, live_sessions=max(1, slots // count))


def serve_workers(catalog_path: Path | str, config: ServerConfig, count: int,
                  ready: Callable[[StreamingServer], None] | None = None) -> StreamingServer:
    """Serve with count processes until SIGINT or SIGTERM (this one is worker 0); returns worker 0's server,
    whose `failure` says why it stopped early."""
    if count == 1:  # one process binds as the app's server does
        server = StreamingServer(catalog_path, config)
        if ready is not None:
            server.ready_callback = lambda: ready(server)
        server.serve_forever()
        return server
    if not workers_supported():
        raise ServerError("--workers above 1 needs Linux (SO_REUSEPORT spreading connections across processes)")
    sockets = listening_sockets(config.host, config.port, count)
    config = worker_config(config, sockets[0].getsockname()[1], count)
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no threads or loops copied by fork
    children: list[multiprocessing.process.BaseProcess] = []
    try:
        for index in range(1, count):
            child = context.Process(target=run_worker, args=(str(catalog_path), config, sockets[index], index,
                                                             os.getpid()), name=f"reelkeep-serve-{index}")
            child.start()
            sockets[index].close()  # the child has its copy; ours would keep a socket nobody accepts on alive
            children.append(child)
        server = StreamingServer(catalog_path, config, sock=sockets[0], worker=0)
        if ready is not None:
            server.ready_callback = lambda: ready(server)
        server.serve_forever()
        return server
    finally:
        for sock in sockets:
            sock.close()
        stop_children(children)


def stop_children(children: list[multiprocessing.process.BaseProcess], timeout: float = 15.0) -> None:
    for child in children:
        if child.is_alive():
            child.terminate()  # SIGTERM: the worker closes its connections and its live transcodes
    deadline = time.monotonic() + timeout
    for child in children:
        child.join(max(0.1, deadline - time.monotonic()))
        if child.is_alive():
            log.warning("worker %s did not stop in %.0f s: killed", child.name, timeout)
            child.kill()
            child.join()


def run_worker(catalog_path: str, config: ServerConfig, sock: socket.socket, index: int, parent: int) -> None:
    """A worker process: one StreamingServer on its socket until SIGTERM or SIGINT, or until its parent is gone
    (killed: nobody would stop this one otherwise)."""
    logging.basicConfig(level=logging.WARNING, format=f"%(asctime)s %(levelname)s worker {index} %(name)s: %(message)s")
    server = StreamingServer(catalog_path, config, sock=sock, worker=index)
    watcher = threading.Thread(target=_stop_when_orphaned, args=(server, parent), daemon=True,
                               name="reelkeep-parent-watch")
    watcher.start()
    server.serve_forever()
    if server.failure is not None:
        log.error("worker %d stopped: %s", index, server.failure)
        with contextlib.suppress(OSError):
            sock.close()
        sys.exit(1)


def _stop_when_orphaned(server: StreamingServer, parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    while True:  # again until it takes: the server may still be starting
        server.request_stop()
        time.sleep(1.0)
