"""`python -m sessionizer` is the `sessionizer` command."""

from sessionizer.cli import main

main()
