"""Project archives over HTTP: the archives the catalog knows (files added from them) and those shared with
`reelkeep serve --archive`, their branches and versions, a version's files, and each file streamed with ranges: a
stored OCFL file as it is, a STORED ZIP member as its byte range of the ZIP (one seek, no unpacking).

An archive is addressed by a short id derived from its path; only listed archives and the files a version holds
are reachable, so no request names a disk path."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

from aiohttp import web

from app.archive.browse import BrowseEntry, is_zip, open_snapshot, version_entries
from app.archive.model import ArchiveError
from app.archive.zip_members import parse_slice_url
from app.catalog.catalog import Catalog
from app.streaming.library_api import not_found
from app.streaming.ranges import FileSpan, content_type_for, file_span, send_span


def archive_key(path: str) -> str:
    return hashlib.sha256(os.path.abspath(path).encode("utf-8", "surrogateescape")).hexdigest()[:16]


class ArchiveApi:
    def __init__(self, catalog: Catalog, shared: Sequence[str], run: Callable[..., Any]) -> None:
        self.catalog = catalog
        self.shared = [os.path.abspath(p) for p in shared]
        self.run = run
        # a player asks for many ranges of one file: the version's listing is read once per change of the archive
        self._listings: dict[tuple[str, str], tuple[int, dict[str, BrowseEntry]]] = {}
        self._lock = threading.Lock()

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/api/archives", self.list_archives)
        app.router.add_get("/api/archives/{key}", self.archive)
        app.router.add_get("/api/archives/{key}/versions/{version}", self.version_files)
        app.router.add_get("/archives/{key}/{version}/files/{logical:.+}", self.stream)

    def _folders(self) -> dict[str, str]:
        folders = dict.fromkeys([*self.shared, *self.catalog.archive_folders()])
        return {archive_key(p): p for p in folders}

    def _path(self, key: str) -> str:
        path = self._folders().get(key)
        if path is None:
            raise not_found("no such archive")
        return path

    async def list_archives(self, _request: web.Request) -> web.Response:
        folders = await self.run(self._folders)
        listed = []
        for key, path in folders.items():
            listed.append({"id": key, "name": os.path.basename(path), "zip": is_zip(path),
                           "available": os.path.exists(path), "url": f"/api/archives/{key}"})
        return web.json_response(listed)

    async def archive(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        snapshot = await self.run(self._snapshot, key)
        return web.json_response({
            "id": key, "name": snapshot.path.name, "head": snapshot.head_of_main,
            "branches": [{"name": b.name, "head": b.head, "description": b.description}
                         for b in snapshot.branches.values()],
            "versions": [{"name": v.name, "created": v.created, "message": v.message, "user": v.user,
                          "parents": list(v.parents), "url": f"/api/archives/{key}/versions/{v.name}"}
                         for v in snapshot.versions]})

    def _snapshot(self, key: str) -> Any:
        try:
            return open_snapshot(self._path(key))
        except ArchiveError:
            raise not_found("the archive cannot be read now") from None

    async def version_files(self, request: web.Request) -> web.Response:
        key, version = request.match_info["key"], request.match_info["version"]
        entries = await self.run(self._entries, key, version)
        return web.json_response([{
            "path": e.logical_path, "size": e.size, "sha256": e.digest, "kind": e.kind, "playable": e.problem is None,
            "problem": e.problem, "duration": e.probe.get("duration"), "frame_rate": e.probe.get("frame_rate"),
            "start_timecode": e.probe.get("start_timecode"), "width": e.probe.get("width"),
            "height": e.probe.get("height"), "url": f"/archives/{key}/{version}/files/{e.logical_path}"}
            for e in entries])

    def _entries(self, key: str, version: str) -> list[BrowseEntry]:
        return list(self._listing(key, version).values())

    def _listing(self, key: str, version: str) -> dict[str, BrowseEntry]:
        path = self._path(key)
        try:
            stamp = os.stat(path if is_zip(path) else os.path.join(path, "inventory.json")).st_mtime_ns
        except OSError:
            raise not_found("the archive cannot be read now") from None
        with self._lock:
            cached = self._listings.get((key, version))
        if cached is not None and cached[0] == stamp:
            return cached[1]
        try:
            listing = {e.logical_path: e for e in version_entries(path, version)}
        except ArchiveError:
            raise not_found("no such version") from None
        with self._lock:
            if len(self._listings) > 32:
                self._listings.clear()
            self._listings[(key, version)] = (stamp, listing)
        return listing

    async def stream(self, request: web.Request) -> web.StreamResponse:
        key, version, logical = (request.match_info[k] for k in ("key", "version", "logical"))
        span = await self.run(self._span, key, version, logical)
        return await send_span(request, span)

    def _span(self, key: str, version: str, logical: str) -> FileSpan:
        entry = self._listing(key, version).get(logical)
        if entry is None:
            raise not_found("no such file in this version")
        path = self._path(key)
        if not is_zip(path):
            return _whole(entry.location, f"{entry.digest}")
        if entry.problem is not None:
            raise web.HTTPUnsupportedMediaType(text=f'{{"error": "{logical} is compressed in the ZIP and cannot be '
                                                    f'streamed in place; unpack it first"}}',
                                               content_type="application/json")
        where = parse_slice_url(entry.location)
        if where is None:
            raise not_found("no such file in this version")
        _zip, offset, size = where
        st = os.stat(path)
        return FileSpan(path, offset, size, st.st_mtime,
                        f'"{entry.digest or f"{st.st_ino:x}-{st.st_mtime_ns:x}-{offset:x}"}"', content_type_for(logical))


def _whole(path: str, digest: str) -> FileSpan:
    try:
        return file_span(path, etag=digest or None)
    except (OSError, ValueError):
        raise not_found("the file is not available (missing or unreadable)") from None
