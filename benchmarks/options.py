"""What a benchmark run measures and under which limits: the command line's flags, and the knobs
tests turn to keep a run tiny."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.data import CACHE_DIR, FIXED_BATCH_ROWS


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@dataclass
class Options:
    """What to run; the command line's flags."""

    rows: int = 1_000_000
    history: tuple[int, ...] = ()  # generated rows the fixed batch runs over; () = just ``rows``
    fixed_batch_rows: int = FIXED_BATCH_ROWS  # tests scale it down
    repeat: int = 3
    memory_limit: str = "4GB"
    threads: int = 2
    seed: int = 42
    out: Path | None = None
    cache_dir: Path = CACHE_DIR
    workdir: Path | None = None  # a temp dir, removed afterwards, when None
    compile_repeat: int = 5
    verify: bool = False  # also check incremental tables == a full refresh over the same rows
    top: int = 5
    log: Callable[[str], None] = field(default=_stderr)  # progress lines; stdout is the report's

    def __post_init__(self) -> None:
        small = [size for size in self.history_sizes if size <= self.fixed_batch_rows]
        if small:
            raise ValueError(f"sizes must exceed the fixed batch of {self.fixed_batch_rows:,} rows: {small}")

    @property
    def history_sizes(self) -> tuple[int, ...]:
        """The sizes the fixed batch runs over, smallest first."""
        return tuple(sorted(set(self.history or (self.rows,))))
