"""Every model parameter in one table: name, default, allowed range, unit and source.

A source is a seed essay (``seeds/000`` ... ``seeds/004`` in ``shared/``), a published figure,
or ``assumption: why``. Calibrated defaults say what they were calibrated against.

``Params`` is the validated, immutable set of values a model runs with. Build it with
:func:`make_params` (defaults plus overrides); a wrong type or out-of-range value raises
:class:`ParameterError` naming the parameter, the value and what is allowed.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from simcomm.core.governance import GOVERNANCE

GOVERNANCE_TYPES: tuple[str, ...] = tuple(GOVERNANCE)
GROWTH_POLICIES: tuple[str, ...] = ("open", "council")

Value = int | float | str | bool


class ParameterError(ValueError):
    """A parameter value (or name) that the model does not accept; the message is one line."""


@dataclass(frozen=True)
class ParamSpec:
    """The definition of one parameter: type, default, allowed values, unit, source."""

    name: str
    default: Value
    kind: type
    unit: str
    source: str
    doc: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None

    def allowed(self) -> str:
        """Return the allowed values as text, e.g. ``a number in [0, 1]``."""
        if self.choices is not None:
            return "one of " + ", ".join(self.choices)
        if self.kind is bool:
            return "true or false"
        what = "an integer" if self.kind is int else "a number"
        return f"{what} in [{_fmt(self.low)}, {_fmt(self.high)}]"

    def validate(self, value: Any) -> Value:
        """Return ``value`` converted to this parameter's type, or raise ParameterError."""
        bad = f"parameter '{self.name}' = {value!r} is not allowed: expected {self.allowed()}"
        if self.kind is bool:
            if isinstance(value, bool):
                return value
            raise ParameterError(bad)
        if self.kind is str:
            if isinstance(value, str) and self.choices is not None and value in self.choices:
                return value
            raise ParameterError(bad)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ParameterError(bad)
        if self.kind is int:
            if isinstance(value, float):
                if not value.is_integer():
                    raise ParameterError(bad)
                value = int(value)
        else:
            value = float(value)
        if not math.isfinite(value):
            raise ParameterError(bad)
        if self.low is not None and value < self.low:
            raise ParameterError(bad)
        if self.high is not None and value > self.high:
            raise ParameterError(bad)
        return value


def _fmt(x: float | None) -> str:
    if x is None:
        return "any"
    return f"{x:g}"


def _p(name: str, default: Value, low: float | None, high: float | None, unit: str,
       source: str, doc: str, choices: tuple[str, ...] | None = None) -> ParamSpec:
    kind: type = type(default)
    return ParamSpec(name, default, kind, unit, source, doc, low, high, choices)


_A = "assumption: "
_C = "calibrated (docs/validation.md): "
CAL_TEXT = ("searched jointly with the other calibrated defaults (240-point Latin hypercube, then "
            "local steps) and confirmed on 12 unseen seeds")
