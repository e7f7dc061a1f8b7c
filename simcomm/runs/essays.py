"""The five practitioners' essays simcomm's domain comes from, as they are cited.

The essays are not part of the repository; scenarios, claims and the parameter table cite them by
number (``seeds/000`` ... ``seeds/004``, a scenario's ``seed_file`` starts with the number). This
table gives each number its title, so that what a user reads names the essay, and
``docs/essays.md`` gives title, author and every passage the model quotes (a test keeps the two
in step).
"""

from __future__ import annotations

ESSAYS: dict[str, str] = {
    "000": "Communities: Innovation vs. The Reinvention of The Wheel",
    "001": "Building a Partner Community, Part 3",
    "002": "The Power of Community to Drive Innovation",
    "003": "Taking the Ecosystem Bull by the Horns",
    "004": "New Ecosystems evolving: Partner-to-Partner Networks",
}

#: Where a user finds the essays named, with the passages used (inside the repository).
ESSAYS_PAGE = "docs/essays.md"


def essay_reference(seed: str) -> str:
    """Return how to name essay ``seed`` to a reader, e.g. ``essay 000, "Communities: ..."``: from
    its number or a scenario's ``seed_file`` (``000_660a6eb4264446c1.txt``); text as given
    when the number is not one of the five."""
    number = seed[:3]
    if number not in ESSAYS:
        return seed
    return f"essay {number}, \u201c{ESSAYS[number]}\u201d"
