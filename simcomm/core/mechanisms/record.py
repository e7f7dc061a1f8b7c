"""The week's record: the weekly metrics (shared/MODEL.md "What is measured"), collected by Mesa's
DataCollector, the one record of the run; and the community's death when its members stop
writing (Kraut & Fiore 2014: a group is dead once it ceases to post new content).

Vendor economics are counted here every week: the cost of managers in post and of events, and
community-influenced revenue (seeds/002 'measure community-influenced activities'), which runs
through the managers' relationships (while the manager is in post) and the members' activity:
a vacancy costs revenue as well as saving a salary.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import partial
from typing import Any

import mesa
import numpy as np

from simcomm.core.mechanism import Mechanism
from simcomm.core.membership import (
    ACTIVE,
    AWARE,
    END_READS,
    END_WRITES,
    LAPSED,
    LURKING,
    end_community,
    state_counts,
)
from simcomm.core.membership import (
    members as members_on,
)
from simcomm.core.metrics import lifecycle_stage, participation_inequality
from simcomm.core.parameter import ParamSpec, param
from simcomm.core.state import View, community_field, partner_array
from simcomm.core.week import Week

PARAMS: tuple[ParamSpec, ...] = (
    param("death_weeks", 8, 1, 520, "weeks", "Kraut & Fiore 2014 (a group is dead once it ceases to post "
          "new content); assumption: two months of silence", "Weeks in a row with no new message (a "
          "member's, or a manager's news) after which a community has died."),
    param("revenue_per_active", 10.0, 0.0, 1e6, "currency/active member/week", "seeds/002 ('How are "
       "we measuring community-influenced activities'); assumption: about 500 a year per active "
       "partner from what it reads and asks, whoever runs the community",
       "Community-influenced vendor revenue per active member per week."),
    param("revenue_per_relationship", 40.0, 0.0, 1e6, "currency/member/week", "seeds/001 (depth "
          "partners: the 1:1 relationship with a partner account manager); seeds/002 ('whether the "
          "activity drove downloads, sales'); assumption: a related partner's business with the vendor "
          "runs through its manager, some 2,000 a year", "Community-influenced revenue per active "
          "member whose relationship is held by a manager in post (a lurker: reader_influence of it)."),
    param("reader_influence", 0.33, 0.0, 1.0, "share", "seeds/002 ('Are we properly tracking our "
       "community activities? ... whether the activity drove downloads, sales'); assumption: a member "
       "who only reads the vendor's content is influenced a third as much as an active one",
       "Community-influenced revenue of a lurking member, relative to an active one."),
    param("revenue_per_deal", 500.0, 0.0, 1e8, "currency/deal", "seeds/004 (peer deals around the "
       "vendor's technology); assumption", "Vendor revenue influenced by each peer deal."),
)


def metrics_row(s: View, week: Week) -> dict[str, Any]:
    """Return this week's metrics (WEEKLY_METRICS but the stage) from the tally and the arrays;
    count a week as active for each active member."""
    people, t, p, community = s.people, week.tally, s.p, s.community
    programme = community.programme
    roster = community.roster  # every partner not unaware of it, ascending: the rest count as unaware
    counts = state_counts(people, roster)
    members = members_on(people, roster)
    staff_in = sum(post.in_post for post in programme.staff)
    cost = t["vendor_cost"] + programme.staff_cost()
    deals = t["peer_deals"] + t["jobs"]
    influenced = int(counts[ACTIVE]) + p.reader_influence * int(counts[LURKING])
    # Revenue runs through the managers' relationships (only while the manager is in post) and
    # the members' own activity.
    slot = people.vendor_tie[members]
    held = (slot >= 0) & programme.in_post_mask()[slot]
    held_active = held & (people.state[members] == ACTIVE)
    people.related_weeks[members[held_active]] += 1  # one more week active with its manager in post
    related = (np.count_nonzero(held_active)
               + p.reader_influence * np.count_nonzero(held & (people.state[members] == LURKING)))
    revenue = (p.revenue_per_active * influenced + p.revenue_per_relationship * related
               + p.revenue_per_deal * deals)
    people.active_weeks[members[people.state[members] == ACTIVE]] += 1  # one more week for each active member
    msgs = people.posts[members] + people.answers[members]
    gini, top10, top1 = participation_inequality(msgs)
    # The mean as ndarray.mean computes it (the sum, then divided by the count).
    mean_commitment = float(np.add.reduce(people.commitment[members]) / members.size) if members.size else 0.0
    return {
        "week": week.number,
        "active_members": int(counts[ACTIVE]),
        "lurking_members": int(counts[LURKING]),
        "lapsed_members": int(counts[LAPSED]),
        "aware_partners": int(counts[AWARE]),
        "joins": int(t["joins"]),
        "leaves": int(t["leaves"]),
        "posts": int(t["posts"]),
        "answers": int(t["answers"]),
        "newcomer_reply_rate": (t["first_posts_answered"] / t["first_posts"]
                                if t["first_posts"] else math.nan),
        "first_posts": int(t["first_posts"]),
        "new_ties": int(t["new_ties"]),
        "ties": community.ties.count_between(*joined(people, roster)),  # between partners who joined it
        "peer_deals": int(t["peer_deals"]),
        "jobs": int(t["jobs"]),
        "mean_commitment": mean_commitment,
        "contribution_gini": gini,
        "top10_post_share": top10,
        "top1_post_share": top1,
        "leaders": int(np.count_nonzero(people.is_leader[roster])),  # only a partner it reached leads
        "staff_present": int(staff_in),
        "vacancies": len(programme.staff) - int(staff_in) if not community.closed else 0,
        "spam_visible": int(t["spam_visible"]),
        "events": int(t["events"]),
        "vendor_cost": float(cost),
        "influenced_revenue": float(revenue),
    }


def joined(people: Any, roster: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the partners who ever joined the community (those of the ``roster`` with a join
    week: ascending indices) and the same as a bool per partner."""
    ever = roster[people.join_week[roster] >= 0]
    mask = np.zeros(people.n, dtype=bool)  # (zeros: untouched pages cost no memory)
    mask[ever] = True
    return ever, mask


