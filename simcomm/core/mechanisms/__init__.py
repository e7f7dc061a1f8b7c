"""The weekly mechanisms of shared/MODEL.md, one module each, and the week's order: :data:`WEEK`.

Each module declares its parameters (``PARAMS``), when it applies (from the governance rules), the
state it owns, reads and writes (partner arrays, community fields, the week's hand-over state), its
random streams, and one ``step(view, week)`` that works on the partner arrays with numpy (the
only Python loops run over a handful of vendor staff). To add a mechanism, write one module that
ends with ``MECHANISM = Mechanism(...)`` and add one line to this list (docs/architecture.md).
"""

from simcomm.core.mechanism import Mechanism, check_order
from simcomm.core.mechanisms import (
    advocates,
    budget_review,
    census,
    commitment,
    customer_jobs,
    founder_exit,
    free_time,
    joining,
    leadership,
    matchmaking,
    meetups,
    moderation,
    participation,
    record,
    responses,
    staff_relationships,
    staff_turnover,
    ties_and_deals,
    topics,
)

# The week, in order (MODEL.md "Weekly mechanisms"; numbers are MODEL.md's).
WEEK: tuple[Mechanism, ...] = (
    staff_turnover.MECHANISM,  # 8: managers leave, posts stay empty, successors start
    founder_exit.MECHANISM,  # the founder walks away (a what-if lever)
    census.MECHANISM,  # who is a member this week; the managers' effort
    staff_relationships.MECHANISM,  # 8: managers build 1:1 relationships
    leadership.MECHANISM,  # 9: leaders emerge, carry the load, burn out
    free_time.MECHANISM,  # 2: this week's free hours
    participation.MECHANISM,  # 3: visits, questions, answer capacity
    responses.MECHANISM,  # 4: questions answered (newcomers first by champions)
    topics.MECHANISM,  # the content mix: members' problems and promotion
    meetups.MECHANISM,  # 7: monthly meet-ups or events
    matchmaking.MECHANISM,  # 7: managers introduce complementary partners (vendor-p2p)
    ties_and_deals.MECHANISM,  # 7: triadic closure, peer deals, tie decay
    customer_jobs.MECHANISM,  # customers' jobs (marketplace)
    moderation.MECHANISM,  # 12: spam and moderation
    commitment.MECHANISM,  # 5, 6: value of the week, commitment, lurking, lapsing
    advocates.MECHANISM,  # advocates who answered too much burn out
    joining.MECHANISM,  # 1, 11: awareness, invitations, discovery, joining
    record.MECHANISM,  # the weekly metrics (DataCollector); death when nobody is active
    budget_review.MECHANISM,  # 10: the vendor's budget review
)
check_order(WEEK)

__all__ = ["WEEK", "Mechanism", "check_order"]
