"""From config to a plan: render each stage's templates, parse them, wrap them in the dialect's writes.

Templates are jinja2 SQL in DuckDB's dialect (sessionizer/sql.py). Identifiers and literals that
come from the user are validated by the config and written by sqlglot before they reach a
template (sessionizer/context.py), and every statement is a sqlglot tree until the dialect
renders it. ``Compiler.compile`` is pure: the same inputs give the same Plan, and the compiler is
not changed by it.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from itertools import groupby
from typing import Any, TypeAlias

from sessionizer import cache, context, names, plan, schema, sources, sql
from sessionizer.config import Config
from sessionizer.dialects import CANONICAL, Block, Dialect, drop_table, get_dialect
from sessionizer.lazy import exp
from sessionizer.plan import Mode, Stage
from sessionizer.sources import SourceColumns

# The steps before and after the stages: their names in the plan, in progress and in golden files.
PREPARE = "prepare"
FINISH = "finish"


class Kind(enum.Enum):
    """What a line of the flat listing (``Plan.statements``) is: a transaction's edge, or a
    statement. The plan's steps say where transactions are as data; the listing spells it out
    for whoever reads or sends the SQL as text."""

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


@dataclass(frozen=True)
class Step:
    """Statements run together: in one transaction when ``transaction`` (unless the whole plan is
    one), and counted as the work of stage ``name`` when ``reports`` (the six stages; the prepare
    and finish steps are bookkeeping)."""

    name: str
    statements: tuple[Statement, ...]
    transaction: bool = False
    reports: bool = True


@dataclass(frozen=True)
class Plan:
    """The compiled plan: steps in run order. ``one_transaction``: the whole plan commits once
    (the dialect says a whole incremental run can). ``records_run``: the plan is a whole run, so
    the state learns when it ended."""

    mode: Mode
    dialect: str
    steps: tuple[Step, ...]
    begin: str
    commit: str
    one_transaction: bool = False

    @property
    def records_run(self) -> bool:
        return any(step.name == FINISH for step in self.steps)

    def statements(self) -> list[Statement]:
        """The flat listing, with each transaction's BEGIN and COMMIT where they are sent."""
        out: list[Statement] = []
        for index, step in enumerate(self.steps):
            around = step.transaction and not self.one_transaction
            if around or (self.one_transaction and index == 0):
                out.append(Statement(step.name, self.begin, Kind.BEGIN))
            out += step.statements
            if around or (self.one_transaction and index == len(self.steps) - 1):
                out.append(Statement(step.name, self.commit, Kind.COMMIT))
        return out

    def by_stage(self) -> Iterator[tuple[str, bool, list[Statement]]]:
        """The listing in runs of one step name: (name, whether it reports, statements)."""
        reports = {step.name: step.reports for step in self.steps}
        for name, group in groupby(self.statements(), key=lambda s: s.stage):
            yield name, reports[name], list(group)


@dataclass(frozen=True)
class Stored:
    """The watermark read from the state table; ``value`` None when no row was loaded yet. With
    a source list, one per entry, in the list's order."""

    value: datetime | None
    per_entry: tuple[datetime | None, ...] = ()


# The stand-ins a cached plan is compiled with for the stored watermarks (a single source's, then
# each entry's), bound to the run's own when it is used: no real load time is this old.
STAND_IN = datetime(1111, 11, 11, 11, 11, 11, 111111)


def _stand_in(index: int) -> datetime:
    return STAND_IN.replace(microsecond=100000 + index)


def _literal_text(value: datetime) -> str:
    """What a watermark's literal holds (sql.timestamp): the text a stand-in's is replaced by."""
    return value.isoformat(sep=" ")


# Statements with the table each writes (None: bookkeeping), and whether they commit together.
_Part: TypeAlias = "tuple[tuple[tuple[exp.Expression, str | None], ...], bool]"


def _part(trees: Sequence[exp.Expression], transaction: bool = False, writes: str | None = None) -> _Part:
    return tuple((tree, writes) for tree in trees), transaction


