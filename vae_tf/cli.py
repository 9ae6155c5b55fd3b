"""What the package's command-line entry points share: errors as one line, exit code 2."""

import argparse
import sys

EXIT_USAGE = 2


def fail(prog, message):
    """Print ``<prog>: error: <message>`` to stderr and exit with code 2 (no traceback)."""
    print(f"{prog}: error: {message}", file=sys.stderr)
    sys.exit(EXIT_USAGE)


class ArgumentParser(argparse.ArgumentParser):
    """``argparse`` whose usage errors are one line under the name ``error_prog``, exit 2."""

    def __init__(self, error_prog, **kwargs):
        super().__init__(**kwargs)
        self.error_prog = error_prog

    def error(self, message):
        fail(self.error_prog, message)
