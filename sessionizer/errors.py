"""One base error and a few precise kinds, so the CLI can turn each into one clear line, and the
exit codes every command ends with."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """What a command's exit code means (README "Exit codes"): a scheduler tells a finding (the
    command worked and found something to act on) from a failure (it could not do its job)."""

    OK = 0
    # check found source rows missing from the tables; status found a problem (missing tables, an
    # unfinished run, a source it cannot read).
    FINDING = 1
    # Bad settings or usage, an unreachable target, an engine error, a failed run (click's usage
    # errors exit 2 as well).
    FAILURE = 2
    # Ctrl-C (128 + SIGINT, as shells count it): the next run finishes the job.
    INTERRUPTED = 130


class SessionizerError(Exception):
    """Base of every error the project raises on purpose. ``target`` and ``stage`` say where, when
    known (the JSON error event carries them)."""

    exit_code: ExitCode = ExitCode.FAILURE
    target: str | None = None
    stage: str | None = None


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
        self.statement = statement
        # The sentence without the statement: what the JSON error event calls its message.
        self.headline = text = f"{doing} on {target} failed: {message}"
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


class Interrupted(SessionizerError):
    """The user stopped the command (Ctrl-C); what was committed stays, and the next run finishes."""

    exit_code = ExitCode.INTERRUPTED

    def __init__(self, stage: str | None = None) -> None:
        self.stage = stage
        super().__init__("interrupted; the next run finishes the job")
