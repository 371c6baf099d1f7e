"""The library over HTTP: list/search/filter (the CLI's filters), one item, tags, ratings, favourites, play counts
and resume positions (written through the one catalog access layer), and the item's streams: the original, its
proxies, poster and hover preview, each with HTTP ranges (app/streaming/ranges.py).

Clients get ids and URLs, never disk paths; an id outside the catalog is a plain 404.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web

from app.catalog.catalog import Catalog
from app.catalog.filters import KINDS, SORT_COLUMNS, STATUS_FILTERS, LibraryFilter
from app.core.errors import CatalogError, EditConflict
from app.core.paths import os_path
from app.core.proxy_presets import PREVIEW, THUMBNAIL, SourceChoice, choose_source
from app.ingest.thumbs import thumbnail_paths
from app.streaming.delivery import (
    DIRECT,
    REMUX,
    TRANSCODE,
    Delivery,
    cached_path,
    nearest_bitrate,
    plan_delivery,
    remux_to_mp4,
    transcode_audio,
)
from app.streaming.ranges import FileSpan, file_span, send_span
from app.streaming.stream_cache import CacheKeeper

try:
    import fcntl
except ImportError:  # Windows: one server process, nothing to share a lock with
    fcntl = None  # type: ignore[assignment]

T = TypeVar("T")
MAX_PAGE = 500
PATH_SECONDS, MAX_PATHS = 5.0, 4096  # a removed item stays streamable for at most PATH_SECONDS
_HIDDEN = ("path", "root", "identity_hash", "content_hash", "proxies", "archive", "subclip_of", "subclips")


class BadRequest(web.HTTPBadRequest):
    def __init__(self, message: str) -> None:
        super().__init__(text=f'{{"error": "{message}"}}', content_type="application/json")


def not_found(what: str = "no such item") -> web.HTTPNotFound:
    return web.HTTPNotFound(text=f'{{"error": "{what}"}}', content_type="application/json")


class LibraryApi:
    """Route handlers over one catalog; every catalog call runs in the server's thread pool."""

    def __init__(self, catalog: Catalog, run: Callable[..., Any], encode: Callable[..., Any] | None = None) -> None:
        self.catalog = catalog
        self.run = run  # run(fn, *args) -> awaitable, off the event loop
        self.encode = encode or run  # the same, on the one encoder thread (remuxes and transcodes)
        self._preparing: dict[str, asyncio.Future[Path]] = {}
        self._paths: dict[int, tuple[str, float]] = {}  # media id → (path, when the catalog gave it)
        self.keeper: CacheKeeper | None = None  # the stream cache's limit, when the server keeps one
        self._trimming: asyncio.Future[Any] | None = None

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/api/items", self.list_items)
        app.router.add_get("/api/items/{id}", self.item)
        app.router.add_patch("/api/items/{id}", self.edit_item)
        app.router.add_post("/api/items/{id}/played", self.played)
        app.router.add_put("/api/items/{id}/resume", self.resume)
        app.router.add_get("/api/tags", self.tags)
        for suffix, handler in (("", self.original), ("/play", self.play), ("/proxy/{preset}", self.proxy), ("/poster", self.poster),
                                ("/preview", self.preview)):
            app.router.add_get("/media/{id}" + suffix, handler)  # aiohttp answers HEAD from GET routes

    # ---- reading
    async def list_items(self, request: web.Request) -> web.Response:
        flt, offset, limit = library_filter(request.query)
        ids = await self.run(self.catalog.query_ids, flt)
        page = ids[offset:offset + limit]
        items = await self.run(self._summaries, page)
        return web.json_response({"total": len(ids), "offset": offset, "limit": limit, "items": items})

    def _summaries(self, ids: list[int]) -> list[dict[str, Any]]:
        rows = {row["id"]: row for row in self.catalog.rows(ids)}
        return [summary(rows[i]) for i in ids if i in rows]

    async def item(self, request: web.Request) -> web.Response:
        media_id = item_id(request)
        info = await self.run(self.info_or_404, media_id)
        return web.json_response(public_info(info))

    def info_or_404(self, media_id: int) -> dict[str, Any]:
        """catalog.info(media_id), or a plain 404 for the client (run it off the event loop)."""
        try:
            return self.catalog.info(media_id)
        except CatalogError:
            raise not_found() from None

    async def tags(self, _request: web.Request) -> web.Response:
        counts = await self.run(self.catalog.tag_counts)
        return web.json_response([{"name": name, "count": count} for name, count in counts])

    # ---- writing
    async def edit_item(self, request: web.Request) -> web.Response:
        """Rating, favourite and tags of one item, all or nothing. With `expected` (the rating and favourite the
        user saw), an edit over a value another program changed since is refused with 409 and the item as it is."""
        media_id = item_id(request)
        edits = _item_edits(await json_body(request))
        await self.run(self.info_or_404, media_id)
        try:
            await self.run(self._apply_edits, media_id, edits)
        except EditConflict as conflict:
            item = public_info(await self.run(self.info_or_404, media_id))
            raise web.HTTPConflict(text=json.dumps({"error": str(conflict), "item": item}),
                                   content_type="application/json") from None
        return web.json_response(public_info(await self.run(self.info_or_404, media_id)))

    def _apply_edits(self, media_id: int, edits: dict[str, Any]) -> None:
        expected = edits.get("expected", {})
        with self.catalog.db.atomic():  # a conflict on the favourite undoes the rating of the same request
            if "rating" in edits:
                seen = {media_id: expected["rating"]} if "rating" in expected else None
                self.catalog.set_rating([media_id], edits["rating"], seen)
            if "favourite" in edits:
                seen = {media_id: expected["favourite"]} if "favourite" in expected else None
                self.catalog.set_favourite([media_id], edits["favourite"], seen)
            if edits.get("add_tags"):
                self.catalog.add_tags([media_id], edits["add_tags"])
            if edits.get("remove_tags"):
                self.catalog.remove_tags([media_id], edits["remove_tags"])

    async def played(self, request: web.Request) -> web.Response:
        media_id = item_id(request)
        await self.run(self.info_or_404, media_id)
        await self.run(self.catalog.record_play, media_id)
        return web.json_response(public_info(await self.run(self.info_or_404, media_id)))

    async def resume(self, request: web.Request) -> web.Response:
        media_id = item_id(request)
        body = await json_body(request)
        seconds = body.get("seconds")
        if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, int | float)
                                    or not 0 <= seconds < 1e7):
            raise BadRequest("seconds is a position in seconds, or null to forget it")
        await self.run(self.info_or_404, media_id)
        await self.run(self.catalog.set_resume, media_id, None if seconds is None else float(seconds))
        return web.json_response({"id": media_id, "resume_seconds": seconds})

    # ---- streams
    async def original(self, request: web.Request) -> web.StreamResponse:
        return await send_span(request, await self.original_span(item_id(request)))

    async def original_span(self, media_id: int) -> FileSpan:
        """The original's span: its path from the catalog (kept for PATH_SECONDS, so a player's stream of range
        requests does not query the catalog for each), stat'ed on every request."""
        known = self._paths.get(media_id)
        if known is not None and time.monotonic() - known[1] < PATH_SECONDS:
            try:
                return file_span(known[0])  # on the loop: this inode was read moments ago
            except (OSError, ValueError):
                pass
        span = await self.run(self._original_span, media_id)
        if len(self._paths) >= MAX_PATHS:
            self._paths.clear()
        self._paths[media_id] = (span.path, time.monotonic())
        return span

    def _original_span(self, media_id: int) -> FileSpan:
        paths = self.catalog.raw_paths([media_id])
        if media_id not in paths:
            raise not_found()
        return _span_or_404(os_path(paths[media_id]))

    async def play(self, request: web.Request) -> web.StreamResponse:
        """What a browser plays: `?rendition=auto` (default) the original when browsers play it, else a
        browser-playable proxy, else a remux or transcode made once and cached; `original` or a preset name ask
        for that file as it is; audio takes `?bitrate=` for its AAC."""
        media_id = item_id(request)
        info = await self.run(self.info_or_404, media_id)
        rendition = request.query.get("rendition", "auto")
        if rendition not in ("auto", "original"):
            return await send_span(request, await self.run(self._proxy_span, media_id, rendition))
        delivery = plan_delivery(info)
        headers = {"X-Reelkeep-Delivery": f"{delivery.how}; {delivery.why}"}
        fitted = _fitted_proxy(info, delivery, request.query) if rendition == "auto" else None
        if fitted is not None:
            headers["X-Reelkeep-Delivery"] = f"proxy; {fitted[1]}"
            return await send_span(request, await self.run(_span_or_404, fitted[0]["path"]), headers)
        if rendition == "original" or delivery.how == DIRECT:
            return await send_span(request, await self.original_span(media_id), headers)
        if delivery.how == TRANSCODE and info["kind"] == "video":
            proxy = _browser_proxy(info)
            if proxy is None:
                await self.prepared(f"proxy-{media_id}", self.make_preview, media_id,
                                    lock=cached_path(info["identity_hash"], "preview-proxy.lock"))
                proxy = _browser_proxy(await self.run(self.info_or_404, media_id))
            if proxy is None:
                raise web.HTTPInternalServerError(text='{"error": "the preview could not be made"}',
                                                  content_type="application/json")
            headers["X-Reelkeep-Delivery"] = f"transcode; {delivery.why} ({proxy['preset']} proxy)"
            return await send_span(request, await self.run(_span_or_404, proxy["path"]), headers)
        identity = info["identity_hash"]
        source = await self.run(self._original_span, media_id)
        if delivery.how == REMUX:
            made = await self.prepared(f"remux-{identity}", remux_to_mp4, source.path,
                                        cached_path(identity, "remux.mp4"))
        else:
            bit_rate = nearest_bitrate(_int_or_none(request.query.get("bitrate")))
            made = await self.prepared(f"aac{bit_rate}-{identity}", transcode_audio, source.path,
                                        cached_path(identity, f"aac-{bit_rate // 1000}k.m4a"), bit_rate)
        self.cache_used(made)
        return await send_span(request, await self.run(_span_or_404, str(made)), headers)

    def cache_used(self, path: Path) -> None:
        """A file of the stream cache was served or made: keep its folder, and trim the cache now and then."""
        if self.keeper is not None:
            self.keeper.used(path)
            if self.keeper.due():
                self.trim_cache_soon()

    def trim_cache_soon(self) -> None:
        if self.keeper is not None and (self._trimming is None or self._trimming.done()):
            self._trimming = asyncio.ensure_future(self.run(self.keeper.trim))

    async def prepared(self, key: str, make: Callable[..., Any], *args: Any, done: Path | None = None,
                       lock: Path | None = None) -> Any:
        """make(*args) on the encoder thread once per key: clients asking meanwhile wait for the same result, and
        a finished cache file (`done`, else the Path among args) is used as it is. Across server processes
        (`reelkeep serve --workers`) one makes it under a lock file (`lock`, else beside the file) while the others
        wait for the lock and then find it made."""
        target = next((a for a in args if isinstance(a, Path)), None)
        done = done or target
        if done is not None and done.is_file():
            return target
        lock = lock or (target.with_name(target.name + ".lock") if target is not None else None)
        running = self._preparing.get(key)
        if running is None:
            running = asyncio.ensure_future(self.encode(made_once, lock, done, target, make, *args))
            self._preparing[key] = running
            running.add_done_callback(lambda _done: self._preparing.pop(key, None))
        try:
            return await asyncio.shield(running)  # one client leaving does not stop the others' encode
        except web.HTTPException:
            raise
        except Exception as exc:  # noqa: BLE001 - the encoder's failure, told to the client
            raise web.HTTPInternalServerError(text=json.dumps({"error": f"cannot prepare this file: {exc}"}),
                                              content_type="application/json") from None

    def make_preview(self, media_id: int) -> None:
        from app.core.job import JobContext, execute
        from app.ingest.proxies import ProxyJob

        if _browser_proxy(self.info_or_404(media_id)) is not None:
            return  # another server process made it while this one waited for the lock

        outcome = execute(ProxyJob(self.catalog, [media_id], [PREVIEW]), JobContext())
        if not outcome.ok:
            raise RuntimeError(outcome.message)
        failures = outcome.value.failures
        if failures:
            raise RuntimeError(failures[0].message)

    async def proxy(self, request: web.Request) -> web.StreamResponse:
        media_id, preset = item_id(request), request.match_info["preset"]
        span = await self.run(self._proxy_span, media_id, preset)
        return await send_span(request, span)

    def _proxy_span(self, media_id: int, preset: str) -> FileSpan:
        for proxy in self.catalog.proxies(media_id):
            if proxy["preset"] == preset:
                return _span_or_404(proxy["path"])
        raise not_found("no such proxy")

    async def poster(self, request: web.Request) -> web.StreamResponse:
        return await send_span(request, await self.run(self._thumbnail_span, item_id(request), "poster"))

    async def preview(self, request: web.Request) -> web.StreamResponse:
        return await send_span(request, await self.run(self._thumbnail_span, item_id(request), "preview"))

    def _thumbnail_span(self, media_id: int, which: str) -> FileSpan:
        identity = self.info_or_404(media_id)["identity_hash"]
        found = thumbnail_paths(identity).get(which) if identity else None
        if found is None:
            raise not_found(f"no {which} yet")
        return _span_or_404(str(found))


