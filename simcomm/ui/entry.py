"""The ``simcomm`` program's entry point: light, so that Ctrl-C at any moment is handled.

Importing the command line (Click, numpy, pandas, Mesa...) takes about a second; a Ctrl-C
during that import would otherwise print a traceback, since the command line's own handler is
not in place yet. :func:`main` imports it under a KeyboardInterrupt handler: one line on
stderr and exit status 130 (128 + SIGINT), like an interrupted command.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Run the ``simcomm`` command line (:func:`simcomm.ui.cli.main`); a Ctrl-C while it is
    being imported prints one line and exits with status 130."""
    try:
        from simcomm.ui.cli import main as cli_main
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted: nothing was written.\n")
        sys.exit(130)
    try:
        cli_main()
    except KeyboardInterrupt:  # between the import and Click's own handler, or after it
        sys.stderr.write("Interrupted.\n")
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
