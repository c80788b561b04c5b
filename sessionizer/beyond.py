"""The settings of docs/reference.md "Beyond dbt-segment" as they are read: each validated,
naming its key, the bot list loaded, ids normalised. Config keeps them; this module knows only
what each one allows.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sessionizer.errors import ConfigError

# What `sessionizer init` writes below the settings it took over: the settings of docs/reference.md
# "Beyond dbt-segment", each off, with an example to uncomment.
BEYOND_EXAMPLE = """
# Beyond dbt-segment (each off by default; changing one needs a run with --full-refresh):
# ignored_user_ids: ['', 'null', 'undefined', 'anonymous', '0']  # user ids that are no identity
# exclude_bots: true                      # crawlers' page views go to the rejected rows, reason 'bot'
# bot_patterns: bot_patterns.txt          # one pattern a line, replacing the built-in list
# day_boundary_time_zone: Europe/Berlin   # a session ends at local midnight
# split_on_campaign: true                 # ... and where the campaign changes
# max_session_seconds: 14400              # ... and every 4 hours (adds session_start_reason)
# channel_grouping: true                  # adds channel to the sessions tables
# engaged_session_seconds: 10             # adds is_engaged to the sessions tables
"""


def digest(values: tuple[str, ...]) -> str:
    return hashlib.sha256(json.dumps(values).encode()).hexdigest()[:16]


def load_bot_patterns(path: str | None) -> tuple[str, ...]:
    """Bot patterns, one a line (ours when ``path`` is None): each line stripped of whitespace and
    lower-cased; a blank line or one starting with # is skipped."""
    if path is None:
        text = resources.files("sessionizer").joinpath("data/bot_patterns.txt").read_text("utf-8")
    else:
        try:
            text = Path(path).read_text("utf-8")
        except OSError as err:
            raise ConfigError("bot_patterns", f"cannot read {path}: {err.strerror}") from None
    lines = (line.strip().lower() for line in text.splitlines())
    return tuple(dict.fromkeys(line for line in lines if line and not line.startswith("#")))


def normalised_user_id(value: str) -> str:
    """A user_id as ignored_user_ids compares it: lower-cased, surrounding spaces (not tabs) removed."""
    return value.lower().strip(" ")


def user_ids(value: object) -> tuple[str, ...]:
    key = "ignored_user_ids"
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError(key, "expected a list of user ids, e.g. ['', 'null', 'undefined']")
    return tuple(dict.fromkeys(normalised_user_id(v) for v in value))


def flag(value: object, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(key, f"expected true or false, got {value!r}")
    return value


def time_zone(value: object) -> str | None:
    key = "day_boundary_time_zone"
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(key, "expected an IANA time zone name such as Europe/Berlin")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(key, f"unknown time zone {value!r}; expected an IANA name such as Europe/Berlin") from None
    return value
