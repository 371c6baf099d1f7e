"""Who may use the server: a random token per install, required on every request (a loopback client may be let in
without it when the user allows that). The token travels as `Authorization: Bearer T`, as `?token=T` (what a
`<video src>` or a TV app can carry) or as the cookie the web page gets after its first request with the query
form. Comparison is constant-time; a refusal says nothing about the library or the disk."""

from __future__ import annotations

import hmac
import ipaddress
import os
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

COOKIE = "reelkeep_token"
_TOKEN_BYTES = 32


def default_token_file() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("reelkeep", appauthor=False)) / "server-token"


def load_or_create_token(path: Path) -> str:
    """The install's token, made on first use and kept readable by the user alone."""
    try:
        token = path.read_text(encoding="ascii").strip()
        if len(token) >= 32:
            return token
    except (OSError, UnicodeDecodeError):
        pass
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(token + "\n")
    os.replace(tmp, path)
    return token


def new_token(path: Path) -> str:
    """Replace the token (every device has to be given the new one)."""
    path.unlink(missing_ok=True)
    return load_or_create_token(path)


def is_loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address.split("%")[0]).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Access:
    token: str
    loopback_without_token: bool = False

    def presented(self, request: web.Request) -> str | None:
        header = request.headers.get("Authorization", "")
        if header[:7].lower() == "bearer ":
            return header[7:].strip()
        return request.query.get("token") or request.cookies.get(COOKIE)

    def allows(self, request: web.Request) -> bool:
        if self.loopback_without_token and is_loopback(request.remote):
            return True
        given = self.presented(request)
        return given is not None and hmac.compare_digest(given.encode("utf-8", "replace"), self.token.encode())


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def access_middleware(access: Access) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    @web.middleware
    async def check(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not access.allows(request):
            return web.json_response({"error": "a valid token is required (Authorization: Bearer TOKEN, or "
                                               "?token=TOKEN)"}, status=401,
                                     headers={"WWW-Authenticate": 'Bearer realm="reelkeep"'})
        response = await handler(request)
        if request.query.get("token") and request.cookies.get(COOKIE) != request.query["token"] \
                and not response.prepared:
            # the web page's later requests (posters, the player) carry it without putting it in every URL
            response.set_cookie(COOKIE, access.token, httponly=True, samesite="Strict", path="/")
        return response

    return check
