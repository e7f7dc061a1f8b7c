"""Partner and Advocate agents: Mesa handles onto one row of the partner arrays.

The weekly behaviour runs on the arrays (see :mod:`simcomm.core.mechanisms`); a handle reads its row,
so Mesa's AgentSet, DataCollector agent reporters and visualization work on real agents. A
handle is created when its partner first joins the community.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from simcomm.agents.framework_import import mesa

STATE_NAMES: tuple[str, ...] = ("unaware", "aware", "active", "lurking", "lapsed")
SIZE_CLASSES: tuple[str, ...] = ("one-person", "msp", "reseller", "integrator")


class PartnerRows(Protocol):
    """The partner arrays a handle reads (one row per partner)."""

    state: np.ndarray
    commitment: np.ndarray
    size_class: np.ndarray
    posts: np.ndarray
    answers: np.ndarray
    is_leader: np.ndarray
    burned_out: np.ndarray


class Partner(mesa.Agent):
    """A partner firm (one-person shop, MSP, reseller or integrator) in the community.

    seeds/000, 001, 004: partners join for a shared problem, have little time and belong to
    many other programmes.
    """

    kind = "partner"

    def __init__(self, model: mesa.Model, idx: int, rows: PartnerRows) -> None:
        super().__init__(model)
        self.idx = idx
        self.rows = rows

    @property
    def state(self) -> str:
        """Return the membership state: unaware, aware, active, lurking or lapsed."""
        return STATE_NAMES[self.rows.state[self.idx]]

    @property
    def commitment(self) -> float:
        """Return the partner's commitment to the community (0-1)."""
        return float(self.rows.commitment[self.idx])

    @property
    def size_class(self) -> str:
        """Return the firm's size class (one-person, msp, reseller, integrator)."""
        return SIZE_CLASSES[self.rows.size_class[self.idx]]

    @property
    def contributions(self) -> int:
        """Return the posts plus answers this partner has written (messages)."""
        return int(self.rows.posts[self.idx] + self.rows.answers[self.idx])

    @property
    def is_leader(self) -> bool:
        """Return True while this partner leads the community (member-run governance)."""
        return bool(self.rows.is_leader[self.idx])

    def is_member(self) -> bool:
        """Return True while the partner is an active or lurking member."""
        return self.state in ("active", "lurking")


class Advocate(Partner):
    """A partner with high intrinsic motivation: posts early, welcomes newcomers, invites peers.

    seeds/003 #4 ('encourage key supporters'), #7; seeds/002 ('people with passion'). An
    advocate who carries too much load burns out and stops advocating.
    """

    kind = "advocate"

    @property
    def burned_out(self) -> bool:
        """Return True once this advocate has burned out."""
        return bool(self.rows.burned_out[self.idx])
