"""The streaming server on a real socket, spoken to with http.client (exact headers) and with FFmpeg itself
(PyAV opening the HTTP URL, reading frame indexes): ranges, conditional requests, the token, the JSON API and its
writes through the catalog, archive files and STORED ZIP members, and clients that misbehave."""

from __future__ import annotations

import http.client
import io
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import pytest

from app.catalog.catalog import Catalog
from app.core.job import JobContext, execute
from app.ingest.scan import ScanJob
from app.streaming.ranges import OPEN_FILES
from app.streaming.server import ServerConfig, ServerError, StreamingServer
from tests.archive_oracles import create_archive
from tests.media import decode_indexes, make_audio, make_clip

TOKEN = "t" * 43


def start(catalog_path: Path, **options: Any) -> StreamingServer:
    server = StreamingServer(catalog_path, ServerConfig(port=0, token=TOKEN, **options))
    server.start()
    return server


@pytest.fixture
def server(library) -> Iterator[StreamingServer]:
    running = start(library[0])
    yield running
    running.stop()
    assert not running.running


def request(server: StreamingServer, method: str, path: str, headers: dict[str, str] | None = None,
            body: Any = None, token: str | None = TOKEN) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    if data is not None:
        sent["Content-Type"] = "application/json"
    connection.request(method, path, body=data, headers=sent)
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, payload


def get_json(server: StreamingServer, path: str) -> Any:
    status, _headers, payload = request(server, "GET", path)
    assert status == 200, payload
    return json.loads(payload)


def test_ranges_and_conditional_requests(server: StreamingServer, library, tmp_path: Path) -> None:
    clip_id = library[1]["A001C001.mov"]
    data = (tmp_path / "media" / "A001C001.mov").read_bytes()
    size = len(data)
    status, headers, body = request(server, "GET", f"/media/{clip_id}")
    assert status == 200 and body == data and headers["accept-ranges"] == "bytes"
    assert headers["content-type"] == "video/quicktime" and int(headers["content-length"]) == size
    etag, modified = headers["etag"], headers["last-modified"]
    assert etag.startswith('"') and modified.endswith("GMT")

    for asked, (start, end) in (("bytes=0-99", (0, 99)), ("bytes=1000-", (1000, size - 1)),
                                ("bytes=-500", (size - 500, size - 1)), (f"bytes=10-{size * 2}", (10, size - 1))):
        status, headers, body = request(server, "GET", f"/media/{clip_id}", {"Range": asked})
        assert status == 206, asked
        assert headers["content-range"] == f"bytes {start}-{end}/{size}"
        assert body == data[start:end + 1] and int(headers["content-length"]) == end - start + 1

    status, headers, body = request(server, "GET", f"/media/{clip_id}", {"Range": f"bytes={size}-"})
    assert status == 416 and headers["content-range"] == f"bytes */{size}"
    for ignored in ("bytes=0-1,5-6", "bytes=9-1", "lines=1-2", "bytes=" + "1" * 5000 + "-"):
        status, _headers, body = request(server, "GET", f"/media/{clip_id}", {"Range": ignored})
        assert status == 200 and body == data, ignored

    status, headers, body = request(server, "HEAD", f"/media/{clip_id}", {"Range": "bytes=0-9"})
    assert status == 206 and body == b"" and headers["content-length"] == "10"
    assert request(server, "GET", f"/media/{clip_id}", {"If-None-Match": etag})[0] == 304
    assert request(server, "GET", f"/media/{clip_id}", {"If-None-Match": '"other"'})[0] == 200
    assert request(server, "GET", f"/media/{clip_id}", {"If-Modified-Since": modified})[0] == 304
    status, _headers, body = request(server, "GET", f"/media/{clip_id}", {"Range": "bytes=0-9", "If-Range": etag})
    assert status == 206 and body == data[:10]
    status, _headers, body = request(server, "GET", f"/media/{clip_id}",
                                     {"Range": "bytes=0-9", "If-Range": '"stale"'})
    assert status == 200 and body == data  # the client's copy is not this one: the whole new file
    status, _headers, body = request(server, "GET", f"/media/{clip_id}", {"Range": "bytes=0-9", "If-Range": modified})
    assert status == 206 and body == data[:10]


