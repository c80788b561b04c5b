"""The live line of `sessionizer run` on a terminal: the running stage, its elapsed time, and on
DuckDB the engine's own percent done. Off a terminal nothing is drawn, so logs stay as they were."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from sessionizer.warehouse import Warehouse

CLEAR = "\r\x1b[K"


class ProgressLine:
    """A Runner ``watch``: redraws one line every ``interval`` seconds while a stage runs, and
    erases it when the stage ends (the stage's own result line follows)."""

    def __init__(self, stream: TextIO, interval: float = 0.25) -> None:
        self.stream = stream
        self.interval = interval
        self.percent: Callable[[], float | None] | None = None
        self.probed = False

    @contextmanager
    def __call__(self, stage: str, wh: Warehouse) -> Iterator[None]:
        if not self.probed:  # once per run: DuckDB's probe switches its progress counting on
            self.percent = wh.engine.progress_probe(wh.cursor)
            self.probed = True
        started = time.perf_counter()
        stop = threading.Event()

        def draw() -> None:
            while not stop.wait(self.interval):
                self.draw(stage, time.perf_counter() - started)

        self.draw(stage, 0.0)
        thread = threading.Thread(target=draw, name="sessionizer-progress", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
            self.stream.write(CLEAR)
            self.stream.flush()

    def draw(self, stage: str, elapsed: float) -> None:
        percent = self.percent() if self.percent else None
        done = "" if percent is None else f"  {percent:5.1f}%"
        self.stream.write(f"{CLEAR}  {stage:<20} {'running':>12}  {elapsed:8.1f} s{done}")
        self.stream.flush()
