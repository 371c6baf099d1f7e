"""Project archives: an OCFL 1.1 object folder with embedded proxies, catalog metadata and an ASC MHL per version
(docs/archive.md). No Qt."""