def _row_value(model: Any, name: str) -> Any:
    """Return metric ``name`` of this week's row (a model reporter of :class:`WeeklyRecord`)."""
    return model.current.row[name]


class WeeklyRecord(mesa.DataCollector):
    """Mesa's DataCollector of the weekly metrics, the one record of the run.

    One model reporter per metric reads it from this week's row (``model.current.row``). Its
    values are numbers and strings, so :meth:`collect` appends the row to ``model_vars`` as it
    is: the values Mesa's own ``collect`` stores, without its call and deep copy of each (some 30
    Python calls a week). Agent reporters, if any are added, are collected as Mesa does, from the
    model the record was made for (``home``).
    """

    def __init__(self, metrics: Sequence[str], home: mesa.Model) -> None:
        super().__init__(model_reporters={name: partial(_row_value, name=name) for name in metrics})
        self._home = home

    def collect(self, model: mesa.Model) -> None:
        """Append this week's row of metrics to ``model_vars`` (then any agent records); return
        None."""
        if self.agent_reporters or self.agenttype_reporters:
            super().collect(model)
            return
        row = model.current.row  # type: ignore[attr-defined]
        for name, values in self.model_vars.items():
            values.append(row[name])

    def collect_week(self) -> None:
        """Collect this week's row for the model the record was made for; return None."""
        self.collect(self._home)


def record_week(s: View, week: Week) -> None:
    """Compute the week's metrics (``row``), end a community that has had nothing new (no member's
    message, no manager's news, no meet-up) for ``death_weeks`` weeks, add the lifecycle stage and
    collect the row; return None."""
    row = metrics_row(s, week)
    record, community = s.community.record, s.community
    # Something new: a member's message, a manager's news, or a meet-up that members came to.
    met = week.attended.size and np.count_nonzero(week.attended) >= 2
    silent = row["posts"] == 0 and not met and week.effort * s.p.staff_posts == 0
    community.silent_weeks = community.silent_weeks + 1 if silent else 0
    death = s.p.death_weeks
    if not community.closed and community.silent_weeks >= death:
        end_community(s, week.number, f"nothing new has been posted for {death} weeks")
        row["active_members"] = row["lurking_members"] = 0
        row["lapsed_members"] = int(np.count_nonzero(s.people.state[community.roster] == LAPSED))
    row["stage"] = lifecycle_stage([*record.model_vars["active_members"], row["active_members"]],
                                   community.closed)
    week.row = row
    record.collect_week()


MECHANISM = Mechanism(
    name="record", source="MODEL.md 'What is measured'", step=record_week, params=PARAMS,
    uses=("staff_posts",),
    owns=(partner_array("active_weeks", np.int32, 0, "weeks", "Weeks spent as an active member."),
          partner_array("related_weeks", np.int32, 0, "weeks", "Weeks spent active with the manager "
                        "holding its relationship in post."),
          community_field("silent_weeks", 0, "weeks", "Weeks in a row with no new message."),
          community_field("record", None, "DataCollector", "The weekly metrics so far (WeeklyRecord; "
                          "made when the model is built).")),
    reads=("people.posts", "people.answers", "people.commitment", "people.vendor_tie", "people.join_week",
           "community.ties", *END_READS,
           "week.effort", "week.attended"),
    writes=(*END_WRITES, "week.row"),
)
