"""The community's content mix (seeds/000 'a convenient way to showcase product', seeds/001).

Members' content follows what they ask about (the needs of this week's askers, a moving average
with memory ``topic_memory``: the shared problem); the programme's promotional share of the
content is product promotion (``promo_share`` at launch; a successor may change it). A
distributor promotes several vendors' products for its vertical: part product, part the
vertical's topic (``distributor_vertical_share``). The members' skills on offer (the active
members' mean skills profile) are what an alliance's newcomers look for (seeds/004).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simcomm.core.governance import Content
from simcomm.core.mechanism import Mechanism
from simcomm.core.parameter import ASSUMPTION, ParamSpec, param
from simcomm.core.population import PRODUCT, TOPICS
from simcomm.core.week import Week

if TYPE_CHECKING:
    from simcomm.core.model import CommunityModel

PROMOTION = np.eye(len(TOPICS))[PRODUCT]  # the topic mix of pure product promotion


def promotion(model: CommunityModel) -> np.ndarray:
    """Return the topic mix of the programme's promotion (shares over TOPICS)."""
    if model.rules.content is Content.SEVERAL_VENDORS and model.problem is not None:
        vertical = model.p.distributor_vertical_share
        return (1.0 - vertical) * PROMOTION + vertical * np.eye(len(TOPICS))[model.problem]
    return PROMOTION

PARAMS: tuple[ParamSpec, ...] = (
    param("promo_share", 0.1, 0.0, 1.0, "share of content", "seeds/000 ('a convenient way to showcase "
       "product'), seeds/001", "Share of content that is product promotion (at launch)."),
    param("distributor_vertical_share", 0.5, 0.0, 1.0, "share", "seeds/004 ('distributors work with "
          "multiple vendors, therefore, they are not driving a single vendor's revenue'); assumption "
          "for the figure", "Share of a distributor's promotion about its vertical rather than products."),
    param("topic_memory", 0.9, 0.0, 1.0, "1/week", ASSUMPTION + "the content drifts with the members' "
          "questions over a couple of months", "Weight of last week's topic mix in this week's (the rest "
          "follows this week's questions)."),
)

def update_topics(model: CommunityModel, week: Week) -> None:
    """Move the members' topic mix toward this week's askers' needs and mix in promotion
    (``model.topic``, shares over TOPICS); return None."""
    people, m = model.people, week.m
    memory = model.p.topic_memory
    ask = m[week.questions > 0]
    if ask.size:
        asked = np.add.reduce(people.needs.take(ask, axis=0), axis=0) / ask.size
        model.member_topic = memory * model.member_topic + (1.0 - memory) * asked
    share = model.promo_share
    model.topic = (1.0 - share) * model.member_topic + share * promotion(model)
    active = m[week.active_m]
    if active.size:
        model.skill_supply = np.add.reduce(people.skills.take(active, axis=0), axis=0) / active.size


MECHANISM = Mechanism(
    name="content mix", source="seeds/000, seeds/001", step=update_topics, params=PARAMS,
    reads=("m", "questions", "active_m"),
)
