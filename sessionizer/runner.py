"""Runs a compiled plan against a warehouse: decides the mode, executes, reports.

Statements are sent one per execute, in order. BEGIN/COMMIT come from the plan itself, so a
failure inside a transaction is rolled back here and the tables stay as they were; what is
committed stays, and the next run picks up from the work lists the plan keeps.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlglot import exp

from sessionizer import plan, sources
from sessionizer.compiler import FINISH, PREPARE, Compiler, Statement, Stored
from sessionizer.config import DEFAULT_SOURCE, Config, is_file_source
from sessionizer.dialects import get_dialect
from sessionizer.engines import parse_target
from sessionizer.errors import RunError, SourceError, StateError
from sessionizer.plan import Mode
from sessionizer.targets import Target
from sessionizer.warehouse import LeaseLock, Warehouse

Event = dict[str, Any]


@dataclass
class StageResult:
    stage: str
    rows_written: int | None
    seconds: float


@dataclass
class RunSummary:
    """What a run did, as the CLI prints it and --log-format json emits it."""

    mode: str
    target: str
    stages: list[StageResult] = field(default_factory=list)
    page_views: int = 0
    sessions: int = 0
    users: int = 0
    new_sessions: int = 0
    rejected: int = 0
    new_rejected: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Runner:
    """Runs the plan for one config and target; ``on_event`` receives progress as dicts."""

    def __init__(
        self,
        config: Config,
        target: str | Target | None = None,
        on_event: Callable[[Event], None] | None = None,
        watch: Callable[[str, Warehouse], AbstractContextManager[object]] | None = None,
    ) -> None:
        self.config = config
        self.target = target if isinstance(target, Target) else parse_target(target or config.target)
        self.dialect = get_dialect(self.target.dialect)
        if config.schema is None and self.target.schema:
            from dataclasses import replace

            self.config = replace(config, schema=self.target.schema)
        self.compiler = Compiler(self.config, self.dialect)
        self.on_event = on_event or (lambda event: None)
        # Wraps each stage's statements, given the stage and the warehouse: the CLI's progress line.
        self.watch: Callable[[str, Warehouse], AbstractContextManager[object]] = watch or (
            lambda stage, wh: nullcontext()
        )

    @contextmanager
    def warehouse(self) -> Iterator[Warehouse]:
        """A connection, closed at the end; if what it was for failed before writing anything,
        what connecting created (a new DuckDB file) is removed too."""
        wh = Warehouse(self.target, self.dialect)
        finished = False
        try:
            yield wh
            finished = True
        finally:
            wh.close()
            if not (finished or wh.writing):
                wh.engine.discard(self.target)

    # -- preflight -----------------------------------------------------------------------------

    def check_source(self, wh: Warehouse) -> None:
        """Look at the source (each entry of a source list) once: it exists, has the columns it
        must have, and its time columns read as timestamps; names what is wrong before anything
        is written. The plan is then compiled for what each source holds (missing optional
        columns, zoned timestamps)."""
        entries = self.config.entries
        labels = [e.table for e in entries] if entries is not None else [str(self.config.source)]
        keys = [f"source[{i}]" for i in range(len(labels))] if entries is not None else ["source"]
        found = [self.inspect(wh, label, key) for label, key in zip(labels, keys, strict=True)]
        for index, (label, columns) in enumerate(zip(labels, found, strict=True)):
            sources.require(columns, label, sources.required(self.config, None if entries is None else entries[index]))
        if entries is None:
            self.compiler = Compiler(self.config, self.dialect, found[0])
        else:
            sources.pass_through_somewhere(self.config, found)
            self.compiler = Compiler(self.config, self.dialect, tuple(found))
        times = (*plan.TIMESTAMP_COLUMNS, self.config.incremental_key)
        for label, reader in zip(labels, self.compiler.readers, strict=True):
            wh.check_timestamps(reader, label, times)

    def inspect(self, wh: Warehouse, label: str, key: str) -> sources.SourceColumns:
        """What one source holds; a single source that is not there at all says how to go on."""
        relation = sources.relation(label, self.dialect, key)
        try:
            return wh.inspect(relation, label)
        except SourceError:
            if self.config.entries is None and self.source_is_absent(wh, relation):
                raise SourceError(self.no_source_table()) from None
            raise

    def source_is_absent(self, wh: Warehouse, source: exp.Table) -> bool:
        """Whether a source table that could not be read is not there at all (rather than, say,
        not granted), asked of information_schema; unsure (a name with a database) is no."""
        if is_file_source(str(self.config.source)) or source.catalog:
            return False
        try:
            return bool(wh.missing_tables([source]))
        except Exception:
            return False

    def no_source_table(self) -> str:
        """What a first run without data meets: what was looked for, where, and the ways on."""
        defaults = [n for n, default in (("source", self.config.source == DEFAULT_SOURCE),
                                         ("target", self.config.target is None)) if default]  # fmt: skip
        given = f" (the default {' and '.join(defaults)})" if defaults else ""
        return (
            f"there is no table {self.config.source!r} in {self.target.display}{given}.\n"
            "  Point at your Segment pages with --source (a table, or on DuckDB a Parquet/CSV/JSON file or\n"
            "  glob) and at your warehouse with --target, or set both in sessionizer.yml.\n"
            "  To try sessionizer without data: sessionizer demo"
        )

    def decide_mode(self, wh: Warehouse, full_refresh: bool) -> tuple[Mode, Stored | None]:
        """Full refresh when asked, or when any table or the state is missing; for an
        incremental run, also the stored watermark."""
        if full_refresh:
            return Mode.FULL_REFRESH, None
        needed = [self.compiler.tables[k] for k in (*(s.name for s in plan.STAGES), "state", "rejected",
                                                    "pending_anonymous_ids", "pending_users")]  # fmt: skip
        if self.compiler.listed:
            needed.append(self.compiler.tables["events"])
        # Bookkeeping of an older layout (a column added since) is rebuilt by a full refresh too.
        layouts = {self.compiler.tables[key].name: [c for c, _ in cols] for key, cols in plan.WORK_LISTS.items()}
        layouts[self.compiler.tables["state"].name] = list(plan.STATE_COLUMNS)
        if wh.missing_tables(needed, layouts):
            return Mode.FULL_REFRESH, None
        # "IS NULL" asked apart: fakesnow hands a NULL timestamp back as 1970-01-01.
        query = exp.select("settings", "watermark", exp.column("watermark").is_(exp.null())).from_(
            self.compiler.tables["state"].copy()
        )
        rows = wh.execute(self.dialect.render(query, pretty=False)).fetchall()
        if not rows:
            return Mode.FULL_REFRESH, None
        row = rows[0]
        stored = json.loads(row[0])
        wanted = self.config.settings_fingerprint()
        if stored != wanted:
            changed = sorted(k for k in set(stored) | set(wanted) if stored.get(k) != wanted.get(k))
            raise StateError(
                f"the tables were built with other settings ({', '.join(changed)} changed); "
                "an incremental run would mix two definitions. Run again with --full-refresh."
            )
        if not self.compiler.listed:
            return Mode.INCREMENTAL, Stored(None if row[2] else row[1])
        marks = self.stored_watermarks(wh)
        return Mode.INCREMENTAL, Stored(None, tuple(marks[i] for i in range(len(marks))))

    def stored_watermarks(self, wh: Warehouse) -> dict[int | None, Any]:
        """The stored watermark of the single source (key None), or of each entry of a source
        list by its index (a list keeps one state row per entry, each with its own table's)."""
        keys = [exp.column("entry")] if self.compiler.listed else [exp.null()]
        # "IS NULL" asked apart: fakesnow hands a NULL timestamp back as 1970-01-01.
        query = exp.select(*keys, "watermark", exp.column("watermark").is_(exp.null()))
        rows = wh.execute(self.dialect.render(query.from_(self.compiler.tables["state"].copy()), pretty=False))
        return {None if key is None else int(key): None if empty else mark for key, mark, empty in rows.fetchall()}

    # -- running ---------------------------------------------------------------------------------

    def run(self, full_refresh: bool = False, select: str | None = None) -> RunSummary:
        started = time.perf_counter()
        with self.warehouse() as wh:
            self.check_source(wh)
            wh.writing = True
            with wh.doing("taking the run lock"):
                lock = wh.lock(self.compiler.tables["lock"], self.compiler.ensure_schema())
            try:
                summary = self._run(wh, full_refresh, select, lock, started)
            finally:
                if lock:
                    lock.release()
        summary.seconds = round(time.perf_counter() - started, 3)
        self.on_event({"event": "summary", **summary.as_dict()})
        return summary

    def _run(
        self, wh: Warehouse, full_refresh: bool, select: str | None, lock: LeaseLock | None, started: float
    ) -> RunSummary:
        with wh.doing("reading what the last run stored"):
            mode, watermark = self.decide_mode(wh, full_refresh)
        before = self.figures(wh, users=False) if mode is Mode.INCREMENTAL else None
        statements = self.compiler.compile(mode, select, watermark)
        summary = RunSummary(mode=mode.value, target=self.target.display)
        self.on_event({"event": "start", "mode": mode.value, "target": self.target.display})
        finished = False
        for stage, group in _by_stage(statements):
            with self.watch(stage, wh):
                result = self.run_stage(wh, stage, group, mode)
            if lock:
                with wh.doing("renewing the run lock"):
                    lock.renew()
            finished = finished or stage == FINISH
            if stage not in (PREPARE, FINISH):
                summary.stages.append(result)
                self.on_event({"event": "stage", **asdict(result)})
        after = self.figures(wh)
        summary.page_views, summary.sessions, summary.users, summary.rejected = after
        summary.new_sessions = after[1] - (before[1] if before else 0)
        summary.new_rejected = after[3] - (before[3] if before else 0)
        if finished:  # a whole run (not a --select of some stages): `sessionizer status` shows it
            counts = [s.rows_written for s in summary.stages]
            written = None if None in counts else sum(c or 0 for c in counts)
            record = self.compiler.record_run(mode, time.perf_counter() - started, written)
            wh.execute(self.dialect.render(record, pretty=False))
        return summary

    def run_stage(self, wh: Warehouse, stage: str, statements: list[Statement], mode: Mode) -> StageResult:
        started = time.perf_counter()
        written: int | None = 0
        for statement in statements:
            try:
                wh.execute(statement.sql)
            except Exception as err:
                # Whatever failed, a transaction the stage opened must not stay open (and hold
                # its locks, or swallow the statements that follow); with none open this is a no-op.
                with suppress(Exception):
                    wh.execute(self.dialect.render(exp.Rollback()))
                raise RunError(stage, mode.value, self.target.display, wh.scrub(statement.sql), wh.scrub(err)) from err
            if statement.writes and mode is Mode.INCREMENTAL and written is not None:
                count = wh.rowcount()
                written = None if count is None else written + count
        if mode is Mode.FULL_REFRESH and stage in plan.STAGE_BY_NAME:
            table = self.compiler.tables[stage]
            with wh.doing(f"counting the rows of {table.sql(self.dialect.sqlglot_dialect)}"):
                row = wh.fetch_one(
                    self.dialect.render(exp.select(exp.func("COUNT", exp.Star())).from_(table.copy()), pretty=False)
                )
            written = int(row[0]) if row else None
        return StageResult(stage, written, round(time.perf_counter() - started, 3))

    def figures(self, wh: Warehouse, users: bool = True) -> tuple[int, int, int, int]:
        """Page views, sessions, users and rejected rows the tables hold; users 0 unless asked for."""
        query = self.compiler.query(plan.SUMMARY_TEMPLATE, False, users=users)
        with wh.doing("counting the tables' rows"):
            row = wh.fetch_one(self.dialect.render(query, pretty=False))
        assert row is not None
        return tuple(int(v or 0) for v in row)  # type: ignore[return-value]

    def check(self) -> dict[str, Any]:
        """Source rows the trailing window missed (an anti-join: slow, so on demand). With a
        source list, the same per entry under "entries", and the totals over them."""
        with self.warehouse() as wh:
            self.check_source(wh)
            if wh.missing_tables([self.compiler.tables["page_views"]]):
                raise StateError("there are no tables to check yet; run `sessionizer run` first")
            query = self.compiler.query(plan.CHECK_TEMPLATE, False)
            rows = wh.execute(self.dialect.render(query, pretty=False)).fetchall()
        found = [self._missing(*row[-3:]) for row in rows]
        if self.config.entries is None:
            return found[0]
        entries = [{"table": e.table, "name": e.name, "kind": e.kind.value, **f}
                   for e, f in zip(self.config.entries, found, strict=True)]  # fmt: skip
        key = "oldest_" + self.config.incremental_key
        return {
            "missing": sum(f["missing"] for f in found),
            key: min((f[key] for f in found if f[key] is not None), default=None),
            "oldest_timestamp": min((f["oldest_timestamp"] for f in found if f["oldest_timestamp"]), default=None),
            "entries": entries,
        }

    def _missing(self, missing: Any, oldest_key: Any, oldest_tstamp: Any) -> dict[str, Any]:
        return {
            "missing": int(missing or 0),
            "oldest_" + self.config.incremental_key: None if oldest_key is None else str(oldest_key),
            "oldest_timestamp": None if oldest_tstamp is None else str(oldest_tstamp),
        }


def _by_stage(statements: list[Statement]) -> Iterator[tuple[str, list[Statement]]]:
    group: list[Statement] = []
    for statement in statements:
        if group and statement.stage != group[0].stage:
            yield group[0].stage, group
            group = []
        group.append(statement)
    if group:
        yield group[0].stage, group
