"""Live transcoding over HLS (app/streaming/live.py) on a real socket: a ProRes clip with no H.264 rendition is
served as MPEG-TS segments made on demand, each frame-exact; a seek far ahead starts a second encoder without
stopping the first client's; finished segments come from the cache; encoders end when their clients leave or the
server stops, and leave no partial file behind."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import av

from app.streaming.server import StreamingServer
from tests.integration.conftest import PRORES_FRAMES as FRAMES
from tests.integration.test_streaming_server import TOKEN, get_json, request, start
from tests.media import decode_indexes


def segment_folder(tmp_path: Path) -> Path:
    found = list((tmp_path / "cache" / "streams").rglob("live-preview"))
    assert len(found) == 1
    return found[0]


def wait_until_idle(server: StreamingServer, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while server.live is not None and server.live.running and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.live is not None and server.live.running == 0, "a live encoder did not stop"
    assert not [t for t in threading.enumerate() if t.name.startswith("reelkeep-live")]


def test_live_segments_are_frame_exact_seek_alone_and_come_from_the_cache(prores, tmp_path: Path) -> None:
    catalog_path, media_id = prores
    server = start(catalog_path, live_idle_seconds=2.0)
    base = f"/media/{media_id}/hls"
    try:
        status, headers, master = request(server, "GET", f"{base}/master.m3u8?token={TOKEN}", token=None)
        assert status == 200 and headers["content-type"].startswith("application/vnd.apple.mpegurl")
        text = master.decode()
        assert text.count("#EXT-X-STREAM-INF") == 1 and f"live.m3u8?token={TOKEN}" in text
        assert 'CODECS="avc1.640028,mp4a.40.2"' in text and "RESOLUTION=320x180" in text
        status, _h, playlist = request(server, "GET", f"{base}/live.m3u8")
        lines = playlist.decode().splitlines()
        assert status == 200 and lines[-1] == "#EXT-X-ENDLIST" and "#EXT-X-PLAYLIST-TYPE:VOD" in lines
        assert [line for line in lines if line.startswith("#EXTINF")] == ["#EXTINF:4.000000,"] * 9
        assert [line for line in lines if not line.startswith("#")] == [f"live/{n}.ts" for n in range(9)]
        assert server.live is not None and server.live.running == 0  # nothing encodes before a segment is asked

        # Client A starts at the beginning: one encoder, segment 0 is frames 0-99
        status, headers, first = request(server, "GET", f"{base}/live/0.ts")
        assert status == 200 and headers["content-type"] == "video/mp2t" and first[0] == 0x47  # TS sync byte
        (tmp_path / "a0.ts").write_bytes(first)
        assert decode_indexes(tmp_path / "a0.ts") == list(range(100))
        assert server.live.started == 1

        # Client B seeks to 28 s: a second encoder starts at segment 7 (at the keyframe, frame-exact)
        status, _h, seventh = request(server, "GET", f"{base}/live/7.ts")
        (tmp_path / "b7.ts").write_bytes(seventh)
        assert status == 200 and decode_indexes(tmp_path / "b7.ts") == list(range(700, 800))
        assert server.live.started == 2

        # The same segment as a self-initialising fMP4 for MSE (Firefox): the packets copied, their times kept —
        # segment 7 starts at 28 s on the source's timeline, so a browser appending it places it there
        status, _h, playlist = request(server, "GET", f"{base}/live.m3u8?segments=mp4")
        assert [line for line in playlist.decode().splitlines() if not line.startswith("#")] == \
            [f"live/{n}.mp4" for n in range(9)]
        status, headers, seventh_mp4 = request(server, "GET", f"{base}/live/7.mp4")
        assert status == 200 and headers["content-type"] == "video/mp4" and seventh_mp4[4:8] == b"ftyp"
        (tmp_path / "b7.mp4").write_bytes(seventh_mp4)
        assert decode_indexes(tmp_path / "b7.mp4") == list(range(700, 800))
        with av.open(str(tmp_path / "b7.mp4")) as fmp4, av.open(str(tmp_path / "b7.ts")) as ts:
            video, audio = fmp4.streams.video[0], fmp4.streams.audio[0]
            assert video.start_time * video.time_base == 28
            ts_audio = ts.streams.audio[0]
            assert abs(audio.start_time * audio.time_base - ts_audio.start_time * ts_audio.time_base) < 0.001
            assert abs(float(audio.start_time * audio.time_base) - 28) < 0.1
        assert server.live.started == 2  # made from the finished TS segment, not by an encoder

        # A goes on from its own encoder, which ran ahead of it and was not stopped by B's seek
        status, _h, second = request(server, "GET", f"{base}/live/1.ts")
        (tmp_path / "a1.ts").write_bytes(second)
        assert status == 200 and decode_indexes(tmp_path / "a1.ts") == list(range(100, 200))
        assert server.live.started == 2

        # A finished segment is a plain file with ranges
        folder = segment_folder(tmp_path)
        made = (folder / "00000.ts").stat().st_mtime_ns
        status, _h, part = request(server, "GET", f"{base}/live/0.ts", {"Range": "bytes=188-375"})
        assert status == 206 and part == first[188:376]
        assert (folder / "00000.ts").stat().st_mtime_ns == made

        # FFmpeg's HLS demuxer plays the whole thing: one timeline of every frame, sound to the end
        url = f"http://127.0.0.1:{server.port}{base}/live.m3u8?token={TOKEN}"
        assert decode_indexes(url) == list(range(FRAMES))
        with av.open(url) as played:
            audio = played.streams.audio[0]
            assert audio.codec_context.name == "aac"
            samples = sum(frame.samples for frame in played.decode(audio))
        assert abs(samples / audio.codec_context.sample_rate - FRAMES / 25) < 0.1
        assert server.live.started <= 3  # A's encoder went on to segment 6, B's made 8

        wait_until_idle(server)  # every client left: the encoders stop on their own
        assert sorted(p.name for p in folder.iterdir()) == sorted([f"{n:05d}.ts" for n in range(9)] + ["00007.mp4"])
        assert get_json(server, "/api/status")["live_transcodes"] == 0
    finally:
        server.stop()


def test_live_faults_are_clear_and_leak_nothing(prores, tmp_path: Path) -> None:
    catalog_path, media_id = prores
    base = f"/media/{media_id}/hls"
    server = start(catalog_path, live_idle_seconds=1.0, live_sessions=1)
    try:
        assert request(server, "GET", f"{base}/live/9.ts")[0] == 404
        assert request(server, "GET", f"{base}/live/-1.ts")[0] == 404
        assert request(server, "GET", f"{base}/live/x.ts")[0] == 404
        assert request(server, "GET", f"{base}/live.m3u8", token=None)[0] == 401

        # One encoder allowed: a second client far away is told to retry while the first encoder works for its
        # client, and is served once that encoder has run ahead of its client and waits
        assert request(server, "GET", f"{base}/live/0.ts")[0] == 200
        status, headers, body = request(server, "GET", f"{base}/live/6.ts")
        assert status == 503 and headers["retry-after"] == "5" and b"live transcodes are running" in body
        deadline = time.monotonic() + 60
        while status == 503 and time.monotonic() < deadline:
            time.sleep(0.5)
            status, headers, body = request(server, "GET", f"{base}/live/6.ts")
        assert status == 200

        # A client that asks for a segment and vanishes: its encoder stops, nothing half-written stays
        with socket.create_connection(("127.0.0.1", server.port)) as gone:
            gone.sendall(f"GET {base}/live/4.ts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n\r\n"
                         .encode())
            time.sleep(0.3)
        wait_until_idle(server)
        folder = segment_folder(tmp_path)
        assert all(p.name.endswith(".ts") and not p.name.endswith(".partial") for p in folder.iterdir())
    finally:
        server.stop()

    # Stopping the server mid-encode stops the encoder and removes its partial segment
    server = start(catalog_path, live_idle_seconds=30.0)
    try:
        assert request(server, "GET", f"{base}/live/2.ts")[0] == 200
        live = server.live
    finally:
        server.stop()
    assert live is not None and live.running == 0
    assert not [t for t in threading.enumerate() if t.name.startswith("reelkeep-live")]
    assert not [p for p in segment_folder(tmp_path).iterdir() if p.name.endswith(".partial")]


def test_a_video_that_cannot_be_decoded_is_a_clear_error(prores, tmp_path: Path) -> None:
    catalog_path, media_id = prores
    source = tmp_path / "media" / "D004 dailies.mov"
    source.write_bytes(source.read_bytes()[:2000])  # cut short after the scan
    server = start(catalog_path)
    try:
        status, _h, body = request(server, "GET", f"/media/{media_id}/hls/master.m3u8")
        assert status == 500 and b"cannot transcode this video" in body and b"Traceback" not in body
        assert server.live is not None and server.live.running == 0
    finally:
        server.stop()
