"""Governance types as rules (shared/MODEL.md "Governance types"): who runs, pays, recruits, reviews.

Each type is a :class:`Rules` record that the mechanisms read; a type is never a label that
only a scenario file knows about.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rules:
    """What a governance type does, read by the weekly mechanisms.

    member_led: leaders emerge from the members, organise meet-ups and moderate.
    vendor_runs: vendor (or distributor, or platform) managers run it: they answer, post,
        build relationships, recruit with incentives, moderate and organise events.
    vendor_funds_events: the vendor pays for events (a cost in the budget review).
    review: what a failed budget review does: "close" the community, "withdraw" the funding
        (the members carry on), or "none" (no vendor money to review).
    matchmaking: managers introduce partners with complementary skills to each other.
    customer_jobs: customers post jobs that members win (transactional value).
    anchor: what the launch is built on: "problem" (partners who share one need) or
        "market" (the vendor's depth partners, its market).
    fit: how a partner judges fit: "similar" (the content matches its needs) or
        "complementary" (it finds skills it lacks).
    """

    member_led: bool
    vendor_runs: bool
    vendor_funds_events: bool
    review: str
    matchmaking: bool = False
    customer_jobs: bool = False
    anchor: str = "problem"
    fit: str = "similar"
    source: str = ""


GOVERNANCE: dict[str, Rules] = {
    "organic": Rules(True, False, False, "none", anchor="problem",
                     source="seeds/000 ('Communities will create themselves quite naturally')"),
    "vendor-imposed": Rules(False, True, True, "close", anchor="market",
                            source="seeds/000 ('a convenient way to showcase product'), 001"),
    "sponsored": Rules(True, False, True, "withdraw", anchor="problem",
                       source="seeds/000 comment ('supported (but not co-opted) ... by a sponsor')"),
    "vendor-p2p": Rules(False, True, True, "close", matchmaking=True, anchor="market",
                        source="seeds/004 ('Vendor-driven networks help bring together partners "
                               "that share a common technology goal and disparate skill sets')"),
    "distributor": Rules(False, True, True, "close", anchor="problem",
                         source="seeds/004 ('Distributor-organized networks ... surrounding a "
                                "specific market segment or vertical')"),
    "marketplace": Rules(False, True, False, "close", customer_jobs=True, anchor="market",
                         source="seeds/004 ('Third-party \"marketplace\" networks allow customers "
                                "to seek service providers')"),
    "p2p-alliance": Rules(True, False, False, "none", anchor="problem", fit="complementary",
                          source="seeds/004 ('Pure P2P networks provide alliance opportunities "
                                 "between partners seeking out new skill sets')"),
}
