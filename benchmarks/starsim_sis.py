"""Starsim's one-disease SIS at simcomm's sizes: agent-steps per second, for docs/performance.md.

Usage (Starsim is not a dependency of simcomm: install it into a separate environment, never
into the project's)::

    python3.11 -m venv /tmp/starsim-venv
    /tmp/starsim-venv/bin/pip install starsim==3.7.2
    /tmp/starsim-venv/bin/python benchmarks/starsim_sis.py --agents 100000 --weeks 260

It builds ``ss.Sim(n_agents=N, diseases=ss.SIS(), networks=ss.RandomNet(), dt=ss.week)`` over
``weeks`` weekly steps (Starsim's defaults otherwise: SIS beta, initial prevalence and duration
of infection, a random network of 10 contacts per agent, ``ss.constant(10)``, whose edges are
drawn again every step; ``--contacts K`` sets K instead) and times
``sim.run()`` (which initialises the sim: people, the network, the disease, the results) in
this process after an untimed warm-up sim of 1,000 agents, which loads Starsim's numba kernels
(compiled, or read from numba's cache) as simcomm's benchmark keeps imports out of its timing.
It prints one JSON line: wall seconds, CPU seconds of this process, agent-steps per second
(agents x steps / wall and / CPU seconds) and the versions.

Comparability: a step of Starsim's SIS is one disease over one random network (infection along
every edge, recovery, waning), a much simpler week than simcomm's community (a dozen mechanisms,
common random numbers hashed for every draw, a DataCollector row and the result tables), but it
is the anchor issue 25 set. Both count every agent of the population in every step.
"""

from __future__ import annotations

import argparse
import json
import sys
import time


def measure(agents: int, weeks: int, seed: int, contacts: int | None = None) -> dict[str, float | int | str]:
    """Return wall and CPU seconds (s) of one Starsim SIS run of ``agents`` x ``weeks`` weekly steps."""
    try:
        import numba
        import numpy as np
        import starsim as ss
    except ImportError:
        sys.exit("starsim is not installed here: pip install starsim==3.7.2 into a separate venv")

    def sim(n: int) -> ss.Sim:
        net = ss.RandomNet() if contacts is None else ss.RandomNet(n_contacts=ss.constant(contacts))
        return ss.Sim(n_agents=n, diseases=ss.SIS(), networks=net, start=2000,
                      dur=ss.years(weeks / 52), dt=ss.week, rand_seed=seed, verbose=0)

    sim(1_000).run()  # warm-up: Starsim's numba kernels, untimed
    s = sim(agents)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    s.run()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    steps = len(s.timevec)
    return {"agents": agents, "steps": steps, "contacts": contacts or 10,
            "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
            "agent_steps_per_wall_s": round(agents * steps / wall),
            "agent_steps_per_cpu_s": round(agents * steps / cpu),
            "final_prevalence": float(np.asarray(s.results.sis.prevalence)[-1]),
            "versions": f"starsim {ss.__version__}, numba {numba.__version__}, numpy {np.__version__}, "
                        f"Python {sys.version.split()[0]}"}


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, measure once and print the figures as one JSON line; return 0."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--agents", type=int, default=100_000)
    parser.add_argument("--weeks", type=int, default=260)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--contacts", type=int, default=None,
                        help="contacts per agent (default: Starsim's 10)")
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.agents, args.weeks, args.seed, args.contacts)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
