"""Category resume (SAFE): running an interrupted or disk-full sweep again, and comparing two
sweeps' results."""


import json
from pathlib import Path

import pandas as pd

from fault_audit.common import Outcome, is_leftover, outcome, read_parts
from fault_audit.state import Audit


def resume(audit: Audit, where: Path, args: list[str], out: str, what: str) -> Outcome:
    """Run the same ``experiment run`` again to the end and compare its results with an
    uninterrupted sweep's; return the resume Outcome."""
    ran = audit.run(args, where, timeout=600)
    problems = []
    if ran.code != 0:
        problems.append(f"exit status {ran.code}")
    else:
        problems += same_experiment(audit.experiment_reference(args), where / out)
        leftovers = [rel for rel in (str(p.relative_to(where)) for p in where.rglob("*")) if is_leftover(rel)]
        if leftovers:
            problems.append(f"temporary files left: {', '.join(leftovers[:3])}")
    return outcome("resume", f"resume {what}", args, problems, ran)


def same_experiment(a: Path, b: Path) -> list[str]:
    """Return how two experiment results folders differ in their runs and weekly tables and their
    manifests (times, sessions and the file's location aside); [] when identical."""
    problems = []
    for sub, keys in (("runs", ["point", "replicate"]), ("weekly", ["point", "replicate", "week"])):
        try:
            fa, fb = read_parts(a / sub, keys), read_parts(b / sub, keys)
        except Exception as exc:
            return [f"{sub}: a part cannot be read ({type(exc).__name__}: {exc})"]
        if (fa is None) != (fb is None):
            problems.append(f"{sub}: only one has it")
        elif fa is not None and fb is not None:
            try:
                pd.testing.assert_frame_equal(fa, fb, check_exact=True)
            except AssertionError as exc:
                problems.append(f"{sub} differ: {' '.join(str(exc).split())[:200]}")
    try:
        ma, mb = (json.loads((x / "manifest.json").read_text()) for x in (a, b))
    except (OSError, ValueError) as exc:
        return [*problems, f"manifest unreadable: {exc}"]
    for m in (ma, mb):
        for key in ("sessions", "start", "end", "experiment_file"):
            m.pop(key, None)
    if ma != mb:
        keys = sorted(k for k in set(ma) | set(mb) if ma.get(k) != mb.get(k))
        problems.append(f"manifests differ in {', '.join(keys)}")
    return problems
