"""Text on the terminal: everything the command line prints goes through :func:`echo`, which
escapes control characters, so that text from a user's file (a scenario's name or title, an
experiment's question, a value quoted in an error message) cannot drive the terminal: no OSC 52
(writing the clipboard), OSC 8 (links), OSC 0 (the window title), CSI sequences (colours, cursor
moves, erasing), other C0 and C1 controls, or Unicode direction overrides, whether the output is
a terminal or a pipe. Newlines and tabs are kept.
"""

from __future__ import annotations

import re
from typing import Any

import click

# C0 controls but tab and newline, DEL, C1 controls, and the Unicode marks that reorder or break
# the text shown (bidirectional overrides and isolates, line and paragraph separators).
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: Any) -> str:
    """Return ``str(text)`` with every control character written as a visible escape
    (ESC -> ``\\x1b``, CSI -> ``\\x9b``, U+202E -> ``\\u202e``); newlines and tabs are kept."""
    return CONTROL.sub(_escaped, str(text))


def echo(message: Any = "", err: bool = False, nl: bool = True) -> None:
    """Print ``message`` (on stderr with ``err``) as :func:`click.echo` does, control characters
    escaped (:func:`printable`); return None."""
    click.echo(printable(message), err=err, nl=nl)


def paragraph(sentences: list[str], width: int = 100) -> str:
    """Return ``sentences`` as text, each sentence starting a line, wrapped at ``width`` characters."""
    import textwrap

    return "\n".join(textwrap.fill(s, width=width, break_on_hyphens=False, subsequent_indent="  ")
                     for s in sentences)
