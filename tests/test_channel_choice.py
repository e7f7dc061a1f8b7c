"""The strategist's choice in a channel (issue 24): a vendor sponsors the partners' own community
instead of (or as well as) launching its own, and ``compare`` answers launch, sponsor, both or
neither on common random numbers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from simcomm.core.channel import Channel
from simcomm.core.channel_plan import channel_from_table
from simcomm.core.governance import Content, EventFunding, Review
from simcomm.core.metric_registry import CHANNEL_COMPARED, bounds
from simcomm.runs.channel_compare import run_channel_arms
from simcomm.runs.channel_run import load_channel
from simcomm.runs.library import load_scenario
from simcomm.ui.cli import main

# The vendor's reach is set to the earlier default (0.004 of the channel a week, 2.4 times the
# calibrated one) so that in a channel of 400 partners a sponsor's invitations land within weeks.
OWN = {"name": "own", "scenario": "organic", "topic": "technical",
       "overrides": {"founders": 30, "founder_commitment": 0.85, "seed_advocates": 3, "vendor_reach": 0.004}}


def plan_of(*entries: dict, partners: int = 400, name: str = "t") -> object:
    return channel_from_table({"channel": {"partners": partners}, "community": list(entries)}, name, "t.toml",
                              load_scenario)


def sponsorship(week: int = 4, **overrides: object) -> dict:
    return {"name": "sponsor", "sponsors": "own", "launch_week": week, "overrides": dict(overrides)}


def run(plan: object, weeks: int, seed: int = 3) -> Channel:
    channel = Channel(plan, seed=seed)
    for _ in range(weeks):
        channel.step()
    return channel


def test_a_sponsor_brings_its_invitations_and_meetups_but_no_promotion() -> None:
    alone, funded = run(plan_of(OWN), 30), run(plan_of(OWN, sponsorship()), 30)
    a, b = alone.communities[0].model, funded.communities[0].model
    assert len(funded.communities) == 1  # a sponsorship is not a community
    assert funded.sponsorships == {"sponsor": (0, 4)}
    # Nothing differs before the sponsorship's week: the same partners, the same draws.
    for key in ("active_members", "joins", "vendor_cost", "events"):
        assert a.history[key][:4] == b.history[key][:4], key
    # From then on the members run it under the sponsored type's rules, with no promotion.
    assert (b.rules.events, b.rules.review, b.rules.content) == (EventFunding.VENDOR, Review.WITHDRAW,
                                                                 Content.MEMBERS)
    assert a.rules.events is EventFunding.MEMBERS and b.rules.member_led
    assert b.programme.promo_share == 0.0 and b.programme.since == 4 and b.programme.staff
    # The vendor's invitations bring partners in (an organic community invites nobody), held by
    # a bond to the sponsor's contact; the sponsor pays for the meet-ups.
    invited = b.people.invited & (b.people.join_week > 4)
    assert np.count_nonzero(invited) >= 5 and not a.people.invited.any()
    assert (b.people.vendor_tie[invited] == 0).all() and (b.people.manager_bond[invited] > 0).all()
    assert sum(b.history["vendor_cost"][:4]) == 0 and sum(b.history["vendor_cost"][4:]) > 0
    assert sum(a.history["vendor_cost"]) == 0
    assert b.history["aware_partners"][-1] + sum(b.history["joins"]) > a.history["aware_partners"][-1] + sum(
        a.history["joins"])


def test_the_sponsors_review_withdraws_the_money_and_the_members_carry_on() -> None:
    # Reviews from 4 weeks into the sponsorship, every 4 weeks, against a target nothing meets:
    # the first miss (week 8) cuts, the second (week 12) withdraws.
    strict = sponsorship(roi_target=100.0, review_start=4, review_every=4)
    channel = run(plan_of(OWN, strict), 24)
    model = channel.communities[0].model
    kinds = [(e.week, e.kind) for e in model.adverse]
    assert (8, "budget_cut") in kinds and kinds[-1] == (12, "withdrawal"), kinds
    assert not model.programme.funding and not model.programme.sponsor_in_post()
    assert not model.closed  # the members carry on
    cost = model.history["vendor_cost"]
    assert sum(cost[4:12]) > 0 and sum(cost[12:]) == 0  # the money stops (row i is week i + 1)
    late = model.people.join_week > 12
    assert not (model.people.invited & late).any()  # no more invitations
    kept = run(plan_of(OWN, sponsorship()), 24).communities[0].model  # the default review: not yet
    assert kept.programme.funding and kept.people.invited[kept.people.join_week > 12].any()


def test_a_sponsorship_named_in_the_file_starts_in_a_run_of_the_shipped_channel(tmp_path: Path) -> None:
    plan = load_channel("channel-vendor-both")
    assert [c.sponsors for c in plan.communities] == [None, None, "partners' own (technical)"]
    assert plan.communities[2].overrides["sponsor_recruits"] == 1.0  # the vendor brings its reach
    assert plan.to_dict()["communities"][2]["sponsors"] == "partners' own (technical)"
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", "channel-vendor-sponsors", "--set", "partners=200", "--weeks",
                                       "30", "-q", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "partners' own (technical): sponsored by the vendor (vendor's sponsorship) from week 26" in \
        result.stdout
    roster = pd.read_csv(out / "roster.csv")
    assert list(roster["sponsored_week"]) == [26] and list(roster["sponsor"]) == ["vendor's sponsorship"]


BAD = [
    (sponsorship() | {"sponsors": "nobody"}, "'nobody'", "listed community"),
    (sponsorship() | {"scenario": "sponsored"}, "no scenario", "sponsors, launch_week"),
    (sponsorship(word_of_mouth=0.9), "word_of_mouth", "roi_target"),
    (sponsorship(roi_target=-1.0), "roi_target", "[0"),
    (sponsorship() | {"launch_wek": 3}, "launch_wek", "launch_week"),
]


@pytest.mark.parametrize(("entry", "field", "allowed"), BAD, ids=[b[1] for b in BAD])
def test_a_bad_sponsorship_is_one_line_naming_it(entry: dict, field: str, allowed: str) -> None:
    from simcomm.core.params import ParameterError

    with pytest.raises(ParameterError) as err:
        plan_of(OWN, entry)
    text = str(err.value)
    assert "\n" not in text and field in text and allowed in text, text


def test_a_sponsor_takes_on_only_a_member_run_community_once_and_after_its_launch() -> None:
    from simcomm.core.params import ParameterError

    vendor = {"name": "own", "scenario": "vendor-imposed"}
    with pytest.raises(ParameterError, match=r"members run .* not 'vendor-imposed'"):
        plan_of(vendor, sponsorship())
    with pytest.raises(ParameterError, match="sponsored twice"):
        plan_of(OWN, sponsorship(), sponsorship() | {"name": "again"})
    with pytest.raises(ParameterError, match="after the sponsorship's launch_week 4"):
        plan_of(OWN | {"launch_week": 9}, sponsorship())
    # Listed first, due in its community's launch week: the community is founded, then sponsored.
    channel = Channel(plan_of(sponsorship(week=0), OWN), seed=1)
    assert channel.sponsorships == {"sponsor": (0, 0)} and channel.communities[0].model.programme.staff


def test_compare_on_channels_runs_every_arm_on_the_same_partners_seed_by_seed() -> None:
    plans = [plan_of(OWN, partners=200, name="alone"),
             plan_of(OWN, sponsorship(), partners=200, name="funded")]
    results = run_channel_arms(plans, weeks=8, replicates=3, workers=1)
    alone, funded = results.values()
    assert [r.seed for r in alone] == [r.seed for r in funded] == [0, 1, 2]
    digests = [[r.metadata["population"] for r in runs] for runs in (alone, funded)]
    assert digests[0] == digests[1]  # the same partners in both arms, seed by seed
    assert len(set(digests[0])) == 3  # and other partners on another seed
    assert all(r.summary["vendor_spend"] == 0 for r in alone)
    assert all(r.summary["vendor_spend"] > 0 for r in funded)
    assert all(r.summary["own_alive_at_end"] == 1.0 for r in alone + funded)
    for r in alone + funded:  # every measure, registered and within its bounds
        assert tuple(r.summary) == CHANNEL_COMPARED
        for name, value in r.summary.items():
            low, high = bounds(name)
            assert low <= value <= high, (name, value)


def compare(*args: str) -> object:
    return CliRunner().invoke(main, ["compare", *args, "--set", "partners=200", "--weeks", "30", "-r", "2",
                                     "-w", "1", "-q"])


def test_compare_on_channels_answers_in_sentences_naming_each_arm(tmp_path: Path) -> None:
    arms = ("channel-partners-alone", "channel-vendor-enters", "channel-vendor-sponsors")
    out = tmp_path / "out"
    result = compare(*arms, "--out", str(out))
    assert result.exit_code == 0, result.output
    text = result.stdout
    answer = " ".join(text.split("\nmetric ")[0].split())  # the sentences, unwrapped
    for arm in arms:
        assert arm in answer
    assert "the vendor sponsors partners' own (technical) from week 26" in answer
    assert "Partners active in a community at week 30: " in answer
    assert "Of the vendor's choices," in answer and "How sure:" in answer
    assert "The vendor's reach at week 30" in text  # the table
    saved = json.loads((out / "compare.json").read_text(encoding="utf-8"))
    assert saved["labels"] == list(arms) and saved["seeds"][arms[2]] == [0, 1]
    assert saved["population"][arms[0]] == saved["population"][arms[2]]
    payload = json.loads(compare(*arms, "--json").stdout)
    assert payload["answer"] == saved["answer"]
    assert {row["label"] for row in payload["table"]} == set(arms)
    # Each arm is said in words, and each figure told names every arm.
    sentences = payload["answer"]
    assert sentences[0].startswith("The arms,") and f"{arms[0]} (the baseline): partners' own" in sentences[0]
    for arm in arms[1:]:
        said = f"{arm}: partners' own (technical) (organic, from week 0)"
        assert any(s.startswith(said) for s in sentences)
    told = [s for s in sentences if s.startswith(("Partners active", "Members of", "The vendor's"))]
    assert len(told) == 4  # active, members, reach, spending
    for sentence in told:
        assert all(f"in {arm}" in sentence for arm in arms), sentence


@pytest.mark.parametrize(("args", "words"), [
    (("channel-vendor-enters", "organic"), "'channel-vendor-enters' is a channel scenario and 'organic'"),
    (("channel-vendor-enters", "channel-vendor-sponser"), "did you mean channel-vendor-sponsors"),
    (("channel-vendor-enters", "nope"), "unknown scenario 'nope'"),
    (("channel-vendor-enters", "channel-vendor-enters"), "given twice"),
    (("channel-vendor-enters", "channel-vendor-both", "--vary", "partners=100,200"), "--vary takes single"),
    (("channel-vendor-enters", "channel-vendor-both", "--set", "staff_count=2"), "shared parameters"),
], ids=["mixed", "misspelt", "unknown", "twice", "vary", "set"])
def test_bad_channel_compare_input_is_one_line_exit_2(args: tuple[str, ...], words: str) -> None:
    result = CliRunner().invoke(main, ["compare", *args, "-r", "2", "--weeks", "3"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    assert words in lines[0], lines[0]
