"""The partner population: who the partner firms are, drawn once, one array per attribute.

This room owns the partners' fixed attributes (size class, tier, needs, hours, other programmes,
advocacy, voice, urgency, skills) and the industry acquaintance graph, and draws them when the
model is built (:func:`draw_population`). Mesa agents (:mod:`simcomm.agents`) are thin handles
onto the rows, made on demand; the weekly mechanisms work on the arrays with numpy.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy import special

from simcomm.agents.partner import SIZE_CLASSES
from simcomm.core.mechanism import Room
from simcomm.core.parameter import ASSUMPTION, CALIBRATED, ParamSpec, param
from simcomm.core.state import ParamView, Partners, StreamView, View, community_field, partner_array

TOPICS: tuple[str, ...] = ("technical", "new business", "cashflow", "people", "product")
PRODUCT = TOPICS.index("product")
_NEEDS_SOURCE = ("seeds/000 ('other challenges they face such as cashflow, new business "
                 "development, and people'); assumption: technical help is the most common need, then "
                 "new business, cashflow, people and the product itself")

PARAMS: tuple[ParamSpec, ...] = (
    param("partners", 2000, 10, 2_000_000, "partners", ASSUMPTION + "a mid-size vendor's breadth channel",
       "Partners in the ecosystem (population size)."),
    param("share_one_person", 0.55, 0.0, 1.0, "share", "seeds/000 ('a boat load of one-man-band IT "
       "providers'); assumption for the figure", "Share of partners that are one-person shops."),
    param("share_msp", 0.30, 0.0, 1.0, "share", ASSUMPTION + "small MSPs are the next largest group",
       "Share of partners that are small managed-service providers."),
    param("share_reseller", 0.12, 0.0, 1.0, "share", ASSUMPTION + "resellers; the rest are large integrators",
       "Share of partners that are resellers (large integrators take the remainder)."),
    param("hours_per_week", 1.5, 0.1, 40.0, "hours/week", "seeds/000 ('typically too busy'); "
       "assumption: median time a one-person shop gives all programmes (larger firms: hours_msp, "
       "hours_reseller, hours_integrator)",
       "Median weekly hours a partner has for programmes and communities."),
    param("hours_msp", 1.5, 0.1, 20.0, "x one-person", ASSUMPTION + "more staff, more time for "
          "programmes", "Free hours of a small MSP relative to a one-person shop."),
    param("hours_reseller", 2.5, 0.1, 20.0, "x one-person", ASSUMPTION + "more staff, more time for "
          "programmes", "Free hours of a reseller relative to a one-person shop."),
    param("hours_integrator", 4.0, 0.1, 20.0, "x one-person", ASSUMPTION + "more staff, more time for "
          "programmes", "Free hours of a large integrator relative to a one-person shop."),
    param("hours_spread", 0.9, 0.0, 2.5, "lognormal sigma", ASSUMPTION + "free time is heavy-tailed; this "
       "spread is the main source of unequal participation", "Spread of weekly hours between partners."),
    param("voice_spread", 3.39, 0.0, 4.0, "lognormal sigma",
       "Nielsen 2006 (90-9-1); " + CALIBRATED + "sets how unequal writing is (the top 1% of a "
       "large open community write most of its messages: target 50-95%) and, with post_rate, how "
       "many never write (target 85-95%)",
       "Spread between partners of the willingness to write in public (mean 1)."),
    param("programmes_per_partner", 5.0, 0.0, 60.0, "programmes", "seeds/000 ('at least 55 Partner "
       "Programmes ... the same audience the same message')",
       "Mean number of other programmes each partner belongs to."),
    param("fit_sharpness", 3.0, 1.0, 20.0, "exponent", "seeds/000 ('Communities ... occur when there is "
          "a problem or situation that people share'); assumption: only partners who share the "
          "problem find the content relevant", "How sharply relevance falls as a partner's needs differ "
          "from the community's topics (relevance = cosine ** this)."),
    param("programme_drag", 0.12, 0.0, 2.0, "1/programme", "seeds/000; assumption: each other "
       "programme takes this share of the attention left",
       "How much each other programme divides a partner's willingness to join (its time: programme_hours)."),
    param("acquaintances", 8, 2, 100, "peers", ASSUMPTION + "industry acquaintance graph (Watts-Strogatz k)",
       "Mean number of other partners a partner knows before any community."),
    param("rewiring", 0.1, 0.0, 1.0, "probability", ASSUMPTION + "small-world rewiring probability",
       "Share of acquaintance ties that link distant partners."),
    param("homophily", 0.8, 0.0, 1.0, "0-1", ASSUMPTION + "partners mostly know firms like their own",
       "How strongly acquaintances share size class and main need (1 = fully)."),
    param("advocate_share", 0.02, 0.0, 0.5, "share", "seeds/003 (#4 advocates), seeds/002 ('people "
       "with passion'); assumption for the figure", "Share of partners with high intrinsic motivation."),
    param("need_technical", 1.6, 0.05, 20.0, "Dirichlet weight", _NEEDS_SOURCE,
          "How common technical help is among partners' needs (weight of the topic)."),
    param("need_new_business", 1.2, 0.05, 20.0, "Dirichlet weight", _NEEDS_SOURCE,
          "How common finding new business is among partners' needs."),
    param("need_cashflow", 0.9, 0.05, 20.0, "Dirichlet weight", _NEEDS_SOURCE,
          "How common cashflow is among partners' needs."),
    param("need_people", 0.8, 0.05, 20.0, "Dirichlet weight", _NEEDS_SOURCE,
          "How common people (hiring, skills) is among partners' needs."),
    param("need_product", 0.6, 0.05, 20.0, "Dirichlet weight", _NEEDS_SOURCE,
          "How common the vendor's product is among partners' needs."),
    param("urgency_shape", 2.0, 0.1, 50.0, "Beta shape", ASSUMPTION + "most problems are moderately "
          "pressing (Beta(a, a), mean 0.5; larger a, fewer extremes)",
          "How alike partners' problems are in urgency (the shape a of Beta(a, a))."),
)

OWNS = (
    partner_array("size_class", np.int8, 0, "class", f"Size class ({', '.join(SIZE_CLASSES)})."),
    partner_array("depth_tier", np.bool_, False, "bool", "A depth partner (1:1 with a partner account "
                  "manager): the larger firms (seeds/001)."),
    partner_array("needs", np.float64, 0.0, "share", "Needs over TOPICS (sum 1).", width=(len(TOPICS),)),
    partner_array("main_need", np.int8, 0, "topic", "The largest need (TOPICS)."),
    partner_array("needs_norm", np.float64, 0.0, "norm", "Length of the needs vector (for cosines)."),
    partner_array("hours", np.float64, 0.0, "hours/week", "Weekly hours for programmes and communities."),
    partner_array("programmes", np.int32, 0, "programmes", "Other programmes the partner belongs to."),
    partner_array("is_advocate", np.bool_, False, "bool", "High intrinsic motivation (an advocate)."),
    partner_array("voice", np.float64, 0.0, "x mean", "Willingness to write in public (mean 1)."),
    partner_array("urgency", np.float64, 0.0, "0-1", "How pressing the partner's problem is."),
    partner_array("skills", np.float64, 0.0, "share", "What the partner can offer others, over TOPICS.",
                  width=(len(TOPICS),)),
    partner_array("skills_norm", np.float64, 0.0, "norm", "Length of the skills vector."),
    community_field("graph", None, "0/1 matrix", "The industry acquaintance graph (partners x partners, "
                    "CSR)."),
)
STREAMS: tuple[str, ...] = ("size class", "needs", "hours", "programmes", "advocate", "voice", "urgency",
                            "skills", "acquaintance ring", "rewire")


def draw_population(s: View) -> None:
    """Draw every partner's attributes into its arrays, each attribute from its own stream keyed
    by partner (so changing one attribute's parameter leaves the others' draws as they were),
    and the acquaintance graph; return None."""
    params, streams, people = s.p, s.streams, s.people
    n = people.n
    ids = np.arange(n)
    shares = [params.share_one_person, params.share_msp, params.share_reseller]
    shares.append(max(0.0, 1.0 - sum(shares)))
    cum = np.cumsum(np.array(shares) / sum(shares))
    u = streams.get("size class").uniform(0, ids)
    people.size_class[:] = np.minimum(np.searchsorted(cum, u, side="right"), 3)
    # Depth partners (1:1 with a partner account manager) are the larger firms (seeds/001).
    people.depth_tier[:] = people.size_class >= 2
    # Needs over topics: Dirichlet(need_* weights), as normalised gamma draws, one per topic.
    need = streams.get("needs")
    weights = (params.need_technical, params.need_new_business, params.need_cashflow,
               params.need_people, params.need_product)  # in TOPICS order
    gammas = np.stack([special.gammaincinv(float(a), need.uniform(0, ids, t))
                       for t, a in enumerate(weights)], axis=1)
    people.needs[:] = gammas / gammas.sum(axis=1, keepdims=True)
    people.main_need[:] = people.needs.argmax(axis=1)
    people.needs_norm[:] = np.linalg.norm(people.needs, axis=1)  # for cosine similarities
    spread = float(params.hours_spread)
    # Free hours relative to a one-person shop, in SIZE_CLASSES order.
    size_hours = np.array([1.0, params.hours_msp, params.hours_reseller, params.hours_integrator])
    people.hours[:] = (params.hours_per_week * size_hours[people.size_class]
                       * np.exp(spread * streams.get("hours").normal(0, ids)))
    people.programmes[:] = streams.get("programmes").poisson(0, ids, params.programmes_per_partner)
    people.is_advocate[:] = streams.get("advocate").uniform(0, ids) < params.advocate_share
    # Willingness to write in public (mean 1): most members read, a few write a lot
    # (Nielsen 2006, 90-9-1; Nonnecke & Preece: lurkers are members too).
    vs = float(params.voice_spread)
    people.voice[:] = np.exp(-0.5 * vs * vs + vs * streams.get("voice").normal(0, ids))
    # How pressing the partner's problem is (0-1, Beta(a, a), mean 0.5): it pulls a newcomer in.
    a = float(params.urgency_shape)
    people.urgency[:] = special.betaincinv(a, a, streams.get("urgency").uniform(0, ids))
    # What the partner can offer others (skills over the same topics, drawn apart from its
    # needs): a peer deal needs skills that complement each other (seeds/004).
    skill = streams.get("skills")
    gammas = np.stack([-np.log(skill.uniform(0, ids, t)) for t in range(len(TOPICS))], axis=1)
    people.skills[:] = gammas / gammas.sum(axis=1, keepdims=True)  # Dirichlet(1, ..., 1)
    people.skills_norm[:] = np.linalg.norm(people.skills, axis=1)
    s.community.graph = acquaintance_graph(people, params, streams)


def relevance(people: Partners, idx: np.ndarray, topic: np.ndarray, sharpness: float = 1.0) -> np.ndarray:
    """Return how well ``topic`` (a mix over TOPICS) meets the needs of partners ``idx`` (0-1):
    the cosine similarity of their needs with it, to the power ``sharpness`` (``people`` holds
    ``needs`` and ``needs_norm``)."""
    norm = people.needs_norm[idx] * (np.sqrt(topic.dot(topic)) + 1e-12)
    cos = (people.needs.take(idx, axis=0) @ topic) / np.maximum(norm, 1e-12)
    return cos if sharpness == 1.0 else cos**sharpness


def acquaintance_graph(people: Partners, params: ParamView, streams: StreamView) -> sp.csr_matrix:
    """Return the industry acquaintance graph as a symmetric 0/1 CSR matrix (partners x partners).

    A small-world graph with homophily: partners are placed on a ring ordered by size class and
    main need (the order is blurred by ``1 - homophily``), each is linked to its
    ``acquaintances / 2`` ring neighbours on each side, and a share ``rewiring`` of links is
    moved to a random partner (Watts & Strogatz 1998). Built with array operations: O(n k).
    """
    n = people.n
    half = max(1, int(params.acquaintances) // 2)
    key = (people.size_class.astype(float) * len(TOPICS) + people.main_need) / (4 * len(TOPICS))
    h = float(params.homophily)
    ids = np.arange(n)
    ring = streams.get("acquaintance ring")
    order = np.argsort(h * key + (1.0 - h) * ring.uniform(0, ids, 0) + 1e-6 * ring.uniform(0, ids, 1),
                       kind="stable")
    src = np.repeat(order, half)
    ring_pos = np.repeat(np.arange(n), half) + np.tile(np.arange(1, half + 1), n)
    dst = order[ring_pos % n]
    link = np.arange(src.size)
    rewire = streams.get("rewire").uniform(0, link, 0) < params.rewiring
    dst = dst.copy()
    far = streams.get("rewire").uniform(0, link[rewire], 1)
    dst[rewire] = np.minimum((far * n).astype(np.int64), n - 1)
    keep = src != dst
    src, dst = src[keep], dst[keep]
    rows = np.concatenate([src, dst])
    cols = np.concatenate([dst, src])
    graph = sp.csr_matrix((np.ones(rows.size, dtype=np.float32), (rows, cols)), shape=(n, n))
    graph.data[:] = 1.0  # duplicates were summed; keep 0/1
    return graph


def acquaintances(graph: sp.csr_matrix, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the acquaintances of partners ``idx`` (``graph`` rows, one after another) and, for
    each, the position in ``idx`` of the partner it is an acquaintance of.

    With the 0/1 symmetric acquaintance graph, ``np.bincount`` of the first array counts each
    partner's acquaintances among ``idx`` (what ``graph @ mask`` counts), touching only their rows.
    """
    start = graph.indptr[idx]  # where each partner's row starts in graph.indices
    deg = graph.indptr[idx + 1] - start
    first = np.cumsum(deg) - deg  # where it starts in the result
    by = np.repeat(np.arange(idx.size), deg)
    return graph.indices[np.arange(by.size) + (start - first)[by]], by


ROOM = Room(
    name="population", source="shared/MODEL.md 'Agents' (Partner); seeds/000, 001, 004", params=PARAMS,
    owns=OWNS, streams=STREAMS, setup=draw_population,
)
