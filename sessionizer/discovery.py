"""Registries by discovery: the subclasses of a base defined in a package's modules, so that a new
warehouse is a new module and no list kept elsewhere names it (sessionizer/dialects/ and
sessionizer/engines/ are registered this way)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import TypeVar

B = TypeVar("B")


def discover(package: str, base: type[B], key: Callable[[type[B]], str], first: str) -> dict[str, type[B]]:
    """Every subclass of ``base`` defined (not merely imported) in a module of ``package``, by
    ``key``, the one keyed ``first`` first and the others in order."""
    found: dict[str, type[B]] = {}
    for module in pkgutil.iter_modules(importlib.import_module(package).__path__):
        loaded = importlib.import_module(f"{package}.{module.name}")
        for value in vars(loaded).values():
            if isinstance(value, type) and issubclass(value, base) and value.__module__ == loaded.__name__:
                found[key(value)] = value
    return dict(sorted(found.items(), key=lambda item: (item[0] != first, item[0])))
