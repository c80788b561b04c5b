"""From config to statements: render each stage's template, parse it, wrap it in writes.

Templates are jinja2 SQL in DuckDB's dialect. Identifiers and literals that come from the user are
validated by the config and rendered through sqlglot before they reach a template, and every
statement is a sqlglot tree until the dialect renders it, so nothing is pasted into SQL as text.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlglot
from sqlglot import exp

from sessionizer import plan, sources
from sessionizer.config import Config, SourceEntry
from sessionizer.dialects import CANONICAL, Dialect, drop_table, get_dialect
from sessionizer.errors import CompileError, ConfigError
from sessionizer.plan import Mode, Stage
from sessionizer.sources import SourceColumns

PREPARE = "prepare"
FINISH = "finish"


class Kind(enum.Enum):
    """What a statement does, so a runner knows transaction edges without parsing SQL."""

    BEGIN = "begin"
    COMMIT = "commit"
    STATEMENT = "statement"


@dataclass(frozen=True)
class Statement:
    """One statement of the compiled plan, to be sent in one execute."""

    stage: str
    sql: str
    kind: Kind = Kind.STATEMENT
    writes: str | None = None  # the table whose rows this statement writes, for progress lines


@lru_cache(maxsize=1)
def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sessionizer", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        bytecode_cache=_bytecode_cache(jinja2),
    )
    env.filters["lit"] = lambda value: exp.Literal.string(str(value)).sql(CANONICAL)
    return env


def _bytecode_cache(jinja2: Any) -> Any:
    """Compiled templates kept between processes (a third of a cold `compile`); none if the
    cache folder cannot be written. Jinja checks each template's source before reusing it."""
    import os
    from pathlib import Path

    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sessionizer" / "jinja"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return jinja2.FileSystemBytecodeCache(str(folder)) if os.access(folder, os.W_OK) else None


@dataclass(frozen=True)
class Stored:
    """The watermark read from the state table; ``value`` None when no row was loaded yet. With
    a source list, one per entry, in the list's order."""

    value: datetime | None
    per_entry: tuple[datetime | None, ...] = ()


def _timestamp_literal(value: datetime | None) -> str:
    if value is None:
        return "NULL"
    return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), exp.DataType.build("TIMESTAMP")).sql(CANONICAL)


def _identifier(name: str) -> str:
    return exp.to_identifier(name).sql(CANONICAL)


def _literal(value: str) -> str:
    return exp.Literal.string(value).sql(CANONICAL)


def entry_context(config: Config, readers: list[exp.Expression]) -> list[dict[str, Any]]:
    """What the templates need of each entry of a source list (none for a single source)."""
    return [
        {
            "index": index,
            "name": _literal(entry.name),
            "kind": entry.kind.value,
            "kind_literal": _literal(entry.kind.value),
            "relation": reader.sql(CANONICAL),
            "events": None if entry.events is None else [_literal(e) for e in entry.events],
            "page_views": entry.kind.makes_page_views,
        }
        for index, (entry, reader) in enumerate(zip(config.entries or (), readers, strict=True))
    ]


