"""The weekly mechanisms of shared/MODEL.md, one module each, and the week's order: :data:`WEEK`.

Each module declares its parameters (``PARAMS``), when it applies (from the governance rules), the
state it owns, reads and writes (partner arrays, community fields, the week's hand-over state), its
random streams, and one ``step(view, week)`` that works on the partner arrays with numpy (the
only Python loops run over a handful of vendor staff). To add a mechanism, write one module that
ends with ``MECHANISM = Mechanism(...)`` and add its name to this list (one line) (docs/architecture.md).
"""

from importlib import import_module

from simcomm.core.mechanism import Mechanism, check_order


def mechanism_of(module: str) -> Mechanism:
    """Return the ``MECHANISM`` declared by ``simcomm.core.mechanisms.<module>``."""
    return import_module(f"{__name__}.{module}").MECHANISM


# The week, in order (MODEL.md "Weekly mechanisms"; numbers are MODEL.md's): one line a mechanism.
WEEK: tuple[Mechanism, ...] = tuple(mechanism_of(module) for module in (
    "staff_turnover",  # 8: managers leave, posts stay empty, successors start
    "founder_exit",  # the founder walks away (a what-if lever)
    "census",  # who is a member this week; the managers' effort
    "staff_relationships",  # 8: managers build 1:1 relationships
    "leadership",  # 9: leaders emerge, carry the load, burn out
    "free_time",  # 2: this week's free hours
    "participation",  # 3: visits, questions, answer capacity
    "responses",  # 4: questions answered (newcomers first by champions)
    "topics",  # the content mix: members' problems and promotion
    "meetups",  # 7: monthly meet-ups or events
    "matchmaking",  # 7: managers introduce complementary partners (vendor-p2p)
    "ties_and_deals",  # 7: triadic closure, peer deals, tie decay
    "customer_jobs",  # customers' jobs (marketplace)
    "moderation",  # 12: spam and moderation
    "commitment",  # 5, 6: value of the week, commitment, lurking, lapsing
    "advocates",  # advocates who answered too much burn out
    "joining",  # 1, 11: awareness, invitations, discovery, joining
    "record",  # the weekly metrics (DataCollector); death after death_weeks with nothing new
    "budget_review",  # 10: the vendor's budget review
))
check_order(WEEK)

__all__ = ["WEEK", "Mechanism", "check_order"]
