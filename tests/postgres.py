"""A throw-away PostgreSQL server for the test run: Debian's binaries, a cluster made with
initdb in a temporary folder, listening on a loopback port, removed when the run ends.

Each test gets a database of its own, copied from a template that has every migration
applied (CREATE DATABASE … TEMPLATE is a file copy: a few milliseconds). Run as root (as CI
runs), the server runs as the `postgres` user Debian's package creates: PostgreSQL refuses
to run as root.
"""

from __future__ import annotations

import asyncio
import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg

from storage.postgres import PostgresDatabase
from tests.support import free_port

USER = "tawasul"


def binaries() -> Path:
    """The newest installed PostgreSQL's bin folder (Debian keeps it off PATH)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parent.parent.name),
    )
    if not found:
        raise RuntimeError(
            "PostgreSQL is not installed: `make test` installs Debian's postgresql package"
        )
    return Path(found[-1]).parent


class Cluster:
    def __init__(self) -> None:
        self.bin = binaries()
        self.folder = Path(tempfile.mkdtemp(prefix="tawasul-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self._names = itertools.count(1)
        self._as: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        subprocess.run(
            [*self._as, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

    def start(self) -> None:
        self._run(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-U",
            USER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        # Durability off: a test server loses nothing worth keeping when it stops.
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder}"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            " -c max_connections=200"
        )
        self._run(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "start",
        )
        self._template()

    def stop(self) -> None:
        try:
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, name: str) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{name}"

    def _template(self) -> None:
        """A database with every migration applied, which each test's database copies."""
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE tawasul_template")

        async def migrate() -> None:
            db = PostgresDatabase(self.url("tawasul_template"))
            await db.open()
            await db.close()

        # In a thread of its own: the caller may be inside the test's event loop.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, migrate()).result()

    def new_database(self) -> str:
        """Return the URL of a new database of this run, migrated."""
        name = f"test_{next(self._names)}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE tawasul_template")
        return self.url(name)
