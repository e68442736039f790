"""Entry point for `python -m pathdeck`."""

from pathdeck.cli import run

run()
