"""Category escapes (ESCAPED): text from a user's files cannot drive the terminal (issue 26).

Scenario and experiment files carry terminal control sequences in their names, titles, stories,
questions and keys; every command that prints them is run with its output piped, and nothing it
prints may contain a control character but newline and tab."""


import re
from pathlib import Path

from fault_audit.checks import Check, Verdict
from fault_audit.common import TINY
from fault_audit.state import Audit

ESCAPES = {
    "OSC 52 (clipboard)": "\x1b]52;c;ZWNobyBwd25lZA==\x07",
    "OSC 8 (link)": "\x1b]8;;https://attacker.example/\x1b\\click\x1b]8;;\x1b\\",
    "OSC 0 (title)": "\x1b]0;owned\x07",
    "CSI (erase, colour)": "\x1b[2J\x1b[31m",
    "C1 CSI": "\x9b31m",
    "bidi override": "\u202eevil\u202c",
    "carriage return": "\rfake",
}
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def toml_string(text: str) -> str:
    """Return ``text`` as a TOML basic string, control characters as \\u escapes."""
    return '"' + "".join(f"\\u{ord(c):04x}" if ord(c) < 32 or 0x7f <= ord(c) <= 0x9f or c in '"\\'
                         else c for c in text) + '"'


def check_escape(kind: str):
    evil = ESCAPES[kind]

    def judge(audit: Audit, where: Path) -> Verdict:
        (where / "evil.toml").write_text(
            f"name = {toml_string('team' + evil)}\ntitle = {toml_string('A title' + evil)}\n"
            f"story = {toml_string('Once' + evil)}\ngovernance = \"organic\"\n", encoding="utf-8")
        (where / "key.toml").write_text(f"{toml_string('colour' + evil)} = 1\n", encoding="utf-8")
        (where / "exp.toml").write_text(
            f"name = \"esc\"\ntitle = {toml_string('T' + evil)}\nquestion = {toml_string('Q' + evil)}\n"
            "scenario = \"organic\"\nweeks = 3\nreplicates = 1\nmetrics = [\"peak_active\"]\n"
            "[overrides]\npartners = 150\n[factors]\npromo_share = [0.1, 0.2]\n", encoding="utf-8")
        verdict = Verdict()
        commands = [["show", "evil.toml"], ["run", "evil.toml", *TINY, "-q"], ["run", "key.toml", *TINY],
                    ["compare", "evil.toml", "organic", "-r", "2", "-w", "1", *TINY, "-q"],
                    ["experiment", "run", "exp.toml", "-w", "1", "-q", "--out", "res"],
                    ["experiment", "summarize", "res"]]
        for args in commands:
            ran = audit.run(args, where)
            verdict.args, verdict.ran = args, ran
            found = CONTROL.search(ran.stdout + ran.stderr)
            if found:
                verdict.problems.append(f"{args[0]} {args[1]} printed {found.group()!r} raw")
        return verdict

    return judge


def escape_cases(quick: bool) -> list[Check]:
    """One check per kind of control sequence."""
    cases = [Check("escapes", kind, check_escape(kind), quick=kind.startswith("OSC 52")) for kind in ESCAPES]
    return [c for c in cases if c.quick] if quick else cases
