"""The examples in the package's docstrings run, so a wrong one fails here instead of misleading."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import sessionizer

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(sessionizer.__path__, "sessionizer.")
    if not info.name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed"
