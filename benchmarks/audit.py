"""The fault audit of the ``simcomm`` command line: ``python benchmarks/audit.py [--quick] ...``.

The audit is the package ``benchmarks/fault_audit``, one module per category (bad_input,
interruption, disk_full, resume, determinism) beside the common ground (common, state) and the
driver; its docstring says what each category judges, and docs/audit.md gives the commands and
the last counts. This file only starts it, so that the command line stays the same.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fault_audit.driver import main

if __name__ == "__main__":
    sys.exit(main())
