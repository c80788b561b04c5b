"""Our tables' names for one config and dialect, as trees (the compiler's) and as text (for a run,
status and report), and the words a dialect reserves: what every command needs before it compiles.

The text forms are kept in the cache (sessionizer/cache.py), so a run whose SQL is cached asks no
tree of sqlglot (sessionizer/lazy.py).
"""

from __future__ import annotations

import dataclasses

from sessionizer import cache, schema
from sessionizer.config import Config
from sessionizer.dialects import CANONICAL, Dialect
from sessionizer.lazy import exp


def tables(config: Config, dialect: Dialect) -> dict[str, exp.Table]:
    """Our tables by key (schema.TABLES in the config's schema, as the warehouse resolves its
    name; the scratch tables unqualified, as session-scoped tables are)."""
    owner = dialect.identifier(config.schema) if config.schema else None
    found = {key: exp.table_(exp.to_identifier(name), db=owner) for key, name in schema.TABLES.items()}
    found.update((key, exp.table_(exp.to_identifier(name))) for key, name in schema.SCRATCH_TABLES.items())
    return found


def table_name(table: exp.Table) -> schema.TableName:
    """A table's tree as the code outside the compiler holds it."""
    return schema.TableName(table.name, table.db, table.sql(CANONICAL))


def table_names(config: Config, dialect: Dialect) -> dict[str, schema.TableName]:
    """``tables`` as names and SQL text, kept in the cache."""

    def fresh() -> dict[str, list[str]]:
        return {key: list(dataclasses.astuple(table_name(t))) for key, t in tables(config, dialect).items()}

    found = cache.remember(cache.key("tables", config.schema, cache.dialect_key(dialect)), fresh)
    return {key: schema.TableName(*parts) for key, parts in found.items()}


def reserved_words(dialect: Dialect) -> frozenset[str]:
    """The words ``dialect`` reserves (sqlglot's list and ours), kept in the cache."""
    key = cache.key("reserved words", cache.dialect_key(dialect))
    return frozenset(cache.remember(key, lambda: sorted(dialect.reserved_words())))
