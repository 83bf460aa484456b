"""What every entry point's command line shares: an argparse parser whose errors are one line
(`error: ...`, exit status 2, no usage block), and range checks that raise UserError."""

import argparse
import os
import sys

from legged_mjx.errors import UserError


class ArgumentParser(argparse.ArgumentParser):
    """argparse with the module docstring kept as written and every parse error on one line."""

    def __init__(self, **kwargs):
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(**kwargs)

    def error(self, message: str):
        print(f"error: {message}", file=sys.stderr)
        sys.exit(2)


def at_least(args, minimum, *names: str) -> None:
    """Every args.<name> that is set must be >= minimum (NaN never is)."""
    for name in names:
        value = getattr(args, name)
        if value is not None and not value >= minimum:
            raise UserError(f"--{name} must be >= {minimum}, got {value}")


def existing_file(path: str | None, what: str) -> None:
    """A path the user named must be a file (checked before anything slow starts)."""
    if path is not None and not os.path.isfile(path):
        raise UserError(f"{what} not found: {path}")
