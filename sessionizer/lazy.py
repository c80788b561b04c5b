"""sqlglot, imported when it is first used rather than when a module that builds trees is.

A run whose SQL is all in the cache (sessionizer/cache.py) only sends text: it builds no tree and
writes none, yet importing sqlglot and loading its DuckDB generator cost about 0.1 s, a fifth of an
hourly run. Every module that builds trees takes ``exp`` and ``sqlglot`` from here: to the type
checker they are sqlglot's own modules, at run time stand-ins that import the module on the first
attribute asked of them (sqlglot's names then looked up as its own, the stand-in holding them).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any


class _OnFirstUse:
    """A module imported on its first attribute lookup."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        module = importlib.import_module(self._name)
        self.__dict__.update(vars(module))  # every later lookup finds the name without this call
        return getattr(module, attr)


if TYPE_CHECKING:
    import sqlglot as sqlglot
    from sqlglot import exp as exp
else:
    sqlglot = _OnFirstUse("sqlglot")
    exp = _OnFirstUse("sqlglot.expressions")
