"""What the commands share: the parser class, argument types and the error line.

Every error a command reports is one line, `optbench <command>: error: <what>`, on
stderr, with exit status 2: argparse's own usage errors too (`Parser.error`), and the
`ValueError`/`TypeError` a command turns into one (`fail`).
"""

import argparse
import ast
import sys

from optbench import checks


class Parser(argparse.ArgumentParser):
    """argparse with help texts kept as written and usage errors on one line."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def fail(command, error):
    """Print `optbench <command>: error: <error>` on stderr; the exit status 2."""
    print(f"optbench {command}: error: {error}", file=sys.stderr)
    return 2


def _type(convert, name):
    """An argparse type from a check: its ValueError/TypeError becomes argparse's message."""

    def parse(text):
        try:
            return convert(text)
        except (ValueError, TypeError) as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    parse.__name__ = name  # argparse names the type in "invalid <name> value"
    return parse


def _whole(text, low):
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"expected a whole number, got {text!r}") from None
    return checks.whole_number("the value", value, low=low)


def _real(text, low, include_low):
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"expected a number, got {text!r}") from None
    return checks.real("the value", value, low=low, include_low=include_low)


positive_int = _type(lambda text: _whole(text, 1), "positive_int")
non_negative_int = _type(lambda text: _whole(text, 0), "non_negative_int")
positive_float = _type(lambda text: _real(text, 0.0, False), "positive_float")
non_negative_float = _type(lambda text: _real(text, 0.0, True), "non_negative_float")

MAX_SIZE = 1 << 48  # far above any machine's memory in parameters; sizes beyond are typos


def _size(text):
    """1000, 1e7 or 2^24, as an exact whole number of parameters."""
    text = text.strip()
    try:
        value = 2.0 ** min(int(text[2:]), 64) if text.startswith("2^") else float(text)
    except ValueError:
        raise ValueError(f"not a size: {text!r} (write 1000, 1e7 or 2^24)") from None
    if not 1 <= value <= MAX_SIZE:
        raise ValueError(f"a size must be from 1 to 2^48 parameters, got {text!r}")
    if value != int(value):
        raise ValueError(f"a size is a whole number of parameters, got {text!r}")
    return int(value)


size = _type(_size, "size")


def assignment(text):
    """NAME=VALUE, VALUE read as a Python literal (1e-6, 100, True) or else kept as text."""
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    try:
        return name, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return name, value
