"""``python -m tests.redshift_emulator``: run an emulator until Ctrl-C."""

from . import main

main()
