"""The one way tests run the command line: click's CliRunner around `pathdeck`."""

from __future__ import annotations

from collections.abc import Mapping

from click.testing import CliRunner, Result

from pathdeck.cli import main


def invoke(*args: str, env: Mapping[str, str | None] | None = None) -> Result:
    """Run `pathdeck ARGS...` in this process; the whole result (output, exception)."""
    return CliRunner().invoke(main, list(args), env=env, prog_name="pathdeck")


def run_cli(*args: str, env: Mapping[str, str | None] | None = None) -> tuple[int, str, str]:
    """Run `pathdeck ARGS...`; its exit code, stdout and stderr."""
    result = invoke(*args, env=env)
    return result.exit_code, result.stdout, result.stderr