def made_once(lock: Path | None, done: Path | None, target: Path | None, make: Callable[..., T], *args: Any
              ) -> T | Path | None:
    """make(*args) holding an exclusive lock on the file `lock` (POSIX; the kernel lets it go if the process
    dies); when `done` exists once the lock is ours, another process made it: target is returned instead."""
    if lock is None or fcntl is None:
        return make(*args)
    lock.parent.mkdir(parents=True, exist_ok=True)
    with open(lock, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # on the encoder thread: waiting blocks no client
        if done is not None and done.is_file():
            return target
        return make(*args)


def _span_or_404(path: str) -> FileSpan:
    try:
        return file_span(path)
    except (OSError, ValueError):
        raise not_found("the file is not available (missing or unreadable)") from None


def _browser_proxy(info: dict[str, Any]) -> dict[str, Any] | None:
    """The largest H.264 MP4 proxy on disk (preview, then thumbnail): what a browser plays of a ProRes original."""
    for preset in (PREVIEW, THUMBNAIL):
        for proxy in info.get("proxies", ()):
            if proxy["preset"] == preset and proxy["codec"] in ("libx264", "h264") and os.path.isfile(proxy["path"]):
                return proxy
    return None


def _fitted_proxy(info: dict[str, Any], delivery: Delivery, query: Any) -> tuple[dict[str, Any], str] | None:
    """For `/play?screen=WxH&bandwidth=BITS`: the browser-playable proxy that suits the client's screen and
    throughput better than the original (the player's own rule, choose_source), with the reason; None when the
    original (or its remux) suits, or the client said nothing."""
    screen, bandwidth = _screen(query.get("screen")), _int_or_none(query.get("bandwidth"))
    if info.get("kind") != "video" or (screen is None and bandwidth is None):
        return None
    proxies = {p["path"]: p for p in info.get("proxies", ())
               if p["preset"] in (PREVIEW, THUMBNAIL) and p["codec"] in ("libx264", "h264")
               and p.get("width") and os.path.isfile(p["path"])}
    if not proxies:
        return None
    width, height = screen or (info.get("width") or 0, info.get("height") or 0)
    bits = bandwidth if bandwidth and bandwidth > 0 else 10 ** 12
    # An original browsers cannot play costs a transcode: it only wins when no proxy fits.
    original_bits = (info.get("bit_rate") or 0) if delivery.how != TRANSCODE else 10 ** 13
    original = SourceChoice("", info.get("width") or 0, info.get("height") or 0, original_bits)
    choices = [SourceChoice(path, p["width"], p["height"], p.get("bit_rate") or 0, p["preset"])
               for path, p in proxies.items()]
    chosen = choose_source(original, choices, width, height, bits / 8)
    if chosen.preset is None:
        return None
    proxy = proxies[chosen.path]
    why = f"the {proxy['preset']} proxy ({proxy['width']}x{proxy['height']}) suits "
    why += f"a {width}x{height} screen" if screen else "the client"
    why += f" at {bits / 1e6:.1f} Mbit/s" if bandwidth else ""
    return proxy, why


def _screen(text: str | None) -> tuple[int, int] | None:
    width, _, height = (text or "").lower().partition("x")
    if not (width.isdigit() and height.isdigit()) or not (0 < int(width) <= 16384 and 0 < int(height) <= 16384):
        return None
    return int(width), int(height)


def _int_or_none(text: str | None) -> int | None:
    return int(text) if text is not None and text.isdigit() and len(text) < 10 else None


def item_id(request: web.Request) -> int:
    text = request.match_info["id"]
    if not text.isdigit() or len(text) > 18:
        raise not_found()
    return int(text)


def _rating(value: Any, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 5:
        raise BadRequest(f"{name} is a whole number from 0 to 5")
    return value


def _flag(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise BadRequest(f"{name} is true or false")
    return value


def _item_edits(body: dict[str, Any]) -> dict[str, Any]:
    """PATCH /api/items/{id}'s body, every field checked before anything is written."""
    edits: dict[str, Any] = {}
    if "rating" in body:
        edits["rating"] = _rating(body["rating"], "rating")
    if "favourite" in body:
        edits["favourite"] = _flag(body["favourite"], "favourite")
    for key in ("add_tags", "remove_tags"):
        if key in body:
            names = body[key]
            if not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
                raise BadRequest(f"{key} is a list of tag names")
            edits[key] = [n.strip() for n in names]
    if "expected" in body:
        seen = body["expected"]
        if not isinstance(seen, dict) or set(seen) - {"rating", "favourite"}:
            raise BadRequest("expected is an object with the rating and/or favourite the user saw")
        edits["expected"] = {**({"rating": _rating(seen["rating"], "expected rating")} if "rating" in seen else {}),
                             **({"favourite": _flag(seen["favourite"], "expected favourite")}
                                if "favourite" in seen else {})}
    return edits


async def json_body(request: web.Request) -> dict[str, Any]:
    if request.content_length is not None and request.content_length > 64 * 1024:
        raise BadRequest("the request body is too large")
    try:
        body = await request.json()
    except ValueError:
        raise BadRequest("the body must be JSON") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    return body


def library_filter(query: Any) -> tuple[LibraryFilter, int, int]:
    """The CLI's filters from query parameters: q, kind (repeatable), tag, min_rating, favourites, status, artist,
    album, sort, desc, offset, limit."""
    kinds = frozenset(query.getall("kind", []))
    if not kinds <= set(KINDS):
        raise BadRequest(f"kind is one of {', '.join(KINDS)}")
    status = query.get("status") or None
    if status is not None and status not in STATUS_FILTERS:
        raise BadRequest(f"status is one of {', '.join(STATUS_FILTERS)}")
    sort = query.get("sort", "name")
    if sort not in SORT_COLUMNS:
        raise BadRequest(f"sort is one of {', '.join(SORT_COLUMNS)}")
    try:
        min_rating = int(query.get("min_rating", 0))
        offset = max(int(query.get("offset", 0)), 0)
        limit = min(max(int(query.get("limit", 100)), 0), MAX_PAGE)
    except ValueError:
        raise BadRequest("min_rating, offset and limit are whole numbers") from None
    flt = LibraryFilter(text=query.get("q", ""), kinds=kinds, tag=query.get("tag") or None, min_rating=min_rating,
                        favourites_only=query.get("favourites") in ("1", "true", "yes"), status=status,
                        artist=query.get("artist") or None, album=query.get("album") or None, sort=sort,
                        descending=query.get("desc") in ("1", "true", "yes"))
    return flt, offset, limit


def summary(row: dict[str, Any]) -> dict[str, Any]:
    """One grid cell's worth of an item, with the URLs a client needs."""
    media_id = row["id"]
    rate = f"{row['fps_num']}/{row['fps_den']}" if row.get("fps_num") else None
    return {"id": media_id, "name": row["name"], "kind": row["kind"], "status": row["status"],
            "duration": row["duration"], "width": row["width"], "height": row["height"], "frame_rate": rate,
            "title": row.get("title"), "artist": row.get("artist"), "album": row.get("album"),
            "rating": row.get("rating"), "favourite": bool(row.get("favourite")),
            "play_count": row.get("play_count"), "resume_seconds": row.get("resume_seconds"),
            **urls(media_id)}


def urls(media_id: int) -> dict[str, str]:
    base = f"/media/{media_id}"
    return {"stream": base, "play": f"{base}/play", "hls": f"{base}/hls/master.m3u8", "poster": f"{base}/poster",
            "preview": f"{base}/preview"}


def public_info(info: dict[str, Any]) -> dict[str, Any]:
    """catalog.info() without disk paths, plus stream URLs and the renditions (original first, then proxies)."""
    media_id = info["id"]
    public = {k: v for k, v in info.items() if k not in _HIDDEN}
    renditions = [{"name": "original", "url": f"/media/{media_id}", "width": info["width"], "height": info["height"],
                   "bit_rate": info["bit_rate"]}]
    renditions += [{"name": p["preset"], "url": f"/media/{media_id}/proxy/{p['preset']}", "width": p["width"],
                    "height": p["height"], "bit_rate": p["bit_rate"]}
                   for p in info.get("proxies", ()) if os.path.isfile(p["path"])]
    delivery = plan_delivery(info)
    public["delivery"] = {"how": delivery.how, "why": delivery.why}
    archive = info.get("archive")
    public["archive"] = None if archive is None else {k: archive[k] for k in ("archive_id", "version", "logical_path")}
    return {**public, **urls(media_id), "renditions": renditions}
