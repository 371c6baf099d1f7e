"""The streaming server (Share Library, `reelkeep serve`) on a catalog on a PostgreSQL server: lists, searches,
writes through the catalog and streams byte ranges as on a catalog file."""

from __future__ import annotations

import json
from pathlib import Path

from app.catalog.catalog import Catalog
from app.core.job import JobContext, execute
from app.ingest.scan import ScanJob
from app.streaming.server import ServerConfig, StreamingServer
from tests.integration.test_streaming_server import (
    TOKEN,
    check_edits_refused_over_other_changes,
    get_json,
    request,
)
from tests.media import make_audio, make_clip


def test_a_server_catalog_is_shared_over_http(tmp_path: Path, postgres_url: str) -> None:
    media = tmp_path / "media"
    media.mkdir()
    clip_file = make_clip(media / "A001C001.mov", rate="25", frames=25)
    make_audio(media / "track.flac", tags={"title": "Teardrop", "artist": "Massive Attack"})
    catalog = Catalog(postgres_url)
    try:
        assert execute(ScanJob(catalog, [catalog.add_root(media)]), JobContext()).ok
        clip = catalog.id_for_path(clip_file)
    finally:
        catalog.close()

    server = StreamingServer(postgres_url, ServerConfig(port=0, token=TOKEN))
    server.start()
    try:
        assert server.catalog_path == postgres_url
        assert get_json(server, "/api/items")["total"] == 2
        assert [i["name"] for i in get_json(server, "/api/items?q=teardrop")["items"]] == ["track.flac"]
        status, _h, body = request(server, "PATCH", f"/api/items/{clip}", body={"rating": 4, "add_tags": ["selects"]})
        assert status == 200 and json.loads(body)["tags"] == ["selects"]
        status, headers, part = request(server, "GET", f"/media/{clip}", headers={"Range": "bytes=0-99"})
        assert status == 206 and part == clip_file.read_bytes()[:100]
        catalog = Catalog(postgres_url)
        try:
            assert catalog.info(clip)["rating"] == 4 and catalog.info(clip)["tags"] == ["selects"]
            catalog.set_rating([clip], 0)
        finally:
            catalog.close()
        check_edits_refused_over_other_changes(server, postgres_url, clip)
    finally:
        server.stop()
