"""Advocates' burnout (seeds/002 'people with passion'; shared/MODEL.md Advocate: 'can burn out').

An advocate's burnout grows by ``leader_burnout`` x (answers written this week - 1), so a week with
at most one answer lets it recover; at 1 the advocate stops advocating and its identity falls
by ``burnout_commitment_loss`` (the rates leaders burn out at, :mod:`.leadership`). Advocates who
answer far more than others burn out; the week's last word on commitment, after it was updated.
"""

from __future__ import annotations

import numpy as np

from simcomm.core.mechanism import Mechanism
from simcomm.core.state import View, partner_array
from simcomm.core.week import Week


def advocate_burnout(s: View, week: Week) -> None:
    """Add burnout to advocates by the answers they wrote this week; those at 1 stop advocating
    and lose identity; return None."""
    people, m = s.people, week.m
    pos = (people.is_advocate[m] & ~people.burned_out[m]).nonzero()[0]
    if pos.size == 0:
        return
    adv = m[pos]
    rate = s.p.leader_burnout
    written = week.answered_m[pos]
    people.advocate_burnout[adv] = np.maximum(0.0, people.advocate_burnout[adv] + rate * (written - 1.0))
    out = adv[people.advocate_burnout[adv] >= 1.0]
    if out.size:
        people.burned_out[out] = True
        people.identity[out] *= 1.0 - s.p.burnout_commitment_loss
        s.log("advocate_burnout", f"{out.size} advocate(s) burned out")


MECHANISM = Mechanism(
    name="advocate burnout", source="seeds/002 ('people with passion'); MODEL.md Advocate",
    step=advocate_burnout, uses=("leader_burnout", "burnout_commitment_loss"),
    owns=(partner_array("advocate_burnout", np.float64, 0.0, "burnout", "An advocate's burnout (1: "
                        "stops advocating)."),
          partner_array("burned_out", np.bool_, False, "bool", "An advocate who burned out.")),
    reads=("week.m", "week.answered_m", "people.is_advocate"),
    writes=("people.identity",),
)