SPECS: tuple[ParamSpec, ...] = (
    # --- population (000, 001, 004)
    _p("partners", 2000, 10, 2_000_000, "partners", _A + "a mid-size vendor's breadth channel",
       "Partners in the ecosystem (population size)."),
    _p("share_one_person", 0.55, 0.0, 1.0, "share", "seeds/000 ('a boat load of one-man-band IT "
       "providers'); assumption for the figure", "Share of partners that are one-person shops."),
    _p("share_msp", 0.30, 0.0, 1.0, "share", _A + "small MSPs are the next largest group",
       "Share of partners that are small managed-service providers."),
    _p("share_reseller", 0.12, 0.0, 1.0, "share", _A + "resellers; the rest are large integrators",
       "Share of partners that are resellers (large integrators take the remainder)."),
    _p("hours_per_week", 1.5, 0.1, 40.0, "hours/week", "seeds/000 ('typically too busy'); "
       "assumption: median time a one-person shop gives all programmes; larger firms x1.5, x2.5, x4",
       "Median weekly hours a partner has for programmes and communities."),
    _p("hours_spread", 0.9, 0.0, 2.5, "lognormal sigma", _A + "free time is heavy-tailed; this "
       "spread is the main source of unequal participation", "Spread of weekly hours between partners."),
    _p("voice_spread", 2.5, 0.0, 4.0, "lognormal sigma", "Nielsen 2006 (90-9-1); " + _C + "sets how "
       "unequal writing is: the top 1% of a large open community write 94% of its messages (target 50-95%)",
       "Spread between partners of the willingness to write in public (mean 1)."),
    _p("programmes_per_partner", 5.0, 0.0, 60.0, "programmes", "seeds/000 ('at least 55 Partner "
       "Programmes ... the same audience the same message')",
       "Mean number of other programmes each partner belongs to."),
    _p("programme_drag", 0.12, 0.0, 2.0, "1/programme", "seeds/000; assumption: each other "
       "programme takes this share of the time and attention left",
       "How much each other programme divides a partner's free time and willingness to join."),
    _p("acquaintances", 8, 2, 100, "peers", _A + "industry acquaintance graph (Watts-Strogatz k)",
       "Mean number of other partners a partner knows before any community."),
    _p("rewiring", 0.1, 0.0, 1.0, "probability", _A + "small-world rewiring probability",
       "Share of acquaintance ties that link distant partners."),
    _p("homophily", 0.8, 0.0, 1.0, "0-1", _A + "partners mostly know firms like their own",
       "How strongly acquaintances share size class and main need (1 = fully)."),
    _p("advocate_share", 0.02, 0.0, 0.5, "share", "seeds/003 (#4 advocates), seeds/002 ('people "
       "with passion'); assumption for the figure", "Share of partners with high intrinsic motivation."),
    _p("founder_commitment", 0.8, 0.0, 1.0, "commitment", "seeds/000 (peers who 'feel compelled "
       "to solve' a shared problem)", "Commitment of the members at launch."),
    _p("newcomer_commitment", 0.335, 0.0, 1.0, "commitment", _C + "a newcomer arrives curious, just below "
       "lurk_threshold: it joins lurking, as ~90% of a large community do (Nielsen 2006)",
       "Commitment of a partner when it joins."),
    _p("seed_advocates", 0, 0, 100_000, "advocates", "seeds/003 #4 ('No-one wants to be the first "
       "to a party')", "Advocates enrolled at launch, in addition to the founders."),
    _p("founders", 10, 1, 100_000, "members", "seeds/000 (organic: a few peers with a shared "
       "problem); assumption for vendor launches", "Members at launch."),
    # --- governance (000, 001, 003)
    _p("governance", "organic", None, None, "type", "shared/MODEL.md governance types",
       "Who starts and runs the community.", GOVERNANCE_TYPES),
    _p("growth_policy", "open", None, None, "policy", "seeds/003 #5 ('start small ... Partner "
       "Council')", "Open from launch, or a closed council that opens later.", GROWTH_POLICIES),
    _p("council_size", 30, 1, 100_000, "partners", "seeds/003 #5", "Partners in the launch council."),
    _p("open_week", 26, 0, 1040, "week", "seeds/003 #5; assumption: half a year closed",
       "Week the council opens to everyone."),
    _p("promo_share", 0.1, 0.0, 1.0, "share of content", "seeds/000 ('a convenient way to showcase "
       "product'), seeds/001", "Share of content that is product promotion."),
    _p("moderation", 0.5, 0.0, 1.0, "share removed", "seeds/003 #6, #8",
       "Share of spam removed while someone holds the moderation role."),
    _p("spam_per_member", 0.01, 0.0, 1.0, "posts/member/week", "seeds/003 #6 ('unsolicited or "
       "unsavoury content'); assumption for the figure", "Spam arriving per member per week."),
    # --- vendor staff (000, 001, 003)
    _p("staff_count", 1, 0, 1000, "managers", "seeds/003 #8 ('hiring a community manager')",
       "Community managers the vendor employs (vendor-staffed governance only)."),
    _p("staff_turnover_per_year", 0.5, 0.0, 52.0, "departures/manager/year", "seeds/000 "
       "('countless numbers of MS employees ... all have moved on'); assumption: a community "
       "manager stays about two years",
       "Expected departures per manager-year (weekly hazard = value / 52)."),
    _p("vacancy_weeks", 8.0, 0.0, 104.0, "weeks", _A + "a typical hiring gap",
       "Mean weeks a post stays empty after a manager leaves."),
    _p("handover_quality", 0.3, 0.0, 1.0, "share", "seeds/000 ('moved on without leaving any form "
       "of legacy')", "Share of a leaving manager's relationships and plans the successor keeps."),
    _p("staff_authenticity", 0.4, 0.0, 1.0, "0-1", "seeds/001 ('people see through the BS')",
       "How authentic the vendor's voice is; promotion costs members (1 - authenticity)."),
    _p("relationships_per_week", 6.0, 0.0, 10_000.0, "members/manager/week", "seeds/001 (depth "
       "1:1 vs breadth 1:many); assumption for the figure",
       "Members a manager builds a personal relationship with each week."),
    _p("recruit_per_week", 5.0, 0.0, 100_000.0, "invitations/manager/week", "shared/MODEL.md "
       "mechanism 1 (vendor recruitment); assumption: one manager can follow up about one "
       "personal invitation a working day; 20 enrolled half the channel within two years",
       "Invitations with incentives a manager sends each week."),
    _p("incentive", 0.2, 0.0, 1.0, "commitment", "shared/MODEL.md (members recruited by "
       "invitation and incentives)", "Commitment a recruitment incentive adds at joining."),
    _p("matchmaking_per_week", 10.0, 0.0, 10_000.0, "introductions/manager/week", "seeds/004 "
       "(vendor-driven networks bring together partners with disparate skill sets); assumption",
       "Introductions between complementary partners a manager makes each week (vendor-p2p)."),
    _p("job_rate", 0.05, 0.0, 10.0, "jobs/active member/week", "seeds/004 (marketplace: "
       "customers seek service providers); assumption", "Customer jobs posted per active member "
       "per week (marketplace)."),
    _p("staff_answers", 15.0, 0.0, 10_000.0, "answers/manager/week", "seeds/003 #8 (a community "
       "manager keeps conversations current); assumption for the figure",
       "Questions a manager in post can answer each week (welcoming newcomers first)."),
    _p("staff_posts", 5.0, 0.0, 10_000.0, "posts/manager/week", "seeds/003 #2 (create and curate "
       "content)", "Posts of news and content a manager in post writes each week."),
    # --- member leaders (000 'the familiar few', 002 'leadership')
    _p("members_per_leader", 40.0, 1.0, 100_000.0, "members", "seeds/000 ('the familiar few keep "
       "the pilot light on'); assumption for the figure", "Members one leader can carry."),
    _p("leader_threshold", 0.7, 0.0, 1.0, "commitment", _A + "only the most committed step up",
       "Commitment a member needs to become a leader."),
    _p("leader_burnout", 0.01, 0.0, 1.0, "1/week", "shared/MODEL.md mechanism 9",
       "Burnout a leader accumulates per week at full load."),
    # --- participation (003, published figures)
    _p("post_rate", 1.83, 0.0, 10.0, "questions/week", _C + "with voice, sets how many members ever write: "
       "94% of a large open community never do (target 85-95%)",
       "Questions an engaged member asks per week."),
    _p("question_rate", 0.047, 0.0, 1.0, "1/member/week", "Nonnecke & Preece 2001 (lurkers post when they "
       "need something); Joyce & Kraut 2006 (newcomers arrive with a question); " + _C + CAL_TEXT,
       "Chance per week that a visiting member, lurkers too, hits a problem it asks the community "
       "about, whatever its voice."),
    _p("answer_rate", 1.93, 0.0, 10.0, "answers/week", _C + "answer capacity against questions; with "
       "newcomer_attention sets the share of first posts answered (Burke et al. 2007)",
       "Answers an engaged member can give per week."),
    _p("newcomer_attention", 0.54, 0.0, 1.0, "share", "Burke et al. 2007: ~40% of first posts in open "
       "groups get no reply; " + _C + "43% measured (target 33-47%)",
       "Attention regulars give a newcomer's question."),
    _p("reply_boost", 0.18, 0.0, 1.0, "commitment", "Joyce & Kraut 2006: a reply raises return from ~44% "
       "to ~56%; " + _C + "53% vs 39% measured (targets 50-62%, 38-50%)",
       "Commitment a newcomer gains when the first post is answered."),
    _p("commitment_rate", 0.08, 0.001, 1.0, "1/week", _A + "commitment adapts over a few months",
       "Weekly rate at which commitment moves toward the value a member gets."),
    _p("lurk_threshold", 0.345, 0.0, 1.0, "commitment", "shared/MODEL.md mechanism 6; " + _C + "Community "
       "Roundtable 2015: ~45% of a well-managed community's members active (partner-council measures 48%)",
       "Below this commitment an active member lurks."),
    _p("leave_threshold", 0.15, 0.0, 1.0, "commitment", "shared/MODEL.md mechanism 6",
       "Below this commitment for leave_weeks a member lapses."),
    _p("leave_weeks", 4, 1, 520, "weeks", "shared/MODEL.md mechanism 6 ('sustained low')",
       "Consecutive low weeks before a member lapses."),
    _p("return_rate", 0.05, 0.0, 1.0, "share", _A + "lapsed partners are harder to win back",
       "Join probability of a lapsed partner relative to a new one."),
    _p("word_of_mouth", 0.34, 0.0, 1.0, "1/active peer/week", _C + "with discovery, how far an organic "
       "community grows beyond its founders' circle (the joiners behind every fact)",
       "Chance per week per active acquaintance that a partner considers joining."),
    _p("discovery", 0.011, 0.0, 1000.0, "partners/message", "Kraut & Resnick 2012 (Building Successful "
       "Online Communities: newcomers find a community through its public content); " + _C + CAL_TEXT,
       "Partners who come across the community (search, the "
       "partner portal) per message written in it that week; they consider joining like anyone else."),
    _p("invitation", 0.05, 0.0, 1.0, "1/advocate peer/week", "seeds/003 #4, #7",
       "Chance per week per advocate acquaintance that a partner considers joining."),
    # --- ties and deals (003 #3, 004)
    _p("tie_from_answer", 0.3, 0.0, 1.0, "probability", "seeds/003 #3 ('enabling connections')",
       "Chance an answer creates a peer tie between asker and answerer."),
    _p("meetup_every", 4, 1, 52, "weeks", "seeds/000 ('one day a month to compare notes')",
       "Weeks between meet-ups or events."),
    _p("event_ties", 0.5, 0.0, 10.0, "ties/attendee", "seeds/003 #3 ('Face to face interaction "
       "is hard to beat')", "New ties per attendee at an event."),
    _p("triadic_closure", 0.03, 0.0, 1.0, "1/member/week", _A + "friends of friends meet",
       "Chance per week that a member with two ties introduces them to each other."),
    _p("tie_decay", 0.03, 0.0, 1.0, "1/week", _A + "an unused tie halves in about 23 weeks",
       "Weekly loss of strength of an unused tie."),
    _p("deal_rate", 0.004, 0.0, 1.0, "deals/tie/week", "seeds/004 ('one plus one equals three'); "
       "assumption for the figure",
       "Chance per week that a tie between complementary partners closes a deal."),
    # --- value of a week (001, 003, 004)
    _p("content_value", 1.5, 0.0, 10.0, "value units", _A + "the unit of value",
       "Value of a week's relevant content to a member who reads it."),
    _p("social_value", 0.3, 0.0, 10.0, "value units/log tie", "seeds/000 ('feel more connected')",
       "Value of peer ties (per log tie)."),
    _p("deal_value", 2.0, 0.0, 100.0, "value units/deal", "seeds/004",
       "Value of a peer deal to each partner in it."),
    _p("relationship_value", 0.25, 0.0, 10.0, "value units", "seeds/001 (depth: 1:1 relationship); "
       + _C + "partner-council's active share 48% (target 38-52%; 51-53% at 0.3); below about 0.18 a "
       "relationship alone no longer keeps a member above leave_threshold and the manager's hold "
       "collapses",
       "Weekly value of a personal relationship with a vendor manager."),
    _p("content_scale", 2.9, 0.1, 10_000.0, "messages/week", "seeds/003 #4 ('No-one wants to be the first "
       "to a party'); " + _C + "a feed with this many messages a week feels 63% alive",
       "Messages per week at which a community's feed feels alive (cold start below it)."),
    _p("advocate_motivation", 0.5, 0.0, 10.0, "value units", "seeds/002 ('people with passion')",
       "Intrinsic weekly value an advocate gets from the community itself."),
    _p("promo_cost", 1.5, 0.0, 10.0, "value units", "seeds/001 ('people see through the BS')",
       "Cost of reading promotion (scaled by promo share and inauthenticity)."),
    _p("spam_cost", 3.0, 0.0, 100.0, "value units", "seeds/003 #6",
       "Cost of visible spam (scaled by spam's share of posts)."),
    _p("time_cost", 0.5, 0.0, 10.0, "value units", "seeds/000 ('too busy')",
       "Cost of the time a visit takes, for a member with no time to spare."),
    # --- vendor economics (002)
    _p("staff_cost_per_week", 2000.0, 0.0, 1e7, "currency/week", _A + "loaded cost of a manager",
       "Vendor cost of each manager in post."),
    _p("event_cost", 4000.0, 0.0, 1e8, "currency/event", _A + "venue, travel, catering",
       "Vendor cost of each vendor-run event."),
    _p("revenue_per_active", 30.0, 0.0, 1e6, "currency/active member/week", "seeds/002 ('measure "
       "community-influenced activities'); assumption: about 1,500 a year per active partner, 1-3% uplift "
       "on a small partner's business with the vendor; at 5 (the first figure) no single-manager programme "
       "paid for itself once participation met the published figures",
       "Community-influenced vendor revenue per active member per week."),
    _p("revenue_per_deal", 500.0, 0.0, 1e8, "currency/deal", "seeds/004 (peer deals around the "
       "vendor's technology); assumption", "Vendor revenue influenced by each peer deal."),
    _p("review_start", 52, 1, 1040, "week", "seeds/002 ('how do we measure the value of community?')",
       "Week of the first budget review."),
    _p("review_every", 26, 1, 520, "weeks", _A + "half-yearly budget cycle", "Weeks between reviews."),
    _p("roi_target", 1.0, 0.0, 100.0, "revenue/cost", _A + "break-even",
       "Return the vendor wants over the last review period."),
    _p("budget_cut", 0.5, 0.0, 1.0, "share", _A + "first miss halves events and recruitment",
       "Share of event and recruitment budget cut after a missed review; a second miss closes."),
)

