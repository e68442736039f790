"""Entry point for `python -m pathdeck`."""

from pathdeck.cli import main

main()
