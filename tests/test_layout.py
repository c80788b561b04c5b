"""How the test suite itself is laid out (README "Developing"): helpers live in helper modules, and the
markers follow from what a test uses."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
TEST_MODULES = sorted(TESTS.glob("test_*.py"))


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, relative imports resolved against the ``tests`` package."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = ("tests." * bool(node.level)) + (node.module or "")
            found.add(module.rstrip("."))
            found.update(f"{module.rstrip('.')}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("path", TEST_MODULES, ids=lambda path: path.name)
def test_a_test_module_imports_no_other_test_module_nor_conftest(path: Path) -> None:
    """Shared helpers belong in tests/helpers.py, tests/scenarios.py or tests/emulators/."""
    wrong = sorted(
        name for name in imported_modules(path) if name.startswith("tests.test_") or name == "tests.conftest"
    )
    assert wrong == [], f"{path.name} imports {wrong}"


def test_emulator_and_slow_markers_follow_the_rules(pytester: pytest.Pytester) -> None:
    """Tests using an emulator fixture are marked ``emulator`` without saying so; ``slow`` ones
    are left out of a default run and run when ``-m`` names them."""
    pytester.makepyfile(
        test_probe="""
        import pytest
        def test_talks(redshift_emulator): pass
        def test_on_each(emulator_place): pass
        def test_plain(): pass
        @pytest.mark.slow
        def test_long(): pass
        """
    )

    def collected(*args: str) -> list[str]:
        result = pytester.runpytest_inprocess("--collect-only", "-q", "-p", "tests.conftest", *args)
        return sorted(line.split("::")[1] for line in result.outlines if "::" in line)

    on_each = ["test_on_each[postgres]", "test_on_each[redshift]", "test_on_each[snowflake]"]
    assert collected() == [*on_each, "test_plain", "test_talks"]
    assert collected("-m", "emulator") == [*on_each, "test_talks"]
    assert collected("-m", "not emulator") == ["test_plain"]
    assert collected("-m", "slow") == ["test_long"]
