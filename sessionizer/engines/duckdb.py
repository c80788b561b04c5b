"""DuckDB: an embedded database in a file, which connecting creates if need be (never in memory: that saves nothing)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import unquote, urlencode, urlsplit

from sessionizer.engines import Engine
from sessionizer.errors import StateError, TargetError
from sessionizer.targets import Target, url_options

# Settings a target URL may carry (duckdb:///f.duckdb?memory_limit=4GB&threads=2).
CONNECT_SETTINGS = ("memory_limit", "threads", "temp_directory", "max_temp_directory_size", "preserve_insertion_order",
                    "max_vacuum_tasks", "checkpoint_threshold")  # fmt: skip
# Settings a run changes for its duration unless the URL names them. An incremental run deletes a
# few rows from row groups all over each table; DuckDB's checkpoint would then merge and rewrite
# those row groups, a third of a 1% run at 10M page views. Without vacuum tasks the space of
# deleted rows stays until the next full refresh rebuilds the tables (a URL may set
# max_vacuum_tasks=100 to have every run reclaim it instead). A commit whose changes stay under
# checkpoint_threshold is first written to the write-ahead log and checkpointed later (at the
# latest when the run closes the file), so its rows are written twice; at 0 every commit is
# checkpointed at once and the log is skipped: a 10,000-row batch over 1M page views 9% faster
# (benchmarks/README.md), the full refresh unchanged. These settings are global to a
# database instance, so they are SET, and put back on disconnect, rather than passed to connect:
# a caller holding its own connection to the same file keeps it, and its settings. Values are
# bound as parameters: a size as current_setting reports it (16.0 MiB) does not parse bare.
RUN_SETTINGS = {"max_vacuum_tasks": "0", "checkpoint_threshold": "0b"}
# Where a DuckDB database file says what it is: "DUCK" after its first 8 bytes.
MAGIC_OFFSET, MAGIC = 8, b"DUCK"


class DuckDBEngine(Engine):
    DIALECT: ClassVar[str] = "duckdb"
    SCHEMES: ClassVar[tuple[str, ...]] = ("duckdb",)
    URL_SHAPE: ClassVar[str] = "/path/file.duckdb"
    DEFAULT_URL: ClassVar[str | None] = "duckdb:///sessionizer.duckdb"
    DBT_ADAPTER: ClassVar[str | None] = "duckdb"

    @classmethod
    def parse_url(cls, url: str, secrets: tuple[str, ...]) -> Target:
        """duckdb:///relative/file.duckdb or duckdb:////absolute/file.duckdb (duckdb:// is refused at connect)."""
        path = unquote(url.split("://", 1)[1].split("?", 1)[0])
        path = path[1:] if path.startswith("/") else path
        return Target(cls.DIALECT, url, path=path or ":memory:", options=url_options(urlsplit(url)), secrets=secrets)

    @classmethod
    def from_dbt_output(cls, output: dict[str, Any], secrets: tuple[str, ...]) -> Target:
        """dbt-duckdb: path (default in memory), schema (default main), the settings we take."""
        path = str(output.get("path") or ":memory:")
        options = {k: str(v) for k, v in (output.get("settings") or {}).items() if k in CONNECT_SETTINGS}
        query = f"?{urlencode(options)}" if options else ""
        return Target(cls.DIALECT, f"{cls.SCHEMES[0]}:///{path}{query}", path=path, options=options,
                      schema=output.get("schema") or "main", secrets=secrets)  # fmt: skip

    def connect(self, target: Target, read_only: bool = False) -> Any:
        """The file, created with its missing folders by a writer; opened for reading only by a
        reader, which then needs no write access and shares the file with other readers."""
        import duckdb

        unknown = set(target.options) - set(CONNECT_SETTINGS)
        if unknown:
            raise TargetError(
                f"unknown duckdb setting(s) {', '.join(sorted(unknown))}; allowed: {', '.join(CONNECT_SETTINGS)}"
            )
        path = target.path or ":memory:"
        self.refuse_nothing_saved(path, target.display)
        self._created = path != ":memory:" and not Path(path).exists()
        self._folders: list[Path] = []
        if self._created and not read_only:
            self._folders = [f for f in Path(path).absolute().parents if not f.exists()][::-1]
            try:
                Path(path).absolute().parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise TargetError(f"cannot create the folder {Path(path).absolute().parent}: {err.strerror}") from None
        try:
            con = duckdb.connect(path, read_only=read_only and path != ":memory:", config=dict(target.options))
        except duckdb.IOException as err:
            if "Conflicting lock" not in str(err):
                raise
            holder = str(err).split("(PID ", 1)[-1].split(")", 1)[0]
            if read_only:
                raise StateError(f"a run is writing {path} (PID {holder}), try again when it ends") from None
            raise StateError(
                f"{path} is in use by another process (PID {holder}): another sessionizer run, or a program "
                "reading it; it is released when that process ends (or closes the file). Try again then."
            ) from None
        self._restore: dict[str, Any] = {}
        for name, value in RUN_SETTINGS.items() if not read_only else ():
            if name not in target.options:
                (self._restore[name],) = con.execute(f"SELECT current_setting('{name}')").fetchall()[0]
                con.execute(f"SET {name} = ?", [value])
        return con

    @staticmethod
    def refuse_nothing_saved(path: str, shown: str) -> None:
        """A target that would save nothing is refused before any work (docs/reference.md
        "Writes"): an empty path (DuckDB's in-memory database: often an unset variable in a
        script) and an existing file that is not a DuckDB database (DuckDB would open a Parquet
        file as an in-memory database holding it as views)."""
        if path == ":memory:":
            raise TargetError(
                f"the target {shown} names no database file, so the tables would be lost when the run ends; "
                "give a file, e.g. duckdb:///sessionizer.duckdb"
            )
        file = Path(path)
        if file.is_file() and file.stat().st_size > 0:
            with file.open("rb") as handle:
                head = handle.read(MAGIC_OFFSET + len(MAGIC))
            if head[MAGIC_OFFSET:] != MAGIC:
                raise TargetError(
                    f"the target {shown} is a file that is not a DuckDB database ({file.name}: perhaps a source "
                    "file?); sessionizer writes its tables to a DuckDB database file, e.g. duckdb:///sessionizer.duckdb"
                )

    def disconnect(self, connection: Any) -> None:
        """Checkpoint while the run's settings hold (closing the last connection would checkpoint
        after they were put back), then put them back and close."""
        if self._restore:
            with suppress(Exception):  # another connection's open transaction: it checkpoints later
                connection.execute("CHECKPOINT")
        for name, value in self._restore.items():
            connection.execute(f"SET {name} = ?", [value])
        connection.close()

    def discard(self, target: Target) -> None:
        """Remove the database file (and its write-ahead log) if this connection created it, and
        the folders it created for it."""
        if self._created and target.path:
            for path in (target.path, target.path + ".wal"):
                Path(path).unlink(missing_ok=True)
            for folder in reversed(self._folders):
                with suppress(OSError):
                    folder.rmdir()

    def interrupted(self, err: BaseException) -> bool:
        """DuckDB turns Ctrl-C into an error of the statement it was running: an
        InterruptException, or (the Python client, while it waits for the statement) a
        RuntimeError "Query interrupted"."""
        import duckdb

        return isinstance(err, duckdb.InterruptException) or (
            type(err) is RuntimeError and str(err) == "Query interrupted"
        )

    def progress_probe(self, cursor: Any) -> Callable[[], float | None] | None:
        """DuckDB counts its progress only with the progress bar on (here, without printing it);
        a cursor is a connection of its own, so the setting goes on the cursor that runs the plan."""
        cursor.execute("SET enable_progress_bar = true")
        cursor.execute("SET enable_progress_bar_print = false")

        def percent() -> float | None:
            value = cursor.query_progress()
            return value if value >= 0 else None

        return percent

    def holds_nothing(self, target: Target) -> bool:
        """A database file that does not exist (connecting would create an empty one)."""
        return target.path not in (None, ":memory:") and not Path(target.path).exists()
