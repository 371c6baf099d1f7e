"""Distributed work: proxy and verification jobs sent to worker processes through a Huey task queue stored in SQL
(a farm.sqlite beside a catalog file, or the catalog's own PostgreSQL database). See docs/scaling.md."""
