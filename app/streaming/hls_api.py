"""HLS routes (app/streaming/hls.py): `/media/{id}/hls/master.m3u8`, one media playlist per rendition and the
rendition's fMP4, served with ranges. A rendition is an H.264 MP4 proxy on disk or the original when it is H.264;
a video with neither gets its preview proxy made first, as /play does."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from aiohttp import web

from app.core.paths import os_path
from app.core.proxy_presets import PREVIEW, THUMBNAIL
from app.streaming.delivery import cached_path
from app.streaming.hls import HlsIndex, fragment_for_hls, index_path, master_playlist, media_playlist
from app.streaming.library_api import LibraryApi, item_id, not_found
from app.streaming.ranges import file_span, send_span

PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
ORIGINAL = "original"


class HlsApi:
    def __init__(self, library: LibraryApi) -> None:
        self.library = library

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/media/{id}/hls/master.m3u8", self.master)
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
        sources = self._sources(info, raw)
        if not sources:
            await self.library.prepared(f"proxy-{media_id}", self.library.make_preview, media_id)
            info = await self.library.run(self.library.info_or_404, media_id)
            sources = self._sources(info, raw)
        if not sources:
            raise not_found("no rendition of this video can be streamed")
        return info, sources

    async def _index(self, info: dict[str, Any], rendition: str, source: str) -> tuple[Path, HlsIndex]:
        fmp4 = cached_path(info["identity_hash"], f"hls-{rendition}.mp4")
        if not index_path(fmp4).is_file() or not fmp4.is_file():
            await self.library.prepared(f"hls-{rendition}-{info['identity_hash']}", fragment_for_hls, source, fmp4)
        return fmp4, await self.library.run(HlsIndex.load, index_path(fmp4))

    async def master(self, request: web.Request) -> web.Response:
        media_id = item_id(request)
        info, sources = await self._renditions(media_id)
        variants = []
        for rendition, source in sources.items():
            _fmp4, index = await self._index(info, rendition, source)
            variants.append((index, f"{rendition}.m3u8{_query(request)}"))
        return web.Response(text=master_playlist(variants), content_type=PLAYLIST_TYPE)

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


def _query(request: web.Request) -> str:
    """The token, when the client sent it in the URL (FFmpeg and TV players keep no cookies)."""
    token = request.query.get("token")
    return f"?token={token}" if token else ""
