"""The bookkeeping tables' one owner: what the state row says, whether the tables can be run
incrementally, and what a finished run records.

The state row is read in one query (templates/runner/read_state.sql) by whoever needs it (the run,
`status`), and the one quirk of an engine we meet there is handled here: fakesnow hands a NULL
timestamp back as 1970-01-01, so every column's IS NULL is asked beside it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sessionizer import cache, schema, sql
from sessionizer.compiler import Stored
from sessionizer.config import Config
from sessionizer.dialects import Dialect
from sessionizer.errors import StateError
from sessionizer.plan import STAGES, Mode
from sessionizer.schema import TableName
from sessionizer.warehouse import Warehouse

# The run's own figures in the cached record_run statement, bound per run (sessionizer/cache.py).
SECONDS_STAND_IN, ROWS_STAND_IN = "987654321.125", "987654321987"


@dataclass(frozen=True)
class State:
    """The stored state: the settings the tables were built with, the watermark (with a source
    list, one per entry, by index; a single source's under None), and what the last whole run did."""

    settings: dict[str, Any]
    watermarks: Mapping[int | None, datetime | None]
    pending_watermark: datetime | None
    built_at: datetime | None
    last_run: dict[str, Any] | None

    def stored(self, listed: bool) -> Stored:
        """The watermark(s) an incremental run inlines."""
        if not listed:
            return Stored(self.watermarks.get(None))
        return Stored(None, tuple(self.watermarks.get(i) for i in range(len(self.watermarks))))


class StateStore:
    """The state and the work lists of one table set (``tables``: names.table_names)."""

    def __init__(self, tables: Mapping[str, TableName], dialect: Dialect, listed: bool) -> None:
        self.tables = tables
        self.dialect = dialect
        self.listed = listed
        self.variables = {"rel": {key: table.sql for key, table in tables.items()}, "listed": listed}

    def _render(self, template: str, **extra: Any) -> str:
        return cache.render(self.dialect, template, {**self.variables, **extra})

    def needed(self) -> list[TableName]:
        """The tables an incremental run reads and writes: the six and the bookkeeping (a table
        added since the last full refresh, such as the users' counts, means a full refresh)."""
        keys = [
            *(s.name for s in STAGES),
            "state",
            "rejected",
            "users",
            *schema.WORK_LISTS,
            *(["events"] * self.listed),
        ]
        return [self.tables[k] for k in keys]

    def layouts(self) -> dict[str, list[str]]:
        """The columns each bookkeeping table must have: one of an older layout (a column added
        since) means a full refresh."""
        found = {self.tables[key].name: [c for c, _ in cols] for key, cols in schema.WORK_LISTS.items()}
        found[self.tables["state"].name] = list(schema.STATE_COLUMNS)
        found[self.tables["users"].name] = [c for c, _ in schema.USERS_COLUMNS]
        return found

    def older(self, wh: Warehouse) -> bool:
        """Whether the state table is there but of an older layout."""
        state = self.tables["state"]
        return not wh.missing_tables([state]) and bool(wh.missing_tables([state], self.layouts()))

    def read(self, wh: Warehouse, listed: bool | None = None) -> State | None:
        """The state, in one query; None when the state table holds no row. ``listed``: whether
        the state table has a row per entry, when it may differ from the config's (status)."""
        columns = schema.STATE_COLUMNS
        shape = {} if listed is None else {"listed": listed}
        rows = wh.execute(self._render("runner/read_state", state_columns=columns, **shape)).fetchall()
        if not rows:
            return None
        width = len(columns)

        def values(row: Any) -> dict[str, Any]:
            return {c: None if row[width + i] else row[i] for i, c in enumerate(columns)}

        first = values(rows[0])
        marks = {None if row[-1] is None else int(row[-1]): values(row)["watermark"] for row in rows}
        last_run = None
        if first["last_run_at"] is not None:
            seconds, written = first["last_run_seconds"], first["last_run_rows_written"]
            last_run = {
                "at": first["last_run_at"],
                "mode": first["last_run_mode"],
                "seconds": None if seconds is None else float(seconds),
                "rows_written": None if written is None else int(written),
            }
        return State(json.loads(str(first["settings"])), marks, first["pending_watermark"], first["built_at"], last_run)

    def mode(
        self, wh: Warehouse, config: Config, full_refresh: bool, partial: bool = False
    ) -> tuple[Mode, Stored | None]:
        """Full refresh when asked, when a full refresh was stopped before it finished, or when any
        table or the state is missing (or of an older layout); for an incremental run, also the
        stored watermark. Other settings refuse, and so they do for a ``partial`` full refresh (a
        --select after page_views): it keeps the state and the tables before it, which would then
        hold another definition than the ones it rebuilds."""
        if full_refresh and not partial:
            return Mode.FULL_REFRESH, None
        mark = self.tables["refreshing"]
        missing = wh.missing_tables([*self.needed(), mark], self.layouts())
        if mark not in missing or len(missing) > 1:  # a refresh under way, or a table missing
            return Mode.FULL_REFRESH, None
        state = self.read(wh)
        if state is None:
            return Mode.FULL_REFRESH, None
        wanted = config.settings_fingerprint()
        if state.settings != wanted:
            changed = sorted(k for k in set(state.settings) | set(wanted) if state.settings.get(k) != wanted.get(k))
            shown = "; ".join(
                f"{k}: {json.dumps(state.settings.get(k), sort_keys=True)} when the tables were built, "
                f"{json.dumps(wanted.get(k), sort_keys=True)} now"
                for k in changed
            )
            if full_refresh:
                raise StateError(
                    f"the tables were built with other settings ({shown}); rebuilding only some of them "
                    "would mix two definitions. Run again with --full-refresh and without --select."
                )
            raise StateError(
                f"the tables were built with other settings ({shown}); "
                "an incremental run would mix two definitions. Run again with --full-refresh."
            )
        if full_refresh:
            return Mode.FULL_REFRESH, None
        return Mode.INCREMENTAL, state.stored(self.listed)

    def record_run(self, wh: Warehouse, mode: Mode, seconds: float, rows_written: int | None) -> None:
        """The state row learns when the whole run that just finished ended, its mode, time and rows."""
        rows = "NULL" if rows_written is None else ROWS_STAND_IN
        given = {**self.variables, "seconds": SECONDS_STAND_IN, "rows": rows}
        text = cache.query(self.dialect, "runner/record_run", {**given, "mode": mode.value},
                           lambda: {**given, "mode": sql.literal(mode.value)})  # fmt: skip
        values = {SECONDS_STAND_IN: str(round(seconds, 3)), ROWS_STAND_IN: str(int(rows_written or 0))}
        wh.execute(cache.bind(text, values))
