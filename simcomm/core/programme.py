"""The programme: the vendor's (or a sponsor's) manager posts, its money and the content it promotes.

seeds/000 ('countless numbers of MS employees ... all have moved on without leaving any form of
legacy'; 'not just when those initiating the programme are in the job'), seeds/003 #8 (hiring a
community manager), seeds/001 ('people see through the BS'). One :class:`Programme` per
community, the ``community.programme`` field, owned by this room: where the vendor runs or funds
the community it holds ``staff_count`` posts (Mesa :class:`~simcomm.agents.VendorStaff` agents).

Every hire is a different person: skill and authenticity are drawn per hire (Beta, means
``manager_skill`` and ``staff_authenticity``, concentration ``manager_concentration``). A
successor ramps up over ``(1 - handover_quality) x successor_ramp_weeks`` weeks
(:meth:`Programme.ramp_weeks`, the one place of that formula) and, unless the handover keeps
the programme (probability ``handover_quality``), resets it: a content mix of its own (promotion
share drawn around ``promo_share``, spread ``promo_swing``) and no events until it has ramped
up. A budget cut scales the managers' time and the event budget; a closure or a withdrawal of
funding closes every post. The weekly departures are :mod:`simcomm.core.mechanisms.staff_turnover`,
the reviews :mod:`simcomm.core.mechanisms.budget_review`.

A sponsor can also take on a member-run community that already exists (a channel's
sponsorship, :meth:`simcomm.core.model.CommunityModel.take_sponsor`): :meth:`Programme.open_posts`
opens its contact's posts in that week, which becomes the programme's ``since`` (the week its
money started: 0 for a programme launched with the community); the budget reviews count from it.
"""

from __future__ import annotations

import mesa
import numpy as np
from scipy import special

from simcomm.agents import VendorStaff
from simcomm.core.governance import Content
from simcomm.core.mechanism import Room
from simcomm.core.parameter import ASSUMPTION, ParamSpec, param
from simcomm.core.state import View, community_field

PARAMS: tuple[ParamSpec, ...] = (
    param("staff_count", 1, 0, 1000, "managers", "seeds/003 #8 ('hiring a community manager')",
          "Community managers the vendor employs (vendor-staffed governance only)."),
    param("handover_quality", 0.3, 0.0, 1.0, "share", "seeds/000 ('moved on without leaving any form "
          "of legacy')", "Share of a leaving manager's relationships and plans the successor keeps."),
    param("manager_skill", 0.7, 0.01, 0.99, "0-1", ASSUMPTION + "a competent hire on average; "
          "seeds/003 #8 ('even be done by a young apprentice so long as they are social savvy')",
          "Mean skill of a manager hire (how much of a full manager's work it gets done)."),
    param("staff_authenticity", 0.4, 0.01, 0.99, "0-1", "seeds/001 ('people see through the BS')",
          "Mean authenticity of a manager hire (and of member promotion); promotion costs members "
          "(1 - authenticity)."),
    param("manager_concentration", 8.0, 0.5, 1000.0, "Beta concentration", ASSUMPTION + "hires differ "
          "noticeably (skill sd about 0.15 at the default)",
          "How alike manager hires are: Beta(mean x c, (1 - mean) x c) for skill and authenticity."),
    param("successor_ramp_weeks", 26.0, 0.0, 208.0, "weeks", ASSUMPTION + "half a year to learn a "
          "programme from scratch", "Weeks a successor needs to reach full effectiveness with no "
          "handover (scaled by 1 - handover_quality)."),
    param("promo_share", 0.3, 0.0, 1.0, "share of content", "seeds/000 ('a convenient way to showcase "
          "product'), seeds/001; assumption: a vendor's feed is about a third product news",
          "Share of a vendor-run (or sponsored-content) community's content that is product promotion "
          "at launch (a member-run community carries none)."),
    param("promo_swing", 0.15, 0.0, 0.5, "share of content", ASSUMPTION + "a new manager's own "
          "marketing brief", "Spread (sd) of a resetting successor's promotional share around promo_share."),
    param("launch_weeks_in_post", 52, 0, 1040, "weeks", ASSUMPTION + "the launch manager designed the "
          "programme: no ramp-up at launch", "Weeks the launch managers are counted as already in post."),
    param("sponsor_time_share", 0.1, 0.0, 1.0, "share", "seeds/000 comment ('supported (but not "
          "co-opted)'); assumption: a sponsor's contact gives the community a tenth of a post",
          "Share of a manager's cost a sponsor's contact costs while in post (sponsored)."),
    param("sponsor_recruits", 0.0, 0.0, 1.0, "share of a manager's reach", "shared/MODEL.md mechanism 1 "
          "(vendor recruitment) and the sponsored type (seeds/000 comment: 'supported (but not "
          "co-opted)'); assumption: 0, Model 3's sponsor, who only pays for the meet-ups; a channel's "
          "sponsorship of an existing community sets 1 (the vendor brings its reach)",
          "Share of a manager's recruitment (vendor_reach per post, scaled by effectiveness and "
          "budget) a sponsor's contact brings to the member-run community it funds: its invitations "
          "bring the vendor's partners in, until the money is withdrawn."),
    param("staff_cost_per_week", 2000.0, 0.0, 1e7, "currency/week", ASSUMPTION + "loaded cost of a manager",
          "Vendor cost of each manager in post."),
)