SPEC_BY_NAME: dict[str, ParamSpec] = {s.name: s for s in SPECS}


def closest_names(name: str, candidates: list[str] | tuple[str, ...], n: int = 3) -> list[str]:
    """Return up to ``n`` candidate names closest in spelling to ``name`` (may be empty)."""
    return difflib.get_close_matches(name, list(candidates), n=n, cutoff=0.5)


def parse_assignment(text: str) -> tuple[str, Value]:
    """Return (name, value) from a command-line ``KEY=VALUE``, the value in the parameter's type.

    Raises ParameterError (one line) for a missing '=', an unknown name (with suggestions), or a
    value that is not of the parameter's type or not in its range.
    """
    name, sep, raw = text.partition("=")
    name, raw = name.strip(), raw.strip()
    if not sep or not name:
        raise ParameterError(f"--set '{text}' is not KEY=VALUE (e.g. --set partners=5000)")
    spec = SPEC_BY_NAME.get(name)
    if spec is None:
        near = closest_names(name, list(SPEC_BY_NAME))
        hint = f"; did you mean {', '.join(near)}?" if near else "; see 'simcomm params'"
        raise ParameterError(f"unknown parameter '{name}'{hint}")
    value: Any = raw
    if spec.kind is bool:
        value = {"true": True, "false": False}.get(raw.lower(), raw)
    elif spec.kind in (int, float):
        try:
            value = int(raw) if spec.kind is int and raw.lstrip("+-").isdigit() else float(raw)
        except ValueError:
            value = raw
    return name, spec.validate(value)


