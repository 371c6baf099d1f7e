"""`reelkeep serve`: the streaming server without the GUI (docs/streaming.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from app.catalog.catalog import Catalog

EXIT_OK = 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    serve = sub.add_parser("serve", help="serve the library and archives over HTTP (range streaming, JSON API)",
                           description="Serve the library (and archives) to browsers and players on this machine "
                                       "or, with --host 0.0.0.0, the network. Every request needs the install's "
                                       "token. See docs/streaming.md.")
    serve.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0: the network)")
    serve.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    serve.add_argument("--token-file", metavar="F", type=Path,
                       help="where the access token is kept (made on first use; default: the user's config folder)")
    serve.add_argument("--new-token", action="store_true", help="replace the token (devices need the new one)")
    serve.add_argument("--loopback-without-token", action="store_true",
                       help="let clients on this machine in without the token")
    serve.add_argument("--cache-limit", metavar="SIZE", default="20G",
                       help="size limit of the stream cache (remuxes, HLS, live segments), e.g. 20G or 500M; the "
                            "folders used longest ago go first; 0: no limit (default 20G)")
    serve.add_argument("--workers", metavar="N", default="1",
                       help="server processes sharing the port, for range reads on every core (Linux; 'auto': one "
                            "per core; default 1)")
    serve.add_argument("--archive", action="append", default=[], metavar="ARCHIVE",
                       help="also share this archive folder or ZIP export (repeatable); archives that library "
                            "files were added from are shared anyway")


def command_serve(catalog: Catalog, args: argparse.Namespace, out: TextIO) -> int:
    from app.streaming.access import default_token_file, load_or_create_token, new_token
    from app.streaming.server import ServerConfig, ServerError, shared_archives
    from app.streaming.stream_cache import parse_size
    from app.streaming.workers import default_workers, serve_workers

    if not 0 <= args.port <= 65535:
        raise ServerError(f"--port {args.port}: a port is 0 to 65535")
    token_file = args.token_file or default_token_file()
    token = new_token(token_file) if args.new_token else load_or_create_token(token_file)
    try:
        cache_limit = parse_size(args.cache_limit)
    except ValueError as exc:
        raise ServerError(f"--cache-limit {exc}") from None
    workers = default_workers() if args.workers == "auto" else int(args.workers) if args.workers.isdigit() else 0
    if not 1 <= workers <= 256:
        raise ServerError(f"--workers {args.workers}: a number of processes from 1 to 256, or auto")
    config = ServerConfig(args.host, args.port, token, args.loopback_without_token, shared_archives(args.archive),
                          stream_cache_bytes=cache_limit)
    server = serve_workers(catalog.path, config, workers, _announce(token_file, workers, out))
    if server.failure is not None:
        raise ServerError(str(server.failure))
    out.write("reelkeep: server stopped\n")
    return EXIT_OK


def _announce(token_file: Path, workers: int, out: TextIO):  # noqa: ANN202 - a closure for the server thread
    def ready(server) -> None:  # noqa: ANN001 - a StreamingServer (imported late, as above)
        processes = f" ({workers} worker processes)" if workers > 1 else ""
        out.write(f"Serving {server.catalog_path} at {server.url}{processes}\n"
                  f"Open {server.url}?token={server.config.token} in a browser on this machine\n"
                  f"(token kept in {token_file}); Ctrl+C stops.\n")
        out.flush()
        if server.config.host not in ("127.0.0.1", "::1", "localhost"):
            print("reelkeep: listening on the network: anyone with the token can stream the library", file=sys.stderr)

    return ready