def test_ffmpeg_streams_and_seeks_frame_exact_over_http(server: StreamingServer, library) -> None:
    for name, frames in (("A001C001.mov", 50), ("B002 night.mp4", 48)):
        url = f"http://127.0.0.1:{server.port}/media/{library[1][name]}?token={TOKEN}"
        assert decode_indexes(url) == list(range(frames)), name  # FFmpeg's HTTP reader asks for ranges itself


def test_token_is_required_everywhere(library, tmp_path: Path) -> None:
    server = start(library[0])
    try:
        for path in ("/api/items", "/api/status", "/media/1", "/api/archives", "/nothing/here"):
            status, _headers, body = request(server, "GET", path, token=None)
            assert status == 401 and b"token" in body and b"media" not in body.lower().replace(b"/media", b"")
            assert request(server, "GET", path, token="t" * 42 + "x")[0] == 401
        assert request(server, "GET", f"/api/items?token={TOKEN}", token=None)[0] == 200
        # the web page's query token becomes a cookie, which then suffices
        status, headers, _body = request(server, "GET", f"/api/status?token={TOKEN}", token=None)
        cookie = headers["set-cookie"].split(";")[0]
        assert status == 200 and "HttpOnly" in headers["set-cookie"]
        assert request(server, "GET", "/api/status", {"Cookie": cookie}, token=None)[0] == 200
        for _ in range(2000):  # a flood without the token: refused, and the server stays up
            assert request(server, "GET", "/api/items", token=None)[0] == 401
        assert request(server, "GET", "/api/status")[0] == 200
    finally:
        server.stop()
    relaxed = start(library[0], loopback_without_token=True)
    try:
        assert request(relaxed, "GET", "/api/status", token=None)[0] == 200
    finally:
        relaxed.stop()


def test_api_lists_filters_and_writes_through_the_catalog(server: StreamingServer, library) -> None:
    catalog_path, ids = library
    listed = get_json(server, "/api/items")
    assert listed["total"] == 3 and {i["name"] for i in listed["items"]} == set(ids)
    assert all("path" not in item for item in listed["items"])
    videos = get_json(server, "/api/items?kind=video&sort=name&desc=1")
    assert [i["name"] for i in videos["items"]] == ["B002 night.mp4", "A001C001.mov"]
    assert [i["name"] for i in get_json(server, "/api/items?q=teardrop")["items"]] == ["track.flac"]
    assert get_json(server, "/api/items?limit=1&offset=1")["items"][0]["name"] == "B002 night.mp4"

    clip = ids["A001C001.mov"]
    info = get_json(server, f"/api/items/{clip}")
    assert info["start_timecode"] == "01:00:00:00" and info["frame_rate"] == "25/1"
    assert "path" not in info and "root" not in info and info["renditions"][0]["url"] == f"/media/{clip}"
    status, _h, body = request(server, "PATCH", f"/api/items/{clip}",
                               body={"rating": 4, "favourite": True, "add_tags": ["selects", "day 1"]})
    assert status == 200 and json.loads(body)["tags"] == ["day 1", "selects"]
    assert request(server, "PATCH", f"/api/items/{clip}", body={"remove_tags": ["day 1"]})[0] == 200
    assert request(server, "POST", f"/api/items/{clip}/played")[0] == 200
    assert request(server, "PUT", f"/api/items/{clip}/resume", body={"seconds": 1.5})[0] == 200
    catalog = Catalog(catalog_path)
    try:
        stored = catalog.info(clip)
    finally:
        catalog.close()
    assert (stored["rating"], stored["favourite"], stored["tags"]) == (4, True, ["selects"])
    assert stored["play_count"] == 1 and stored["resume_seconds"] == 1.5
    assert get_json(server, "/api/items?tag=selects&min_rating=4&favourites=1")["total"] == 1
    assert get_json(server, "/api/tags") == [{"name": "selects", "count": 1}]

    for method, path, body in (("PATCH", f"/api/items/{clip}", {"rating": 9}),
                               ("PATCH", f"/api/items/{clip}", {"favourite": "yes"}),
                               ("PATCH", f"/api/items/{clip}", {"add_tags": "x"}),
                               ("PUT", f"/api/items/{clip}/resume", {"seconds": "soon"}),
                               ("GET", "/api/items?kind=film", None), ("GET", "/api/items?limit=many", None)):
        assert request(server, method, path, body=body)[0] == 400, (method, path, body)
    for path in ("/api/items/999", "/media/999", "/media/abc", "/media/..%2F..%2Fetc%2Fpasswd",
                 "/media/1/proxy/none", "/media/../../etc/passwd"):
        status, _h, body = request(server, "GET", path)
        assert status == 404 and b"/" not in body.replace(b"/media", b""), path


