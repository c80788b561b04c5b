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
a 500 until ``network_timeout`` runs out -- for ever by default.  ``connect_kwargs``
sets ``network_timeout=1``; :meth:`SnowflakeEmulator.url` does not, so pass
``emu.url(..., network_timeout=1)`` when the URL reaches the connector.

The password is not checked by fakesnow (any non-empty value logs in); the connector
itself insists on a non-empty one.

Run by hand: ``python tests/snowflake_emulator.py --port 8085``.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote, urlencode

HOST = "127.0.0.1"
USER = "FAKE"
ACCOUNT = "fakesnow"
PASSWORD = "snow"
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 5.0


def free_port(host: str = HOST) -> int:
    """Return a TCP port on ``host`` that is free right now."""
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_open(host: str, port: int) -> bool:
    """True when something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


class SnowflakeEmulator:
    """Context manager running fakesnow's server in a child process.

    >>> with SnowflakeEmulator() as emu:
    ...     conn = snowflake.connector.connect(**emu.connect_kwargs, database="DB1", schema="S")
    """

    def __init__(self, port: int | None = None, log_path: Path | None = None) -> None:
        """Prepare (not start) an emulator; ``port=None`` picks a free port."""
        self._requested_port = port
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
            self.stop()
        raise RuntimeError(f"fakesnow emulator did not start:\n{last_error}")

    def _spawn(self, port: int) -> bool:
        """Launch the child on ``port``; True once the port accepts connections."""
        assert self._log_path is not None
        log = self._log_path.open("ab")
        try:
            self._proc = subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "--port", str(port), "--host", HOST],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self._tmpdir.name if self._tmpdir else None,
            )
        finally:
            log.close()
        self.pid = self._proc.pid
        self.port = port
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                return False
            if port_open(HOST, port):
                return True
            time.sleep(0.05)
        return False

    def stop(self) -> None:
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
        atexit.unregister(self.stop)

    def close(self) -> None:
        """Stop the child and remove the temporary directory."""
        self.stop()
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
            self._tmpdir = None

    def __enter__(self) -> Self:
        """Start the emulator."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the emulator however the block ended."""
        self.close()

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
            "network_timeout": 1,
        }

    def url(self, database: str | None = None, schema: str | None = None, **query: str | int) -> str:
        """``snowflake://USER@ACCOUNT/DB/SCHEMA?host=..&port=..&protocol=http`` (+ extra query keys).

        The password is not in the URL: pass it via the environment as
        ``SNOWFLAKE_PASSWORD`` (see :attr:`password_env`).
        """
        path = ""
        if database:
            path = "/" + quote(database)
            if schema:
                path += "/" + quote(schema)
        params: dict[str, str | int] = {"host": HOST, "port": self.port, "protocol": "http"}
        params.update(query)
        return f"snowflake://{USER}@{ACCOUNT}{path}?{urlencode(params)}"

    @property
    def password_env(self) -> dict[str, str]:
        """Environment entries that carry the password for :meth:`url` users."""
        return {"SNOWFLAKE_PASSWORD": PASSWORD}

    def fresh_database(self, prefix: str = "TESTDB") -> str:
        """A database name not yet handed out by this emulator (isolates tests)."""
        return f"{prefix}_{os.getpid()}_{next(self._db_counter)}"

    def log_text(self) -> str:
        """The child's combined stdout/stderr so far (uvicorn + fakesnow logs)."""
        if self._log_path is None or not self._log_path.exists():
            return ""
        return self._log_path.read_text(errors="replace")


# -- child process entry point ---------------------------------------------------
def _serve(host: str, port: int) -> None:
    """Run ``fakesnow.server`` until SIGTERM/SIGINT or until the parent dies."""
    import fakesnow

    stop = threading.Event()
    parent = os.getppid()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with fakesnow.server(port=port, host=host):
        print(f"fakesnow emulator listening on {host}:{port} pid={os.getpid()}", flush=True)
        while not stop.wait(0.5):
            if os.getppid() != parent:
                break


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python tests/snowflake_emulator.py --port N``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--host", default=HOST)
    args = parser.parse_args(argv)
    _serve(args.host, args.port or free_port(args.host))
    return 0


if __name__ == "__main__":
    sys.exit(main())
