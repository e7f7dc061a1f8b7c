"""Governance types as rules (shared/MODEL.md "Governance types"): who runs, pays, recruits, reviews.

Each type is a :class:`Rules` record with named fields and enumerated values that the weekly
mechanisms read (and that decide which mechanisms apply); a type is never a label that only a
scenario file knows about.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from simcomm.core.parameter import ParamSpec, param


class RunBy(StrEnum):
    """Who runs the community day to day."""

    MEMBERS = "members"  # leaders emerge from the members, organise meet-ups and moderate
    VENDOR = "vendor"  # vendor (or distributor, or platform) managers answer, post, recruit, moderate


class EventFunding(StrEnum):
    """Who pays for events."""

    MEMBERS = "members"  # pizza and beers: no cost to the vendor
    VENDOR = "vendor"  # the vendor or a sponsor pays (a cost in the budget review)


class Review(StrEnum):
    """What a failed budget review does."""

    NONE = "none"  # no vendor money to review
    CLOSE = "close"  # the programme closes: every member lapses
    WITHDRAW = "withdraw"  # the sponsor's money ends; the members carry on


class Anchor(StrEnum):
    """What the launch is built on."""

    PROBLEM = "problem"  # partners who share one need (or a vertical)
    MARKET = "market"  # the vendor's depth partners, its market


class Content(StrEnum):
    """Whose promotion the content carries."""

    MEMBERS = "members"  # the members' own: no vendor promotion (seeds/000: 'not a thinly veiled community')
    ONE_VENDOR = "one vendor"  # one vendor's products
    SEVERAL_VENDORS = "several vendors"  # a distributor's: several vendors' products for one vertical


class Pool(StrEnum):
    """Whom the organiser recruits from."""

    CHANNEL = "channel"  # the whole channel
    VERTICAL = "vertical"  # the partners of one vertical (the community's problem), reached widely


class Fit(StrEnum):
    """How a partner judges whether the community fits it."""

    SIMILAR = "similar"  # the content matches its needs
    COMPLEMENTARY = "complementary"  # it finds skills it lacks


@dataclass(frozen=True, kw_only=True)
class Rules:
    """What a governance type does, read by the weekly mechanisms.

    run_by: who runs it (members, or vendor managers with turnover).
    events: who pays for events.
    review: what a failed budget review does.
    matchmaking: managers introduce partners with complementary skills to each other.
    customer_jobs: customers post jobs that members win (transactional value).
    anchor: what the launch is built on.
    content: whose promotion the content carries.
    pool: whom the organiser recruits from.
    fit: how a partner judges fit.
    source: the seed passage the type comes from.
    """

    run_by: RunBy
    events: EventFunding
    review: Review
    matchmaking: bool = False
    customer_jobs: bool = False
    anchor: Anchor = Anchor.PROBLEM
    content: Content = Content.ONE_VENDOR
    pool: Pool = Pool.CHANNEL
    fit: Fit = Fit.SIMILAR
    source: str = ""

    @property
    def member_led(self) -> bool:
        """Return True when leaders emerge from the members."""
        return self.run_by is RunBy.MEMBERS

    @property
    def vendor_runs(self) -> bool:
        """Return True when vendor managers run the community."""
        return self.run_by is RunBy.VENDOR

    @property
    def vendor_funds_events(self) -> bool:
        """Return True when the vendor (or a sponsor) pays for events."""
        return self.events is EventFunding.VENDOR

    @property
    def has_staff(self) -> bool:
        """Return True when the vendor employs someone for the community (to run it or to fund it)."""
        return self.vendor_runs or self.vendor_funds_events


GOVERNANCE: dict[str, Rules] = {
    "organic": Rules(
        run_by=RunBy.MEMBERS, events=EventFunding.MEMBERS, review=Review.NONE, anchor=Anchor.PROBLEM,
        content=Content.MEMBERS,
        source="seeds/000 ('Communities will create themselves quite naturally')"),
    "vendor-imposed": Rules(
        run_by=RunBy.VENDOR, events=EventFunding.VENDOR, review=Review.CLOSE, anchor=Anchor.MARKET,
        source="seeds/000 ('a convenient way to showcase product'), 001"),
    "sponsored": Rules(
        run_by=RunBy.MEMBERS, events=EventFunding.VENDOR, review=Review.WITHDRAW, anchor=Anchor.PROBLEM,
        content=Content.MEMBERS,
        source="seeds/000 comment ('supported (but not co-opted) ... by a sponsor')"),
    "vendor-p2p": Rules(
        run_by=RunBy.VENDOR, events=EventFunding.VENDOR, review=Review.CLOSE, matchmaking=True,
        anchor=Anchor.MARKET,
        source="seeds/004 ('Vendor-driven networks help bring together partners that share a common "
               "technology goal and disparate skill sets')"),
    "distributor": Rules(
        run_by=RunBy.VENDOR, events=EventFunding.VENDOR, review=Review.CLOSE, anchor=Anchor.PROBLEM,
        content=Content.SEVERAL_VENDORS, pool=Pool.VERTICAL,
        source="seeds/004 ('Distributor-organized networks ... surrounding a specific market segment "
               "or vertical')"),
    "marketplace": Rules(
        run_by=RunBy.VENDOR, events=EventFunding.MEMBERS, review=Review.CLOSE, customer_jobs=True,
        anchor=Anchor.MARKET,
        source="seeds/004 ('Third-party \"marketplace\" networks allow customers to seek service "
               "providers')"),
    "p2p-alliance": Rules(
        run_by=RunBy.MEMBERS, events=EventFunding.MEMBERS, review=Review.NONE, anchor=Anchor.PROBLEM,
        fit=Fit.COMPLEMENTARY, content=Content.MEMBERS,
        source="seeds/004 ('Pure P2P networks provide alliance opportunities between partners seeking "
               "out new skill sets')"),
}

PARAMS: tuple[ParamSpec, ...] = (
    param("governance", "organic", None, None, "type", "shared/MODEL.md governance types",
       "Who starts and runs the community.", tuple(GOVERNANCE)),
)
