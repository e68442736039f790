"""Command line: each command parses, calls one core function, prints, and exits."""

from pathdeck.cli import authoring, build, inspect  # registers each family's commands on `main`
from pathdeck.cli.group import REPORT_BUGS, main, run

__all__ = ["REPORT_BUGS", "authoring", "build", "inspect", "main", "run"]