def check_edits_refused_over_other_changes(server: StreamingServer, catalog_path: Path | str, clip: int) -> None:
    """A web client's edit names the rating and favourite its user saw: over another program's change it is refused
    (409, the item as it is now), and nothing of that request is written — also not its other fields."""
    def patch(body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        status, _h, answer = request(server, "PATCH", f"/api/items/{clip}", body=body)
        return status, json.loads(answer)

    status, item = patch({"rating": 3, "favourite": False, "expected": {"rating": 0, "favourite": False}})
    assert status == 200 and item["rating"] == 3
    catalog = Catalog(catalog_path)
    try:
        catalog.set_rating([clip], 1)  # another program (the app, another browser) rates it meanwhile
    finally:
        catalog.close()
    status, answer = patch({"rating": 5, "add_tags": ["late"], "expected": {"rating": 3}})
    assert status == 409 and "someone else changed the rating" in answer["error"]
    assert answer["item"]["rating"] == 1 and "late" not in answer["item"]["tags"]
    status, answer = patch({"rating": 2, "favourite": True, "expected": {"rating": 1, "favourite": True}})
    assert status == 409 and answer["item"]["rating"] == 1  # the favourite check undid the rating of the request
    status, item = patch({"rating": 5, "expected": {"rating": 1}})  # on what is there now: accepted
    assert status == 200 and item["rating"] == 5
    assert patch({"rating": 5, "expected": {"rating": 9}})[0] == 400
    assert patch({"rating": 5, "expected": {"title": "x"}})[0] == 400
    catalog = Catalog(catalog_path)
    try:
        stored = catalog.info(clip)
    finally:
        catalog.close()
    assert (stored["rating"], stored["favourite"]) == (5, False) and "late" not in stored["tags"]


def test_web_edits_over_another_programs_change_are_refused(server: StreamingServer, library) -> None:
    check_edits_refused_over_other_changes(server, library[0], library[1]["A001C001.mov"])


def test_pages_waiting_for_changes_are_answered_when_another_program_edits(library) -> None:
    """GET /api/changes?since=N: at once with the version when N is older, else when the catalog changes (or after
    the wait); a server stopping answers its waiting pages at once."""
    import threading

    server = start(library[0], changes_poll_seconds=0.1)
    answers: list[dict[str, Any]] = []

    def wait_for_change(since: int) -> threading.Thread:
        def ask() -> None:
            answers.append(json.loads(request(server, "GET", f"/api/changes?since={since}")[2]))
        thread = threading.Thread(target=ask)
        thread.start()
        return thread

    try:
        assert get_json(server, "/api/changes") == {"version": 0, "following": True}
        assert request(server, "GET", "/api/changes?since=soon")[0] == 400
        waiting = wait_for_change(0)
        time.sleep(0.3)
        assert not answers  # nothing changed: it waits
        catalog = Catalog(library[0], as_other_program=True)  # another program, as a process of its own would be
        try:
            catalog.set_rating([library[1]["A001C001.mov"]], 5)
        finally:
            catalog.close()
        waiting.join(10)
        assert answers == [{"version": 1, "following": True}]
        waiting = wait_for_change(1)
        time.sleep(0.3)
    finally:
        started = time.monotonic()
        server.stop()
    waiting.join(10)
    assert answers[-1] == {"version": 1, "following": True} and time.monotonic() - started < 5


def test_archive_files_and_zip_members_stream_with_ranges(library, tmp_path: Path) -> None:
    from app.archive.zip_export import ExportZipJob

    source = tmp_path / "shoot"
    (source / "A001").mkdir(parents=True)
    clip = make_clip(source / "A001" / "A001C003.mov", rate="25", frames=40, start_tc="01:00:00:00")
    archive = tmp_path / "Project Archive"
    create_archive(source, archive, message="day 1")
    exported = execute(ExportZipJob(archive, tmp_path / "day1.zip"), JobContext())
    assert exported.ok, exported.message
    server = start(library[0], archives=(str(archive), str(exported.value.path)))
    try:
        archives = get_json(server, "/api/archives")
        assert [a["name"] for a in archives] == ["Project Archive", "day1.zip"]
        for listed in archives:
            detail = get_json(server, listed["url"])
            assert [v["name"] for v in detail["versions"]] == ["v1"]
            files = get_json(server, detail["versions"][0]["url"])
            entry = next(f for f in files if f["path"] == "A001/A001C003.mov")
            assert entry["playable"] and entry["start_timecode"] == "01:00:00:00"
            status, headers, body = request(server, "GET", entry["url"], {"Range": "bytes=100-199"})
            assert status == 206 and body == clip.read_bytes()[100:200], listed["name"]
            assert headers["content-range"] == f"bytes 100-199/{clip.stat().st_size}"
            url = f"http://127.0.0.1:{server.port}{entry['url']}?token={TOKEN}"
            assert decode_indexes(url) == list(range(40)), listed["name"]
            base = entry["url"].rsplit("/files/", 1)[0]
            for bad in ("/files/A001/../../inventory.json", "/files/nothing.mov", "/files/%2e%2e/x"):
                assert request(server, "GET", base + bad)[0] == 404, bad
        assert request(server, "GET", "/api/archives/0123456789abcdef")[0] == 404
    finally:
        server.stop()


def test_vanishing_slow_and_deleted_streams_leak_nothing(server: StreamingServer, library, tmp_path: Path) -> None:
    big = tmp_path / "media" / "big.mov"
    big.write_bytes(bytes(range(256)) * (1 << 17))  # 32 MiB: more than the socket buffers hold
    catalog = Catalog(library[0])
    try:
        assert execute(ScanJob(catalog), JobContext()).ok  # cataloged (as a damaged file: served all the same)
        big_id = catalog.id_for_path(big)
    finally:
        catalog.close()
    ask = f"GET /media/{big_id} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\r\n".encode()
    for _ in range(20):  # ask for the file and hang up after a few bytes
        raw = socket.create_connection(("127.0.0.1", server.port))
        raw.sendall(ask)
        raw.recv(100)
        raw.close()
    slow = socket.create_connection(("127.0.0.1", server.port))
    slow.sendall(ask)
    head = slow.recv(4096)
    assert head.startswith(b"HTTP/1.1 200")
    deadline = time.monotonic() + 10
    while OPEN_FILES.count < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert OPEN_FILES.count >= 1  # the stalled reader's file is open…
    assert request(server, "GET", "/api/status")[0] == 200  # …and does not hold other clients up
    big.unlink()  # deleted while streamed: the open file keeps its bytes; new requests get a clean 404
    assert request(server, "GET", f"/media/{big_id}")[0] == 404
    received = len(head) - head.index(b"\r\n\r\n") - 4
    slow.settimeout(30)
    while received < 32 << 20 and (chunk := slow.recv(1 << 20)):
        received += len(chunk)
    assert received == 32 << 20
    slow.close()
    deadline = time.monotonic() + 10
    while OPEN_FILES.count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert OPEN_FILES.count == 0


def test_a_taken_port_is_a_clear_error(server: StreamingServer, library) -> None:
    second = StreamingServer(library[0], ServerConfig(port=server.port, token=TOKEN))
    with pytest.raises(ServerError, match="cannot listen on 127.0.0.1"):
        second.start()


def test_reelkeep_serve_from_the_command_line(library, tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    token_file = tmp_path / "config" / "server-token"
    env = {**os.environ, "REELKEEP_CATALOG": str(library[0]), "QT_QPA_PLATFORM": "offscreen"}
    process = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", "0", "--token-file", str(token_file)],
                               cwd=Path(__file__).resolve().parents[2], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        first = process.stdout.readline()
        assert first.startswith("Serving ") and " at http://127.0.0.1:" in first, process.stderr.read()
        port = int(first.rsplit(":", 1)[1].strip().rstrip("/"))
        token = token_file.read_text().strip()
        assert len(token) >= 40 and (token_file.stat().st_mode & 0o777) == 0o600
        assert token in process.stdout.readline()  # the address to open, with the token
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/api/items", headers={"Authorization": f"Bearer {token}"})
        assert json.loads(connection.getresponse().read())["total"] == 3
        connection.close()
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "server stopped" in out and "Traceback" not in err
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    try:
        taken = subprocess.run([sys.executable, "-m", "app", "serve", "--port", str(busy.getsockname()[1]),
                                "--token-file", str(token_file)], cwd=Path(__file__).resolve().parents[2], env=env,
                               capture_output=True, text=True, timeout=60)
    finally:
        busy.close()
    assert taken.returncode == 1 and "cannot listen on 127.0.0.1" in taken.stderr and "Traceback" not in taken.stderr
    nonsense = subprocess.run([sys.executable, "-m", "app", "serve", "--cache-limit", "lots", "--token-file",
                               str(token_file)], cwd=Path(__file__).resolve().parents[2], env=env,
                              capture_output=True, text=True, timeout=60)
    assert nonsense.returncode == 1 and "--cache-limit 'lots' is not a size" in nonsense.stderr


def test_play_gives_browsers_what_they_decode(library, tmp_path: Path, monkeypatch) -> None:
    """Direct when browsers play the file, a cached remux when only the container is wrong, the H.264 preview proxy
    for ProRes, AAC for AIFF; made once and served from then on with ranges, and frame-exact."""
    monkeypatch.setenv("REELKEEP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("REELKEEP_PROXY_DIR", str(tmp_path / "proxies"))
    media = tmp_path / "media"
    make_clip(media / "C003 grade.mov", rate="24", frames=24, codec="prores", audio=False)
    make_audio(media / "room tone.aiff", seconds=2.0)
    catalog = Catalog(library[0])
    try:
        assert execute(ScanJob(catalog), JobContext()).ok
        ids = {row["name"]: row["id"] for row in catalog.rows(catalog.query_ids())}
    finally:
        catalog.close()
    server = start(library[0])
    try:
        def play(name: str, query: str = "") -> tuple[int, dict[str, str], bytes]:
            return request(server, "GET", f"/media/{ids[name]}/play{query}")

        status, headers, body = play("B002 night.mp4")
        assert status == 200 and headers["x-reelkeep-delivery"].startswith("direct")
        assert body == (media / "B002 night.mp4").read_bytes()
        status, headers, body = play("track.flac")
        assert status == 200 and headers["x-reelkeep-delivery"].startswith("direct")

        # H.264 with PCM in MOV: the video copied into MP4, the audio as AAC, cached for the next client
        status, headers, body = play("A001C001.mov")
        assert status == 200 and headers["x-reelkeep-delivery"].startswith("remux")
        assert headers["content-type"] == "video/mp4" and body[4:8] == b"ftyp"
        cached = list((tmp_path / "cache" / "streams").rglob("remux.mp4"))
        assert len(cached) == 1 and cached[0].read_bytes() == body
        url = f"http://127.0.0.1:{server.port}/media/{ids['A001C001.mov']}/play?token={TOKEN}"
        assert decode_indexes(url) == list(range(50))
        before = cached[0].stat().st_mtime_ns
        status, headers, part = request(  # served from the cache, with ranges
            server, "GET", f"/media/{ids['A001C001.mov']}/play", {"Range": "bytes=0-99"})
        assert status == 206 and part == body[:100] and cached[0].stat().st_mtime_ns == before

        # ProRes: the preview proxy (H.264), made once, recorded in the catalog, frame-exact
        url = f"http://127.0.0.1:{server.port}/media/{ids['C003 grade.mov']}/play?token={TOKEN}"
        assert decode_indexes(url) == list(range(24))
        status, headers, _body = play("C003 grade.mov", "?rendition=auto")
        assert status == 200 and "preview proxy" in headers["x-reelkeep-delivery"]
        detail = get_json(server, f"/api/items/{ids['C003 grade.mov']}")
        assert [r["name"] for r in detail["renditions"]] == ["original", "preview"]
        status, headers, body = play("C003 grade.mov", "?rendition=original")
        assert status == 200 and body == (media / "C003 grade.mov").read_bytes()
        assert play("C003 grade.mov", "?rendition=editorial")[0] == 404

        # AIFF: AAC at the asked bitrate (rounded to a cached step)
        status, headers, body = play("room tone.aiff", "?bitrate=130000")
        assert status == 200 and headers["x-reelkeep-delivery"].startswith("transcode")
        made = list((tmp_path / "cache" / "streams").rglob("aac-128k.m4a"))
        assert len(made) == 1 and made[0].read_bytes() == body
    finally:
        server.stop()


def test_hls_variants_are_the_h264_renditions_cut_at_keyframes(library, tmp_path: Path, monkeypatch) -> None:
    """The master playlist lists the original (H.264) and its proxies; each media playlist's byte ranges cover its
    fMP4 exactly; FFmpeg's HLS demuxer plays the master and the variants frame-exact."""
    from app.ingest.proxies import ProxyJob

    monkeypatch.setenv("REELKEEP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("REELKEEP_PROXY_DIR", str(tmp_path / "proxies"))
    clip = library[1]["A001C001.mov"]  # 50 frames at 25 fps, GOP 12
    catalog = Catalog(library[0])
    try:
        assert execute(ProxyJob(catalog, [clip], ["thumbnail"]), JobContext()).ok
    finally:
        catalog.close()
    server = start(library[0])
    try:
        status, headers, master = request(server, "GET", f"/media/{clip}/hls/master.m3u8?token={TOKEN}",
                                          token=None)
        assert status == 200 and headers["content-type"].startswith("application/vnd.apple.mpegurl")
        text = master.decode()
        assert text.startswith("#EXTM3U") and text.count("#EXT-X-STREAM-INF") == 2
        assert f"thumbnail.m3u8?token={TOKEN}" in text and f"original.m3u8?token={TOKEN}" in text
        assert 'CODECS="avc1.' in text and "RESOLUTION=320x180" in text
        for rendition in ("original", "thumbnail"):
            _s, _h, playlist = request(server, "GET", f"/media/{clip}/hls/{rendition}.m3u8")
            lines = playlist.decode().splitlines()
            assert lines[-1] == "#EXT-X-ENDLIST" and "#EXT-X-PLAYLIST-TYPE:VOD" in lines
            ranges = [tuple(int(x) for x in line.split(":")[1].split("@"))
                      for line in lines if line.startswith("#EXT-X-BYTERANGE")]
            init = next(line for line in lines if line.startswith("#EXT-X-MAP"))
            init_length = int(init.split('BYTERANGE="')[1].split("@")[0])
            durations = [float(line[8:-1]) for line in lines if line.startswith("#EXTINF:")]
            assert abs(sum(durations) - 2.0) < 1e-6  # 50 frames at 25 fps
            # segments of whole fragments, 2 s at least: the all-intra thumbnail proxy is not 50 segments of 40 ms
            assert len(durations) == 1
            _s, _h, fmp4 = request(server, "GET", f"/media/{clip}/hls/{rendition}.mp4")
            assert ranges[0][1] == init_length and fmp4[4:8] == b"ftyp"
            assert all(a[1] + a[0] == b[1] for a, b in zip(ranges, ranges[1:], strict=False))
            assert fmp4[ranges[-1][1]:ranges[-1][1] + ranges[-1][0]] and ranges[-1][1] + ranges[-1][0] <= len(fmp4)
            for length, offset in ranges:
                assert fmp4[offset + 4:offset + 8] == b"moof"
                status, _h, part = request(server, "GET", f"/media/{clip}/hls/{rendition}.mp4",
                                           {"Range": f"bytes={offset}-{offset + length - 1}"})
                assert status == 206 and part == fmp4[offset:offset + length]
            url = f"http://127.0.0.1:{server.port}/media/{clip}/hls/{rendition}.m3u8?token={TOKEN}"
            assert decode_indexes(url) == list(range(50)), rendition
        assert decode_indexes(f"http://127.0.0.1:{server.port}/media/{clip}/hls/master.m3u8?token={TOKEN}") \
            == list(range(50))
        assert request(server, "GET", f"/media/{clip}/hls/editorial.m3u8")[0] == 404
        assert request(server, "GET", f"/media/{library[1]['track.flac']}/hls/master.m3u8")[0] == 404
    finally:
        server.stop()


def test_a_file_cut_short_while_streamed_ends_the_connection(server: StreamingServer, library, tmp_path: Path) -> None:
    """The response promised the old length: the client must see the connection end, not wait for bytes that
    will never come."""
    big = tmp_path / "media" / "growing.mov"
    big.write_bytes(bytes(range(256)) * (1 << 17))  # 32 MiB
    catalog = Catalog(library[0])
    try:
        assert execute(ScanJob(catalog), JobContext()).ok
        big_id = catalog.id_for_path(big)
    finally:
        catalog.close()
    reader = socket.create_connection(("127.0.0.1", server.port))
    reader.sendall(f"GET /media/{big_id} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\r\n".encode())
    head = reader.recv(4096)
    assert head.startswith(b"HTTP/1.1 200") and b"Content-Length: 33554432" in head
    time.sleep(0.3)  # the socket buffers are full: the server waits for this reader
    with open(big, "r+b") as handle:
        handle.truncate(1 << 20)
    received = len(head) - head.index(b"\r\n\r\n") - 4
    reader.settimeout(20)
    while chunk := reader.recv(1 << 20):
        received += len(chunk)
    reader.close()
    assert received < 32 << 20  # ended (recv gave b"" before the timeout), short of the promised length
    assert request(server, "GET", "/api/status")[0] == 200
    deadline = time.monotonic() + 10
    while OPEN_FILES.count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert OPEN_FILES.count == 0


def test_play_fits_the_rendition_to_the_screen_and_bandwidth_the_client_declares(library, tmp_path: Path,
                                                                                 monkeypatch) -> None:
    from app.ingest.proxies import ProxyJob

    monkeypatch.setenv("REELKEEP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("REELKEEP_PROXY_DIR", str(tmp_path / "proxies"))
    clip = make_clip(tmp_path / "media" / "E005 wide.mp4", rate="25", frames=25, size=(1280, 720), crf=10)
    catalog = Catalog(library[0])
    try:
        assert execute(ScanJob(catalog), JobContext()).ok
        media_id = catalog.id_for_path(clip)
        assert execute(ProxyJob(catalog, [media_id], ["thumbnail", "preview"]), JobContext()).ok
        original_bits = catalog.info(media_id)["bit_rate"]
    finally:
        catalog.close()
    server = start(library[0])
    try:
        def delivered(query: str) -> tuple[str, int]:
            status, headers, body = request(server, "GET", f"/media/{media_id}/play{query}")
            assert status == 200
            with av.open(io.BytesIO(body)) as played:
                return headers["x-reelkeep-delivery"], played.streams.video[0].codec_context.width

        assert delivered("")[1] == 1280  # nothing declared: the original, which browsers play
        assert delivered("?screen=2560x1440")[1] == 1280  # no proxy is as large: the original
        how, width = delivered("?screen=640x360")  # a phone: the smallest proxy that covers its screen
        assert width == 960 and how.startswith("proxy; the preview proxy (960x540) suits a 640x360 screen")
        how, width = delivered(f"?screen=1920x1080&bandwidth={original_bits // 4}")  # too slow for the original
        assert width == 320 and "Mbit/s" in how
        assert delivered("?screen=big&bandwidth=fast")[1] == 1280  # nonsense is ignored
        assert delivered("?rendition=original&screen=640x360")[1] == 1280  # an explicit rendition wins
    finally:
        server.stop()


def test_the_stream_cache_keeps_to_its_limit(library, tmp_path: Path, monkeypatch) -> None:
    """Over its limit, the folders used longest ago go (here at start); what a client just watched stays."""
    import os

    monkeypatch.setenv("REELKEEP_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "cache" / "streams"
    forgotten = root / "ff" / "ff-0000000000000000"
    forgotten.mkdir(parents=True)
    (forgotten / "remux.mp4").write_bytes(bytes(2 << 20))
    os.utime(forgotten, (1, 1))
    server = start(library[0], stream_cache_bytes=1 << 20)
    try:
        deadline = time.monotonic() + 20
        while forgotten.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not forgotten.exists()
        status, headers, _body = request(server, "GET", f"/media/{library[1]['A001C001.mov']}/play")
        assert status == 200 and headers["x-reelkeep-delivery"].startswith("remux")
    finally:
        server.stop()
    watched = list(root.rglob("remux.mp4"))
    assert len(watched) == 1
    server = start(library[0], stream_cache_bytes=1)  # over the limit, but watched a moment ago: kept
    try:
        assert get_json(server, "/api/status")["items"] == 3
    finally:
        server.stop()
    assert watched[0].is_file()
