"""``python -m tests.emulators.redshift``: run an emulator until Ctrl-C."""

from ..base import run_by_hand
from . import RedshiftEmulator

run_by_hand(RedshiftEmulator())
