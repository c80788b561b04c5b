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


class WarehouseError(SessionizerError):
    """The warehouse failed at something we asked: our sentence first (what we were doing, on which
    target), then the warehouse's own words, and the statement when there is one."""

    def __init__(self, doing: str, target: str, message: str, statement: str | None = None) -> None:
        self.doing = doing
        self.target = target
        self.message = message
        text = f"{doing} on {target} failed: {message}"
        if statement is not None:
            lines = statement.splitlines()
            shown = "\n    ".join(lines[:12] + ([f"… ({len(lines) - 12} more lines)"] if len(lines) > 12 else []))
            text += f"\n  statement:\n    {shown}"
        super().__init__(text)


class RunError(WarehouseError):
    """A statement of the plan failed; names the stage and shows the statement."""

    def __init__(self, stage: str, mode: str, target: str, sql: str, message: str) -> None:
        self.stage = stage
        self.sql = sql
        super().__init__(f"stage {stage} ({mode.replace('-', ' ')})", target, message, sql)


class StateError(SessionizerError):
    """The stored tables were built with other settings, or a run is already going."""
