"""What every warehouse emulator offers, so fixtures and tests treat them alike."""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

HOST = "127.0.0.1"


def free_port(host: str = HOST) -> int:
    """A TCP port on ``host`` that is free right now (emulators never use fixed ports)."""
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


class Emulator(ABC):
    """A local server a warehouse's real driver connects to; started and stopped by this object.

    ``stop`` must end every process and remove every file the emulator made, however the test
    ended, and be safe to call twice: the context manager relies on it.
    """

    @abstractmethod
    def start(self) -> Self:
        """Start the server; return once it accepts connections."""

    @abstractmethod
    def stop(self) -> None:
        """Stop the server by process id and clean up; safe to call twice."""

    @property
    @abstractmethod
    def connect_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for the driver's ``connect``."""

    @property
    @abstractmethod
    def password_env(self) -> dict[str, str]:
        """Environment entries that carry the password to URL users (the URL never holds it)."""

    @abstractmethod
    def url(self, database: str | None = None, schema: str | None = None, **query: str | int) -> str:
        """The sessionizer target URL of ``database``/``schema``, plus extra query keys."""

    @abstractmethod
    def connect(self, **overrides: Any) -> Any:
        """A connection through the real driver: :attr:`connect_kwargs` updated by ``overrides``."""

    @abstractmethod
    def database_for_test(self) -> str:
        """The database a test writes in, in a schema of its own: where no other test's tables are."""

    def __enter__(self) -> Self:
        """Start the emulator."""
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Stop the emulator however the block ended."""
        self.stop()


@dataclass(frozen=True)
class Place:
    """Where one test writes on an emulator: a database and schema no other test uses."""

    emulator: Emulator
    database: str
    schema: str

    @property
    def url(self) -> str:
        """The target URL of this place."""
        return self.emulator.url(database=self.database, schema=self.schema)


def run_by_hand(emulator: Emulator) -> None:
    """Run ``emulator`` until Ctrl-C or SIGTERM, printing where to connect (the ``__main__`` of each)."""
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with emulator:
        print(emulator.url(), flush=True)
        print(f"connect_kwargs={emulator.connect_kwargs}", flush=True)
        print(f"password environment: {emulator.password_env}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            done.wait()
