"""A whole `sessionizer run` process, as a scheduler starts it: its wall seconds, and where they go.

The timed repetitions run the installed CLI itself. The split comes from one extra run of this
module as its own process (``python -m benchmarks.process URL OUT [--full-refresh]``), which runs
the same command (``sessionizer.cli.main``) with clocks around its parts: the interpreter's start
(the parent's wall seconds minus what this module saw), the imports the command loads, connecting
(DuckDB's import included), compiling (the compiler and the cached plans), each statement sent (with its stage), closing (DuckDB's checkpoint), and the rest
(Python between them). Nothing of the benchmark is imported before the clocks start.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent  # this checkout

# Where the compile's time is spent, whichever path a run takes (fresh compile or cached plan).
COMPILE_SEAMS = (
    ("sessionizer.compiler", "Compiler", "__init__"),
    ("sessionizer.compiler", "Compiler", "compile"),
    ("sessionizer.compiler", "Compiler", "render"),
    ("sessionizer.state", "StateStore", "_render"),
    ("sessionizer.warehouse", "Warehouse", "render"),
    ("sessionizer.cache", "PlanCache", "plan"),
    ("sessionizer.cache", "PlanCache", "query"),
)


def installed_bytecode() -> None:
    """sessionizer's modules compiled to bytecode, as pip compiles a package it installs. A
    checkout run with PYTHONDONTWRITEBYTECODE set (as these machines set it) has none, and every
    timed process would compile each module of ours again: 0.08 s of a run's imports here."""
    import compileall

    compileall.compile_dir(str(ROOT / "sessionizer"), quiet=1)


def command(url: str, full_refresh: bool) -> list[str]:
    """The run's arguments after ``sessionizer``: the benchmark's source table, JSON log lines."""
    return ["run", "--source", "pages", "--target", url, "--log-format", "json", *(["--full-refresh"] * full_refresh)]


def cli_seconds(url: str, full_refresh: bool, cwd: Path) -> float:
    """Wall seconds of one `sessionizer run` process (output discarded)."""
    cli = Path(sys.executable).with_name("sessionizer")
    started = time.perf_counter()
    subprocess.run([str(cli), *command(url, full_refresh)], cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    return round(time.perf_counter() - started, 3)


def split(url: str, full_refresh: bool, cwd: Path) -> dict[str, Any]:
    """One run of this module as a process: wall seconds and their split (see the module's docstring)."""
    out = cwd / "split.json"
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "benchmarks.process", url, str(out), *(["--full-refresh"] * full_refresh)],
                   cwd=cwd, check=True, stdout=subprocess.DEVNULL, env=_env())  # fmt: skip
    wall = round(time.perf_counter() - started, 3)
    found = json.loads(out.read_text())
    out.unlink()
    found["start"] = round(wall - found.pop("inside"), 3)
    found["wall"] = wall
    return found


def _env() -> dict[str, str]:
    """This checkout importable by the child, as it is by the parent."""
    import os

    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}


class _Clock:
    """Seconds spent inside wrapped callables, by part; nested calls count once, for the outer part."""

    def __init__(self) -> None:
        self.parts: dict[str, float] = {}
        self.statements: list[dict[str, Any]] = []
        self.depth = 0
        self.stage = "preflight"

    def wrap(self, owner: Any, name: str, part: str) -> None:
        inner = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            if self.depth:
                return inner(*args, **kwargs)
            self.depth += 1
            started = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.depth -= 1
                seconds = time.perf_counter() - started
                self.parts[part] = self.parts.get(part, 0.0) + seconds
                if part == "statements":
                    sql = args[1] if len(args) > 1 else kwargs.get("sql", "")
                    self.statements.append({"stage": self.stage, "seconds": round(seconds, 4), "sql": sql[:160]})

        setattr(owner, name, timed)

    def staged(self, owner: Any) -> None:
        """Statements are counted under the stage the runner is in; after the stages, the summary's."""
        inner: Callable[..., Any] = owner.run_stage

        def run_stage(runner: Any, stage: str, *args: Any) -> Any:
            self.stage = stage
            try:
                return inner(runner, stage, *args)
            finally:
                self.stage = "summary"

        owner.run_stage = run_stage


def main(argv: list[str]) -> int:
    url, out, full_refresh = argv[0], Path(argv[1]), "--full-refresh" in argv
    clock = _Clock()
    imported = time.perf_counter()
    import importlib

    from sessionizer import cli, runner, warehouse

    importlib.import_module("sessionizer.job")  # the command's own, imported on first use: an import
    clock.parts["imports"] = time.perf_counter() - imported
    for module, owner, name in COMPILE_SEAMS:
        try:
            clock.wrap(getattr(importlib.import_module(module), owner), name, "compile")
        except (ImportError, AttributeError):  # a seam this version does not have
            continue
    clock.wrap(warehouse.Warehouse, "__init__", "connect")
    clock.wrap(warehouse.Warehouse, "execute", "statements")
    clock.wrap(warehouse.Warehouse, "close", "close")
    clock.staged(runner.Runner)
    cli.main(command(url, full_refresh), standalone_mode=False)
    inside = time.perf_counter() - STARTED
    parts = {k: round(v, 3) for k, v in clock.parts.items()}
    parts["other"] = round(inside - sum(clock.parts.values()), 3)
    out.write_text(json.dumps({"inside": inside, "parts": parts, "statements": clock.statements}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
