"""The web client's files (app/streaming/web: plain HTML, CSS and ES modules, no build step) at `/` and `/web/…`, read whole (they are small).
Only the files listed here are served; the page gets the token cookie from its first `/?token=T` request."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web

WEB = Path(__file__).resolve().parent / "web"
FILES = {"index.html": "text/html; charset=utf-8", "app.js": "text/javascript; charset=utf-8",
         "hls-player.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"}


def add_web_client(app: web.Application, run: Callable[..., Any]) -> None:
    async def page(request: web.Request, name: str) -> web.StreamResponse:
        if name not in FILES:
            raise web.HTTPNotFound()
        body = await run((WEB / name).read_bytes)
        # a Response, not a stream: the token cookie is added to it after this handler; no-cache so that a new
        # version of Reelkeep reaches the browser
        response = web.Response(body=body, headers={"Cache-Control": "no-cache"})
        response.content_type, _, charset = FILES[name].partition("; charset=")
        response.charset = charset or None
        return response

    async def index(request: web.Request) -> web.StreamResponse:
        return await page(request, "index.html")

    async def asset(request: web.Request) -> web.StreamResponse:
        return await page(request, request.match_info["name"])

    app.router.add_get("/", index)
    app.router.add_get("/web/{name}", asset)
