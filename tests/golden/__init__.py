"""Golden SQL: the compiled plan per dialect and mode, one file per stage, reviewed in diffs.

Regenerate after an intended change with ``python -m tests.golden`` (or ``make golden``).
"""

from __future__ import annotations

from itertools import groupby
from pathlib import Path

from sessionizer import Config, compile
from sessionizer.dialects import dialect_names

HERE = Path(__file__).parent
MODES = ("full-refresh", "incremental")


def golden_config() -> Config:
    """A config that exercises every user-controlled part: schema, qualified source,
    pass-through columns, a custom cutoff and a small referrer mapping."""
    return Config(
        source="segment.pages",
        schema="analytics",
        inactivity_cutoff=1200,
        trailing_window=6,
        pass_through_columns=("context_locale",),
        referrer_mapping=str(HERE / "referrer_mapping.csv"),
    )


def sources_config() -> Config:
    """A source list: web pages and app screens, heartbeat tracks, identifies (docs/reference.md
    "Several sources"), with the same settings as ``golden_config``."""
    return Config.from_mapping(
        {
            "source": [
                {"table": "website.pages", "name": "web"},
                {"table": "ios.screens", "name": "ios", "kind": "screens"},
                {"table": "website.tracks", "name": "web", "kind": "tracks", "events": ["heartbeat"]},
                {"table": "website.identifies", "name": "web", "kind": "identifies"},
            ],
            "schema": "analytics",
            "inactivity_cutoff": 1200,
            "trailing_window": 6,
            "pass_through_columns": ["context_locale"],
            "referrer_mapping": str(HERE / "referrer_mapping.csv"),
        }
    )


def beyond_config() -> Config:
    """``golden_config`` with every setting of "Beyond dbt-segment" on (a small bot list, one of
    whose patterns holds LIKE's wildcards)."""
    return Config.from_mapping(
        {
            "source": "segment.pages",
            "schema": "analytics",
            "inactivity_cutoff": 1200,
            "trailing_window": 6,
            "pass_through_columns": ["context_locale"],
            "referrer_mapping": str(HERE / "referrer_mapping.csv"),
            "ignored_user_ids": ["", "null", "undefined"],
            "exclude_bots": True,
            "bot_patterns": str(HERE / "bot_patterns.txt"),
            "day_boundary_time_zone": "America/New_York",
            "split_on_campaign": True,
            "max_session_seconds": 4 * 3600,
            "channel_grouping": True,
            "engaged_session_seconds": 10,
        }
    )


# Folder name prefix → config: the single source, a source list, every "Beyond dbt-segment" setting.
CONFIGS = {"": golden_config, "sources-": sources_config, "beyond-": beyond_config}


def render(dialect: str, mode: str, prefix: str = "") -> dict[str, str]:
    """File name → content, one file per stage in run order (a stage's statements are contiguous)."""
    statements = compile(CONFIGS[prefix](), dialect, mode)
    return {
        f"{order:02d}_{stage}.sql": "\n".join(f"{s.sql};\n" for s in group)
        for order, (stage, group) in enumerate(groupby(statements, key=lambda s: s.stage), start=1)
    }


def path(dialect: str, mode: str, prefix: str = "") -> Path:
    return HERE / dialect / f"{prefix}{mode}"


def write_all() -> list[Path]:
    written = []
    for dialect, mode, prefix in ((d, m, p) for d in dialect_names() for m in MODES for p in CONFIGS):
        folder = path(dialect, mode, prefix)
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.sql"):
            old.unlink()
        for name, content in render(dialect, mode, prefix).items():
            (folder / name).write_text(content, "utf-8")
            written.append(folder / name)
    return written