class Compiler:
    """Compiles one config for one dialect; ``columns``: what the source holds (with a source
    list, what each entry holds), when preflight has looked (else every column is assumed present
    and without zone)."""

    def __init__(
        self, config: Config, dialect: Dialect, columns: SourceColumns | tuple[SourceColumns, ...] | None = None
    ) -> None:
        reserved = names.reserved_words(get_dialect(CANONICAL)) | names.reserved_words(dialect)
        schema.check_reserved(config, reserved, dialect.name)
        self.config = config
        self.dialect = dialect
        self.columns = columns
        self.schema = config.schema
        self.listed = config.listed

    # What the SQL is made of, made on first use: a compile whose SQL is cached needs none of it.

    @cached_property
    def _found(self) -> tuple[SourceColumns | None, ...]:
        """What each reader's relation holds (None: not looked at)."""
        columns = self.columns
        return columns if isinstance(columns, tuple) else (columns,) * len(self.config.entries or (None,))

    @cached_property
    def unreadable(self) -> list[tuple[str, ...]]:
        """Per reader, the columns whose text rejects a row when it is not a time."""
        return [sources.unreadable(self.config, seen) for seen in self._found]

    @cached_property
    def readers(self) -> list[exp.Expression]:
        """What the rules read: the source, or each entry of a source list, as its reader."""
        config, dialect = self.config, self.dialect
        return [
            sources.reader(
                sources.read_through(read, seen, dialect),
                sources.wanted(config, read.kind),
                seen,
                dialect,
                rejecting,
                use_user_id=config.missing_anonymous_id == "use_user_id",
            )
            for read, seen, rejecting in zip(sources.inputs(config), self._found, self.unreadable, strict=True)
        ]

    @cached_property
    def tables(self) -> dict[str, exp.Table]:
        return names.tables(self.config, self.dialect)

    @cached_property
    def context(self) -> context.TemplateContext:
        return context.build(self.config, self.dialect, self.readers, self.tables, self.unreadable)

    def statement(self, template: str, incremental: bool = True, **extra: Any) -> exp.Expression:
        """A template holding one statement, rendered in this compiler's context and parsed."""
        return sql.one(template, self.context.variables(**extra, incremental=incremental))

    @cached_property
    def key(self) -> str:
        """Every input of this compiler's SQL, hashed (sessionizer/cache.py): the config's every
        field but ``target`` (where the tables are, which no SQL names; the dialect it implies
        is here), its fingerprint and referrer mapping (a file's content, not its name), the
        dialect and what the source holds."""
        config = self.config
        settings = {f.name: getattr(config, f.name) for f in dataclasses.fields(config) if f.name != "target"}
        dialect = cache.dialect_key(self.dialect)
        return cache.key(
            "compiler", settings, config.settings_fingerprint(), config.mapping.rows, dialect, self.columns
        )

    def render(self, template: str, **extra: Any) -> str:
        """One statement of a template (a query about the tables: status, report, figures) as SQL
        of this dialect, on one line; cached per inputs."""
        return str(
            cache.remember(cache.key(self.key, "render", template, extra), lambda: self.render_fresh(template, **extra))
        )

    def render_fresh(self, template: str, **extra: Any) -> str:
        """``render`` without the cache."""
        return self.dialect.render(self.statement(template, False, **extra), pretty=False)

    def ensure_schema(self) -> list[exp.Expression]:
        """CREATE SCHEMA IF NOT EXISTS, when the tables go to a named schema."""
        if not self.schema:
            return []
        return [exp.Create(this=exp.Table(this=self.dialect.identifier(self.schema)), kind="SCHEMA", exists=True)]

    # -- all together ---------------------------------------------------------------------------

    def compile(self, mode: Mode, select: str | None = None, watermark: Stored | None = None) -> Plan:
        """The plan's steps. ``watermark``: the stored one, when the caller has read it (a Stored
        value, None inside it meaning "nothing loaded yet"), to inline as a literal.

        Compiled once per inputs (``key``, mode, selection, which watermarks are known) with
        stand-ins for the watermarks, kept in the cache, and bound to the run's: the same text
        as ``compile_fresh``, byte for byte."""
        if watermark is None:
            stand_in, bound = None, {}
        else:
            entries = [(_stand_in(i), v) for i, v in enumerate(watermark.per_entry)]
            marks = [(STAND_IN, watermark.value), *entries]
            bound = {_literal_text(s): _literal_text(v) for s, v in marks if v is not None}
            stand_in = Stored(watermark.value and STAND_IN, tuple(v and s for s, v in entries))
        shape = None if watermark is None else (watermark.value is None, [v is None for v in watermark.per_entry])
        entry = cache.key(self.key, "plan", mode, select, shape)
        found = cache.remember(entry, lambda: cache.as_json(self.compile_fresh(mode, select, stand_in)))
        return _plan(found, bound)

    def compile_fresh(self, mode: Mode, select: str | None = None, watermark: Stored | None = None) -> Plan:
        """``compile`` without the cache: every template rendered and parsed."""
        build = _Build(self, self.context if watermark is None else self.context.with_watermarks(
            watermark.value, watermark.per_entry))  # fmt: skip
        stages = plan.select_stages(select)
        steps: list[Step] = []
        if mode is Mode.FULL_REFRESH:
            starts = stages[0].name == "page_views"
            if starts:
                steps += build.steps(PREPARE, [_part([*self.ensure_schema(), *build.refreshing()])])
            for stage in stages:
                steps += build.steps(stage.name, build.full_refresh(stage), reports=True)
            if starts:
                steps += build.steps(FINISH, build.finish_full_refresh())
        else:
            for stage in stages:
                steps += build.steps(stage.name, build.incremental(stage), reports=True)
            if len(stages) == len(plan.STAGES):
                steps += build.steps(FINISH, [_part(build.trees("incremental/finish"), transaction=True)])
        one = mode is Mode.INCREMENTAL and self.dialect.ONE_TRANSACTION_PER_RUN
        render = self.dialect.render
        return Plan(mode, self.dialect.name, tuple(steps), render(exp.Transaction()), render(exp.Commit()), one)


