"""The week's shared state: what one mechanism hands to the next, declared in one place.

A :class:`Week` is made fresh at the start of every step. Each mechanism declares which of its
fields it reads and which it writes (:class:`simcomm.core.mechanism.Mechanism`), and
:func:`simcomm.core.mechanism.check_order` refuses a week in which a mechanism reads a field that
no earlier mechanism wrote. Arrays named ``*_m`` (and ``visited``, ``questions``, ...) run along
``m``, this week's members in ascending partner order.

``tally`` holds the week's counters (joins, posts, ...); any mechanism may add to it, and the
record mechanism turns it into the weekly metrics.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

TALLY_KEYS: tuple[str, ...] = (
    "joins", "leaves", "posts", "answers", "first_posts", "first_posts_answered", "new_ties",
    "ties_lost", "peer_deals", "jobs", "events", "spam_visible", "vendor_cost",
)


def _empty() -> np.ndarray:
    return np.empty(0)


@dataclass(slots=True, eq=False)
class Week:
    """The state the week's mechanisms share (units in each field's comment)."""

    number: int  # the week (1 in the first step)
    tally: dict[str, float] = field(default_factory=lambda: dict.fromkeys(TALLY_KEYS, 0))
    # census: who is a member this week, and the managers' effort
    counts: np.ndarray = field(default_factory=_empty)  # partners per membership state
    is_member: np.ndarray = field(default_factory=_empty)  # bool, per partner
    m: np.ndarray = field(default_factory=_empty)  # member indices, ascending
    active_m: np.ndarray = field(default_factory=_empty)  # bool, along m
    effort: float = 0.0  # managers' combined effectiveness (0 = every post empty)
    # free time
    free_h: np.ndarray = field(default_factory=_empty)  # free hours this week, along m
    time_factor: np.ndarray = field(default_factory=_empty)  # chance of time for a visit, along m
    # participation
    visited: np.ndarray = field(default_factory=_empty)  # bool, along m
    champion: np.ndarray = field(default_factory=_empty)  # advocate (not burned out) or leader, along m
    questions: np.ndarray = field(default_factory=_empty)  # questions asked, along m
    capacity: np.ndarray = field(default_factory=_empty)  # answers on offer, along m
    # responses
    helped: np.ndarray = field(default_factory=_empty)  # 1 if a question was answered, along m
    answered_m: np.ndarray = field(default_factory=_empty)  # answers written, along m
    # meet-ups
    attended: np.ndarray = field(default_factory=_empty)  # bool, along m
    # ties, deals and jobs
    deals_m: np.ndarray = field(default_factory=_empty)  # deals and jobs won, along m
    # moderation
    spam_share: float = 0.0  # visible spam as a share of this week's messages
    # record
    row: dict[str, Any] = field(default_factory=dict)  # this week's metrics (WEEKLY_METRICS)


GIVEN: tuple[str, ...] = ("number", "tally")  # set when the week starts
STATE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Week) if f.name not in GIVEN)
