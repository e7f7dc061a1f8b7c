"""How long a command's runs will take, estimated before they start, so that oversized work is
announced and, above a limit, refused unless the user confirms it (``--allow-long``).

A run's cost is its weeks times (a fixed cost per week + a cost per partner and week). Measured on
2026-12-06 on the project's shared 2-core x86_64 machine (Python 3.11.7, numpy 2.4, mesa 3.3.1),
busy with other work (so on the slow side), with ``simcomm.run`` at 200, 2,000, 20,000 and 100,000
partners x 260 weeks: vendor-imposed and staff-churn (the slowest governance types: managers, a
growing community) cost 1.06-1.19 ms a week at 200 partners and 48-51 ms a week at 100,000, that
is about 1.2 ms + 0.5 microseconds per partner a week; organic cost a quarter to a half of that.
The estimate therefore errs on the long side. Replays, robustness points and replicates are runs
like any other; the work is shared by the worker processes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from simcomm.core.params import ParameterError

SECONDS_PER_WEEK = 1.2e-3  # the fixed cost of a simulated week (s), measured as above
SECONDS_PER_PARTNER_WEEK = 5e-7  # the cost of a partner in a simulated week (s), measured as above
NOTICE_SECONDS = 60.0  # work estimated at this or more is announced before it starts
LIMIT_SECONDS = 30 * 60.0  # work estimated above this is refused without --allow-long
ALLOW_LONG = "--allow-long"


def run_seconds(weeks: int, partners: int) -> float:
    """Return the estimated cost of one run of ``weeks`` weeks with ``partners`` partners (s)."""
    return weeks * (SECONDS_PER_WEEK + SECONDS_PER_PARTNER_WEEK * partners)


def duration_text(seconds: float) -> str:
    """Return a duration in words at a sensible precision: '40 s', '12 min', '3.5 h', '16 days'."""
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:,.0f} days"


@dataclass
class Workload:
    """The runs a command will do: groups of (runs, weeks, partners), added with :meth:`add`."""

    groups: list[tuple[int, int, int]] = field(default_factory=list)

    def add(self, runs: int, weeks: int, partners: int) -> Workload:
        """Add ``runs`` runs of ``weeks`` weeks with ``partners`` partners; return self."""
        if runs > 0:
            self.groups.append((int(runs), int(weeks), int(partners)))
        return self

    @property
    def runs(self) -> int:
        """Return the number of runs."""
        return sum(n for n, _, _ in self.groups)

    def seconds(self, processes: int = 1) -> float:
        """Return the estimated wall time (s) with ``processes`` worker processes (at most one per run)."""
        total = sum(n * run_seconds(w, p) for n, w, p in self.groups)
        return total / max(1, min(processes, self.runs))

    def describe(self, processes: int = 1) -> str:
        """Return the work in words: 'about 16 h: 200,000 runs of 260 weeks at 2,000 partners, on
        2 processes' (ranges where the runs differ)."""
        weeks = sorted({w for _, w, _ in self.groups})
        partners = sorted({p for _, _, p in self.groups})

        def span(values: list[int]) -> str:
            return f"{values[0]:,}" if len(values) == 1 else f"{values[0]:,}-{values[-1]:,}"

        n = self.runs
        used = max(1, min(processes, n))
        where = f"on {used} process{'es' if used > 1 else ''}"
        return (f"about {duration_text(self.seconds(processes))}: {n:,} run{'s' if n != 1 else ''} of "
                f"{span(weeks)} weeks at {span(partners)} partners, {where}")


def check_workload(work: Workload, processes: int, allow_long: bool, fewer: str) -> str | None:
    """Check an estimated workload before it starts; return the line to announce it with (None
    for work under a minute).

    Raises ParameterError (one line: the estimate, the limit, ``fewer`` (what to lower, e.g.
    '--replicates') and the option that confirms) when the work is estimated above 30 minutes
    and ``allow_long`` is not given."""
    seconds = work.seconds(processes)
    if seconds > LIMIT_SECONDS and not allow_long:
        raise ParameterError(f"this would take {work.describe(processes)}, more than the "
                             f"{duration_text(LIMIT_SECONDS)} simcomm starts without asking; lower {fewer}, "
                             f"or give {ALLOW_LONG} to start it anyway")
    if seconds < NOTICE_SECONDS:
        return None
    return f"simcomm: this will take {work.describe(processes)}"
