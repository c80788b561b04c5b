"""One config against one target: what `sessionizer run` and `sessionizer check` do, and what
`status` and `report` open.

A run: connect, look at the source (preflight), take the lock, ask the state store for the mode,
compile, hand the plan to the runner, count, record. Each of those is another module's job; this
one only puts them in order.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from functools import cached_property
from typing import Any

from sessionizer import names, preflight
from sessionizer.compiler import Compiler
from sessionizer.config import Config
from sessionizer.dialects import get_dialect
from sessionizer.engines import get_engine, parse_target
from sessionizer.errors import ConfigError, SessionizerError, SourceError, StateError
from sessionizer.plan import CHECK_TEMPLATE, STAGE_BY_NAME, SUMMARY_TEMPLATE, Mode, select_stages
from sessionizer.runner import Event, Runner, RunSummary, Watch
from sessionizer.source_setting import is_file_source
from sessionizer.state import StateStore
from sessionizer.targets import Target
from sessionizer.warehouse import Warehouse


class Job:
    """``config`` on ``target`` (a URL, a Target, or None: the config's, else the default);
    ``on_event`` receives progress as dicts, ``watch`` wraps each stage (the CLI's progress line)."""

    def __init__(
        self,
        config: Config,
        target: str | Target | None = None,
        on_event: Callable[[Event], None] | None = None,
        watch: Watch | None = None,
    ) -> None:
        self.target = target if isinstance(target, Target) else parse_target(target or config.target)
        self.dialect = get_dialect(self.target.dialect)
        self.config = (
            replace(config, schema=self.target.schema) if config.schema is None and self.target.schema else config
        )
        self.tables = names.table_names(self.config, self.dialect)
        self.state = StateStore(self.tables, self.dialect, self.config.listed)
        self.on_event = on_event or (lambda event: None)
        self.watch = watch

    @cached_property
    def compiler(self) -> Compiler:
        """The compiler without a look at the source (every column assumed present): for the
        queries about the tables that status and report send."""
        return Compiler(self.config, self.dialect)

    @contextmanager
    def warehouse(self, read_only: bool = False) -> Iterator[Warehouse]:
        """A connection (``read_only`` for commands that only read), closed at the end; if what it
        was for failed before writing anything, what connecting created (a new DuckDB file) is
        removed too. Our errors inside learn the target they happened on."""
        try:
            wh = Warehouse(self.target, self.dialect, read_only)
            finished = False
            try:
                yield wh
                finished = True
            finally:
                wh.close()
                if not (finished or wh.writing):
                    wh.engine.discard(self.target)
        except SessionizerError as err:
            err.target = err.target or self.target.display
            raise

    def run(self, full_refresh: bool = False, select: str | None = None) -> RunSummary:
        """Build or update the tables: a full refresh when asked or needed, else incremental."""
        started = time.perf_counter()
        upstream = self.upstream(select)
        with self.warehouse() as wh:
            compiled = preflight.look(wh, self.config, self.dialect)
            missing = wh.missing_tables([self.tables[key] for key in upstream]) if upstream else []
            if missing:
                raise StateError(
                    f"--select {select} reads {', '.join(t.name for t in missing)}, which "
                    f"{'does' if len(missing) == 1 else 'do'} not exist yet; run without --select first"
                )
            wh.writing = True
            with wh.doing("taking the run lock"):
                lock = wh.lock(self.tables["lock"], compiled.ensure_schema)
            try:
                with wh.doing("reading what the last run stored"):
                    partial = select_stages(select)[0].name != "page_views"
                    mode, watermark = self.state.mode(wh, self.config, full_refresh, partial)
                before = self.figures(wh, compiled, users=False) if mode is Mode.INCREMENTAL else None
                plan = compiled.compile(mode, select, watermark)
                summary = RunSummary(mode=mode.value, target=self.target.display)
                self.on_event({"event": "start", "mode": mode.value, "target": self.target.display})

                def renew() -> None:
                    if lock:
                        with wh.doing("renewing the run lock"):
                            lock.renew()

                summary.stages = Runner(wh, self.tables, self.on_event, self.watch, renew).execute(plan)
                after = self.figures(wh, compiled)
                summary.page_views, summary.sessions, summary.users, summary.rejected, summary.bots = after
                summary.new_sessions = after[1] - (before[1] if before else 0)
                summary.new_rejected = after[3] - (before[3] if before else 0)
                if plan.records_run:  # a whole run (not a --select of some stages): `sessionizer status` shows it
                    counts = [s.rows_written for s in summary.stages]
                    written = None if None in counts else sum(c or 0 for c in counts)
                    self.state.record_run(wh, mode, time.perf_counter() - started, written)
            finally:
                if lock:
                    lock.release()
        summary.seconds = round(time.perf_counter() - started, 3)
        self.on_event({"event": "summary", **summary.as_dict()})
        return summary

    @staticmethod
    def upstream(select: str | None) -> list[str]:
        """The stages whose tables a selection reads but does not build. A selection must reach the
        end (STAGE+, or the last stage): one stage alone would leave the tables after it out of
        date, and nothing in the state could tell which; compile --select shows one stage's SQL."""
        stages = select_stages(select)
        whole = select_stages(f"{stages[0].name}+")
        if stages != whole:
            raise ConfigError(
                "select",
                f"{select!r} alone would leave {', '.join(s.name for s in whole[1:])} out of date; run "
                f"--select {stages[0].name}+ (compile --select {select} shows its SQL)",
            )
        chosen = {s.name for s in stages}
        return sorted({key for s in stages for key in s.inputs if key in STAGE_BY_NAME} - chosen)

    def figures(self, wh: Warehouse, compiled: Compiler, users: bool = True) -> tuple[int, int, int, int, int]:
        """Page views, sessions, users, rejected rows and of those the bots' (0 without
        exclude_bots) the tables hold; users 0 unless asked for."""
        with wh.doing("counting the tables' rows"):
            row = wh.fetch_one(compiled.render(SUMMARY_TEMPLATE, users=users))
        assert row is not None
        counts = [int(v or 0) for v in row]
        counts += [0] * (5 - len(counts))  # no bots' count without exclude_bots
        return tuple(counts)  # type: ignore[return-value]

    def check(self) -> dict[str, Any]:
        """Source rows the trailing window missed (an anti-join: slow, so on demand). With a
        source list, the same per entry under "entries", and the totals over them."""
        no_tables = StateError("there are no tables to check yet; run `sessionizer run` first")
        if get_engine(self.target.dialect).holds_nothing(self.target):
            # No database file: a source table cannot be in it either, which is the first thing to fix.
            if self.config.entries is None and not is_file_source(str(self.config.source)):
                raise SourceError(preflight.no_source_table(self.config, self.target.display))
            raise no_tables
        with self.warehouse(read_only=True) as wh:
            compiled = preflight.look(wh, self.config, self.dialect)
            if wh.missing_tables([self.tables["page_views"]]):
                raise no_tables
            rows = wh.execute(compiled.render(CHECK_TEMPLATE)).fetchall()
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
            "oldest_" + self.config.incremental_key: oldest_key,
            "oldest_timestamp": oldest_tstamp,
        }


def with_stored_source(config: Config, target: str | Target | None = None) -> Config:
    """``config`` with the source its tables were built from, which the state remembers (for the
    commands that read the tables when no source is given); as it is when there is no state."""
    job = Job(config, target)
    if get_engine(job.target.dialect).holds_nothing(job.target):
        return config
    with job.warehouse(read_only=True) as wh:
        if wh.missing_tables([job.tables["state"]]) or job.state.older(wh):
            return config
        with wh.doing("reading what the last run stored"):
            state = job.state.read(wh)
    stored = None if state is None else state.settings.get("sources", state.settings.get("source"))
    return config if stored is None else replace(config, source=stored)
