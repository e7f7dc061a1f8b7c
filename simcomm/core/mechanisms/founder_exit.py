"""The founder walks away (Kraut & Fiore 2014: groups that hang on their founder fail more often).

An intervention for the founder-centrality contrast and for what-ifs: in week
``initiator_leaves_week`` (0: never) the initiator of a member-run community leaves it, as any
member who walks away does: its ties to the others then hold nothing, and it stops leading.
"""

from __future__ import annotations

import numpy as np

from simcomm.core.governance import Rules
from simcomm.core.mechanism import Mechanism
from simcomm.core.membership import ACTIVE, LAPSE_WRITES, LURKING, lapse
from simcomm.core.parameter import ParamSpec, param
from simcomm.core.state import View
from simcomm.core.week import Week

PARAMS: tuple[ParamSpec, ...] = (
    param("initiator_leaves_week", 0, 0, 5200, "week", "Kraut & Fiore 2014 (a group that hangs on its "
          "founder); a what-if lever", "Week the founder who started a member-run community walks away "
          "(0: never)."),
)


def founder_exit(s: View, week: Week) -> None:
    """Make the initiator leave in week ``initiator_leaves_week`` if it is still a member; return None."""
    who = s.community.initiator
    if week.number != s.p.initiator_leaves_week or who < 0:
        return
    if s.people.state[who] in (ACTIVE, LURKING):
        lapse(s, week.number, np.array([who]))
        s.log("founder_left", "the founder who started the community walked away")


def member_led(rules: Rules) -> bool:
    """Return True where members lead (a founder who can walk away)."""
    return rules.member_led


MECHANISM = Mechanism(
    name="founder exit", source="Kraut & Fiore 2014; seeds/000 ('the familiar few')", step=founder_exit,
    params=PARAMS, applies=member_led, reads=("community.initiator",), writes=LAPSE_WRITES,
)
