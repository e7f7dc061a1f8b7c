"""The community's content mix (seeds/000 'a convenient way to showcase product', seeds/001).

Members' content stays partly (``topic_anchor``) on what the community was founded on (the
founders' needs: the shared problem, its social object) and otherwise follows what they ask about
(the needs of this week's askers, a moving average with memory ``topic_memory``); the programme's
promotional share of the content is product promotion (``promo_share`` at launch; a successor may
change it; a member-run community carries none). A
distributor promotes several vendors' products for its vertical: part product, part the
vertical's topic (``distributor_vertical_share``). The members' skills on offer (the active
members' mean skills profile) are what an alliance's newcomers look for (seeds/004).
"""

from __future__ import annotations

import numpy as np

from simcomm.core.governance import Content
from simcomm.core.mechanism import Mechanism
from simcomm.core.parameter import ASSUMPTION, ParamSpec, param
from simcomm.core.population import PRODUCT, TOPICS
from simcomm.core.state import View, community_field
from simcomm.core.week import Week

PROMOTION = np.eye(len(TOPICS))[PRODUCT]  # the topic mix of pure product promotion

PARAMS: tuple[ParamSpec, ...] = (
    param("distributor_vertical_share", 0.5, 0.0, 1.0, "share", "seeds/004 ('distributors work with "
          "multiple vendors, therefore, they are not driving a single vendor's revenue'); assumption "
          "for the figure", "Share of a distributor's promotion about its vertical rather than products."),
    param("topic_memory", 0.9, 0.0, 1.0, "1/week", ASSUMPTION + "the content drifts with the members' "
          "questions over a couple of months", "Weight of last week's topic mix in this week's (the rest "
          "follows this week's questions)."),
    param("topic_anchor", 0.5, 0.0, 1.0, "share", "seeds/001 ('the social object'); seeds/000 "
          "('communities ... occur when there is a problem or situation that people share'); "
          "assumption for the figure", "Share of the members' content that stays on what the community "
          "was founded on (the rest follows what its members ask about)."),
)


def promotion(s: View) -> np.ndarray:
    """Return the topic mix of the programme's promotion (shares over TOPICS)."""
    problem = s.community.problem
    if s.rules.content is Content.SEVERAL_VENDORS and problem is not None:
        vertical = s.p.distributor_vertical_share
        return (1.0 - vertical) * PROMOTION + vertical * np.eye(len(TOPICS))[problem]
    return PROMOTION


def start_topics(s: View) -> None:
    """Start the topic mix at the channel's mean needs and the skills on offer at its mean skills
    (the launch then sets what the community is founded on, and the members' mix, from the
    founders' needs); return None."""
    s.community.member_topic = s.people.needs.mean(axis=0)
    s.community.founding_topic = s.community.member_topic.copy()
    s.community.topic = s.community.member_topic.copy()
    s.community.skill_supply = s.people.skills.mean(axis=0)


def update_topics(s: View, week: Week) -> None:
    """Move the members' topic mix toward this week's askers' needs and mix in promotion
    (``community.topic``, shares over TOPICS); return None."""
    people, m, community = s.people, week.m, s.community
    memory = s.p.topic_memory
    ask = m[week.questions > 0]
    if ask.size:
        asked = np.add.reduce(people.needs.take(ask, axis=0), axis=0) / ask.size
        community.member_topic = memory * community.member_topic + (1.0 - memory) * asked
    share, anchor = community.programme.promo_share, s.p.topic_anchor
    own = anchor * community.founding_topic + (1.0 - anchor) * community.member_topic
    community.topic = (1.0 - share) * own + share * promotion(s)
    active = m[week.active_m]
    if active.size:
        community.skill_supply = np.add.reduce(people.skills.take(active, axis=0), axis=0) / active.size


MECHANISM = Mechanism(
    name="content mix", source="seeds/000, seeds/001", step=update_topics, params=PARAMS,
    owns=(community_field("member_topic", None, "share", "What the members ask about, over TOPICS."),
          community_field("founding_topic", None, "share", "What the community was founded on (the "
                          "founders' needs), over TOPICS."),
          community_field("topic", None, "share", "The content mix over TOPICS: the members' and the "
                          "programme's promotion."),
          community_field("skill_supply", None, "share", "The active members' mean skills profile (what "
                          "an alliance's newcomers look for).")),
    reads=("week.m", "week.questions", "week.active_m", "people.needs", "people.skills", "community.problem",
           "community.programme"),
    setup=start_topics,
)
