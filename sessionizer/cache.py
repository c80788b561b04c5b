"""Compiled SQL kept between processes, so an unchanged config never renders or parses a template.

Rendering jinja and parsing and writing the result with sqlglot is the same work every run of the
same settings (about 0.4 s of a cold hourly run). Each piece of SQL a run sends is stored under a
key that is a hash of every input that shapes it: the code that makes SQL (this package's every
file, templates included, and sqlglot's and jinja2's versions), then what the caller names (the
config's every field but the target, the dialect and its SQL facts, the inspected source columns,
the mode, the selection, the template and its variables). A change to any of them is another key,
so an entry cannot go stale; only a run's own literals (watermarks, the run's seconds) are bound
per run, into SQL compiled with stand-ins for them (``bind``).

Where: ``$SESSIONIZER_CACHE_DIR``, else ``$XDG_CACHE_HOME/sessionizer/sql`` (``~/.cache``); the
variable set to ``off`` (or empty) turns it off. A folder that cannot be made or written, or an
entry that cannot be read, means compiling as if there were none. At most ``LIMIT`` entries are
kept, the least recently used going first.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import asdict, fields, is_dataclass
from enum import Enum
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

LIMIT = 512  # entries (a plan ~50 kB, a query ~1 kB); a cleanup runs when a write finds more
OFF = ("", "off", "0", "no", "false")
# The code that makes SQL: every file of this package but compiled bytecode.
_PACKAGE = Path(__file__).resolve().parent
_SKIP = ("__pycache__",)


def folder() -> Path | None:
    """Where entries go, or None when the cache is off."""
    chosen = os.environ.get("SESSIONIZER_CACHE_DIR")
    if chosen is not None:
        return None if chosen.strip().lower() in OFF else Path(chosen)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sessionizer" / "sql"


# The files that hold the versions of the libraries that write our SQL, hashed rather than imported
# (a run that finds its SQL here imports neither): sqlglot's version file and jinja2's __init__.
_VERSION_FILES = (("sqlglot", "_version.py"), ("jinja2", "__init__.py"))


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A hash of everything that turns settings into SQL: this package's files (its templates,
    data and code; its version is in ``__init__.py``), the files that hold sqlglot's and jinja2's
    versions, and Python's version."""
    h = hashlib.sha256(f"{sys.version_info[:2]}".encode())
    files = sorted(p for p in _PACKAGE.rglob("*") if p.is_file() and not any(s in p.parts for s in _SKIP))
    for path in files:
        h.update(str(path.relative_to(_PACKAGE)).encode())
        h.update(path.read_bytes())
    for library, name in _VERSION_FILES:
        spec = find_spec(library)  # a top-level name: found without importing it
        if spec and spec.origin:
            h.update(f"{library}/{name}".encode())
            h.update(Path(spec.origin).with_name(name).read_bytes())
    return h.hexdigest()


def plain(value: Any) -> Any:
    """A key part as JSON can write it, the same in every process: dataclasses by their fields,
    enums by value, sets sorted, functions by name."""
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Enum):
        return plain(value.value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (set, frozenset)):
        return sorted(plain(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if callable(value) and hasattr(value, "__qualname__"):  # a function or class: by its name
        return f"{value.__module__}.{value.__qualname__}"
    return repr(value)  # an exp node or another object: its repr names what it holds


def key(*parts: Any) -> str:
    """The key of an entry: the code's digest and the caller's parts."""
    text = json.dumps([code_digest(), *(plain(p) for p in parts)], sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


def remember(entry: str, build: Callable[[], Any]) -> Any:
    """The value stored under ``entry`` (a ``key``), else ``build()``'s, stored for next time. The
    value must be JSON (lists, dicts, strings, numbers)."""
    where = folder()
    path = None if where is None else where / f"{entry}.json"
    if path is not None:
        try:
            found = json.loads(path.read_text("utf-8"))
            os.utime(path)  # recently used: the last to go
            return found
        except (OSError, ValueError):
            pass
    value = build()
    if path is not None:
        _write(path, value)
    return value


def _write(path: Path, value: Any) -> None:
    """Store an entry whole (written aside, then renamed), then keep at most LIMIT; any failure
    leaves the cache as it was."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        aside = path.with_name(f"{path.stem}.{os.getpid()}.tmp")
        aside.write_text(json.dumps(value), "utf-8")
        os.replace(aside, path)
        entries = list(path.parent.glob("*.json"))
        if len(entries) > LIMIT:
            entries.sort(key=lambda p: p.stat().st_mtime)
            for old in entries[: len(entries) - LIMIT]:
                old.unlink(missing_ok=True)
    except OSError:
        return


def render(dialect: Any, template: str, variables: Mapping[str, Any]) -> str:
    """A template of one statement (a query about the warehouse or the run) in ``dialect``, on
    one line; cached per dialect, template and variables (the run's own values stand-ins)."""
    return query(dialect, template, variables, lambda: variables)


def query(dialect: Any, template: str, inputs: Mapping[str, Any], variables: Callable[[], Mapping[str, Any]]) -> str:
    """``render`` for variables that sqlglot writes from plain values (names, literals): cached
    per ``inputs``, those values, so that ``variables()`` is only asked when it is not cached."""

    def fresh() -> str:
        from sessionizer import sql

        return str(dialect.render(sql.one(template, variables()), pretty=False))

    return str(remember(key("render", dialect_key(dialect), template, inputs), fresh))


def dialect_key(dialect: Any) -> tuple[Any, ...]:
    """A dialect by its class, name and SQL facts (its upper-case class data, as they are now:
    code, but a caller or a test may set them)."""
    kind = type(dialect)
    facts = {name: plain(getattr(kind, name)) for name in dir(kind) if name.isupper()}
    return kind.__module__, kind.__qualname__, str(dialect.name), facts


def bind(text: str, values: Mapping[str, str]) -> str:
    """SQL compiled with stand-ins, each replaced by the run's own literal text."""
    for stand_in, actual in values.items():
        text = text.replace(stand_in, actual)
    return text


def as_json(value: Any) -> Any:
    """A dataclass tree (a Plan) as JSON, enums by value."""
    return json.loads(json.dumps(asdict(value), default=lambda v: v.value))
