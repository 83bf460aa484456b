"""The one exception type for bad user input, and the entry points' way of reporting it."""

import functools
import sys


class UserError(Exception):
    """Bad input from the user (a path, a name, a shape, a value): reported as one line, exit 2."""


def exit_on_user_error(main):
    """Decorate an entry point's main(): a UserError prints `error: <message>` and exits 2."""

    @functools.wraps(main)
    def wrapper(*args, **kwargs):
        try:
            return main(*args, **kwargs)
        except UserError as error:
            print(f"error: {error}", file=sys.stderr)
            sys.exit(2)

    return wrapper
