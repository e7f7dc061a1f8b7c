"""The seed-000 claims a channel of communities can test, as contrasts of two channel files
(``simcomm claims``; issue 24).

A :class:`ChannelClaim` is read like a :class:`simcomm.runs.claims.Claim`: its ``without`` arm is
one channel file and its ``with`` arm another (the vendor launching its own community against
sponsoring the partners' own; one programme against ten on the same partners), both run on the
same seeds, so on the same partners, needs and ties seed by seed (common random numbers), and
measured as ``compare`` measures channels (:func:`simcomm.runs.channel_compare.channel_outcomes`).
Each says whether a formula fixes its sign (``built_in``) or the runs decide it, and which
assumption the answer rests on (``rests_on``). A channel claim is tested at the defaults only:
the robustness hypercube varies one community's assumptions, which a channel of several
communities would have to vary in each (not built).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from simcomm.core.params import Value
from simcomm.runs.batch import run_many
from simcomm.runs.channel_compare import ChannelSpec, run_channel_spec
from simcomm.runs.channel_run import load_channel, with_overrides

ESSAY_000 = "000"
REWORK = ("And the only way to do that is for us to rework what already exists, much of which will already "
          "have budgetary sign off from the powers that be")
HELP_IMPROVE = ("whether they would be more effective trying to help improve one that already exists")
FIFTY_FIVE = ("There are at least 55 Partner Programmes that we know of and all try and offer practically "
              "the same audience the same message")
SPONSOR_REACH = ("the sponsor's invitations: sponsor_recruits = 1, a manager's reach (an assumption; with 0, "
                 "a sponsor who only pays for the meet-ups, sponsoring changes nothing partners see: README)")
BLIND_JOINING = ("joining reads a partner's other programmes as programmes_per_partner, the same in both "
                 "arms, not how many of the channel's it already belongs to (an assumption)")
LAUNCH_OR_SPONSOR = ("a sponsorship brings the sponsored type's rules into the partners' own community "
                     "(the meet-ups paid; a failed review withdraws the money, the members carry on), its "
                     "contact's post and the vendor's invitations, with no promotion; a launch brings a "
                     "vendor-imposed community beside it on the same topic, a partner in both splitting its "
                     "hours (attention = 1 / memberships). Who joins, who stays and whether the money stays "
                     "emerge.")
COMPETING = ("ten vendor-imposed programmes on the same topic and partners, launched over the first year, "
             "each inviting on its own and reviewing its own budget; a member's hours are split equally "
             "across its communities (attention = 1 / memberships, core/channel.py).")


@dataclass(frozen=True)
class ChannelClaim:
    """One claim as a contrast of two channel files.

    ``without`` and ``with_`` name the channel files of the two arms (built-in ``channel-*``
    names); ``metric`` is a channel measure (:data:`~simcomm.core.metric_registry.CHANNEL_COMPARED`),
    ``direction`` what the essay expects of it from without to with (+1, -1, 0: hardly moving,
    within ``tolerance`` of the without arm's mean). ``built_in`` names the formula that fixes
    the sign ("" when the runs decide it); ``rests_on`` the assumption the answer turns on.
    """

    key: str
    seed: str
    passage: str
    statement: str
    without: str
    with_: str
    metric: str
    direction: int
    mechanism: str
    built_in: str = ""
    rests_on: str = ""
    tolerance: float = 0.1
    setting: Mapping[str, Value] = field(default_factory=dict)

    @property
    def why(self) -> str:
        """Return why the model does not agree with this claim at the defaults ("" if no note)."""
        return CHANNEL_WHY_NOT.get(self.key, "")

    @property
    def scenario(self) -> str:
        """Return the two channel files, "without / with" (the claim has no single scenario)."""
        return f"{self.without} / {self.with_}"

    @property
    def lever(self) -> str:
        """Return what the contrast changes: the channel file."""
        return "channel file"

    def contrast(self) -> str:
        """Return the contrast in words, e.g. ``channel-vendor-enters -> channel-vendor-sponsors``."""
        return f"{self.without} -> {self.with_} (channel files)"

    def channel(self, arm: str) -> str:
        """Return the channel file of ``arm`` ("without" or "with")."""
        return self.without if arm == "without" else self.with_


CHANNEL_CLAIMS: tuple[ChannelClaim, ...] = (
    ChannelClaim(
        "rework-what-exists", ESSAY_000, REWORK,
        "A vendor that helps the partners' own community (sponsors it) serves more partners than one that "
        "launches its own beside it.",
        "channel-vendor-enters", "channel-vendor-sponsors", "active_in_any", +1, LAUNCH_OR_SPONSOR,
        rests_on=SPONSOR_REACH),
    ChannelClaim(
        "help-improve-existing", ESSAY_000, HELP_IMPROVE,
        "Helping the partners' own community leaves it larger than launching a vendor's own beside it.",
        "channel-vendor-enters", "channel-vendor-sponsors", "own_members_at_end", +1, LAUNCH_OR_SPONSOR,
        rests_on=SPONSOR_REACH),
    ChannelClaim(
        "many-programmes-split", ESSAY_000, FIFTY_FIVE,
        "More programmes offering the same partners the same message split their members: a member "
        "belongs to more of them.",
        "channel-one-programme", "channel-many-programmes", "overlap_at_end", +1, COMPETING,
        built_in="with one programme and no other community nobody can belong to two, so memberships per "
                 "member is 1 there and cannot be less with ten (core/channel.py)"),
    ChannelClaim(
        "many-programmes-fewer-each", ESSAY_000, FIFTY_FIVE,
        "Programmes competing for the same partners each keep fewer members than one alone.",
        "channel-one-programme", "channel-many-programmes", "members_per_community_at_end", -1, COMPETING,
        rests_on=BLIND_JOINING),
    ChannelClaim(
        "many-programmes-same-audience", ESSAY_000, FIFTY_FIVE,
        "More programmes for the same audience reach hardly more partners.",
        "channel-one-programme", "channel-many-programmes", "vendor_reach_at_end", 0, COMPETING,
        rests_on=BLIND_JOINING),
)
CHANNEL_CLAIM_BY_KEY: dict[str, ChannelClaim] = {c.key: c for c in CHANNEL_CLAIMS}

#: Where the model did not agree with a channel claim at the defaults (docs/claims.md, 20 seeds):
#: written after the runs, shown only while the claim does not agree. Nothing was tuned.
CHANNEL_WHY_NOT: dict[str, str] = {
    "many-programmes-fewer-each": (
        "What pulls the other way is built in: a member's hours are split across its programmes "
        "(attention = 1 / memberships), which costs each of them visits. That it does not show as fewer "
        "members per programme rests on an assumption: each programme's manager invites on its own, and "
        "a partner's will to join reads only its other programmes as programmes_per_partner, the same "
        "in both arms, not how many of the channel's it already belongs to (joining that feels the "
        "channel's other communities is not built), so each of the ten recruits as one alone does; and "
        "members with a quarter of their hours for each stay (the budget reviews close almost none: 9.7 "
        "of 10 alive at five years, README). Why each keeps somewhat more members than one alone is not "
        "taken apart here."),
    "many-programmes-same-audience": (
        "Ten programmes inviting on their own reach three times as many of the channel's 2,000 partners "
        "as one (README: 1,651 against 503 on seeds 0-19), largely because a partner's will to join reads "
        "only programmes_per_partner, the same in both arms, not the channel's programmes it already "
        "belongs to (an assumption: joining that feels the channel's other communities is not built). "
        "The audience does saturate (83% of the partners in a programme, a member in four on average), "
        "so beyond ten more programmes could mostly split the same partners: the essay's 'same "
        "audience' holds at the margin, not between one programme and ten."),
}


def is_channel_claim(claim: Any) -> bool:
    """Return True for a :class:`ChannelClaim` (a contrast of two channel files)."""
    return isinstance(claim, ChannelClaim)


def run_channel_contrasts(claims: Sequence[ChannelClaim], seeds: Sequence[int], *, weeks: int = 260,
                          workers: int | None = None, progress: bool = False,
                          overrides: Mapping[str, Value] | None = None) -> pd.DataFrame:
    """Run both arms of each channel claim on ``seeds`` (the same for both arms and every claim;
    a channel file and seed that several claims share runs once); ``overrides`` change the
    channels' shared parameters (``partners``: a smaller channel).

    Returns one row per claim x arm x replicate: ``claim``, ``arm``, ``replicate``, ``seed`` and
    every channel measure (in its own unit; NaN where a run has none).
    """
    names = dict.fromkeys(name for c in claims for name in (c.without, c.with_))
    plans = {name: with_overrides(load_channel(name), overrides) for name in names}
    specs: list[ChannelSpec] = []
    index: dict[tuple[str, int], int] = {}
    for name, plan in plans.items():
        for s in seeds:
            index[(name, s)] = len(specs)
            specs.append(ChannelSpec(plan, weeks, int(s), name))
    done = run_many(specs, workers=workers, progress=progress, desc="channel claims",
                    function=run_channel_spec)
    rows = []
    for c in claims:
        for arm in ("without", "with"):
            for r, s in enumerate(seeds):
                summary = done[index[(c.channel(arm), s)]].summary
                rows.append({"claim": c.key, "arm": arm, "replicate": r, "seed": int(s),
                             **{k: (float("nan") if v is None else v) for k, v in summary.items()}})
    return pd.DataFrame(rows)
