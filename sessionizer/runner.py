"""Executes a compiled plan on a warehouse, and nothing else.

Statements are sent one per execute, in the plan's order, BEGIN and COMMIT where its steps say
(sessionizer.compiler.Plan). A failure inside a transaction is rolled back here, so the tables
stay as they were; what is committed stays, and the next run picks up from the work lists the
plan keeps. What to run, and whether, is decided before (sessionizer/job.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext, suppress
from dataclasses import asdict, dataclass, field
from typing import Any

from sessionizer.compiler import Plan, Statement
from sessionizer.errors import Interrupted, RunError
from sessionizer.lazy import exp
from sessionizer.plan import Mode
from sessionizer.schema import TableName
from sessionizer.warehouse import Warehouse

Event = dict[str, Any]
# Wraps each stage's statements, given the stage and the warehouse: the CLI's progress line.
Watch = Callable[[str, Warehouse], AbstractContextManager[object]]


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
    bots: int = 0  # of the rejected rows, crawlers' page views (exclude_bots)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Runner:
    """Runs plans on one warehouse. ``tables``: the stages' tables, whose rows a full refresh
    counts; ``between``: called after each stage (the lease lock's renewal)."""

    def __init__(
        self,
        wh: Warehouse,
        tables: Mapping[str, TableName],
        on_event: Callable[[Event], None] | None = None,
        watch: Watch | None = None,
        between: Callable[[], None] | None = None,
    ) -> None:
        self.wh = wh
        self.tables = tables
        self.on_event = on_event or (lambda event: None)
        self.watch: Watch = watch or (lambda stage, wh: nullcontext())
        self.between = between or (lambda: None)

    def execute(self, plan: Plan) -> list[StageResult]:
        """Every statement of the plan, stage by stage; the stages' results (not prepare's or finish's)."""
        results: list[StageResult] = []
        for stage, reports, statements in plan.by_stage():
            with self.watch(stage, self.wh):
                result = self.run_stage(stage, statements, plan.mode, reports)
            self.between()
            if reports:
                results.append(result)
                self.on_event({"event": "stage", **asdict(result)})
        return results

    def run_stage(self, stage: str, statements: list[Statement], mode: Mode, reports: bool) -> StageResult:
        """One stage's statements; its rows written (an incremental run's counts, a full
        refresh's table afterwards) when it reports."""
        started = time.perf_counter()
        written: int | None = 0
        for statement in statements:
            try:
                self.wh.execute(statement.sql)
            except Exception as err:
                # Whatever failed, a transaction the stage opened must not stay open (and hold
                # its locks, or swallow the statements that follow); with none open this is a no-op.
                with suppress(Exception):
                    self.wh.execute(self.wh.dialect.render(exp.Rollback()))
                if self.wh.engine.interrupted(err):  # Ctrl-C: nothing to show of the statement
                    raise Interrupted(stage) from err
                target = self.wh.target.display
                raise RunError(stage, mode.value, target, self.wh.scrub(statement.sql), self.wh.scrub(err)) from err
            if statement.writes and mode is Mode.INCREMENTAL and written is not None:
                count = self.wh.rowcount()
                written = None if count is None else written + count
        if mode is Mode.FULL_REFRESH and reports:
            written = self.count(self.tables[stage])
        return StageResult(stage, written, round(time.perf_counter() - started, 3))

    def count(self, table: TableName) -> int | None:
        """The rows a table holds."""
        with self.wh.doing(f"counting the rows of {table.sql}"):
            return self.wh.count(table)
