"""`reelkeep serve --workers N` (app/streaming/workers.py) as a real process tree on a real port: every worker
answers ranges, If-Range and 416 as one server does, writes made through one worker are seen by the others,
SIGTERM to the parent stops them all, and a port someone holds is refused. What keeps work single across
processes: a live segment another process is writing is waited for, not encoded again; a cache file is made once
under its lock. And the event loop: uvloop where installed, asyncio's still serving slow and cut-short readers."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from app.catalog.catalog import Catalog
from app.streaming import server as server_module
from app.streaming.delivery import cached_path
from app.streaming.library_api import made_once
from app.streaming.workers import workers_supported
from tests.integration import test_streaming_server as single
from tests.integration.test_streaming_server import TOKEN, request, start
from tests.media import decode_indexes

ROOT = Path(__file__).resolve().parents[2]
needs_workers = pytest.mark.skipif(not workers_supported(), reason="--workers needs Linux (SO_REUSEPORT)")


def serve(library, tmp_path: Path, *options: str) -> subprocess.Popen[str]:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    env = {**os.environ, "REELKEEP_CATALOG": str(library[0]), "QT_QPA_PLATFORM": "offscreen",
           "REELKEEP_CACHE_DIR": str(tmp_path / "cache")}
    return subprocess.Popen([sys.executable, "-m", "app", "serve", "--token-file", str(token_file), *options],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def call(connection: http.client.HTTPConnection, method: str, path: str, headers: dict[str, str] | None = None,
         body: object = None) -> tuple[int, dict[str, str], bytes]:
    """One request on a kept-alive connection (so on the one worker that accepted it)."""
    sent = {"Authorization": f"Bearer {TOKEN}", **(headers or {})}
    data = None if body is None else json.dumps(body).encode()
    if data is not None:
        sent["Content-Type"] = "application/json"
    connection.request(method, path, body=data, headers=sent)
    response = connection.getresponse()
    payload = response.read()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, payload


def check_ranges(connection: http.client.HTTPConnection, clip_id: int, data: bytes) -> None:
    size = len(data)
    status, headers, body = call(connection, "GET", f"/media/{clip_id}", {"Range": "bytes=1000-1999"})
    assert status == 206 and headers["content-range"] == f"bytes 1000-1999/{size}" and body == data[1000:2000]
    etag = headers["etag"]
    status, _h, body = call(connection, "GET", f"/media/{clip_id}", {"Range": "bytes=-10", "If-Range": etag})
    assert status == 206 and body == data[-10:]
    status, _h, body = call(connection, "GET", f"/media/{clip_id}", {"Range": "bytes=0-9", "If-Range": '"stale"'})
    assert status == 200 and body == data
    status, headers, _body = call(connection, "GET", f"/media/{clip_id}", {"Range": f"bytes={size}-"})
    assert status == 416 and headers["content-range"] == f"bytes */{size}"
    status, headers, body = call(connection, "HEAD", f"/media/{clip_id}", {"Range": "bytes=0-9"})
    assert status == 206 and body == b"" and headers["content-length"] == "10"


@needs_workers
def test_serve_with_two_workers_answers_ranges_and_writes_from_both(library, tmp_path: Path) -> None:
    clip_id = library[1]["A001C001.mov"]
    data = (tmp_path / "media" / "A001C001.mov").read_bytes()
    process = serve(library, tmp_path, "--port", "0", "--workers", "2")
    try:
        first = process.stdout.readline()
        found = re.search(r"at http://127\.0\.0\.1:(\d+)/ \(2 worker processes\)", first)
        assert found, first + process.stderr.read()
        port = int(found.group(1))
        workers: dict[int, http.client.HTTPConnection] = {}
        for _ in range(400):  # the kernel picks a worker per connection: new connections until both answered
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            status, _h, body = call(connection, "GET", "/api/status")
            assert status == 200
            worker = json.loads(body)["worker"]
            if worker in workers:
                connection.close()
                continue
            check_ranges(connection, clip_id, data)
            workers[worker] = connection
            if len(workers) == 2:
                break
        assert sorted(workers) == [0, 1]

        # a write through one worker is what the other reads (one catalog, SQLite WAL)
        status, _h, _body = call(workers[0], "PATCH", f"/api/items/{clip_id}", body={"rating": 4, "add_tags": ["x"]})
        assert status == 200
        status, _h, body = call(workers[1], "GET", f"/api/items/{clip_id}")
        assert json.loads(body)["rating"] == 4 and "x" in json.loads(body)["tags"]

        def play(worker: int) -> None:  # both processes write at once: every play is counted
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            while True:  # a connection to that worker
                if json.loads(call(connection, "GET", "/api/status")[2])["worker"] == worker:
                    break
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            for _ in range(10):
                assert call(connection, "POST", f"/api/items/{clip_id}/played")[0] == 200
            connection.close()

        players = [threading.Thread(target=play, args=(w,)) for w in (0, 1)]
        for player in players:
            player.start()
        for player in players:
            player.join(120)
        assert json.loads(call(workers[0], "GET", f"/api/items/{clip_id}")[2])["play_count"] == 20
        for connection in workers.values():
            connection.close()
        children = psutil.Process(process.pid).children(recursive=True)
        assert children
    finally:
        process.send_signal(signal.SIGTERM)  # to the parent alone: it stops its workers
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "server stopped" in out and "Traceback" not in err
    _gone, alive = psutil.wait_procs(children, timeout=30)
    assert not alive


@needs_workers
def test_ctrl_c_stops_every_worker_cleanly(library, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    env = {**os.environ, "REELKEEP_CATALOG": str(library[0]), "QT_QPA_PLATFORM": "offscreen"}
    process = subprocess.Popen([sys.executable, "-m", "app", "serve", "--token-file", str(token_file), "--port", "0",
                                "--workers", "2"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)  # its own process group, as a terminal's job
    try:
        port = int(re.search(r":(\d+)/", process.stdout.readline()).group(1))
        seen: set[int] = set()
        for _ in range(400):  # both workers are up (Ctrl+C while a worker imports is another matter)
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            seen.add(json.loads(call(connection, "GET", "/api/status")[2])["worker"])
            connection.close()
            if len(seen) == 2:
                break
        assert seen == {0, 1}
        children = psutil.Process(process.pid).children(recursive=True)
    finally:
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl+C sends: every process of the group
        out, err = process.communicate(timeout=60)
    assert process.returncode == 0 and "server stopped" in out
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    _gone, alive = psutil.wait_procs(children, timeout=30)
    assert not alive


@needs_workers
def test_workers_refuse_a_port_another_server_holds(library, tmp_path: Path) -> None:
    held = socket.socket()
    held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)  # as another `serve --workers` would hold it
    held.bind(("127.0.0.1", 0))
    held.listen()
    try:
        process = serve(library, tmp_path, "--port", str(held.getsockname()[1]), "--workers", "2")
        out, err = process.communicate(timeout=60)
    finally:
        held.close()
    assert process.returncode == 1 and "cannot listen on 127.0.0.1" in err and "Traceback" not in err
    assert "Serving" not in out
    bad = serve(library, tmp_path, "--workers", "0")
    assert bad.communicate(timeout=60)[1].count("--workers 0: a number of processes") == 1


def test_a_live_segment_another_process_writes_is_waited_for(prores, tmp_path: Path) -> None:
    catalog_path, media_id = prores
    catalog = Catalog(catalog_path)
    try:
        folder = cached_path(catalog.info(media_id)["identity_hash"], "live-preview")
    finally:
        catalog.close()
    folder.mkdir(parents=True)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])  # the other process
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    (folder / f"00003.ts.{other.pid}.partial").write_bytes(b"being written")
    (folder / f"00004.ts.{gone.pid}.partial").write_bytes(b"left by a killed writer")
    server = start(catalog_path, live_idle_seconds=2.0)
    answer: list[tuple[int, dict[str, str], bytes]] = []
    try:
        asking = threading.Thread(target=lambda: answer.append(request(server, "GET", f"/media/{media_id}/hls/live/3.ts")))
        asking.start()
        asking.join(1.0)
        assert asking.is_alive()  # it waits for the other process's segment…
        assert server.live is not None and server.live.started == 0  # …and encodes nothing meanwhile
        os.replace(folder / f"00003.ts.{other.pid}.partial", folder / "00003.ts")  # the other process is done
        asking.join(60)
        assert answer and answer[0][0] == 200 and answer[0][2] == b"being written"
        assert server.live.started == 0  # never encoded here

        # a partial whose writer is gone is no one's: this server encodes that segment itself
        status, _h, fourth = request(server, "GET", f"/media/{media_id}/hls/live/4.ts")
        (tmp_path / "s4.ts").write_bytes(fourth)
        assert status == 200 and decode_indexes(tmp_path / "s4.ts") == list(range(400, 500))
        assert server.live.started == 1
    finally:
        other.kill()
        other.wait()
        server.stop()


def test_a_cache_file_is_made_once_by_lock_holders(tmp_path: Path) -> None:
    target = tmp_path / "cache" / "remux.mp4"
    made: list[int] = []
    entered = threading.Event()

    def make(path: Path) -> Path:
        made.append(threading.get_ident())
        entered.set()
        time.sleep(0.3)  # the other one comes to the lock meanwhile
        path.write_bytes(b"made")
        return path

    results: list[object] = []
    lock = target.with_name("remux.mp4.lock")
    makers = [threading.Thread(target=lambda: results.append(made_once(lock, target, target, make, target)))
              for _ in range(2)]
    makers[0].start()
    entered.wait(30)
    makers[1].start()
    for maker in makers:
        maker.join(30)
    assert len(made) == 1 and results == [target, target] and target.read_bytes() == b"made"


def test_the_server_loop_is_uvloop(library) -> None:
    import uvloop  # a dependency wherever the tests run (pyproject: every platform but Windows)

    server = start(library[0])
    try:
        assert isinstance(server._loop, uvloop.Loop)  # noqa: SLF001 - which loop runs is the point
        assert request(server, "GET", "/api/status")[0] == 200
    finally:
        server.stop()


def test_asyncio_loop_serves_slow_vanishing_and_cut_short_readers(library, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(server_module, "new_event_loop", asyncio.new_event_loop)
    for check in (single.test_vanishing_slow_and_deleted_streams_leak_nothing,
                  single.test_a_file_cut_short_while_streamed_ends_the_connection,
                  single.test_ranges_and_conditional_requests):
        server = start(library[0])
        try:
            assert not type(server._loop).__module__.startswith("uvloop")  # noqa: SLF001
            check(server, library, tmp_path)
        finally:
            server.stop()
