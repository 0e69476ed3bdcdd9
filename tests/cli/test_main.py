"""The `optbench` command itself: version, help as written, one-line usage errors."""

import subprocess
import sys

import pytest

import optbench
from optbench.cli import COMMANDS, main


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"optbench {optbench.__version__}"


@pytest.mark.parametrize("command", COMMANDS)
def test_help_keeps_the_docstring_as_written(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    out = capsys.readouterr().out
    module = sys.modules[f"optbench.cli.{command.replace('-', '_')}"]
    for line in module.__doc__.strip().splitlines():
        assert line.rstrip() in out, line


@pytest.mark.parametrize("command", COMMANDS)
def test_a_usage_error_is_one_line_with_the_command_prefix(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--no-such-option"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"optbench {command}: error: ") and err.count("\n") == 1, err


def test_python_dash_m_runs_the_same_command():
    result = subprocess.run([sys.executable, "-m", "optbench", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == f"optbench {optbench.__version__}"
