"""The benchmark end to end at a tiny size: every figure is reported, and it measures correct runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks.options import Options
from benchmarks.orchestrate import run
from benchmarks.report import render
from benchmarks.verify import SIX_TABLES

MEASUREMENTS = (
    "full_refresh",
    "lower_bound",
    "write_floor",
    "naive_incremental_1pct",
    "incremental_1pct",
    "naive_incremental_5pct",
    "incremental_5pct",
)
RATIOS = (
    "full / lower bound",
    "write floor / lower bound",
    "incremental 1pct / full",
    "incremental 1pct / naive 1pct",
    "incremental 5pct / full",
    "incremental 5pct / naive 5pct",
    "compile CLI seconds",
)


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("bench")
    options = Options(
        rows=5_000,
        repeat=1,
        out=base / "results" / "tiny.json",
        cache_dir=base / "cache",
        workdir=base / "work",
        compile_repeat=1,
        verify=True,
        log=lambda line: None,
    )
    run(options)
    assert options.out is not None
    return json.loads(Path(options.out).read_text())


def test_json_has_every_figure(results: dict[str, Any]) -> None:
    assert set(results["measurements"]) == set(MEASUREMENTS)
    for name, fig in results["measurements"].items():
        assert fig["completed"], (name, fig["error"])
        assert fig["seconds"] > 0 and len(fig["runs"]) == 1, name
        assert fig["rows_read"] > 0 and fig["rows_written"] > 0, name
        assert fig["peak_rss_bytes"] > 0, name
        assert fig["top_statements"], name
    for name in ("full_refresh", "incremental_1pct", "incremental_5pct"):
        assert set(results["measurements"][name]["stages"]) == {
            "page_views",
            "user_stitching",
            "sessionized",
            "sessions_initial",
            "sessions_stitched",
            "sessions",
        }
    assert [r["name"] for r in results["ratios"]] == list(RATIOS)
    for ratio in results["ratios"]:
        assert ratio["value"] is not None and ratio["value"] > 0, ratio
        assert ratio["pass"] in ((True, False) if ratio["max"] is not None else (None,)), ratio
    assert results["compile"]["seconds"] > 0
    assert results["completed_within_memory_limit"] is True
    assert results["process_peak_rss_bytes"] > 0
    for pct in ("1pct", "5pct"):
        batch = results["batches"][pct]
        assert batch["history_rows"] + batch["batch_rows"] == 5_000
        assert batch["late_rows"] > 0
    assert "ratios and targets" in render(results)
    # the write floor copies exactly what the full refresh leaves, all but its one state row, which
    # the full refresh writes twice (built, then the finished run recorded on it for `status`)
    written = {name: results["measurements"][name]["rows_written"] for name in ("full_refresh", "write_floor")}
    assert written["write_floor"] == written["full_refresh"] - 2, written


def test_incremental_path_equals_a_full_refresh(results: dict[str, Any]) -> None:
    """The benchmark's incremental run leaves the six tables as a full refresh over the same rows."""
    for pct in ("1pct", "5pct"):
        check = results["verified"][pct]
        assert check["differing_rows"] == dict.fromkeys(SIX_TABLES, 0)
        assert all(check["rows"][table] > 0 for table in SIX_TABLES)
