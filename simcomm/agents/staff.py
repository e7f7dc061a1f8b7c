"""VendorStaff: a community or partner-account manager employed by the vendor.

seeds/000 ('countless numbers of MS employees ... all have moved on without leaving any form of
legacy'), seeds/003 #8 ('investing and hiring a community manager'). Few of them exist, so they
are plain Mesa agents with their own state. The programme that employs them
(:class:`simcomm.core.programme.Programme`) draws their departures, vacancies and hires and
tells them; an agent only keeps its own record.
"""

from __future__ import annotations

from simcomm.agents.framework_import import mesa


class VendorStaff(mesa.Agent):
    """One manager post (a slot): who holds it (skill and authenticity drawn per hire), since
    when, and when a vacancy ends."""

    def __init__(self, model: mesa.Model, slot: int, skill: float = 0.7,
                 authenticity: float = 0.4) -> None:
        super().__init__(model)
        self.slot = slot
        self.skill = skill
        self.authenticity = authenticity
        self.in_post = True
        self.weeks_in_post = 0
        self.vacant_until = -1
        self.departures = 0
        self.hires = 1

    def vacate(self, week: int, gap: int) -> None:
        """Empty the post from ``week`` for ``gap`` weeks (a successor may start in week
        ``week + gap``); return None."""
        self.in_post = False
        self.departures += 1
        self.vacant_until = week + gap

    def close(self) -> None:
        """Close the post for good (the programme ended or its money was withdrawn); return None."""
        self.in_post = False
        self.vacant_until = 10**9

    def fill(self, skill: float, authenticity: float) -> None:
        """A successor (with its own ``skill`` and ``authenticity``, 0-1) takes the post, with no
        relationships and no time in post."""
        self.in_post = True
        self.weeks_in_post = 0
        self.skill = skill
        self.authenticity = authenticity
        self.hires += 1

    def effectiveness(self, ramp_weeks: float) -> float:
        """Return the share (0-1) of full effectiveness: a successor ramps up over ``ramp_weeks``."""
        if not self.in_post:
            return 0.0
        if ramp_weeks <= 0:
            return self.skill
        return self.skill * min(1.0, (self.weeks_in_post + 1) / ramp_weeks)