def _plan(found: dict[str, Any], bound: dict[str, str]) -> Plan:
    """A plan from its cached JSON, the run's literals bound into it."""
    steps = tuple(
        Step(step["name"], tuple(Statement(s["stage"], cache.bind(s["sql"], bound), Kind(s["kind"]), s["writes"])
                                 for s in step["statements"]), step["transaction"], step["reports"])
        for step in found["steps"]
    )  # fmt: skip
    begin, commit = found["begin"], found["commit"]
    return Plan(Mode(found["mode"]), found["dialect"], steps, begin, commit, found["one_transaction"])


class _Build:
    """One compile: the compiler's tables and dialect with the context of this compile."""

    def __init__(self, compiler: Compiler, ctx: context.TemplateContext) -> None:
        self.c = compiler
        self.ctx = ctx
        self.dialect = compiler.dialect
        self.tables = compiler.tables

    def trees(self, template: str, incremental: bool = True, **extra: Any) -> list[exp.Expression]:
        return sql.parse(template, self.ctx.variables(**extra, incremental=incremental))

    def query(self, template: str, incremental: bool, **extra: Any) -> exp.Query:
        (tree,) = self.trees(template, incremental, **extra)
        assert isinstance(tree, exp.Query), template
        return tree

    def steps(self, name: str, parts: Sequence[_Part], reports: bool = False) -> list[Step]:
        """Parts rendered as steps: adjacent parts outside a transaction run as one step."""
        out: list[Step] = []
        for trees, transaction in parts:
            if not trees:
                continue
            rendered = tuple(Statement(name, self.dialect.render(t), Kind.STATEMENT, writes) for t, writes in trees)
            if out and not transaction and not out[-1].transaction:
                out[-1] = Step(name, out[-1].statements + rendered, False, reports)
            else:
                out.append(Step(name, rendered, transaction, reports))
        return out

    def blocks(self, blocks: Sequence[Block], writes: str | None) -> list[_Part]:
        return [_part(block.statements, block.transaction, writes) for block in blocks]

    def full_refresh(self, stage: Stage) -> list[_Part]:
        query = self.query(stage.template, False)
        parts = self.blocks(self.dialect.replace_table(self.tables[stage.name], query, stage), stage.table)
        if stage.name == "page_views":
            if self.c.listed:
                events = self.dialect.replace_table(self.tables["events"], self.query(plan.EVENTS_TEMPLATE, False))
                parts += self.blocks(events, schema.EVENTS_TABLE)
            rejected = self.dialect.replace_table(self.tables["rejected"], self.query(plan.REJECTED_TEMPLATE, False))
            parts += self.blocks(rejected, schema.REJECTED_TABLE)
        if stage.name == "sessions":
            users = self.dialect.replace_table(self.tables["users"], self.query(plan.USERS_TEMPLATE, False))
            parts += self.blocks(users, None)
        return parts

    def refreshing(self) -> list[exp.Expression]:
        """The mark of a full refresh under way (schema.REFRESHING_TABLE): set before any table is
        replaced, so a run stopped midway leaves the state as it was and the next run, seeing the
        mark, finishes the refresh."""
        mark = self.tables["refreshing"]
        started = exp.select(exp.alias_(exp.CurrentTimestamp(), "started_at"))
        return [drop_table(mark.copy()), self.dialect.create_table_as(mark.copy(), started)]

    def finish_full_refresh(self) -> list[_Part]:
        """Empty work lists, then the state row, written last, then the mark of the refresh removed."""
        parts: list[_Part] = []
        for key, columns in schema.WORK_LISTS.items():
            empty = self.query("runner/empty_work_list", False, work_list=columns)
            parts += self.blocks(self.dialect.replace_table(self.tables[key], empty), None)
        state = self.dialect.replace_table(self.tables["state"], self.query(plan.STATE_TEMPLATE, False))
        return [*parts, *self.blocks(state, None), _part([drop_table(self.tables["refreshing"].copy())])]

    def incremental(self, stage: Stage) -> list[_Part]:
        """Recompute what the pending visitors (or users) changed.

        A write of several statements (delete, then insert) runs in one transaction with the
        stage's bookkeeping; a single MERGE is atomic by itself and runs without one (fakesnow
        cannot MERGE inside a transaction; real Snowflake could, and needs no transaction for it).
        Either way a stop at any point leaves the work lists able to finish the job.
        """
        columns = schema.columns(stage.name, self.c.config)
        scratch: list[exp.Expression] = []
        source = self.query(stage.incremental_template or stage.template, True)
        if stage.history and not self.c.listed:
            scratch += self.dialect.create_temp_table(self.tables["history"].name, self.query(stage.history, True))
        for table, template in stage.prepared:
            scratch += self.dialect.create_temp_table(self.tables[table].name, self.query(template, True))
        if stage.staged:
            batch = self.tables[stage.staged]
            scratch += self.dialect.create_temp_table(batch.name, source)
            source = exp.select(*columns).from_(batch.copy())
        deletes = self.trees(stage.delete)
        # A MERGE stands for deletes only (it rewrites the rows they would remove), never an UPDATE.
        assert all(isinstance(t, exp.Delete if stage.upsert else (exp.Delete, exp.Update)) for t in deletes)
        key = schema.unique_key(stage.name, stage.unique_key, self.c.config)
        write = self.dialect.upsert(self.tables[stage.name], columns, source, key, deletes, stage.upsert)
        before = tuple(tree for name in stage.records_before for tree in self.records(name))
        after = tuple(tree for name in stage.records_after for tree in self.records(name))
        events: list[_Part] = []
        if stage.name == "page_views" and self.c.listed:
            scratch += self.dialect.create_temp_table(
                self.tables["events_batch"].name, self.query(plan.EVENTS_TEMPLATE, True)
            )
            events = [_part(self.trees(plan.WRITE_EVENTS_TEMPLATE), True, schema.EVENTS_TABLE)]
        written = _part(write.statements, write.transaction, stage.table)
        if write.transaction:  # the bookkeeping, the write and the events' write commit together
            body = _part(before)[0] + written[0] + tuple(s for trees, _ in events for s in trees) + _part(after)[0]
            return [_part(scratch), (body, True)]
        # A lone MERGE: the bookkeeping and the MERGE as they come; the events' two writes together.
        return [_part(scratch), _part(before), written, *events, _part(after)]

    def records(self, template: str) -> list[exp.Expression]:
        """A bookkeeping statement; the watermark's once per entry of a source list."""
        if template == plan.RECORD_WATERMARK_TEMPLATE and self.c.listed:
            return [self.trees(template, entry=entry)[0] for entry in self.ctx.entries]
        return self.trees(template)


def compile(
    config: Config, dialect: str | Dialect = CANONICAL, mode: Mode | str = Mode.FULL_REFRESH, select: str | None = None,
    columns: SourceColumns | tuple[SourceColumns, ...] | None = None,
) -> list[Statement]:  # fmt: skip
    """The statements that build the six tables, in run order; ``columns``: what the source
    holds (see sessionizer.sources), when known. ``Compiler(...).compile`` gives the same as a
    typed Plan of steps.

    >>> [s.stage for s in compile(Config(), "duckdb")][:3]
    ['prepare', 'prepare', 'page_views']
    """
    chosen = get_dialect(dialect) if isinstance(dialect, str) else dialect
    return Compiler(config, chosen, columns).compile(Mode(mode), select).statements()
