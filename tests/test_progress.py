"""The progress line: drawn on a terminal while a stage runs, never off one."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from sessionizer.cli import main
from sessionizer.config import Config
from sessionizer.engines import get_engine
from sessionizer.generate import generate
from sessionizer.job import Job
from sessionizer.progress import CLEAR, ProgressLine


class Terminal(io.StringIO):
    """What the CLI writes to when stdout is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def pages(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    generate(con, "pages", 2000, 4)
    con.close()
    return path


def test_a_run_on_a_terminal_shows_each_running_stage_and_erases_it(pages: Path) -> None:
    screen = Terminal()
    lines: list[str] = []

    def on_event(event: dict[str, object]) -> None:
        if event["event"] == "stage":
            lines.append(str(event["stage"]))
            screen.write(f"{event['stage']} done\n")

    Job(Config(), f"duckdb:///{pages}", on_event=on_event, watch=ProgressLine(screen, interval=0.001)).run()
    segments = screen.getvalue().split(" done\n")
    for stage, segment in zip(lines, segments, strict=False):
        assert f"{CLEAR}  {stage:<20}      running       0.0 s" in segment  # drawn as it started
        assert segment.endswith(CLEAR + stage)  # and erased before its result line


def test_duckdb_tells_its_percent_done_while_a_statement_runs(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "p.duckdb"))
    cursor = con.cursor()
    percent = get_engine("duckdb").progress_probe(cursor)
    assert percent is not None and percent() is None  # nothing running
    seen: list[float | None] = []
    done = threading.Event()

    def poll() -> None:
        while not done.wait(0.02):
            seen.append(percent())

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        cursor.execute("CREATE TABLE t AS SELECT (i * 7919) % 1000003 AS v FROM range(6000000) r(i)")
        cursor.execute("SELECT COUNT(DISTINCT v) FROM t").fetchall()
    finally:
        done.set()
        poller.join()
        con.close()
    values = [v for v in seen if v is not None]
    assert values and all(0 <= v <= 100 for v in values)


@pytest.mark.parametrize("args", [[], ["--quiet"], ["--log-format", "json"]])
def test_off_a_terminal_the_output_stays_as_it_was(
    pages: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["run", "--target", "duckdb:///w.duckdb", *args])
    assert result.exit_code == 0, result.output
    assert "\r" not in result.output and "\x1b" not in result.output and "running" not in result.output
    if not args:
        assert result.output.splitlines()[0] == "sessionizer run: full-refresh on duckdb:///w.duckdb"
        assert len(result.output.splitlines()) == 8  # start, six stages, summary
    elif args == ["--quiet"]:
        assert result.output == ""
    else:
        assert [json.loads(line)["event"] for line in result.output.splitlines()] == ["start"] + ["stage"] * 6 + [
            "summary"
        ]
