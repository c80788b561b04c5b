"""``python -m tests.emulators.snowflake``: run an emulator until Ctrl-C."""

from ..base import run_by_hand
from . import SnowflakeEmulator

run_by_hand(SnowflakeEmulator())
