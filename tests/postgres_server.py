"""A throwaway PostgreSQL server for the tests: Debian's server binaries, a cluster in a temp folder.

One server per test process (each xdist worker starts its own): initdb into a temp folder, the postmaster on a
unix socket in that folder (no TCP port to collide on), fsync off. A test gets a database of its own.
The server refuses to run as root, so as root the cluster belongs to the `postgres` system user (Debian's
package creates it) and initdb/pg_ctl run through runuser.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote

import psycopg

SUPERUSER = "reelkeep"
PORT = 5432  # only names the socket file: the socket lives in this server's own folder
BINDIR_ENV = "REELKEEP_PG_BINDIR"


def server_bindir() -> Path:
    """The folder holding initdb and pg_ctl: $REELKEEP_PG_BINDIR, Debian's newest, or the PATH's."""
    if os.environ.get(BINDIR_ENV):
        return Path(os.environ[BINDIR_ENV])
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if debian:
        return Path(debian[-1]).parent
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise RuntimeError("no PostgreSQL server binaries (initdb, pg_ctl): run `make test` (scripts/setup.sh installs "
                       f"Debian's `postgresql`), or set {BINDIR_ENV}")


class PostgresServer:
    """A private cluster: start(), url(database), create_database(), stop()."""

    def __init__(self) -> None:
        self.bindir = server_bindir()
        self.folder = Path(tempfile.mkdtemp(prefix="reelkeep-pg-"))
        self.data = self.folder / "data"
        self.socket_dir = self.folder / "socket"
        self._names = itertools.count(1)
        self._owner: str | None = None
        self._catalog_template: str | None = None

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self._owner is not None:
            command = ["runuser", "-u", self._owner, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        if done.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}): {done.stderr.strip()}\n{tail}")

    def start(self) -> PostgresServer:
        _stop_orphans(self.bindir)
        (self.folder / "owner.pid").write_text(str(os.getpid()))
        atexit.register(self.stop)  # a test process that ends without its session teardown (Ctrl+C twice)
        if os.geteuid() == 0:
            self._owner = _server_user()
            owner = pwd.getpwnam(self._owner)
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
        self.socket_dir.mkdir()
        if self._owner is not None:
            shutil.chown(self.socket_dir, self._owner)
        # C.UTF-8: code point order like SQLite's BINARY, yet letters beyond ASCII are letters.
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8",
                  "--locale=C.UTF-8", "--no-sync", "--no-instructions")
        options = (f"-p {PORT} -k {self.socket_dir} -c listen_addresses='' -c fsync=off -c synchronous_commit=off"
                   " -c full_page_writes=off -c max_connections=200")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-o", options, "-w", "start")
        return self

    def url(self, database: str = "postgres") -> str:
        """A libpq URL: the socket folder goes in the query (a path has no place in host:port)."""
        return f"postgresql://{SUPERUSER}@/{database}?host={quote(str(self.socket_dir), safe='')}&port={PORT}"

    def create_database(self, template: str = "template1") -> str:
        """A new empty database (a copy of template); its URL."""
        return self.url(self._create(template))

    def _create(self, template: str) -> str:
        name = f"test_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
        return name

    def create_catalog_database(self) -> str:
        """The URL of a new database holding an empty catalog at the head schema: a copy of one migrated once
        (the migrations themselves are tested on empty databases)."""
        from app.catalog.catalog import Catalog

        if self._catalog_template is None:
            name = self._create("template1")
            Catalog(self.url(name)).close()  # a template takes no connections while it is copied
            self._catalog_template = name
        return self.url(self._create(self._catalog_template))

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError):  # already gone; the folder goes anyway
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


def _stop_orphans(bindir: Path) -> None:
    """Stop the servers of test processes that died without stopping them (a killed xdist worker)."""
    for folder in Path(tempfile.gettempdir()).glob("reelkeep-pg-*"):
        try:
            owner = int((folder / "owner.pid").read_text())
        except (OSError, ValueError):
            continue
        try:
            os.kill(owner, 0)
            continue  # alive: its server is in use
        except ProcessLookupError:
            pass
        except PermissionError:
            continue  # another user's live process
        if (folder / "data" / "postmaster.pid").exists():
            stop = [str(bindir / "pg_ctl"), "-D", str(folder / "data"), "-m", "immediate", "-w", "stop"]
            owner_name = _server_user() if os.geteuid() == 0 else None
            command = ["runuser", "-u", owner_name, "--", *stop] if owner_name else stop
            subprocess.run(command, capture_output=True, timeout=60, check=False)
        shutil.rmtree(folder, ignore_errors=True)


def _server_user() -> str:
    """The system user the cluster runs as when the tests run as root (postgres refuses root)."""
    for name in ("postgres", "reelkeep-pg"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "reelkeep-pg"],
                   check=True, timeout=30)
    return "reelkeep-pg"