class Params(Mapping[str, Value]):
    """Validated, immutable parameter values; read them as attributes (``p.partners``)."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Value]) -> None:
        object.__setattr__(self, "_values", dict(values))

    def __reduce__(self) -> tuple[type, tuple[dict[str, Value]]]:
        return (Params, (self._values,))  # picklable for worker processes

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Params are immutable; use make_params(..., overrides)")

    def __getitem__(self, name: str) -> Value:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        changed = {k: v for k, v in self._values.items() if v != SPEC_BY_NAME[k].default}
        return f"Params({changed})"

    def to_dict(self) -> dict[str, Value]:
        """Return every parameter value as a plain dict (JSON-serialisable)."""
        return dict(self._values)


def make_params(overrides: Mapping[str, Any] | None = None,
                base: Mapping[str, Any] | None = None) -> Params:
    """Return validated Params: defaults, then ``base`` (a scenario's), then ``overrides``.

    Raises ParameterError for an unknown name (with close suggestions), a wrong type, an
    out-of-range value, or size shares that add up to more than 1.
    """
    values: dict[str, Value] = {s.name: s.default for s in SPECS}
    for layer in (base or {}, overrides or {}):
        for name, value in layer.items():
            spec = SPEC_BY_NAME.get(name)
            if spec is None:
                near = closest_names(name, list(SPEC_BY_NAME))
                hint = f"; did you mean {', '.join(near)}?" if near else "; see 'simcomm params'"
                raise ParameterError(f"unknown parameter '{name}'{hint}")
            values[name] = spec.validate(value)
    shares = values["share_one_person"] + values["share_msp"] + values["share_reseller"]
    if shares > 1.0 + 1e-9:
        raise ParameterError(
            f"parameters 'share_one_person' + 'share_msp' + 'share_reseller' = {shares:g} "
            "is not allowed: expected a total of at most 1"
        )
    if values["leave_threshold"] > values["lurk_threshold"]:
        raise ParameterError(
            f"parameter 'leave_threshold' = {values['leave_threshold']:g} is not allowed: "
            f"expected at most lurk_threshold ({values['lurk_threshold']:g})"
        )
    return Params(values)
