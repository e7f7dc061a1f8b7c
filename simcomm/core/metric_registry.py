"""The one metric registry: every quantity simcomm measures, with its unit, bounds, direction and words.

Like the parameter table (:mod:`simcomm.core.params`), each metric is declared once, as a
:class:`MetricSpec`, and every floor reads it: the weekly record's columns
(:data:`simcomm.core.metrics.WEEKLY_METRICS`), the run summary, the intervals of ``compare``
(their bounds), the tables and sentences of the report (their words and units), the experiment
files (which summary metrics may be kept), the claims and the explanations. A metric is one of
three kinds:

- ``weekly``: a column of the weekly record (``Result.timeseries``), in the record's order;
- ``summary``: a field of a run's summary (``Result.summary``), in the summary's order;
- ``run``: a measure derived from a whole run by the analysis (survival, claims' measures).

It lives in core, the lowest floor the others read, apart from :mod:`simcomm.core.metrics`
(the weekly record's computations), so that reading a metric's words pulls in no model code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from simcomm.core.parameter import ParameterError, closest_names

KINDS: tuple[str, ...] = ("weekly", "summary", "run")
DIRECTIONS: dict[int, str] = {1: "higher is better", -1: "lower is better", 0: "neither"}
SHARE_UNITS: tuple[str, ...] = ("share",)
INF = math.inf


@dataclass(frozen=True)
class MetricSpec:
    """One measured quantity.

    ``name``: its key (a timeseries column, a summary field or a derived measure); ``kind``:
    ``weekly``, ``summary`` or ``run``; ``unit``: what it counts ("share" is a proportion in
    [0, 1], shown as a percentage; "members", "week" (a week number), "weeks" (a duration),
    "deals", ...); ``low`` / ``high``: the least and most it can be, in its unit (``math.inf``
    when unbounded; NaN for a metric that is not a number, the lifecycle ``stage``), which every
    interval is kept within; ``direction``: +1 when higher is better for the community, -1 when
    lower is, 0 when neither; ``words``: its readable name in a table (may hold ``{weeks}``, the
    horizon); ``phrase``: how a sentence names it, in lower case; ``no_value``: why a run can have
    no value ("" when every run has one), for the footnote of an empty cell.
    """

    name: str
    kind: str
    unit: str
    low: float
    high: float
    direction: int
    words: str
    phrase: str
    no_value: str = ""

    @property
    def share(self) -> bool:
        """True for a proportion in [0, 1] (shown as a percentage, differences in points)."""
        return self.unit in SHARE_UNITS

    @property
    def numeric(self) -> bool:
        """True for a number (every metric but the lifecycle stage)."""
        return not math.isnan(self.low)

    def label(self, weeks: int) -> str:
        """Return :attr:`words` with the horizon ``weeks`` (in weeks) filled in."""
        return self.words.format(weeks=weeks)


def _m(name: str, kind: str, unit: str, low: float, high: float, direction: int, words: str, phrase: str,
       no_value: str = "") -> MetricSpec:
    return MetricSpec(name, kind, unit, low, high, direction, words, phrase, no_value)


_W, _S, _R = "weekly", "summary", "run"
_TOO_SHORT_12 = "no partner joined early enough to be followed for 12 weeks"
_TOO_SHORT_52 = "no partner joined early enough to be followed for a year"
_NO_OWN = "the channel lists no community its members run"

METRICS: tuple[MetricSpec, ...] = (
    # ---- the weekly record, in its column order (record.py fills each week's row) ----
    _m("week", _W, "week", 1, INF, 0, "Week", "the week"),
    _m("active_members", _W, "members", 0, INF, 1, "Active members", "active members"),
    _m("lurking_members", _W, "members", 0, INF, 0, "Lurking members", "lurking members"),
    _m("lapsed_members", _W, "members", 0, INF, -1, "Lapsed members", "members who lapsed (so far)"),
    _m("aware_partners", _W, "partners", 0, INF, 1, "Partners aware of the community",
       "partners aware of the community"),
    _m("joins", _W, "partners", 0, INF, 1, "Joins this week", "partners who joined this week"),
    _m("leaves", _W, "members", 0, INF, -1, "Leaves this week", "members who left this week"),
    _m("posts", _W, "posts", 0, INF, 1, "Posts this week", "posts this week"),
    _m("answers", _W, "answers", 0, INF, 1, "Answers this week", "answers this week"),
    _m("newcomer_reply_rate", _W, "share", 0, 1, 1, "Newcomers' questions answered this week",
       "newcomers' questions answered this week", "no newcomer asked that week"),
    _m("first_posts", _W, "posts", 0, INF, 1, "First posts this week", "newcomers' first posts this week"),
    _m("new_ties", _W, "ties", 0, INF, 1, "New peer ties this week", "peer ties formed this week"),
    _m("ties", _W, "ties", 0, INF, 1, "Peer ties", "peer ties between members"),
    _m("peer_deals", _W, "deals", 0, INF, 1, "Deals between partners this week",
       "deals between partners this week"),
    _m("jobs", _W, "jobs", 0, INF, 1, "Customers' jobs this week", "customers' jobs posted this week"),
    _m("mean_commitment", _W, "commitment", 0, 1, 1, "Mean commitment of members",
       "members' mean commitment (0-1)"),
    _m("contribution_gini", _W, "gini", 0, 1, 0, "Inequality of contributions (Gini)",
       "the Gini coefficient of messages per member"),
    _m("top10_post_share", _W, "share", 0, 1, 0, "Messages by the top 10% of members",
       "the share of messages written by the top 10% of members"),
    _m("top1_post_share", _W, "share", 0, 1, 0, "Messages by the top 1% of members",
       "the share of messages written by the top 1% of members"),
    _m("leaders", _W, "members", 0, INF, 1, "Member leaders", "member leaders"),
    _m("staff_present", _W, "managers", 0, INF, 0, "Managers in post", "vendor managers in post"),
    _m("vacancies", _W, "manager posts", 0, INF, -1, "Empty manager posts", "empty manager posts"),
    _m("spam_visible", _W, "posts", 0, INF, -1, "Spam posts visible this week",
       "spam posts visible this week"),
    _m("events", _W, "events", 0, INF, 1, "Meet-ups and events this week", "meet-ups and events this week"),
    _m("vendor_cost", _W, "currency", 0, INF, -1, "Vendor's cost this week", "the vendor's cost this week"),
    _m("influenced_revenue", _W, "currency", 0, INF, 1, "Influenced revenue this week",
       "revenue the community influenced this week"),
    _m("stage", _W, "stage", math.nan, math.nan, 0, "Lifecycle stage", "the lifecycle stage"),
    # ---- the run summary, in its order (simcomm.runs.summary.summarize) ----
    _m("retention_12w", _S, "share", 0, 1, 1, "Retention after 12 weeks",
       "first-year joiners still in after 12 weeks", _TOO_SHORT_12),
    _m("retention_52w", _S, "share", 0, 1, 1, "Retention after a year",
       "first-year joiners still in after 52 weeks", _TOO_SHORT_52),
    _m("settled_retention_52w", _S, "share", 0, 1, 1, "Retention after a year, of those in at 12 weeks",
       "members settled at 12 weeks still in at 52", _TOO_SHORT_52),
    _m("peak_active", _S, "members", 0, INF, 1, "Active members at the peak", "active members at the peak"),
    _m("final_active", _S, "members", 0, INF, 1, "Active members at week {weeks}",
       "active members at the horizon"),
    _m("weeks_to_peak", _S, "week", 0, INF, 0, "Week of the peak", "the week of the peak"),
    _m("median_tenure_weeks", _S, "weeks", 0, INF, 1, "Median membership, weeks",
       "the median membership (Kaplan-Meier), in weeks", "fewer than half the members had left by the end"),
    _m("died_week", _S, "week", 0, INF, 1, "Week the community died", "the week the community died",
       "the community was still alive"),
    _m("total_peer_deals", _S, "deals", 0, INF, 1, "Deals between partners", "peer deals over the run"),
    _m("total_posts", _S, "posts", 0, INF, 1, "Posts", "posts over the run"),
    _m("total_answers", _S, "answers", 0, INF, 1, "Answers", "answers over the run"),
    _m("ever_joined", _S, "partners", 0, INF, 1, "Partners who ever joined", "partners who ever joined"),
    _m("first_post_reply_rate", _S, "share", 0, 1, 1, "Newcomers' first posts answered",
       "newcomers' first questions that were answered", "no newcomer asked"),
    _m("return_if_answered", _S, "share", 0, 1, 1, "Newcomers back after an answer",
       "newcomers whose first question was answered who wrote again", "no newcomer's question was answered"),
    _m("return_if_unanswered", _S, "share", 0, 1, 1, "Newcomers back after no answer",
       "newcomers whose first question went unanswered who wrote again",
       "every newcomer's question was answered"),
    _m("vendor_cost", _S, "currency", 0, INF, -1, "Vendor's cost", "the vendor's cost over the run"),
    _m("influenced_revenue", _S, "currency", 0, INF, 1, "Influenced revenue",
       "revenue the community influenced over the run"),
    _m("roi", _S, "revenue / cost", 0, INF, 1, "Vendor's return (revenue / cost)",
       "the vendor's return (influenced revenue / cost)",
       "the vendor spent nothing (an organic community costs the vendor nothing), so there is no "
       "return on cost"),
    # ---- measures of a whole run (compare's survival; the claims' measures) ----
    _m("alive_at_end", _R, "share", 0, 1, 1, "Still alive at week {weeks}",
       "runs still alive at the horizon"),
    _m("survival", _R, "share", 0, 1, 1, "Still alive at the horizon", "still alive at the horizon"),
    _m("weeks_alive", _R, "weeks", 0, INF, 1, "Weeks alive (the horizon if still alive)",
       "weeks the community lived (the horizon if it lived to the end)"),
    _m("weeks_to_20th_joiner", _R, "weeks", 0, INF, -1, "Weeks until the 20th joiner",
       "weeks until the 20th joiner after the launch"),
    _m("newcomer_return_12w", _R, "share", 0, 1, 1, "First posters back within 12 weeks",
       "first posters who post again within 12 weeks", "no newcomer posted 12 weeks before the end"),
    _m("messages_per_member_week", _R, "messages/member-week", 0, INF, 1, "Messages per member-week",
       "posts and answers per member-week", "nobody was a member"),
    # ---- measures of a whole channel run (compare on channels: the strategist's choice) ----
    _m("active_in_any", _R, "partners", 0, INF, 1, "Partners active in a community at week {weeks}",
       "partners active in at least one community at the horizon"),
    _m("own_alive_at_end", _R, "share", 0, 1, 1, "The partners' own community alive at week {weeks}",
       "runs in which the partners' own community was alive at the horizon", _NO_OWN),
    _m("own_members_at_end", _R, "members", 0, INF, 1, "Members of the partners' own at week {weeks}",
       "members (active or lurking) of the partners' own community at the horizon", _NO_OWN),
    _m("members_per_community_at_end", _R, "members", 0, INF, 1,
       "Members per listed community at week {weeks}",
       "members (active or lurking) per community the channel file lists, at the horizon (0 once dead)",
       "the channel file lists no community"),
    _m("overlap_at_end", _R, "memberships/member", 0, INF, 0, "Memberships per member at week {weeks}",
       "communities each partner in any belongs to, on average, at the horizon",
       "no partner belonged to a community"),
    _m("vendor_reach_at_end", _R, "partners", 0, INF, 1, "The vendor's reach at week {weeks}",
       "partners in a community the vendor runs or sponsors at the horizon"),
    _m("communities_alive_at_end", _R, "communities", 0, INF, 0, "Communities alive at week {weeks}",
       "communities alive at the horizon"),
    _m("vendor_spend", _R, "currency", 0, INF, -1, "The vendor's spending",
       "the vendor's spending on communities over the run (managers, contacts, events)"),
    # a channel's communities, week by week (ChannelResult.communities, beside the weekly record)
    _m("other_memberships", _R, "memberships", 0, INF, 0, "Members' other communities",
       "its members' mean number of other communities they belong to", "no member that week"),
)

#: The share of runs still alive (not closed, not died) at the horizon: 1 per run alive, 0 per
#: run that died (derived from ``died_week``).
ALIVE = "alive_at_end"

#: Measures that are 1 or 0 per run (counted "k of n runs", with a Wilson interval; compared seed
#: by seed with McNemar's exact test): survival, and the partners' own community's in a channel.
COUNTED: frozenset[str] = frozenset({ALIVE, "own_alive_at_end"})

#: What ``compare`` shows on channels (the strategist's choice), in the order a strategist reads it:
#: the partners served, their own community, members per listed community (per programme) and how
#: many communities a member is in, the vendor's reach and spending, the communities alive.
CHANNEL_COMPARED: tuple[str, ...] = ("active_in_any", "own_alive_at_end", "own_members_at_end",
                                     "members_per_community_at_end", "overlap_at_end", "vendor_reach_at_end",
                                     "vendor_spend", "communities_alive_at_end")

#: The headline figures of a run, in the summary's order.
HEADLINE: tuple[str, ...] = ("retention_12w", "retention_52w", "settled_retention_52w", "peak_active",
                             "final_active", "weeks_to_peak", "median_tenure_weeks",
                             "total_peer_deals", "roi")

#: What ``compare`` shows, in the order a strategist reads it: survival first, then size,
#: retention, tenure, deals, return (the run table shows the same after survival).
COMPARED: tuple[str, ...] = (ALIVE, "final_active", "peak_active", "weeks_to_peak", "retention_12w",
                             "retention_52w", "settled_retention_52w", "median_tenure_weeks",
                             "total_peer_deals", "roi")


def _index(specs: tuple[MetricSpec, ...]) -> dict[str, MetricSpec]:
    """Return the specs by name; a summary field and a weekly column may share a name (the
    summary's total of ``vendor_cost``), so the summary's spec is kept for the name."""
    out: dict[str, MetricSpec] = {}
    for spec in specs:
        if spec.name not in out or spec.kind != "weekly":
            out[spec.name] = spec
    return out


METRIC_BY_NAME: dict[str, MetricSpec] = _index(METRICS)
WEEKLY: tuple[str, ...] = tuple(s.name for s in METRICS if s.kind == "weekly")
SUMMARY: tuple[str, ...] = tuple(s.name for s in METRICS if s.kind == "summary")


def metric(name: str, kind: str | None = None) -> MetricSpec:
    """Return the spec of metric ``name`` (of ``kind`` when given: the weekly column of a name
    that is also a summary field); raise ParameterError (one line, with close names) when none."""
    if kind is not None:
        hit = next((s for s in METRICS if s.name == name and s.kind == kind), None)
    else:
        hit = METRIC_BY_NAME.get(name)
    if hit is None:
        near = closest_names(name, list(METRIC_BY_NAME))
        hint = f"did you mean {', '.join(near)}?" if near else f"choose from {', '.join(METRIC_BY_NAME)}"
        raise ParameterError(f"metric '{name}' is not in the metric registry; {hint}")
    return hit


def bounds(name: str) -> tuple[float, float]:
    """Return the (lowest, highest) value metric ``name`` can take, in its own unit."""
    spec = metric(name)
    return float(spec.low), float(spec.high)


def unit(name: str) -> str:
    """Return the unit of metric ``name`` ("share", "members", "week", ...)."""
    return metric(name).unit
