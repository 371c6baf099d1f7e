"""HLS routes (app/streaming/hls.py): `/media/{id}/hls/master.m3u8`, one media playlist per rendition and the
rendition's fMP4, served with ranges. A rendition is an H.264 MP4 proxy on disk or the original when it is H.264;
a video with neither is transcoded live (app/streaming/live.py): `live.m3u8` lists its MPEG-TS segments and
`live/{n}.ts` serves each once it is made; `live.m3u8?segments=mp4` lists them as `live/{n}.mp4`, the same segment
as a self-initialising fragmented MP4 for the web client's MSE loader (browsers without HLS of their own)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from aiohttp import web

from app.core.paths import os_path
from app.core.proxy_presets import PREVIEW, THUMBNAIL
from app.streaming.delivery import cached_path
from app.streaming.hls import HlsIndex, fragment_for_hls, index_path, master_playlist, media_playlist
from app.streaming.library_api import LibraryApi, item_id, not_found
from app.streaming.live import LiveBusy, LiveError, LivePlan, LiveTranscoder, plan_live
from app.streaming.live import media_playlist as live_playlist
from app.streaming.live_mp4 import make_mp4_segment, mp4_segment_path
from app.streaming.ranges import file_span, send_span

PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
ORIGINAL, LIVE = "original", "live"


class HlsApi:
    def __init__(self, library: LibraryApi, live: LiveTranscoder) -> None:
        self.library = library
        self.live = live
        self._plans: dict[str, LivePlan] = {}

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/media/{id}/hls/master.m3u8", self.master)
        app.router.add_get("/media/{id}/hls/live.m3u8", self.live_playlist)
        app.router.add_get("/media/{id}/hls/live/{n:\\d+}.ts", self.live_segment)
        app.router.add_get("/media/{id}/hls/live/{n:\\d+}.mp4", self.live_mp4_segment)
        app.router.add_get("/media/{id}/hls/{rendition}.m3u8", self.media)
        app.router.add_get("/media/{id}/hls/{rendition}.mp4", self.fragments)

    def _sources(self, info: dict[str, Any], raw_path: bytes | None) -> dict[str, str]:
        """rendition name → the file its fMP4 is copied from."""
        found: dict[str, str] = {}
        for proxy in info.get("proxies", ()):
            if proxy["preset"] in (THUMBNAIL, PREVIEW) and proxy["codec"] in ("libx264", "h264") \
                    and os.path.isfile(proxy["path"]):
                found[proxy["preset"]] = proxy["path"]
        if info.get("video_codec") == "h264" and raw_path is not None:
            found[ORIGINAL] = os_path(raw_path)
        return found

    async def _renditions(self, media_id: int) -> tuple[dict[str, Any], dict[str, str]]:
        info = await self.library.run(self.library.info_or_404, media_id)
        if info["kind"] != "video":
            raise not_found("HLS is for videos; play audio from /media/{id}/play")
        raw = (await self.library.run(self.library.catalog.raw_paths, [media_id])).get(media_id)
        if raw is None:
            raise not_found()
        return info, self._sources(info, raw)

    async def _live_plan(self, media_id: int) -> LivePlan:
        """The live transcode of an item that has no H.264 rendition (404 for one that has)."""
        info, sources = await self._renditions(media_id)
        if sources:
            raise not_found("this video has H.264 renditions: play those (master.m3u8 lists them)")
        identity = info["identity_hash"]
        plan = self._plans.get(identity)
        if plan is None:
            raw = (await self.library.run(self.library.catalog.raw_paths, [media_id]))[media_id]
            try:
                plan = await self.library.run(plan_live, os_path(raw), cached_path(identity, f"live-{PREVIEW}"),
                                              info.get("frame_count"))
            except LiveError as exc:
                raise _failed(str(exc)) from None
            self._plans[identity] = plan
        return plan

    async def _index(self, info: dict[str, Any], rendition: str, source: str) -> tuple[Path, HlsIndex]:
        # "hls2": fragments presented from 0 and 2 s segments; a cache made before is not reused
        fmp4 = cached_path(info["identity_hash"], f"hls2-{rendition}.mp4")
        if not index_path(fmp4).is_file() or not fmp4.is_file():
            await self.library.prepared(f"hls-{rendition}-{info['identity_hash']}", fragment_for_hls, source, fmp4,
                                        done=index_path(fmp4))
        self.library.cache_used(fmp4)
        return fmp4, await self.library.run(HlsIndex.load, index_path(fmp4))

    async def master(self, request: web.Request) -> web.Response:
        media_id = item_id(request)
        info, sources = await self._renditions(media_id)
        if not sources:
            plan = await self._live_plan(media_id)
            return web.Response(text=master_playlist([(plan, f"{LIVE}.m3u8{_query(request)}")]),
                                content_type=PLAYLIST_TYPE)
        variants: list[tuple[HlsIndex | LivePlan, str]] = []
        for rendition, source in sources.items():
            _fmp4, index = await self._index(info, rendition, source)
            variants.append((index, f"{rendition}.m3u8{_query(request)}"))
        return web.Response(text=master_playlist(variants), content_type=PLAYLIST_TYPE)

    async def live_playlist(self, request: web.Request) -> web.Response:
        plan = await self._live_plan(item_id(request))
        container = "mp4" if request.query.get("segments") == "mp4" else "ts"
        return web.Response(text=live_playlist(plan, f"{LIVE}/{{n}}.{container}{_query(request)}"),
                            content_type=PLAYLIST_TYPE)

    async def live_segment(self, request: web.Request) -> web.StreamResponse:
        path = await self._live_ts(request)
        return await send_span(request, await self.library.run(file_span, str(path), "video/mp2t"))

    async def live_mp4_segment(self, request: web.Request) -> web.StreamResponse:
        ts = await self._live_ts(request)
        mp4 = mp4_segment_path(ts)
        if not mp4.is_file():
            try:  # a copy of a few seconds' packets; two clients asking at once both make it, the same file
                await self.library.run(make_mp4_segment, ts, mp4)
            except Exception as exc:  # noqa: BLE001 - told to the client
                raise _failed(f"cannot repackage segment {request.match_info['n']}: {exc}") from None
        self.library.cache_used(mp4)
        return await send_span(request, await self.library.run(file_span, str(mp4), "video/mp4"))

    async def _live_ts(self, request: web.Request) -> Path:
        """Live segment n's MPEG-TS file, made by a live encoder if it is not there yet."""
        plan = await self._live_plan(item_id(request))
        try:
            path = await self.live.segment(plan, int(request.match_info["n"]))
        except LiveBusy as exc:
            raise web.HTTPServiceUnavailable(text=json.dumps({"error": str(exc)}), content_type="application/json",
                                             headers={"Retry-After": "5"}) from None
        except LiveError as exc:
            if not 0 <= int(request.match_info["n"]) < plan.segment_count:
                raise not_found(str(exc)) from None
            raise _failed(str(exc)) from None
        self.library.cache_used(path)
        return path

    async def media(self, request: web.Request) -> web.Response:
        rendition, (_fmp4, index) = await self._asked(request)
        return web.Response(text=media_playlist(index, f"{rendition}.mp4{_query(request)}"),
                            content_type=PLAYLIST_TYPE)

    async def fragments(self, request: web.Request) -> web.StreamResponse:
        _rendition, (fmp4, _index) = await self._asked(request)
        return await send_span(request, await self.library.run(file_span, str(fmp4), "video/mp4"))

    async def _asked(self, request: web.Request) -> tuple[str, tuple[Path, HlsIndex]]:
        """The rendition the URL names, with its fMP4 and index (made on first use)."""
        info, sources = await self._renditions(item_id(request))
        rendition = request.match_info["rendition"]
        if rendition not in sources:
            raise not_found("no such rendition")
        return rendition, await self._index(info, rendition, sources[rendition])


def _failed(message: str) -> web.HTTPInternalServerError:
    return web.HTTPInternalServerError(text=json.dumps({"error": f"cannot transcode this video: {message}"}),
                                       content_type="application/json")


def _query(request: web.Request) -> str:
    """The token, when the client sent it in the URL (FFmpeg and TV players keep no cookies)."""
    token = request.query.get("token")
    return f"?token={token}" if token else ""
