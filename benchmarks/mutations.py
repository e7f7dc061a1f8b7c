"""Plant plausible bugs in the model and count how many the mechanism tests catch.

Usage::

    .venv/bin/python benchmarks/mutations.py              # every mutation, a line each, then the score
    .venv/bin/python benchmarks/mutations.py --only M01   # one of them
    .venv/bin/python benchmarks/mutations.py --tests tests/test_mechanisms.py  # other tests

Each mutation is one textual change to a module of ``simcomm/core`` (a rate per month instead of
per week, a term dropped, a comparison turned round, a meet-up a week late, ...). For each, the
package and the tests are copied to a temporary folder, the change is applied there (it must
match exactly once), and the mechanism tests (``tests/test_mechanisms.py`` and
``tests/test_mechanism_rates.py``, not the claims or the scenario tests) run against the copy. A
mutation is caught when they fail. The unmutated copy must pass first. The checkout itself is
never changed. M01-M08 are the kinds of bug issue 21's review planted (three named there);
M09-M30 are ours; M31-M40 plant bugs in Model 3's mechanisms (bonds, formation, overload, the
death rule, word of mouth, promotion by type), caught by the mechanism tests and
``tests/test_attachment_and_formation.py``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ("tests/test_mechanisms.py", "tests/test_mechanism_rates.py",
         "tests/test_attachment_and_formation.py")
MECH = "simcomm/core/mechanisms/"


@dataclass(frozen=True)
class Mutation:
    """One planted bug: ``old`` becomes ``new`` in ``path`` (relative to the checkout)."""

    key: str
    path: str
    old: str
    new: str
    what: str


MUTATIONS: tuple[Mutation, ...] = (
    # The kinds of bug issue 21's review planted (the first three named there).
    Mutation("M01", MECH + "staff_turnover.py", "p.staff_turnover_per_year / 52.0",
             "p.staff_turnover_per_year / 12.0", "a manager's departure hazard per month, not per week"),
    Mutation("M02", MECH + "commitment.py",
             "                   - p.promo_cost * programme.promo_share"
             " * (1.0 - programme.voice_authenticity())\n",
             "", "the promotion-cost term dropped from a visit's value"),
    Mutation("M03", MECH + "meetups.py", "now % p.meetup_every", "(now + 1) % p.meetup_every",
             "the meet-up a week early"),
    Mutation("M04", MECH + "commitment.py", "np.exp(-c / p.leave_scale)", "np.exp(-c * p.leave_scale)",
             "the leaving hazard's scale multiplied instead of divided"),
    Mutation("M05", "simcomm/core/programme.py", "return u < self._s.p.handover_quality",
             "return u > self._s.p.handover_quality", "the handover keeps the share it should lose"),
    Mutation("M06", MECH + "responses.py", "boosted = nq[nq_answered]", "boosted = nq[~nq_answered]",
             "the reply boost goes to unanswered newcomers"),
    Mutation("M07", MECH + "ties_and_deals.py", "ties.decay(p.tie_decay)", "ties.decay(0.0)",
             "unused ties never decay"),
    Mutation("M08", MECH + "moderation.py", "< p.moderation", "< 1.0 - p.moderation",
             "moderation removes the share it should leave"),
    # Ours.
    Mutation("M09", MECH + "commitment.py", "c >= p.lurk_threshold + p.reactivation_margin",
             "c >= p.lurk_threshold - p.reactivation_margin", "a lurker speaks up below the threshold"),
    Mutation("M10", MECH + "joining.py", "p.discovery * messages", "p.discovery * week.m.size",
             "discovery follows the members, not the messages"),
    Mutation("M11", "simcomm/core/programme.py", "        self.staff_level *= 1.0 - share\n", "",
             "a budget cut spares the managers' time"),
    Mutation("M12", MECH + "joining.py", "(1.0 + p.programme_drag * people.programmes[cand])",
             "(1.0 + p.programme_drag)", "other programmes no longer hold partners back from joining"),
    Mutation("M13", MECH + "commitment.py", "related &= community.programme.in_post_mask()[slot]",
             "related = related",
             "a bond to a manager holds a member after the manager left"),
    Mutation("M14", MECH + "advocates.py", "rate * (written - 1.0)", "rate * written",
             "an advocate never recovers from a week of one answer"),
    Mutation("M15", MECH + "staff_turnover.py", "geometric_gap(now, p.vacancy_weeks, slot=post.slot)",
             "geometric_gap(now, 0.0, slot=post.slot)", "a post never stays empty"),
    Mutation("M16", MECH + "free_time.py", " - p.programme_hours * people.programmes[m]", "",
             "other programmes take no hours"),
    Mutation("M17", MECH + "participation.py", "np.where(active, 1.0, p.lurker_visit)", "1.0",
             "lurkers visit as often as active members"),
    Mutation("M18", MECH + "customer_jobs.py", "(1.0 + people.size_class[m[pos]]).cumsum()",
             "np.ones(pos.size).cumsum()", "customers pick a firm whatever its size"),
    Mutation("M19", MECH + "ties_and_deals.py", "p.deal_rate * ties.complementarity", "p.deal_rate",
             "deals ignore complementary skills"),
    Mutation("M20", MECH + "commitment.py", "c * (1.0 - p.commitment_fade)", "c",
             "commitment never fades out of sight"),
    Mutation("M21", MECH + "commitment.py", "    people.incentive[m] *= p.incentive_fade\n", "",
             "a joining incentive never fades"),
    Mutation("M22", MECH + "record.py", " + p.reader_influence * int(counts[LURKING])", "",
             "lurkers influence no revenue"),
    Mutation("M23", MECH + "record.py", "community.silent_weeks >= death", "community.silent_weeks > death",
             "a silent community dies a week late"),
    Mutation("M24", MECH + "staff_relationships.py", "np.where(people.depth_tier[free], p.depth_weight, 1.0)",
             "np.ones(free.size)", "managers do not prefer depth partners"),
    Mutation("M25", MECH + "topics.py", "memory * community.member_topic + (1.0 - memory) * asked",
             "(1.0 - memory) * community.member_topic + memory * asked", "the topic memory turned round"),
    Mutation("M26", MECH + "matchmaking.py", "s.community.ties.add(a[ok], b[ok])",
             "s.community.ties.add(a, b)", "introductions tie alike partners too"),
    Mutation("M27", "simcomm/core/programme.py",
             "return float(sum(s.effectiveness(ramp) for s in self.staff)) * self.staff_level",
             "return float(sum(s.effectiveness(ramp) for s in self.staff))", "effort ignores a budget cut"),
    Mutation("M28", MECH + "leadership.py", "p.leader_burnout * (p.leader_base_load + load)",
             "p.leader_burnout * load", "leading costs nothing beyond the load"),
    Mutation("M29", "simcomm/core/programme.py",
             "return (1.0 - self._s.p.handover_quality) * self._s.p.successor_ramp_weeks",
             "return self._s.p.successor_ramp_weeks", "the handover does not shorten a successor's ramp-up"),
    Mutation("M30", MECH + "participation.py", "p.question_rate * 2.0 * people.urgency[m]",
             "p.question_rate * people.urgency[m]", "a problem of one's own comes up half as often"),
    # Model 3's mechanisms.
    Mutation("M31", MECH + "staff_turnover.py",
             "people.manager_bond[lost] = 0.0", "people.manager_bond[lost] *= 1.0",
             "a bond stays with the member when its manager leaves without a handover"),
    Mutation("M32", MECH + "commitment.py", "strength_of(m, week.is_member)", "strength_of(m, np.ones_like("
             "week.is_member))", "ties to partners who left still hold a member"),
    Mutation("M33", MECH + "responses.py", "people.identity[boosted] = np.minimum(people.identity[boosted]",
             "people.commitment[boosted] = np.minimum(people.identity[boosted]",
             "an answer raises this week's commitment, not what the member learns"),
    Mutation("M34", MECH + "commitment.py", "                   - p.overload_cost * overload)",
             "                   + p.overload_cost * overload)", "overload adds value"),
    Mutation("M35", MECH + "joining.py", "        people.manager_bond[recruited] = p.recruit_bond\n", "",
             "a recruit owes its recruiter nothing"),
    Mutation("M36", "simcomm/core/launch.py",
             "(people.needs[:, problems] * people.urgency[:, None]).sum(axis=0)",
             "np.ones(problems.size)", "the shared problem is drawn whatever its prevalence"),
    Mutation("M37", "simcomm/core/launch.py", "    known = np.intersect1d(known, pool)\n",
             "    known = np.intersect1d(np.arange(people.n), pool)\n",
             "founders are strangers with the problem, not the initiator's acquaintances"),
    Mutation("M38", MECH + "record.py", "row[\"posts\"] == 0 and not met", "row[\"posts\"] == 0",
             "a meet-up is not something new"),
    Mutation("M39", MECH + "joining.py", "week.m[week.active_m & week.visited]", "week.m[week.active_m]",
             "silent members spread word of mouth"),
    Mutation("M40", "simcomm/core/programme.py", "0.0 if s.rules.content is Content.MEMBERS else ",
             "", "a member-run community carries the vendor's promotion"),
)


def run_tests(copy: Path, tests: tuple[str, ...]) -> bool:
    """Return True when ``tests`` pass against the package in ``copy``."""
    env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-n", "0", "-p", "no:cacheprovider",
                           *tests], cwd=copy, env=env, capture_output=True, text=True, check=False)
    return done.returncode == 0


def fresh_copy(into: Path) -> Path:
    """Return a copy of the package and its tests under ``into``."""
    copy = into / "checkout"
    if copy.exists():
        shutil.rmtree(copy)
    copy.mkdir()
    for part in ("simcomm", "tests"):
        shutil.copytree(ROOT / part, copy / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    return copy


def main(argv: list[str] | None = None) -> int:
    """Print each mutation with caught / missed, then the score; return 1 if the unmutated tests
    fail or a mutation does not apply."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", nargs="*", help="mutation keys (M01 ...)")
    ap.add_argument("--tests", nargs="*", default=list(TESTS), help="test files that should catch them")
    args = ap.parse_args(argv)
    chosen = [m for m in MUTATIONS if not args.only or m.key in args.only]
    tests = tuple(args.tests)
    with tempfile.TemporaryDirectory(prefix="simcomm-mutations-") as tmp:
        base = fresh_copy(Path(tmp))
        if not run_tests(base, tests):
            print("the unmutated tests fail: nothing to measure")
            return 1
        caught = 0
        for m in chosen:
            copy = fresh_copy(Path(tmp))
            target = copy / m.path
            text = target.read_text(encoding="utf-8")
            if text.count(m.old) != 1:
                print(f"{m.key}  does not apply ({text.count(m.old)} matches in {m.path})")
                return 1
            target.write_text(text.replace(m.old, m.new), encoding="utf-8")
            hit = not run_tests(copy, tests)
            caught += hit
            print(f"{m.key}  {'caught' if hit else 'MISSED'}  {m.what}", flush=True)
    print(f"{caught} of {len(chosen)} caught by {', '.join(tests)} ({100 * caught / len(chosen):.0f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
