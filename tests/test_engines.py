"""Engines and dialects: a new warehouse is one dialect module and one engine module, and the SQL
half never imports the connecting half."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import sessionizer
import sessionizer.dialects
import sessionizer.engines
from sessionizer import Config, compile
from sessionizer.dialects import dialect_names
from sessionizer.engines import environment_secrets, parse_target
from sessionizer.engines import registry as engine_registry
from sessionizer.errors import TargetError
from sessionizer.job import Job

PACKAGE = Path(sessionizer.__file__).parent

# A warehouse as a contributor would add it: these two modules and nothing else.
STUB_DIALECT = """
from typing import ClassVar

from sessionizer.dialects import Dialect


class Stub(Dialect):
    name: ClassVar[str] = "stub"
    sqlglot_dialect: ClassVar[str] = "postgres"
    SUPPORTS_REPLACE_TABLE: ClassVar[bool] = False
"""
STUB_ENGINE = """
from typing import ClassVar

from sessionizer.engines import Engine


class StubEngine(Engine):
    DIALECT: ClassVar[str] = "stub"
    SCHEMES: ClassVar[tuple[str, ...]] = ("stub",)
    SECRET_ENV: ClassVar[tuple[str, ...]] = ("STUB_PASSWORD",)
    CREDENTIALS_HINT: ClassVar[str] = "set STUB_PASSWORD"
    EXTRA: ClassVar[str | None] = "stub"
"""


def imports_of(path: Path) -> set[str]:
    """Every module ``path`` imports (also under TYPE_CHECKING or inside a function), relative
    imports resolved against its package."""
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module or "") if part)
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def reaches(imported: set[str], *packages: str) -> list[str]:
    return sorted(name for name in imported if any(name == p or name.startswith(p + ".") for p in packages))


@pytest.mark.parametrize("path", sorted((PACKAGE / "dialects").glob("*.py")), ids=lambda path: path.name)
def test_a_dialect_module_imports_neither_engines_nor_targets(path: Path) -> None:
    """SQL facts only: how to reach a warehouse is the engine's business."""
    assert reaches(imports_of(path), "sessionizer.engines", "sessionizer.targets") == []


def test_targets_import_no_registry() -> None:
    """Imports go one way: engines → targets, never back (that was a cycle through dialects)."""
    assert reaches(imports_of(PACKAGE / "targets.py"), "sessionizer.engines", "sessionizer.dialects") == []


def test_every_dialect_has_one_engine() -> None:
    assert list(engine_registry()) == list(dialect_names())


@pytest.fixture
def stub_warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Path]]:
    """The stub's two modules, found where the registries look (each package's __path__)."""
    folders = []
    for package, text in ((sessionizer.dialects, STUB_DIALECT), (sessionizer.engines, STUB_ENGINE)):
        folder = tmp_path / package.__name__.rsplit(".", 1)[1]
        folder.mkdir()
        (folder / "stub.py").write_text(textwrap.dedent(text))
        monkeypatch.setattr(package, "__path__", [*package.__path__, str(folder)])
        folders.append(folder)
    sessionizer.dialects.registry.cache_clear()
    engine_registry.cache_clear()
    yield folders[0], folders[1]
    for name in ("sessionizer.dialects.stub", "sessionizer.engines.stub"):
        sys.modules.pop(name, None)
    sessionizer.dialects.registry.cache_clear()
    engine_registry.cache_clear()


@pytest.mark.usefixtures("stub_warehouse")
def test_a_new_warehouse_is_one_dialect_module_and_one_engine_module(monkeypatch: pytest.MonkeyPatch) -> None:
    """Its URLs parse, its secrets are masked, the plan compiles for it and a run connects
    through its engine, with no change to shared code."""
    target = parse_target("stub://me:hunter2@db.example:6000/app/analytics")
    assert (target.dialect, target.host, target.port, target.database, target.schema) == (
        "stub", "db.example", 6000, "app", "analytics",
    )  # fmt: skip
    assert "hunter2" not in target.display
    monkeypatch.setenv("STUB_PASSWORD", "from-the-environment")
    assert "from-the-environment" in environment_secrets()
    statements = compile(Config(schema="analytics"), "stub")
    assert any("ALTER TABLE" in s.sql and "RENAME TO" in s.sql for s in statements)  # no CREATE OR REPLACE
    monkeypatch.delenv("STUB_PASSWORD")
    with pytest.raises(TargetError) as refused:
        Job(Config(), "stub://me@db.example:6000/app/analytics").run()
    assert (
        str(refused.value) == "no credentials to log in to stub://me@db.example:6000/app/analytics: set STUB_PASSWORD"
    )
    with pytest.raises(TargetError) as unknown:
        parse_target("nosuch://x")
    assert str(unknown.value).endswith(", stub://USER@HOST:PORT/DATABASE/SCHEMA")


def test_the_cli_offers_a_new_warehouse_with_no_change_to_it(stub_warehouse: tuple[Path, Path]) -> None:
    """The --target help and --dialect choices are built when the CLI is imported, so a fresh
    process that finds the stub's modules shows it, and compiles for a stub:// target."""
    dialects, engines = stub_warehouse
    code = textwrap.dedent(f"""
        import sessionizer.dialects, sessionizer.engines
        sessionizer.dialects.__path__.append({str(dialects)!r})
        sessionizer.engines.__path__.append({str(engines)!r})
        from sessionizer.cli import main
        main(["compile", "--help"], standalone_mode=False)
        main(["compile", "--target", "stub://me@host/db/analytics", "--select", "sessions"], standalone_mode=False)
    """)
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    help_text = " ".join(shown.split())
    assert "stub://USER@HOST:PORT/DATABASE/SCHEMA" in help_text  # --target
    assert "|snowflake|stub]" in help_text  # --dialect
    assert "-- stage 1: sessions (stub, full-refresh)\nDROP TABLE IF EXISTS" in shown
    assert '"analytics".segment_web_sessions__sessionizer_new' in shown  # the target's schema, as a run's
