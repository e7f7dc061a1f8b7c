"""The essays simcomm cites, and the paths a reader is sent to (issue 27).

A clone has no ``../shared``: every essay is named by its number and title in docs/essays.md
with the passages the model quotes, and every link or path the README, the docs and the
commands show resolves inside the repository.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from simcomm.core.params import SPECS
from simcomm.runs.channel_run import channel_names, load_channel
from simcomm.runs.claims import CLAIMS
from simcomm.runs.essays import ESSAYS, ESSAYS_PAGE, essay_reference
from simcomm.runs.library import load_scenario, scenario_names
from simcomm.ui.cli import main

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / ESSAYS_PAGE
ESSAY_TEXTS = ROOT.parent / "shared" / "seeds"  # beside the checkout on the project's machines
PAGES = [ROOT / "README.md", ROOT / "experiments" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def normalise(text: str) -> str:
    """Quotes, dashes and spaces made uniform, lower case: a passage as it reads."""
    for curly, plain in (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"')):
        text = text.replace(curly, plain)
    text = re.sub(r"\s*[-\u2013\u2014]\s*", "-", text)
    return re.sub(r"\s+", " ", text).lower()


def test_the_page_names_every_essay_by_number_and_title() -> None:
    page = PAGE.read_text(encoding="utf-8")
    for number, title in ESSAYS.items():
        assert f"| {number} | *{title}" in page, number
    assert essay_reference("000_660a6eb4264446c1.txt") == f"essay 000, \u201c{ESSAYS['000']}\u201d"


def test_every_essay_cited_is_one_of_the_five() -> None:
    cited = {m for spec in SPECS for m in re.findall(r"seeds/(\d{3})", spec.source)}
    cited |= {load_scenario(n).seed_file[:3] for n in scenario_names() if load_scenario(n).seed_file}
    cited |= {c.seed for c in CLAIMS if c.seed != "MODEL.md"}
    assert cited == set(ESSAYS)


def test_the_page_quotes_every_passage_of_the_scenarios_and_claims() -> None:
    page = normalise(PAGE.read_text(encoding="utf-8"))
    for name in scenario_names():
        sc = load_scenario(name)
        if sc.seed_quote:
            assert normalise(sc.seed_quote) in page, name
    for name in channel_names():
        assert normalise(load_channel(name).seed_quote) in page, name
    for c in CLAIMS:
        assert normalise(c.passage) in page, c.key


@pytest.mark.skipif(not ESSAY_TEXTS.is_dir(), reason="the essays are not beside the checkout")
def test_every_passage_a_parameter_quotes_is_in_its_essay() -> None:
    texts = {p.name[:3]: normalise(p.read_text(encoding="utf-8")) for p in ESSAY_TEXTS.glob("*.txt")}
    quoted = 0
    for spec in SPECS:
        for number, passage in re.findall(r"seeds/(\d{3}) \('(.*?)'\)", spec.source):
            for fragment in normalise(passage).split("..."):
                fragment = fragment.strip(" .'\"")
                if fragment:
                    assert fragment in texts[number], (spec.name, number, fragment)
                    quoted += 1
    assert quoted >= 5


@pytest.mark.skipif(not ESSAY_TEXTS.is_dir(), reason="the essays are not beside the checkout")
def test_every_channel_scenario_quotes_its_essay() -> None:
    for name in channel_names():
        plan = load_channel(name)
        text = normalise((ESSAY_TEXTS / plan.seed_file).read_text(encoding="utf-8"))
        assert normalise(plan.seed_quote) in text, name


def test_no_page_links_outside_the_repository_or_to_a_missing_file() -> None:
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        assert "../shared" not in text, page
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if target.startswith(("http://", "https://", "mailto:", "#")):
                continue
            path = (page.parent / target.split("#")[0]).resolve()
            assert path.is_relative_to(ROOT), (page.name, target)
            assert path.exists(), (page.name, target)


def test_paths_that_show_sends_a_reader_to_exist() -> None:
    out = CliRunner().invoke(main, ["show", "staff-churn"])
    assert out.exit_code == 0
    named = set(re.findall(r"\b(docs/[\w./-]+\.md)\b", out.stdout))
    assert {"docs/essays.md", "docs/model-brief.md"} <= named
    assert all((ROOT / p).is_file() for p in named), named
    assert "_660a6eb4264446c1" not in out.stdout  # the essay by its title, not a file name
