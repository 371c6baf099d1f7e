"""HTTP byte ranges of a file, or of a span of one (a STORED ZIP member), as RFC 9110 asks: 206 with Content-Range,
416 with `bytes */SIZE`, Accept-Ranges, a strong ETag and Last-Modified, If-Range by ETag or date, conditional GET
(304) and HEAD, and the bytes sent by the kernel (sendfile) without reading them into memory.

aiohttp's FileResponse is close but not enough here: it cannot serve a span of a file, answers 416 to a valid
multi-range request (RFC 9110 lets a server ignore Range instead) and only honours If-Range dates, not ETags.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import logging
import mimetypes
import os
import stat
import threading
from dataclasses import dataclass
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

_EXTRA_TYPES = {
    ".mov": "video/quicktime", ".mp4": "video/mp4", ".m4v": "video/mp4", ".mkv": "video/x-matroska",
    ".webm": "video/webm", ".mxf": "application/mxf", ".avi": "video/x-msvideo", ".mts": "video/mp2t",
    ".ts": "video/mp2t", ".m2ts": "video/mp2t", ".flac": "audio/flac", ".m4a": "audio/mp4", ".opus": "audio/ogg",
    ".ogg": "audio/ogg", ".wav": "audio/wav", ".mp3": "audio/mpeg", ".aac": "audio/aac", ".aif": "audio/aiff",
    ".aiff": "audio/aiff", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
    ".m3u8": "application/vnd.apple.mpegurl", ".m4s": "video/iso.segment", ".json": "application/json",
}
_MAX_RANGE_HEADER = 512  # longer Range headers are ignored (whole body), never parsed at length


class OpenFiles:
    """How many files the server holds open for responses (the tests count them after clients vanish)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

    def opened(self) -> None:
        with self._lock:
            self.count += 1

    def closed(self) -> None:
        with self._lock:
            self.count -= 1


OPEN_FILES = OpenFiles()


def content_type_for(name: str) -> str:
    suffix = os.path.splitext(name)[1].lower()
    return _EXTRA_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive, as Content-Range writes it

    @property
    def length(self) -> int:
        return self.end - self.start + 1


class Unsatisfiable(Exception):
    """No range of the request lies inside the representation: 416."""


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The one byte range a Range header asks of `size` bytes; None to send everything (no header, another unit,
    bad syntax, several ranges); Unsatisfiable when no asked range overlaps the bytes."""
    if not header or len(header) > _MAX_RANGE_HEADER:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or not spec.strip():
        return None
    parts = [p.strip() for p in spec.split(",")]
    if len(parts) != 1:
        return None  # multipart/byteranges is not worth its cost for media; RFC 9110 lets us send 200
    first, dash, last = parts[0].partition("-")
    first, last = first.strip(), last.strip()
    if not dash or (first and not first.isdigit()) or (last and not last.isdigit()) or not (first or last):
        return None
    if not first:  # a suffix: the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable
        return ByteRange(max(size - suffix, 0), size - 1)
    start = int(first)
    end = int(last) if last else None
    if end is not None and end < start:
        return None  # invalid: ignored
    if start >= size:
        raise Unsatisfiable
    end = size - 1 if end is None else end
    return ByteRange(start, min(end, size - 1))


@functools.lru_cache(maxsize=1024)
def http_date(timestamp: float) -> str:
    return email.utils.formatdate(timestamp, usegmt=True)


def _parse_date(text: str | None) -> float | None:
    if not text:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed.timestamp() if parsed is not None else None


def _etag_list(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def _weak_match(header: str, etag: str) -> bool:
    bare = etag.removeprefix("W/")
    return any(tag == "*" or tag.removeprefix("W/") == bare for tag in _etag_list(header))


@dataclass(frozen=True)
class FileSpan:
    """What to send: `length` bytes at `offset` of `path` (the whole file: offset 0, its size)."""

    path: str
    offset: int
    length: int
    mtime: float
    etag: str  # quoted, strong
    content_type: str


def file_span(path: str, content_type: str | None = None, etag: str | None = None) -> FileSpan:
    """The whole of a regular file; OSError when it is missing or unreadable, ValueError when not regular."""
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise ValueError(f"{path} is not a regular file")
    tag = etag or f"{st.st_ino:x}-{st.st_mtime_ns:x}-{st.st_size:x}"
    return FileSpan(path, 0, st.st_size, st.st_mtime, f'"{tag}"', content_type or content_type_for(path))


async def send_span(request: web.Request, span: FileSpan, extra_headers: dict[str, str] | None = None
                    ) -> web.StreamResponse:
    """Answer a GET or HEAD for span with everything the module docstring lists."""
    headers = {"Accept-Ranges": "bytes", "ETag": span.etag, "Last-Modified": http_date(span.mtime),
               "Cache-Control": "private, max-age=0, must-revalidate", **(extra_headers or {})}
    whole_second = int(span.mtime)
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        if _weak_match(if_none_match, span.etag):
            return web.Response(status=304, headers=headers)
    else:
        since = _parse_date(request.headers.get("If-Modified-Since"))
        if since is not None and whole_second <= since:
            return web.Response(status=304, headers=headers)
    wanted: ByteRange | None = None
    if _range_applies(request.headers.get("If-Range"), span, whole_second):
        try:
            wanted = parse_range(request.headers.get("Range"), span.length)
        except Unsatisfiable:
            headers["Content-Range"] = f"bytes */{span.length}"
            return web.Response(status=416, headers=headers)
    if wanted is None:
        wanted = ByteRange(0, span.length - 1)
        status = 200
    else:
        status = 206
        headers["Content-Range"] = f"bytes {wanted.start}-{wanted.end}/{span.length}"
    # set as plain headers: aiohttp's content_type setter parses and rebuilds the value on every response
    headers["Content-Type"] = span.content_type
    headers["Content-Length"] = str(max(wanted.length, 0))
    response = web.StreamResponse(status=status, headers=headers)
    if request.method == "HEAD" or wanted.length <= 0:
        await response.prepare(request)
        await response.write_eof()
        return response
    await _send_bytes(request, response, span.path, span.offset + wanted.start, wanted.length)
    return response


def _range_applies(if_range: str | None, span: FileSpan, whole_second: int) -> bool:
    """If-Range: send the range only when the client's copy is this one (a strong ETag, or the exact date)."""
    if if_range is None:
        return True
    if_range = if_range.strip()
    if if_range.startswith(('"', "W/")):
        return if_range == span.etag  # strong comparison: a weak tag never matches
    date = _parse_date(if_range)
    return date is not None and int(date) == whole_second


