"""Command line: each command parses, calls one core function, prints, and exits."""

from pathdeck.cli import authoring, build, insights, inspect  # registers each family's commands
from pathdeck.cli.group import REPORT_BUGS, main, run

__all__ = ["REPORT_BUGS", "authoring", "build", "insights", "inspect", "main", "run"]
