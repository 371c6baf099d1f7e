"""Where the farm's queue lives: its database, Huey's SQL storage in `farm_*` tables, and the job ledger's table.

Beside a catalog file the queue is a file of its own, `farm.sqlite` (the catalog's write lock stays the
catalog's); with a catalog on PostgreSQL it is the same database, so a team needs no broker service.
Times that decide leases are the database's clock, never a worker's: machines of a farm disagree by seconds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from huey.contrib.sql_huey import BytesBlobField, SqlStorage
from peewee import (
    SQL,
    AutoField,
    CharField,
    CompositeKey,
    Database,
    DoubleField,
    FloatField,
    IntegerField,
    Model,
    PostgresqlDatabase,
    SqliteDatabase,
    TextField,
    TimestampField,
)

from app.catalog.db import is_server_url

QUEUE_FILE = "farm.sqlite"
BUSY_TIMEOUT_S = 30  # workers and submitters take turns writing the file; a turn is milliseconds


def queue_location(catalog: Path | str) -> Path | str:
    """The queue of a catalog: its PostgreSQL URL, or farm.sqlite beside the catalog file."""
    if is_server_url(catalog):
        return str(catalog)
    return Path(catalog).expanduser().resolve().parent / QUEUE_FILE


def open_queue_database(location: Path | str) -> Database:
    """A peewee database on the queue (one connection per thread, as Huey's worker threads need)."""
    if is_server_url(location):
        url = str(location)
        if url.startswith("postgres://"):
            url = "postgresql://" + url[len("postgres://"):]
        # libpq takes the whole URL (a socket folder in ?host=… included) as the dbname to expand.
        return PostgresqlDatabase(url, prefer_psycopg3=True, autoconnect=True)
    path = Path(location)
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteDatabase(str(path), pragmas={"journal_mode": "wal", "synchronous": "normal"},
                          timeout=BUSY_TIMEOUT_S, check_same_thread=False, autoconnect=True)


def db_now(db: Database) -> SQL:
    """The database's clock in epoch seconds, as an SQL expression (leases compare against this)."""
    if isinstance(db, PostgresqlDatabase):
        return SQL("CAST(extract(epoch from clock_timestamp()) AS DOUBLE PRECISION)")
    return SQL("((julianday('now') - 2440587.5) * 86400.0)")


class FarmStorage(SqlStorage):
    """Huey's SQL storage with its tables named farm_* (beside a catalog's own `task`-like names)."""

    def create_models(self) -> tuple[Any, Any, Any, Any]:
        class Base(Model):
            class Meta:
                database = self.database

        class KV(Base):
            queue = CharField()
            key = CharField()
            value = BytesBlobField()

            class Meta:
                table_name = "farm_kv"
                primary_key = CompositeKey("queue", "key")

        class Schedule(Base):
            queue = CharField()
            data = BytesBlobField()
            timestamp = TimestampField(resolution=1000)

            class Meta:
                table_name = "farm_schedule"
                indexes = ((("queue", "timestamp"), False),)

        class Task(Base):
            queue = CharField()
            data = BytesBlobField()
            priority = FloatField(default=0.0)

            class Meta:
                table_name = "farm_task"

        Task.add_index(Task.priority.desc(), Task.id)

        class Counter(Base):
            queue = CharField()
            key = CharField()
            value = IntegerField()

            class Meta:
                table_name = "farm_counter"
                primary_key = CompositeKey("queue", "key")

        return KV, Schedule, Task, Counter

    def create_tables(self) -> None:
        """Nothing: Farm creates the tables once, under a lock (Huey's storage would each time it is opened, and
        older huey releases have no create_tables=False)."""


def job_model(db: Database) -> type[Model]:
    """The ledger's table bound to db: one row per job, the truth about its state (Huey only delivers)."""

    class FarmJob(Model):
        id = AutoField()
        batch = CharField(index=True)  # one submission
        lane = CharField()
        kind = CharField()
        args = TextField()  # JSON of plain values: media id, preset, output folder…
        title = TextField()
        state = CharField(default="queued", index=True)  # queued, running, done, failed, cancelled
        attempts = IntegerField(default=0)  # claims so far (a worker that died mid-job counts)
        worker = CharField(null=True)  # host:pid of the claim
        token = CharField(null=True)  # the claim's id: only its holder may renew or finish it
        # database epoch seconds (double: PostgreSQL's REAL would round them to minutes); a running job past
        # its lease is reclaimed
        lease_until = DoubleField(null=True)
        cancel = IntegerField(default=0)
        pause = IntegerField(default=0)  # asked from a window's Jobs panel; the worker holds between chunks
        done = IntegerField(default=0)
        total = IntegerField(null=True)
        unit = CharField(default="")
        rate = DoubleField(default=0.0)
        message = TextField(default="")
        result = TextField(null=True)  # JSON
        error = TextField(null=True)
        created = DoubleField(null=True)
        started = DoubleField(null=True)
        finished = DoubleField(null=True)

        class Meta:
            database = db
            table_name = "farm_job"

    return FarmJob


__all__ = ["QUEUE_FILE", "FarmStorage", "db_now", "job_model", "open_queue_database", "queue_location"]