STREAMS: tuple[str, ...] = ("hire", "programme reset", "successor promotion")
#: The programme's parameters only a sponsor reads (where members run the community it funds).
SPONSOR_ONLY: tuple[str, ...] = ("sponsor_recruits",)


class Programme:
    """The programme behind a community: its manager posts, money and promotion.

    ``staff``: the posts (empty where the vendor neither runs nor funds the community);
    ``funding``: False once a review withdrew a sponsor's money; ``staff_level`` /
    ``budget_level``: the share of managers' time / of the event and recruitment budget left
    after cuts (0-1); ``review_misses``: reviews missed in a row; ``promo_share``: the promotional
    share of the content now (0-1); ``events_from``: the first week a resetting successor holds
    events again; ``since``: the community's week the programme's money started (0 unless a
    sponsor took the community on later, :meth:`open_posts`).
    """

    def __init__(self, home: mesa.Model, s: View) -> None:
        """Open the programme's posts (``home`` is the Mesa model the managers belong to), each
        with its first hire, counted ``launch_weeks_in_post`` weeks in post."""
        self._s = s
        self.staff: list[VendorStaff] = []
        self.funding = True
        self.staff_level = 1.0
        self.budget_level = 1.0
        self.review_misses = 0
        # A member-run community carries no vendor promotion (seeds/000: 'not a thinly veiled community').
        self.promo_share = 0.0 if s.rules.content is Content.MEMBERS else float(s.p.promo_share)
        self.events_from = 0
        self.since = 0
        self._vacant_since: dict[int, int] = {}
        if s.rules.has_staff:
            self.open_posts(home, 0)

    def open_posts(self, home: mesa.Model, week: int) -> None:
        """Open the programme's ``staff_count`` posts in ``week`` (its ``since``), each with its
        first hire counted ``launch_weeks_in_post`` weeks in post, the money in place; return
        None. At launch (week 0) where the vendor runs or funds the community; later when a
        sponsor takes on a community that had no programme."""
        s = self._s
        self.since = int(week)
        self.funding = True
        for slot in range(s.p.staff_count):
            skill, authenticity = self.draw_hire(slot, 1)
            self.staff.append(VendorStaff(home, slot=slot, skill=skill, authenticity=authenticity))
        for post in self.staff:
            post.weeks_in_post = s.p.launch_weeks_in_post

    def rebind(self, s: View) -> None:
        """Read parameters and streams through ``s`` from now on (the model's parameters
        changed); return None."""
        self._s = s

    # ---- who works for it, and how well ----------------------------------------------------
    def draw_hire(self, slot: int, hire: int) -> tuple[float, float]:
        """Return the (skill, authenticity) of hire number ``hire`` in post ``slot`` (0-1 each)."""
        p = self._s.p
        u = self._s.streams.get("hire").uniform(hire, np.array([slot, slot]), np.array([0, 1]))
        c = p.manager_concentration
        skill = float(special.betaincinv(p.manager_skill * c, (1 - p.manager_skill) * c, u[0]))
        auth = float(special.betaincinv(p.staff_authenticity * c, (1 - p.staff_authenticity) * c, u[1]))
        return skill, auth

    def ramp_weeks(self) -> float:
        """Return the weeks a successor needs to reach full effectiveness: ``(1 -
        handover_quality) x successor_ramp_weeks``."""
        return (1.0 - self._s.p.handover_quality) * self._s.p.successor_ramp_weeks

    def effectiveness(self, post: VendorStaff) -> float:
        """Return one post's effectiveness this week (skill x ramp-up x the time the budget leaves
        the managers; 0 while the post is empty)."""
        return post.effectiveness(self.ramp_weeks()) * self.staff_level

    def effort(self) -> float:
        """Return the managers' combined effectiveness this week (0 when every post is empty,
        and always 0 where the vendor does not run the community)."""
        if not self._s.rules.vendor_runs:
            return 0.0
        ramp = self.ramp_weeks()
        return float(sum(s.effectiveness(ramp) for s in self.staff)) * self.staff_level

    def in_post(self) -> list[int]:
        """Return the slots of the posts held this week."""
        return [s.slot for s in self.staff if s.in_post]

    def in_post_mask(self) -> np.ndarray:
        """Return a boolean per post slot, plus a last False (for ``vendor_tie == -1``): True
        while the post is held."""
        return np.array([s.in_post for s in self.staff] + [False])

    def voice_authenticity(self) -> float:
        """Return how authentic the voice behind the promotion is (0-1): the managers' (mean over
        posts) where the vendor runs the community, else ``staff_authenticity``."""
        if self._s.rules.vendor_runs and self.staff:
            return float(np.add.reduce(np.array([s.authenticity for s in self.staff])) / len(self.staff))
        return float(self._s.p.staff_authenticity)

    def sponsor_reach(self) -> float:
        """Return how many managers' recruitment the sponsor's contacts bring this week:
        ``sponsor_recruits`` x their combined effectiveness (skill x ramp-up x the time the budget
        leaves them); 0 when no post is held, the money was withdrawn, ``sponsor_recruits`` is 0
        (Model 3's sponsor), or the vendor runs the community itself (then :meth:`effort` is its
        managers')."""
        share = self._s.p.sponsor_recruits
        if not share or self._s.rules.vendor_runs or not self.funding:
            return 0.0
        ramp = self.ramp_weeks()
        return share * float(sum(s.effectiveness(ramp) for s in self.staff)) * self.staff_level

    def sponsor_in_post(self) -> bool:
        """Return True while someone holds a funded post and the funding has not been withdrawn."""
        return self.funding and any(s.in_post for s in self.staff)

    def staff_cost(self) -> float:
        """Return this week's cost of the managers in post (currency): a full salary each where
        the vendor runs the community (times the time left after cuts), a sponsor's contact's
        share of one where it only funds it, nothing once the funding is withdrawn."""
        p = self._s.p
        held = sum(s.in_post for s in self.staff)
        if self._s.rules.vendor_runs:
            return held * p.staff_cost_per_week * self.staff_level
        return held * p.staff_cost_per_week * p.sponsor_time_share if self.funding else 0.0

    def vacant_cost(self) -> float:
        """Return this week's budget of the empty posts (currency): what staff_cost would be if
        every post were held; 0 once the funding is withdrawn or the community closed."""
        p = self._s.p
        empty = sum(not s.in_post for s in self.staff)
        if not empty or not self.funding:
            return 0.0
        if self._s.rules.vendor_runs:
            return empty * p.staff_cost_per_week * self.staff_level
        return empty * p.staff_cost_per_week * p.sponsor_time_share

    # ---- what happens to it ----------------------------------------------------------------
    def handover_keeps(self, u: np.ndarray) -> np.ndarray:
        """Return which of a leaving manager's relationships the successor keeps (True with
        probability ``handover_quality``, from the uniforms ``u``)."""
        return u < self._s.p.handover_quality

    def vacate(self, post: VendorStaff, week: int, gap: int) -> None:
        """Empty ``post`` from ``week`` for ``gap`` weeks; return None."""
        post.vacate(week, gap)
        self._vacant_since[post.slot] = week

    def hire(self, post: VendorStaff, week: int) -> str:
        """Fill ``post`` with its next hire this week and, where the vendor runs the community,
        let the successor reset the programme unless the handover keeps it; return what
        happened in words (for the event log)."""
        post.fill(*self.draw_hire(post.slot, post.hires + 1))
        text = f"a new community manager started (skill {post.skill:.2f}), with no relationships"
        if post.slot in self._vacant_since:
            text += f"; the post had stayed empty for {week - self._vacant_since.pop(post.slot)} weeks"
        return text

    def successor_resets(self, post: VendorStaff, week: int) -> str | None:
        """With probability 1 - handover_quality the successor in ``post`` resets the programme:
        its own content mix and no events until ramped up; return what happened in words, or
        None when the handover kept the programme."""
        p, streams = self._s.p, self._s.streams
        if streams.get("programme reset").scalar(week, slot=post.slot) < p.handover_quality:
            return None
        z = float(streams.get("successor promotion").normal(week, np.array([post.slot]))[0])
        self.promo_share = float(np.clip(p.promo_share + p.promo_swing * z, 0.0, 1.0))
        self.events_from = week + round((1.0 - p.handover_quality) * p.successor_ramp_weeks)
        return (f"the new manager reset the programme: promotion is now {self.promo_share:.0%} of the "
                f"content, no events until week {self.events_from}")

    def cut(self, share: float) -> None:
        """Cut the managers' time and the event and recruitment budget by ``share``; return None."""
        self.budget_level *= 1.0 - share
        self.staff_level *= 1.0 - share

    def restore(self) -> bool:
        """Restore a cut budget; return True if there was a cut to restore."""
        cut = self.budget_level < 1.0 or self.staff_level < 1.0
        self.budget_level = self.staff_level = 1.0
        return cut

    def close_posts(self) -> None:
        """Close every post for good; return None."""
        for post in self.staff:
            post.close()

    def withdraw_funding(self) -> None:
        """End the vendor's money for good (sponsored): its posts close; return None."""
        self.funding = False
        self.close_posts()


ROOM = Room(
    name="programme", source="MODEL.md mechanisms 8 and 10; seeds/000, 001, 003 #8", params=PARAMS,
    owns=(community_field("programme", None, "programme", "The vendor's (or sponsor's) programme: "
                          "posts, money, promotion (Programme)."),),
    streams=STREAMS,
)
