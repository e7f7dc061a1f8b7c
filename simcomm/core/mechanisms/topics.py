"""The community's content mix (seeds/000 'a convenient way to showcase product', seeds/001).

Members' content follows what they ask about (the needs of this week's askers, a slow moving
average: the shared problem); ``promo_share`` of the content is product promotion (high in
vendor-run communities, low where members run it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simcomm.core.mechanism import Mechanism
from simcomm.core.parameter import ParamSpec, param
from simcomm.core.population import PRODUCT, TOPICS
from simcomm.core.week import Week

if TYPE_CHECKING:
    from simcomm.core.model import CommunityModel

PROMOTION = np.eye(len(TOPICS))[PRODUCT]  # the topic mix of pure product promotion

PARAMS: tuple[ParamSpec, ...] = (
    param("promo_share", 0.1, 0.0, 1.0, "share of content", "seeds/000 ('a convenient way to showcase "
       "product'), seeds/001", "Share of content that is product promotion."),
)

def update_topics(model: CommunityModel, week: Week) -> None:
    """Move the members' topic mix toward this week's askers' needs and mix in promotion
    (``model.topic``, shares over TOPICS); return None."""
    people, m = model.people, week.m
    ask = m[week.questions > 0]
    if ask.size:
        asked = people.needs.take(ask, axis=0).mean(axis=0)
        model.member_topic = 0.9 * model.member_topic + 0.1 * asked
    share = model.p.promo_share
    model.topic = (1.0 - share) * model.member_topic + share * PROMOTION


MECHANISM = Mechanism(
    name="content mix", source="seeds/000, seeds/001", step=update_topics, params=PARAMS,
    reads=("m", "questions"),
)