class Compiler:
    """Compiles one config for one dialect; ``columns``: what the source holds (with a source
    list, what each entry holds), when a runner has looked (else every column is assumed present
    and without zone)."""

    def __init__(
        self, config: Config, dialect: Dialect, columns: SourceColumns | tuple[SourceColumns, ...] | None = None
    ) -> None:
        reserved = get_dialect(CANONICAL).reserved_words() | dialect.reserved_words()
        for key, name in config.column_names():
            if name.lower() in reserved:
                raise ConfigError(
                    key,
                    f"{name!r} is a reserved word in {dialect.name} SQL; expose the column under another name (e.g. a view)",
                )
        self.config = config
        self.dialect = dialect
        self.schema = config.schema
        self.listed = config.entries is not None
        # What the rules read: the source, or each entry of a source list, as its reader.
        found = columns if isinstance(columns, tuple) else (columns,) * len(config.entries or (None,))
        relations: list[tuple[str, str, SourceEntry | None]] = [
            (e.table, f"source[{i}]", e) for i, e in enumerate(config.entries or ())
        ]
        self.readers = [
            sources.reader(sources.relation(table, dialect, key), sources.wanted(config, entry), seen, dialect)
            for (table, key, entry), seen in zip(
                relations or [(str(config.source), "source", None)], found, strict=True
            )
        ]
        self.source = self.readers[0]
        names = {stage.name: stage.table for stage in plan.STAGES}
        names.update(
            rejected=plan.REJECTED_TABLE, state=plan.STATE_TABLE,
            pending_anonymous_ids=plan.PENDING_ANONYMOUS_IDS, pending_users=plan.PENDING_USERS, lock=plan.LOCK_TABLE,
            events=plan.EVENTS_TABLE,
        )  # fmt: skip
        self.tables = {key: self.table(name, self.schema) for key, name in names.items()}
        self.tables["batch"] = self.table(plan.BATCH_TABLE, None)
        self.tables["events_batch"] = self.table(plan.EVENTS_BATCH_TABLE, None)
        self.tables["stitching_batch"] = self.table(plan.STITCHING_BATCH_TABLE, None)
        self.tables["history"] = self.table(plan.HISTORY_TABLE, None)
        entries = entry_context(config, self.readers if self.listed else [])
        self.context: dict[str, Any] = {
            "source": None if self.listed else self.source.sql(CANONICAL),
            "listed": self.listed,
            "entries": entries,
            "viewed_entries": [e for e in entries if e["page_views"]],
            "event_entries": [e for e in entries if not e["page_views"]],
            "page_view_key": list(plan.unique_key(plan.STAGE_BY_NAME["page_views"], config)),
            "event_columns": plan.EVENT_COLUMNS,
            "event_key": ["id", "source_name", "kind"],
            # The rejected rows keep the source's columns; a list's entries share a few of them.
            "rejected_columns": [
                _identifier(c) for c in (plan.REJECTED_LIST_COLUMNS if self.listed else plan.source_columns(config))
            ],
            "rel": {key: table.sql(CANONICAL) for key, table in self.tables.items()},
            # A table's own name, to qualify a DELETE target's columns (Redshift allows no alias).
            "own": {key: table.this.sql(CANONICAL) for key, table in self.tables.items()},
            "key": _identifier(config.incremental_key),
            "key_name": config.incremental_key,
            "trailing_window": int(config.trailing_window),
            "inactivity_cutoff": int(config.inactivity_cutoff),
            "pass_through": [_identifier(c) for c in config.pass_through_columns],
            "restitch_in_place": self.dialect.RESTITCH_IN_PLACE,
            "columns": {stage.name: plan.columns(stage.name, config) for stage in plan.STAGES},
            "source_columns": [_identifier(c) for c in plan.source_columns(config)],
            "first_columns": plan.SESSION_FIRST_COLUMNS,
            "last_columns": plan.SESSION_LAST_COLUMNS,
            "referrer_mapping": list(config.mapping.rows),
            "settings": json.dumps(config.settings_fingerprint(), sort_keys=True),
            "watermark": None,
            "watermarks": [None] * len(entries),
        }

    def table(self, name: str, schema: str | None) -> exp.Table:
        """One of our tables, in the user's schema as the warehouse resolves its name."""
        return exp.table_(exp.to_identifier(name), db=self.dialect.identifier(schema) if schema else None)

    def statements(self, template: str, incremental: bool = True, **extra: Any) -> list[exp.Expression]:
        """Render a template and parse its statements (separated by ``;``) in the canonical dialect."""
        sql = _environment().get_template(f"{template}.sql").render(**self.context, **extra, incremental=incremental)
        try:
            parsed = sqlglot.parse(sql, read=CANONICAL)
        except sqlglot.errors.ParseError as err:  # a bug in a template, not in user input
            raise CompileError(f"template {template}.sql does not parse: {err}") from None
        trees = [tree for tree in parsed if isinstance(tree, exp.Expression)]
        assert trees and len(trees) == len(parsed), template
        return trees

    def statement(self, template: str, incremental: bool = True, **extra: Any) -> exp.Expression:
        """Render a template holding one statement and parse it."""
        trees = self.statements(template, incremental, **extra)
        assert len(trees) == 1, template
        return trees[0]

    def query(self, template: str, incremental: bool, **extra: Any) -> exp.Query:
        tree = self.statement(template, incremental, **extra)
        assert isinstance(tree, exp.Query), template
        return tree

    # -- full refresh -------------------------------------------------------------------------

    def ensure_schema(self) -> list[exp.Expression]:
        """CREATE SCHEMA IF NOT EXISTS, when the tables go to a named schema."""
        if not self.schema:
            return []
        return [exp.Create(this=exp.Table(this=self.dialect.identifier(self.schema)), kind="SCHEMA", exists=True)]

    def prepare(self) -> list[tuple[exp.Expression, str | None]]:
        """Drop the state first: until the refresh finishes, any run is a full refresh."""
        return [(tree, None) for tree in [*self.ensure_schema(), drop_table(self.tables["state"])]]

    def full_refresh(self, stage: Stage) -> list[tuple[exp.Expression, str | None]]:
        out: list[tuple[exp.Expression, str | None]] = [
            (t, stage.table)
            for t in self.dialect.replace_table(self.tables[stage.name], self.query(stage.template, False), stage)
        ]
        if stage.name == "page_views":
            if self.listed:
                events = self.dialect.replace_table(self.tables["events"], self.query(plan.EVENTS_TEMPLATE, False))
                out += [(t, plan.EVENTS_TABLE) for t in events]
            rejected = self.dialect.replace_table(self.tables["rejected"], self.query(plan.REJECTED_TEMPLATE, False))
            out += [(t, plan.REJECTED_TABLE) for t in rejected]
        return out

    def finish_full_refresh(self) -> list[tuple[exp.Expression, str | None]]:
        """Empty work lists, then the state row, written last."""
        trees: list[exp.Expression] = []
        for key, columns in plan.WORK_LISTS.items():
            typed = ", ".join(f"CAST(NULL AS {kind}) AS {name}" for name, kind in columns)
            empty = sqlglot.parse_one(f"SELECT {typed} WHERE 1 = 0", read=CANONICAL, into=exp.Select)
            trees += self.dialect.replace_table(self.tables[key], empty)
        trees += self.dialect.replace_table(self.tables["state"], self.query(plan.STATE_TEMPLATE, False))
        return [(t, None) for t in trees]

    # -- incremental --------------------------------------------------------------------------

    def incremental(self, stage: Stage) -> list[tuple[exp.Expression, str | None]]:
        """Recompute what the pending visitors (or users) changed.

        A write of several statements (delete, then insert) runs in one transaction with the
        stage's bookkeeping; a single MERGE is atomic by itself and runs without one (fakesnow
        cannot MERGE inside a transaction; real Snowflake could, and needs no transaction for it).
        Either way a stop at any point leaves the work lists able to finish the job.
        """
        columns = plan.columns(stage.name, self.config)
        trees: list[tuple[exp.Expression, str | None]] = []
        source = self.query(stage.incremental_template or stage.template, True)
        if stage.history and not self.listed:
            lookup = self.query(stage.history, True)
            trees += [(t, None) for t in self.dialect.create_temp_table(self.tables["history"].name, lookup)]
        if stage.staged:
            batch = self.tables[stage.staged]
            trees += [(t, None) for t in self.dialect.create_temp_table(batch.name, source)]
            source = exp.select(*columns).from_(batch.copy())
        deletes = self.statements(stage.delete)
        # A MERGE stands for deletes only (it rewrites the rows they would remove), never an UPDATE.
        assert all(isinstance(t, exp.Delete if stage.upsert else (exp.Delete, exp.Update)) for t in deletes)
        key = plan.unique_key(stage, self.config)
        write = self.dialect.upsert(self.tables[stage.name], columns, source, key, deletes, stage.upsert)
        events: list[tuple[exp.Expression, str | None]] = []
        if stage.name == "page_views" and self.listed:
            trees += [(t, None) for t in self.events_batch()]
            events = [(t, plan.EVENTS_TABLE) for t in self.write_events()]
            if len(write) == 1:  # the page views' MERGE runs alone; the events' two writes together
                events = [(exp.Transaction(), None), *events, (exp.Commit(), None)]
        body: list[tuple[exp.Expression, str | None]] = [
            (tree, None) for name in stage.records_before for tree in self.records(name)
        ]
        body += [(t, stage.table) for t in write]
        body += events
        body += [(tree, None) for name in stage.records_after for tree in self.records(name)]
        if len(write) > 1:
            body = [(exp.Transaction(), None), *body, (exp.Commit(), None)]
        return trees + body

    def records(self, template: str) -> list[exp.Expression]:
        """A bookkeeping statement; the watermark's once per entry of a source list."""
        if template == plan.RECORD_WATERMARK_TEMPLATE and self.listed:
            return [self.statement(template, entry=entry) for entry in self.context["entries"]]
        return self.statements(template)

    def events_batch(self) -> list[exp.Expression]:
        """A source list's new tracks and identifies rows, staged like the page views' batch."""
        return self.dialect.create_temp_table(self.tables["events_batch"].name, self.query(plan.EVENTS_TEMPLATE, True))

    def write_events(self) -> list[exp.Expression]:
        """Stored events an earlier copy replaces go; the batch's rows come in."""
        delete = self.statement(plan.DELETE_EVENTS_TEMPLATE)
        rows = exp.select(*plan.EVENT_COLUMNS).from_(self.tables["events_batch"].copy())
        return [delete, exp.insert(rows, self.tables["events"].copy(), columns=list(plan.EVENT_COLUMNS))]

    def finish_incremental(self) -> list[tuple[exp.Expression, str | None]]:
        """Work done: clear the work lists and advance the watermark, together."""
        state = self.tables["state"]
        advance = exp.update(
            state,
            {
                "watermark": exp.func("COALESCE", exp.column("pending_watermark"), exp.column("watermark")),
                "pending_watermark": exp.null(),
            },
        )
        trees = [
            exp.Transaction(),
            exp.delete(self.tables["pending_anonymous_ids"]),
            exp.delete(self.tables["pending_users"]),
            advance,
            exp.Commit(),
        ]
        return [(t, None) for t in trees]

    def record_run(self, mode: Mode, seconds: float, rows_written: int | None) -> exp.Update:
        """The state row learns when the run that just finished ended, its mode, time and rows."""
        values: dict[str, object] = {
            "last_run_at": exp.CurrentTimestamp(),
            "last_run_mode": exp.Literal.string(mode.value),
            "last_run_seconds": exp.Literal.number(round(seconds, 3)),
            "last_run_rows_written": exp.null() if rows_written is None else exp.Literal.number(rows_written),
        }
        return exp.update(self.tables["state"].copy(), values)

    # -- all together ---------------------------------------------------------------------------

    def compile(self, mode: Mode, select: str | None = None, watermark: Stored | None = None) -> list[Statement]:
        """The plan's statements. ``watermark``: the stored one, when the caller has read it
        (a Stored value, None inside it meaning "nothing loaded yet"), to inline as a literal."""
        self.context["watermark"] = None if watermark is None else _timestamp_literal(watermark.value)
        if watermark is not None and self.listed:
            self.context["watermarks"] = [_timestamp_literal(value) for value in watermark.per_entry]
        stages = plan.select_stages(select)
        whole = len(stages) == len(plan.STAGES)
        groups: list[tuple[str, list[tuple[exp.Expression, str | None]]]] = []
        if mode is Mode.FULL_REFRESH:
            if stages[0].name == "page_views":
                groups.append((PREPARE, self.prepare()))
            groups += [(stage.name, self.full_refresh(stage)) for stage in stages]
            if stages[0].name == "page_views":
                groups.append((FINISH, self.finish_full_refresh()))
        else:
            groups += [(stage.name, self.incremental(stage)) for stage in stages]
            if whole:
                groups.append((FINISH, self.finish_incremental()))
            if self.dialect.ONE_TRANSACTION_PER_RUN:
                groups = _one_transaction(groups)
        return [self._statement(name, tree, writes) for name, trees in groups for tree, writes in trees]

    def _statement(self, stage: str, tree: exp.Expression, writes: str | None) -> Statement:
        kind = (
            Kind.BEGIN
            if isinstance(tree, exp.Transaction)
            else Kind.COMMIT
            if isinstance(tree, exp.Commit)
            else Kind.STATEMENT
        )
        return Statement(stage, self.dialect.render(tree), kind, writes if kind is Kind.STATEMENT else None)


def _one_transaction(
    groups: list[tuple[str, list[tuple[exp.Expression, str | None]]]],
) -> list[tuple[str, list[tuple[exp.Expression, str | None]]]]:
    """The stages' own transactions folded into one around the whole run."""
    edges = (exp.Transaction, exp.Commit)
    folded = [(name, [(t, w) for t, w in trees if not isinstance(t, edges)]) for name, trees in groups]
    folded[0][1].insert(0, (exp.Transaction(), None))
    folded[-1][1].append((exp.Commit(), None))
    return folded


def compile(
    config: Config, dialect: str | Dialect = CANONICAL, mode: Mode | str = Mode.FULL_REFRESH, select: str | None = None,
    columns: SourceColumns | tuple[SourceColumns, ...] | None = None,
) -> list[Statement]:  # fmt: skip
    """The statements that build the six tables, in run order; ``columns``: what the source
    holds (see sessionizer.sources), when known.

    >>> [s.stage for s in compile(Config(), "duckdb")][:3]
    ['prepare', 'page_views', 'page_views']
    """
    chosen = get_dialect(dialect) if isinstance(dialect, str) else dialect
    return Compiler(config, chosen, columns).compile(Mode(mode), select)
