"""PostgreSQL wire-protocol proxy that makes PostgreSQL look like Redshift.

The real ``redshift_connector`` driver cannot talk to PostgreSQL directly:

* its StartupMessage carries Redshift-only parameters (``client_protocol_version``,
  ``driver_version``, ``os_version``, …) that PostgreSQL refuses — we keep only
  parameters PostgreSQL knows;
* it may ask for SSL — we answer SSLRequest/GSSENCRequest with ``N``;
* it parses ``server_version`` with ``packaging.version`` — we trim the
  ParameterStatus value to its leading number ("18.1 (Debian …)" → "18.1");
* it sends Redshift SQL — we rewrite the SQL in Parse (``P``) and Query
  (``Q``) messages with :func:`translate.translate`.

A statement the translator rejects is replaced by a ``DO`` block that raises
the rejection message.  PostgreSQL then produces the ErrorResponse itself, so
the extended-protocol rules (skip to Sync, ReadyForQuery) and the transaction
state (an open transaction becomes aborted, as in Redshift) stay exactly right
without the proxy having to track pipelined messages.
"""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import struct
import threading
from collections.abc import Callable

from .translate import TranslationError, translate

__all__ = ["RedshiftProxy", "error_statement"]

_log = logging.getLogger(__name__)

_SSL_REQUEST = 80877103
_GSSENC_REQUEST = 80877104
_CANCEL_REQUEST = 80877102
_TEXT_OID = 25
_UNKNOWN_OID = 705

# Startup parameters PostgreSQL accepts from this driver; anything else is dropped.
_ALLOWED_STARTUP_KEYS = frozenset(
    {
        "user",
        "database",
        "application_name",
        "client_encoding",
        "options",
        "datestyle",
        "timezone",
        "extra_float_digits",
        "search_path",
        "replication",
        "intervalstyle",
    }
)
_VERSION_PREFIX = re.compile(rb"^\d+(?:\.\d+)*")


def error_statement(message: str) -> str:
    """A PostgreSQL statement that fails with ``message`` (SQLSTATE 0A000)."""
    tag = "redshift_emulator_msg"
    while f"${tag}$" in message:
        tag += "_"
    return (
        "DO $redshift_emulator_do$ BEGIN RAISE EXCEPTION USING "
        f"MESSAGE = ${tag}${message}${tag}$, ERRCODE = 'feature_not_supported'; "
        "END $redshift_emulator_do$"
    )


def _translate_or_raise_statement(sql: str, translator: Callable[[str], str]) -> tuple[str, bool]:
    """Return (PostgreSQL SQL, False), or (a failing DO statement, True) when rejected."""
    try:
        return translator(sql), False
    except TranslationError as err:
        _log.info("rejected statement: %s (%s)", sql, err)
        return error_statement(str(err)), True
    except Exception as err:  # a translator bug must reach the test, not kill the connection
        _log.exception("translator crashed on: %s", sql)
        return error_statement(f"Redshift emulator failed to translate the statement: {err!r}"), True


def _typed_parameters(tail: bytes) -> bytes:
    """Declare untyped Parse parameters as text.

    The replacement DO statement does not reference $n, so PostgreSQL could not
    infer unknown parameter types and would fail with a confusing message
    instead of ours.
    """
    (count,) = struct.unpack_from("!H", tail, 0)
    oids = list(struct.unpack_from(f"!{count}I", tail, 2))
    oids = [_TEXT_OID if oid in (0, _UNKNOWN_OID) else oid for oid in oids]
    return struct.pack(f"!H{count}I", count, *oids) + tail[2 + 4 * count :]


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    """Read exactly ``size`` bytes or raise ConnectionError on EOF."""
    chunks = bytearray()
    while len(chunks) < size:
        data = sock.recv(size - len(chunks))
        if not data:
            raise ConnectionError("peer closed the connection")
        chunks += data
    return bytes(chunks)


def _cstring(data: bytes, pos: int) -> tuple[bytes, int]:
    end = data.index(b"\x00", pos)
    return data[pos:end], end + 1


def _rewrite_startup(body: bytes) -> bytes:
    """Drop startup parameters PostgreSQL would refuse; return the full message."""
    protocol = body[:4]
    pos, pairs = 4, []
    while pos < len(body) and body[pos] != 0:
        key, pos = _cstring(body, pos)
        value, pos = _cstring(body, pos)
        if key.decode("utf-8", "replace").lower() in _ALLOWED_STARTUP_KEYS:
            pairs.append((key, value))
        else:
            _log.debug("dropping startup parameter %r", key)
    payload = protocol + b"".join(k + b"\x00" + v + b"\x00" for k, v in pairs) + b"\x00"
    return struct.pack("!I", len(payload) + 4) + payload


def _frame(kind: bytes, payload: bytes) -> bytes:
    return kind + struct.pack("!I", len(payload) + 4) + payload