async def _send_bytes(request: web.Request, response: web.StreamResponse, path: str, offset: int,
                      count: int) -> None:
    # Opened here, not in a thread: the span's stat has just touched this inode, so the open cannot wait on the
    # disk, and a thread hop per request was a third of the cost of a 1 MiB range (bench/bench_streaming.py).
    try:
        handle = open(path, "rb", buffering=0)  # noqa: SIM115 - closed below; sendfile needs no buffer
    except OSError as exc:
        raise web.HTTPNotFound(text='{"error": "the file is gone"}', content_type="application/json") from exc
    OPEN_FILES.opened()
    try:
        await _stream(request, response, handle, offset, count)
    except (ConnectionError, asyncio.CancelledError) as exc:
        # the client went away (a player seeking drops its request): nothing to report
        log.debug("client left during %s: %s", request.path, exc)
        if isinstance(exc, asyncio.CancelledError):
            raise
    finally:
        handle.close()
        OPEN_FILES.closed()


async def _stream(request: web.Request, response: web.StreamResponse, handle: Any, offset: int, count: int) -> None:
    loop = asyncio.get_running_loop()
    await response.prepare(request)
    transport = request.transport
    if transport is None:
        raise ConnectionResetError("the client went away")
    sock = transport.get_extra_info("socket")
    if sock is not None and transport.get_extra_info("sslcontext") is None and hasattr(os, "sendfile"):
        offset, count = _send_direct(transport, sock.fileno(), handle, offset, count)
        if count > 0:
            await _send_when_writable(loop, transport, sock.fileno(), handle, offset, count)
    elif count > 0:
        await _send_on_loop(loop, response, transport, handle, offset, count)
    await response.write_eof()


async def _send_when_writable(loop: asyncio.AbstractEventLoop, transport: Any, sock_fd: int, handle: Any, offset: int,
                              count: int) -> None:
    """The rest of a range once the socket is full (a client slower than the disk): sendfile again whenever the
    socket can take more. The wait is on a duplicate of the socket's descriptor, as the transport owns the
    original; loop.sendfile would do the same but is asyncio's only (uvloop has none) and costs a future per call."""
    fd = os.dup(sock_fd)
    try:
        while count > 0:
            if transport.is_closing():
                raise ConnectionResetError("the client went away")
            writable = loop.create_future()
            loop.add_writer(fd, _wake, writable)
            try:
                await writable
            finally:
                loop.remove_writer(fd)
            if transport.get_write_buffer_size():
                await asyncio.sleep(0)  # the transport flushes what it still holds (the headers) first
            offset, count = _send_direct(transport, fd, handle, offset, count)
    finally:
        os.close(fd)


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


async def _send_on_loop(loop: asyncio.AbstractEventLoop, response: web.StreamResponse, transport: Any, handle: Any,
                        offset: int, count: int) -> None:
    """TLS, or no os.sendfile (Windows): the loop's sendfile where it has one, else chunks through Python."""
    try:
        sent = await loop.sendfile(transport, handle, offset, count)
        if sent < count:  # the file was cut short while sent: the promised length cannot be kept
            transport.abort()
            raise ConnectionResetError("the file is shorter than when the response began")
    except NotImplementedError:  # TLS or an event loop without sendfile: chunks through Python
        handle.seek(offset)
        left = count
        while left > 0:
            chunk = await loop.run_in_executor(None, handle.read, min(left, 1 << 20))
            if not chunk:
                break
            await response.write(chunk)
            left -= len(chunk)


def _send_direct(transport: Any, sock_fd: int, handle: Any, offset: int, count: int) -> tuple[int, int]:
    """Send count bytes of handle at offset onto the non-blocking socket by sendfile calls made right here while
    the socket takes them: most ranges go in one call, without the futures and reader pausing of loop.sendfile (a
    third of the cost of a 1 MiB range: bench/bench_streaming.py). Returns (offset, count) of what is left once
    the socket is full."""
    left = count
    while left > 0 and not transport.get_write_buffer_size():
        if transport.is_closing():
            raise ConnectionResetError("the client went away")
        try:
            sent = os.sendfile(sock_fd, handle.fileno(), offset, left)
        except BlockingIOError:
            break
        if sent == 0:  # the file ended early (cut short while sent): the promised length cannot be kept
            transport.abort()
            raise ConnectionResetError("the file is shorter than when the response began")
        offset, left = offset + sent, left - sent
    return offset, left
