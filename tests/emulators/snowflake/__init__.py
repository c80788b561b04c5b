"""A local Snowflake emulator (fakesnow's HTTP server) run in a child process.

Why a child process rather than ``fakesnow.server()`` in the test process:

* ``fakesnow.server()`` runs uvicorn in a daemon thread of the caller and keeps all
  of its state (sessions, the shared DuckDB database) in module globals of
  ``fakesnow.server``.  Two emulators in one process would share those globals,
  and a server that hangs cannot be stopped from outside its own thread.
* In a child process the emulator has its own interpreter, its own DuckDB and its
  own globals; it is started and stopped by its process id (SIGTERM, then SIGKILL),
  which works however the test ends, and nothing of it leaks into the test process
  (no patched ``snowflake.connector``: the tests use the REAL connector over HTTP,
  exactly as production does).
* The child also watches its parent and exits when the parent dies, so a killed
  pytest run does not leave servers behind.

How fakesnow persists (fakesnow 0.12.1, ``fakesnow/server.py``): without the
``FAKESNOW_DB_PATH`` session parameter every login shares ONE in-memory DuckDB of the
server process, so all connections to one emulator see the same databases and
tables for the emulator's lifetime.  ``FAKESNOW_DB_PATH=":isolated:"`` gives the
connection a brand new in-memory database (no other connection can see it), and a
directory path gives each login its own DuckDB instance that attaches
``<dir>/<DATABASE>.db`` files.  We use the shared in-memory database and isolate tests
by database name instead: :meth:`SnowflakeEmulator.fresh_database` returns a name no
one has used yet on this emulator.

Hang trap: fakesnow answers SQL it cannot run with HTTP 500 and the connector retries
a 500 until ``network_timeout`` runs out -- for ever by default.  Both ``connect_kwargs``
and :meth:`SnowflakeEmulator.url` carry the emulator's ``network_timeout`` (1 s unless
given: enough for the emulator's own tests, whose failures must be quick; end-to-end
runs, whose statements take longer to answer, ask for more).

The password is not checked by fakesnow (any non-empty value logs in); the connector
itself insists on a non-empty one.

The child runs :mod:`.server`; ``python -m tests.emulators.snowflake`` starts one by hand.
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Self
from urllib.parse import quote, urlencode

from ..base import HOST, Emulator, free_port, port_open
from . import server

USER = "FAKE"
ACCOUNT = "fakesnow"
PASSWORD = "snow"
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 5.0


class SnowflakeEmulator(Emulator):
    """fakesnow's server in a child process.

    >>> with SnowflakeEmulator() as emu:
    ...     conn = emu.connect(database="DB1", schema="S")
    """

    def __init__(self, port: int | None = None, log_path: Path | None = None, network_timeout: int = 1) -> None:
        """Prepare (not start) an emulator; ``port=None`` picks a free port."""
        self._requested_port = port
        self.network_timeout = network_timeout
        self.port: int = 0
        self.pid: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._tmpdir: tempfile.TemporaryDirectory[str] | None = None
        self._log_path = log_path
        self._db_counter = itertools.count(1)
        self.start_seconds: float = 0.0

    # -- lifecycle -------------------------------------------------------------
    def start(self) -> Self:
        """Start the child and wait until its port accepts connections."""
        if self._proc is not None:
            raise RuntimeError("emulator already started")
        self._tmpdir = tempfile.TemporaryDirectory(prefix="sfemu-")
        if self._log_path is None:
            self._log_path = Path(self._tmpdir.name) / "server.log"
        began = time.monotonic()
        attempts = 1 if self._requested_port else 3
        last_error = ""
        for _ in range(attempts):
            port = self._requested_port or free_port()
            if self._spawn(port):
                self.start_seconds = time.monotonic() - began
                atexit.register(self.stop)
                return self
            last_error = self.log_text()[-2000:]
            self._kill()
        self.stop()
        raise RuntimeError(f"fakesnow emulator did not start:\n{last_error}")

    def _spawn(self, port: int) -> bool:
        """Launch the child on ``port``; True once the port accepts connections."""
        assert self._log_path is not None
        log = self._log_path.open("ab")
        try:
            self._proc = subprocess.Popen(
                [sys.executable, server.__file__, "--port", str(port), "--host", HOST],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self._tmpdir.name if self._tmpdir else None,
            )
        finally:
            log.close()
        self.pid = self._proc.pid
        self.port = port
        # The child's own line, not an open port: another worker's emulator may hold the port
        # this one was given between free_port() and the child's bind.
        ready = f"listening on {HOST}:{port} pid={self._proc.pid}"
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                return False
            if ready in self.log_text() and port_open(HOST, port):
                return True
            time.sleep(0.05)
        return False

    def _kill(self) -> None:
        """Stop the child by its pid: SIGTERM, then SIGKILL if it lingers."""
        proc, self._proc = self._proc, None
        if proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=STOP_TIMEOUT_S)

    def stop(self) -> None:
        """Stop the child and remove the temporary directory (and its log)."""
        self._kill()
        atexit.unregister(self.stop)
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
            self._tmpdir = None

    # -- connection details --------------------------------------------------
    @property
    def running(self) -> bool:
        """True while the child process is alive."""
        return self._proc is not None and self._proc.poll() is None

    @property
    def connect_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for ``snowflake.connector.connect`` (add database/schema)."""
        return {
            "host": HOST,
            "port": self.port,
            "protocol": "http",
            "account": ACCOUNT,
            "user": USER,
            "password": PASSWORD,
            # no telemetry posts to a server that does not implement them
            "session_parameters": {"CLIENT_OUT_OF_BAND_TELEMETRY_ENABLED": False},
            # fakesnow answers unsupported SQL with HTTP 500, which the connector retries
            # for ever unless network_timeout bounds the retries.  It does not cut slow
            # statements short: the connector's abort request is a no-op in fakesnow.
            "network_timeout": self.network_timeout,
        }

    def url(self, database: str | None = None, schema: str | None = None, **query: str | int) -> str:
        """``snowflake://USER@ACCOUNT/DB/SCHEMA?host=..&port=..&protocol=http&network_timeout=..``
        (+ extra query keys).

        The password is not in the URL: pass it via the environment as
        ``SNOWFLAKE_PASSWORD`` (see :attr:`password_env`).
        """
        path = ""
        if database:
            path = "/" + quote(database)
            if schema:
                path += "/" + quote(schema)
        params: dict[str, str | int] = {
            "host": HOST,
            "port": self.port,
            "protocol": "http",
            "network_timeout": self.network_timeout,
        }
        params.update(query)
        return f"snowflake://{USER}@{ACCOUNT}{path}?{urlencode(params)}"

    def connect(self, **overrides: Any) -> Any:
        """A snowflake-connector-python connection (add ``database``/``schema``)."""
        import snowflake.connector

        return snowflake.connector.connect(**{**self.connect_kwargs, **overrides})

    @property
    def password_env(self) -> dict[str, str]:
        """Environment entries that carry the password for :meth:`url` users."""
        return {"SNOWFLAKE_PASSWORD": PASSWORD}

    def fresh_database(self, prefix: str = "TESTDB") -> str:
        """A database name not yet handed out by this emulator (isolates tests)."""
        return f"{prefix}_{os.getpid()}_{next(self._db_counter)}"

    def database_for_test(self) -> str:
        """A fresh database: all logins share one in-memory DuckDB, and databases cost nothing."""
        return self.fresh_database()

    def log_text(self) -> str:
        """The child's combined stdout/stderr so far (uvicorn + fakesnow logs)."""
        if self._log_path is None or not self._log_path.exists():
            return ""
        return self._log_path.read_text(errors="replace")
