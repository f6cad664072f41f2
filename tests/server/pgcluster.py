"""A throwaway PostgreSQL cluster from the Debian `postgresql` package, on 127.0.0.1 and a
free port, in a temp dir; stopped and removed by `stop()`.

PostgreSQL refuses to run as root, so when the tests run as root (CI does) initdb and
pg_ctl run as the `postgres` user the package creates."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from deuxvie.demo import free_port  # re-exported: the server tests import it from here


def pg_bindir() -> Path | None:
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[-2]))
    return Path(dirs[-1]) if dirs and (Path(dirs[-1]) / "initdb").exists() else None


@dataclass
class PgCluster:
    bindir: Path
    root: Path
    port: int
    user: str

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    def _run(self, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        cmd = list(argv)
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)

    @classmethod
    def start(cls) -> PgCluster:
        bindir = pg_bindir()
        if bindir is None:
            raise RuntimeError("PostgreSQL is not installed (apt package `postgresql`)")
        # tmpfs when there is room: each test database is a copy of template1 (~8 MB),
        # the cluster is thrown away anyway.
        shm = Path("/dev/shm")
        use_shm = shm.is_dir() and shutil.disk_usage(shm).free > 2 * 1024**3
        root = Path(tempfile.mkdtemp(prefix="deuxvie-pg-", dir=shm if use_shm else None))
        user = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(root, pw.pw_uid, pw.pw_gid)
        cluster = cls(bindir=bindir, root=root, port=free_port(), user=user)
        try:
            cluster._run(str(bindir / "initdb"), "-D", str(cluster.datadir), "-U", "postgres",
                         "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync")
            # fsync off: a throwaway test cluster, the speed of a tmpfs matters more.
            opts = (f"-p {cluster.port} -k {root} -c listen_addresses=127.0.0.1 "
                    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                    "-c max_connections=200")
            cluster._run(str(bindir / "pg_ctl"), "-D", str(cluster.datadir), "-o", opts,
                         "-l", str(root / "log"), "-w", "-t", "60", "start", timeout=90)
        except Exception:
            shutil.rmtree(root, ignore_errors=True)
            raise
        return cluster

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def createdb(self, name: str) -> str:
        self._run(str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                  "-U", "postgres", name)
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate",
                      "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