class _Connection:
    """One client connection and its upstream PostgreSQL connection."""

    def __init__(self, proxy: RedshiftProxy, client: socket.socket) -> None:
        self.proxy = proxy
        self.client = client
        self.server: socket.socket | None = None
        self.translator = proxy.translator

    def close(self) -> None:
        for sock in (self.client, self.server):
            if sock is None:
                continue
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()

    def run(self) -> None:
        """Handle start-up, then pump messages both ways until either side closes."""
        try:
            if not self._startup():
                return
            assert self.server is not None
            upstream = threading.Thread(
                target=self._pump, args=(self.server, self.client, self._server_message), daemon=True
            )
            upstream.start()
            self._pump(self.client, self.server, self._client_message)
            upstream.join(timeout=5)
        except (OSError, ConnectionError, ValueError, struct.error) as err:
            _log.debug("connection ended: %s", err)
        finally:
            self.close()
            self.proxy._forget(self)

    def _startup(self) -> bool:
        """Answer SSL/GSS requests with 'N', forward cancels, rewrite the StartupMessage."""
        while True:
            (length,) = struct.unpack("!I", _recv_exact(self.client, 4))
            body = _recv_exact(self.client, length - 4)
            (code,) = struct.unpack("!I", body[:4])
            if code in (_SSL_REQUEST, _GSSENC_REQUEST):
                self.client.sendall(b"N")
                continue
            self.server = socket.create_connection(self.proxy.upstream)
            self.server.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if code == _CANCEL_REQUEST:
                self.server.sendall(struct.pack("!I", length) + body)
                return False
            self.server.sendall(_rewrite_startup(body))
            return True

    def _client_message(self, kind: bytes, payload: bytes) -> bytes:
        """Translate SQL in Query and Parse messages; pass everything else through."""
        if kind == b"Q":
            sql, _ = _cstring(payload, 0)
            new_sql, _rejected = _translate_or_raise_statement(sql.decode("utf-8"), self.translator)
            return _frame(kind, new_sql.encode("utf-8") + b"\x00")
        if kind == b"P":
            name, pos = _cstring(payload, 0)
            sql, pos = _cstring(payload, pos)
            new_sql, rejected = _translate_or_raise_statement(sql.decode("utf-8"), self.translator)
            tail = _typed_parameters(payload[pos:]) if rejected else payload[pos:]
            return _frame(kind, name + b"\x00" + new_sql.encode("utf-8") + b"\x00" + tail)
        return _frame(kind, payload)

    @staticmethod
    def _server_message(kind: bytes, payload: bytes) -> bytes:
        """Trim ParameterStatus server_version to a number the driver can parse."""
        if kind == b"S":
            key, pos = _cstring(payload, 0)
            if key == b"server_version":
                value, _ = _cstring(payload, pos)
                match = _VERSION_PREFIX.match(value.strip())
                if match:
                    return _frame(kind, key + b"\x00" + match.group(0) + b"\x00")
        return _frame(kind, payload)

    @staticmethod
    def _pump(src: socket.socket, dst: socket.socket, handle: Callable[[bytes, bytes], bytes]) -> None:
        """Forward whole typed messages from src to dst, batching what is already buffered."""
        buffer = bytearray()
        try:
            while True:
                data = src.recv(262144)
                if not data:
                    return
                buffer += data
                out = bytearray()
                while len(buffer) >= 5:
                    (length,) = struct.unpack_from("!I", buffer, 1)
                    if len(buffer) < 1 + length:
                        break
                    kind = bytes(buffer[:1])
                    payload = bytes(buffer[5 : 1 + length])
                    del buffer[: 1 + length]
                    out += handle(kind, payload)
                if out:
                    dst.sendall(out)
        except OSError:
            return
        finally:
            # Wake the other direction so the connection closes as a whole.
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


class RedshiftProxy:
    """Listen on 127.0.0.1 and relay each client to PostgreSQL at ``upstream``."""

    def __init__(
        self,
        upstream_host: str,
        upstream_port: int,
        host: str = "127.0.0.1",
        port: int = 0,
        translator: Callable[[str], str] = translate,
    ) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.host = host
        self.port = port
        self.translator = translator
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[_Connection] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    def start(self) -> None:
        """Bind the listening socket and accept clients on a background thread."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._stopping.clear()
        self._thread = threading.Thread(target=self._accept_loop, name="redshift-emulator-proxy", daemon=True)
        self._thread.start()

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = _Connection(self, client)
            with self._lock:
                self._connections.add(conn)
            threading.Thread(target=conn.run, name="redshift-emulator-conn", daemon=True).start()

    def _forget(self, conn: _Connection) -> None:
        with self._lock:
            self._connections.discard(conn)

    def stop(self) -> None:
        """Stop accepting, close every open client connection."""
        self._stopping.set()
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                self._listener.close()
            self._listener = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            conn.close()
