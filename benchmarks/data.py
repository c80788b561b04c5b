"""The page views a benchmark runs on: generated once per size and seed, then loaded whole, or split
into a history and a batch of the newest rows (a share of them, or a fixed count) of which some
arrive late."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from benchmarks.engine import Engine, scalar
from sessionizer.generate import write

CACHE_DIR = Path(__file__).resolve().parent / ".cache"
FRACTIONS = (0.01, 0.05)  # batch sizes, as shares of all rows
FIXED_BATCH_ROWS = 10_000  # the batch run over every --history size: same work, growing history
HOURLY_BATCH_ROWS = 1_000  # an hourly scheduled run's batch, over the --rows history (fewer at tiny sizes)
HOURLY_KEY = "hourly"
LATE_SHARE = 0.10  # of a batch's rows, moved 1h-72h before the history's newest timestamp


def cached_parquet(rows: int, seed: int, cache_dir: Path, log: Callable[[str], None]) -> Path:
    """The generated rows as Parquet, generated once per (rows, seed): only the first run at a size
    pays for generation."""
    path = cache_dir / f"pages_{rows}_seed{seed}.parquet"
    if not path.exists():
        cache_dir.mkdir(parents=True, exist_ok=True)
        log(f"generating {rows:,} rows (seed {seed}) into {path} …")
        tmp = path.with_name(path.stem + ".tmp.parquet")
        write(tmp, rows, seed)
        tmp.replace(path)
    return path


def size_label(rows: int) -> str:
    """``1M``, ``300k``, ``1234``: how a size reads in names and tables."""
    for unit, suffix in ((1_000_000, "M"), (1_000, "k")):
        if rows % unit == 0:
            return f"{rows // unit}{suffix}"
    return str(rows)


def fixed_key(history: int) -> str:
    """The fixed batch over ``history`` generated rows: its key in batches, and in measurement names."""
    return f"fixed_{size_label(history)}"


def load_whole(parquet: Path, path: Path, engine: Engine) -> None:
    """A DuckDB file holding every generated row as table ``pages``."""
    con = engine.connect(path)
    try:
        con.execute(f"CREATE TABLE pages AS SELECT * FROM read_parquet('{parquet}')")
    finally:
        con.close()


def load_split(parquet: Path, path: Path, batch_rows: int, engine: Engine) -> dict[str, int]:
    """``pages`` = all but the newest ``batch_rows`` rows by received_at; ``bench_batch`` = those.

    Exactly ``LATE_SHARE`` of the batch (the rows first by a hash of id, among those with a
    timestamp) get a timestamp 1h-72h before the history's newest timestamp, keeping their
    received_at: late page views that land inside stored sessions. Returns the batch's figures,
    among them the history rows its visitors have, which an incremental run must re-read at least.
    """
    con = engine.connect(path)
    try:
        total = int(scalar(con, f"SELECT COUNT(*) FROM read_parquet('{parquet}')"))
        if not 0 < batch_rows < total:
            raise ValueError(f"a batch of {batch_rows:,} rows needs more than that many generated rows, not {total:,}")
        con.execute(f"""
            CREATE TEMP TABLE split AS
            SELECT *, ROW_NUMBER() OVER (ORDER BY received_at ASC NULLS LAST, id ASC NULLS LAST) <= {total - batch_rows} AS in_history
            FROM read_parquet('{parquet}')
        """)
        con.execute("CREATE TABLE pages AS SELECT * EXCLUDE (in_history) FROM split WHERE in_history")
        newest = scalar(con, "SELECT MAX(timestamp) FROM pages")
        shifted = f"TIMESTAMP '{newest}' - INTERVAL 1 HOUR - to_milliseconds((hash(id, 'by') % 255600000)::BIGINT)"
        con.execute(f"""
            CREATE TABLE bench_batch AS
            WITH ranked AS (
                SELECT * EXCLUDE (in_history),
                  timestamp IS NOT NULL AND ROW_NUMBER() OVER (
                    PARTITION BY timestamp IS NULL ORDER BY hash(id, 'late'), id, received_at
                  ) <= {round(LATE_SHARE * batch_rows)} AS late
                FROM split WHERE NOT in_history
            )
            SELECT * EXCLUDE (late) REPLACE (
                CASE WHEN late THEN {shifted} ELSE sent_at END AS sent_at,
                CASE WHEN late THEN {shifted} ELSE timestamp END AS timestamp
            )
            FROM ranked
        """)
        figures = con.execute("""
            SELECT
              (SELECT COUNT(*) FROM pages),
              (SELECT COUNT(*) FROM bench_batch),
              (SELECT COUNT(*) FROM bench_batch b JOIN split s USING (id, received_at)
                 WHERE s.timestamp IS DISTINCT FROM b.timestamp),
              (SELECT COUNT(DISTINCT anonymous_id) FROM bench_batch),
              (SELECT COUNT(*) FROM pages WHERE anonymous_id IN (SELECT anonymous_id FROM bench_batch))
        """).fetchone()
        assert figures is not None
        keys = ("history_rows", "batch_rows", "late_rows", "batch_anonymous_ids", "history_rows_of_batch_visitors")
        return dict(zip(keys, (int(v) for v in figures), strict=True))
    finally:
        con.close()


def append_batch(path: Path, engine: Engine) -> None:
    """Appends ``bench_batch`` to ``pages``: what an incremental run then has to catch up on."""
    con = engine.connect(path)
    try:
        con.execute("INSERT INTO pages SELECT * FROM bench_batch")
    finally:
        con.close()
