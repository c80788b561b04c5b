"""One base error and a few precise kinds, so the CLI can turn each into one clear line."""

from __future__ import annotations


class SessionizerError(Exception):
    """Base of every error the project raises on purpose."""

    exit_code = 1


class ConfigError(SessionizerError):
    """A setting is unknown, of the wrong type, or not a valid value."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        super().__init__(f"{key}: {message}")


class CompileError(SessionizerError):
    """The plan cannot be rendered for a dialect (a construct it does not support)."""


class TargetError(SessionizerError):
    """The target URL is malformed, or the warehouse cannot be reached."""


class SourceError(SessionizerError):
    """The source is missing, or lacks a column the rules need."""


class RunError(SessionizerError):
    """A statement failed in the warehouse; names the stage and the statement."""

    def __init__(self, stage: str, sql: str, cause: BaseException) -> None:
        self.stage = stage
        self.sql = sql
        self.cause = cause
        lines = sql.splitlines()
        shown = "\n    ".join(lines[:12] + ([f"… ({len(lines) - 12} more lines)"] if len(lines) > 12 else []))
        super().__init__(f"stage {stage} failed: {cause}\n  statement:\n    {shown}")


class StateError(SessionizerError):
    """The stored tables were built with other settings, or a run is already going."""
