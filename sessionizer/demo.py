"""`sessionizer demo`: generated pages, a real run on a local DuckDB file, an audience overview."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sessionizer.config import Config
from sessionizer.runner import Runner
from sessionizer.targets import Target, parse_target

REPORT_FILE = "sessionizer_demo.html"
# The generated page views span about 90 days.
DEMO_DAYS = 90

OVERVIEW_SQL = """
SELECT
  COUNT(*) AS sessions,
  COUNT(DISTINCT blended_user_id) AS users,
  SUM(page_views) AS page_views,
  ROUND(SUM(page_views) / COUNT(*), 2) AS pages_per_session,
  ROUND(100.0 * COUNT(CASE WHEN page_views = 1 THEN 1 END) / COUNT(*), 1) AS bounce_rate_pct,
  COUNT(CASE WHEN session_number = 1 THEN 1 END) AS new_sessions,
  COUNT(CASE WHEN session_number > 1 THEN 1 END) AS repeat_sessions
FROM segment_web_sessions
"""

MEDIUMS_SQL = """
SELECT
  COALESCE(referrer_medium, CASE WHEN COALESCE(referrer_host, '') = '' THEN '(direct)' ELSE '(other)' END) AS medium,
  COUNT(*) AS sessions
FROM segment_web_sessions
GROUP BY 1
ORDER BY 2 DESC, 1
LIMIT 6
"""


def table(headers: list[str], rows: list[list[Any]]) -> str:
    """A plain text table: numbers right-aligned, text left-aligned."""
    cells = [[_fmt(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    numeric = [all(isinstance(row[i], (int, float)) for row in rows) for i in range(len(headers))]

    def line(values: list[str]) -> str:
        return "  ".join(v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric, strict=True))

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in cells)])


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def run_demo(rows: int, seed: int, target: str, echo: Callable[[str], Any] = print) -> dict[str, Any]:
    """Generate ``rows`` pages into the target file, build the six tables with a full refresh, print an overview."""
    import duckdb

    from sessionizer.generate import generate

    parsed = parse_target(target)
    if parsed.dialect != "duckdb":
        from sessionizer.errors import TargetError

        raise TargetError("the demo runs on a local DuckDB file; give --target duckdb:///FILE.duckdb")
    con = duckdb.connect(parsed.path or ":memory:")
    try:
        generated = generate(con, "pages", rows, seed)
    finally:
        con.close()
    echo(f"generated {generated:,} Segment page views (seed {seed}) into {parsed.display}")
    summary = Runner(Config(source="pages"), parsed, on_event=_echo_stages(echo)).run(full_refresh=True)
    con = duckdb.connect(parsed.path or ":memory:", read_only=True)
    try:
        overview_cursor = con.execute(OVERVIEW_SQL)
        names = [d[0] for d in overview_cursor.description]
        overview = dict(zip(names, overview_cursor.fetchone(), strict=True))
        mediums = con.execute(MEDIUMS_SQL).fetchall()
    finally:
        con.close()
    echo("")
    echo("Audience overview")
    echo(table(["metric", "value"], [[k.replace("_", " "), _number(v)] for k, v in overview.items()]))
    echo("")
    echo("Top referrer mediums")
    echo(table(["medium", "sessions"], [[m, int(n)] for m, n in mediums]))
    echo("")
    echo(f"{summary.rejected:,} rows could not be sessionized (see segment_web_page_views__rejected).")
    echo(f'Explore: duckdb {parsed.path} "SELECT * FROM segment_web_sessions LIMIT 10"')
    report = _report(parsed, echo)
    return {"overview": overview, "mediums": mediums, "summary": summary, "report": report}


def _report(target: Target, echo: Callable[[str], Any]) -> Path | None:
    """The HTML report beside the database file, when the `report` extra is installed."""
    from sessionizer.report import EXTRA_HINT, ExtraMissingError, write_report

    out = Path(target.path).with_suffix(".html") if target.path not in (None, ":memory:") else Path(REPORT_FILE)
    try:
        path = write_report(Runner(Config(source="pages"), target), out, days=DEMO_DAYS)
    except ExtraMissingError:
        echo(f"For charts of these sessions in one HTML file: {EXTRA_HINT}, then `sessionizer demo` again.")
        return None
    echo(f"Report: {path.resolve()} (open it in a browser; it works offline)")
    return path


def _number(value: Any) -> int | float:
    return float(value) if not isinstance(value, int) else value


def _echo_stages(echo: Callable[[str], Any]) -> Callable[[dict[str, Any]], None]:
    def report(event: dict[str, Any]) -> None:
        if event["event"] == "stage":
            echo(f"  {event['stage']:<20} {event['rows_written'] or 0:>10,} rows  {event['seconds']:6.2f} s")

    return report
