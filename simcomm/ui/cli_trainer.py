"""The trainer's commands: ``simcomm dashboard`` (a live page in the browser) and ``simcomm story``
(a page for a training session that opens from disk).

Bad input (unknown scenario, bad or busy port, bad parameter, an --out that cannot be written)
prints one line and exits with status 2, through :class:`simcomm.ui.cli.SimcommGroup`.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

import click

from simcomm.core.params import ParameterError, Value, make_params
from simcomm.ui.options import OUT_PATH, allow_long_option, announce_work, check_out, parse_sets
from simcomm.ui.terminal import echo

NO_COMPARISON = "none"
HOST = "localhost"


def _overrides(sets: tuple[str, ...]) -> dict[str, Value]:
    return parse_sets(sets)


def _scenario(name: str, option: str) -> Any:
    """Return the scenario ``name``; a bad one raises ParameterError naming ``option``."""
    from simcomm.runs.library import load_scenario

    try:
        return load_scenario(name)
    except ParameterError as exc:
        raise ParameterError(f"{option}: {exc}") from None


# ---- the browser assets solara's page loads -----------------------------------------------------
def page_assets() -> list[str]:
    """Return the npm packages (``name@version``) whose files the installed solara's page loads
    from its CDN: the vuetify app, requirejs, font-awesome and the grid layout of Mesa's page."""
    import ipyvue
    import solara
    from solara.server.settings import assets

    root = Path(solara.__file__).parent
    vue3 = str(ipyvue.__version__).startswith("3")
    app = "@widgetti/solara-vuetify3-app" if vue3 else "@widgetti/solara-vuetify-app"
    texts = [(root / "server" / "templates" / "solara.html.j2").read_text(encoding="utf-8"),
             (root / "widgets" / "vue" / ("gridlayout_v3.vue" if vue3 else "gridlayout.vue"))
             .read_text(encoding="utf-8"), assets.fontawesome_path]
    found = []
    for package in (app, "requirejs", "font-awesome", "@widgetti/vue-grid-layout"):
        match = next((m for t in texts for m in re.findall(re.escape(package) + r"@[0-9][\w.\-]*", t)), None)
        if match is None:
            raise ParameterError(f"cannot tell which {package} this solara ({solara.__version__}) loads")
        found.append(match)
    return found


def asset_cache() -> Path:
    """Return the folder where solara's server keeps the CDN files it serves (its proxy cache)."""
    from solara.server.settings import assets

    return Path(assets.proxy_cache_dir)


def missing_assets() -> list[str]:
    """Return the page assets (:func:`page_assets`) not yet in solara's cache."""
    cache = asset_cache()
    return [a for a in page_assets() if not (cache / a).is_dir() or not any((cache / a).iterdir())]


def prepare_offline(echo: Any = click.echo) -> list[str]:
    """Put the page's browser assets into solara's cache with npm, so that the dashboard works
    with no internet access; return the packages fetched (none when all were there).

    Each package is unpacked into a temporary folder and moved into place when complete.
    Raises ParameterError (one line) when npm is missing or a package cannot be fetched.
    """
    todo = missing_assets()
    if not todo:
        return []
    npm = shutil.which("npm")
    if npm is None:
        raise ParameterError("--prepare-offline needs npm (Node.js) to fetch "
                             + ", ".join(todo) + "; install npm, or use the dashboard online")
    cache = asset_cache()
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".simcomm-assets-", dir=cache) as tmp:
        for spec in todo:
            echo(f"fetching {spec} (npm)")
            done = subprocess.run([npm, "pack", spec, "--silent", "--pack-destination", tmp],
                                  capture_output=True, text=True)
            lines = done.stdout.strip().splitlines()
            if done.returncode != 0 or not lines:
                why = (done.stderr.strip().splitlines() or ["no package file"])[-1]
                raise ParameterError(f"--prepare-offline: npm could not fetch {spec}: {why}")
            unpacked = Path(tmp) / f"unpacked-{len(os.listdir(tmp))}"
            with tarfile.open(Path(tmp) / lines[-1]) as tar:
                members = [m for m in tar.getmembers() if m.name.startswith("package/")]
                for m in members:
                    m.name = m.name[len("package/"):]
                tar.extractall(unpacked, members=[m for m in members if m.name], filter="data")
            target = cache / spec
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                shutil.rmtree(target)
            os.replace(unpacked, target)
    return todo


# ---- simcomm dashboard ----------------------------------------------------------------------------
def _free_port(port: int) -> int:
    """Return ``port`` if nothing listens on it on localhost (any free port for 0); else raise
    ParameterError naming --port and what is allowed."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            raise ParameterError(f"--port {port} is already in use on {HOST}: choose a free port "
                                 "(1-65535), or 0 for any free one") from None
        return int(sock.getsockname()[1])


@click.command(epilog="""
\b
Examples:
  simcomm dashboard
  simcomm dashboard staff-churn --compare vendor-imposed --port 8800
  simcomm dashboard staff-churn --weeks 156 --seed 3
  simcomm dashboard organic --compare none --set partners=500
""")
@click.argument("scenario", default="vendor-imposed", required=False)
@click.option("--compare", default="organic", show_default=True, metavar="SCENARIO|none",
              help="The scenario to run side by side on the same seed, or 'none'.")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0, 2**63 - 1),
              help="The seed both communities start from (the page can change it).")
@click.option("--weeks", default=260, show_default=True, type=click.IntRange(1, 5200),
              help="The horizon: the run stops after this many weeks (the page can change it).")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="Override a parameter for both communities (repeatable); see 'simcomm params'.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535),
              help="Port on localhost; 0 picks any free one.")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in the default browser.")
@click.option("--prepare-offline", "offline", is_flag=True,
              help="Fetch the page's browser assets with npm into solara's cache, then exit: the "
                   "dashboard then works with no internet access (a training room).")
def dashboard(scenario: str, compare: str, seed: int, weeks: int, sets: tuple[str, ...], port: int,
              open_browser: bool, offline: bool) -> None:
    """Start the trainer's dashboard in the browser and print its address.

    SCENARIO (default vendor-imposed) runs on the left, --compare (default organic) on the
    right, on the same seed and stepping together, up to --weeks. The page (Mesa models and
    inputs, Solara) has Play, Pause, Step and Reset, a "what if the manager had stayed?" switch
    that draws each community without its managers' departures as a ghost line, sliders for
    the key parameters, live charts of active members (departures marked), lurking and lapsed
    members, posts and answers and mean commitment, both partner networks and the event log.
    A channel scenario (channel-*) shows its communities alive, founded and dead, each one's
    members and the sizes week by week, each community's own view one click away. Ctrl+C stops
    it.
    """
    if offline:
        fetched = prepare_offline()
        echo(f"fetched {len(fetched)} packages into {asset_cache()}" if fetched
                   else f"the dashboard's browser assets are already in {asset_cache()}")
        return
    from simcomm.runs.channel_run import is_channel, load_channel, with_overrides

    overrides = _overrides(sets)
    if is_channel(scenario):  # a channel runs alone: its communities side by side
        _refuse_for_a_channel(("compare",))
        name, other = with_overrides(load_channel(scenario), overrides).name, None
    else:
        name = _scenario(scenario, "SCENARIO").name
        other = None if compare == NO_COMPARISON else _scenario(compare, "--compare")
        for s in (_scenario(scenario, "SCENARIO"), other):
            if s is not None:
                make_params(overrides, base=s.overrides)
    port = _free_port(port)
    settings = {"scenario": scenario, "compare": compare if other is not None else NO_COMPARISON,
                "seed": seed, "weeks": weeks, "overrides": overrides}
    env = {**os.environ, "SIMCOMM_DASHBOARD": json.dumps(settings),
           "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "SOLARA_THEME_SHOW_BANNER": "False"}
    # The server is solara's, with simcomm.ui.dashboard_guard in front: it answers only this
    # page's own address and origin (no other web page the trainer visits can drive it).
    cmd = [sys.executable, "-m", "simcomm.ui.dashboard_guard", "run", "simcomm.ui.app", "--host", HOST,
           "--port", str(port),
           "--production", "--open" if open_browser else "--no-open", "--log-level", "warning"]
    url = f"http://{HOST}:{port}/"
    beside = f" beside {other.name}" if other is not None else ""
    echo(f"simcomm dashboard: {url}  ({name}{beside}, seed {seed}); Ctrl+C stops it")
    if missing_assets():
        echo("note: the page fetches its browser assets from the internet the first time; "
                   "without internet access run 'simcomm dashboard --prepare-offline' once", err=True)
    sys.stdout.flush()
    from simcomm.runs.interruption import handle_termination
    from simcomm.runs.worker import die_with_parent

    handle_termination()  # stopped by a service manager (SIGTERM): stop the server too, as Ctrl-C does

    # The server ends with this process, even when it is killed with SIGKILL (Linux). It runs in
    # a process group of its own, so a Ctrl-C in the terminal reaches only this process, which
    # stops the server and says so once (the server would print its own "Aborted.").
    server = subprocess.Popen(cmd, env=env, process_group=0,
                              preexec_fn=functools.partial(die_with_parent, os.getpid()))
    try:
        code = server.wait()
    except KeyboardInterrupt:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        echo("dashboard stopped", err=True)
        return
    if code:
        raise click.exceptions.Exit(code)


def check_story_work(sc: Any, other: Any, overrides: dict[str, Value], weeks: int, causes: int,
                     workers: int | None, allow_long: bool, contributions: int = 0) -> None:
    """Check the story's memory and time before it starts: its run, the run replayed to draw the
    network and the "manager stayed" twin are in memory two at a time; the causes' replays and,
    with ``contributions``, the combinations of the levers between the two scenarios run in
    ``workers`` processes. Raises ParameterError (one line); returns None."""
    from simcomm.runs.counterfactual import expected_replays
    from simcomm.runs.resources import check_memory
    from simcomm.runs.workload import Workload

    told = [s for s in (sc, other) if s is not None]
    check_memory([(s.overrides, overrides) for s in told], models=2)
    work = Workload()
    for s in told:
        partners = int(make_params(overrides, base=s.overrides)["partners"])
        work.add(3 if s is sc else 2, weeks, partners)  # the run, its network replay (, its twin)
        if s is sc and causes:
            work.add(expected_replays(s, weeks, overrides), weeks, partners)
    if other is not None and contributions:
        from simcomm.report.story import differences_runs

        partners = int(make_params(overrides, base=sc.overrides)["partners"])
        work.add(differences_runs(sc, other, overrides), weeks, partners)
    announce_work(work, 1, allow_long, "--weeks, partners, --causes or --contributions")


# ---- simcomm story --------------------------------------------------------------------------------
@click.command(epilog="""
\b
Examples:
  simcomm story staff-churn
  simcomm story organic --compare vendor-imposed --seed 3 --out out/organic-story
  simcomm story vendor-imposed --set staff_turnover_per_year=1.33 --weeks 156 --causes 0
""")
@click.argument("scenario")
@click.option("--compare", default="organic", show_default=True, metavar="SCENARIO|none",
              help="The scenario told beside it on the same seed, or 'none'.")
@click.option("--out", type=OUT_PATH, default=None,
              help="Directory to write story.html, timeline.png, network.gif (and network-compare.gif) "
                   "and story.json to [default: out/story-SCENARIO].")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0, 2**63 - 1),
              help="The seed every random draw derives from.")
@click.option("--weeks", default=260, show_default=True, type=click.IntRange(1, 5200),
              help="Weeks to simulate.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="Override a parameter of both scenarios (repeatable); see 'simcomm params'.")
@click.option("--frames", default=40, show_default=True, type=click.IntRange(1, 520),
              help="Frames of each network animation (after week 0).")
@click.option("--causes", default=3, show_default=True, type=click.IntRange(0, 20),
              help="The explanation's largest causes to tell (replays of the run, each with one "
                   "cause neutralised); 0 skips them.")
@click.option("--contributions", default=3, show_default=True, type=click.IntRange(0, 20),
              help="The largest contributions to the difference from --compare, lever by lever (as "
                   "'simcomm explain SCENARIO --against B' takes it apart, on this seed); 0 skips them.")
@click.option("--workers", "-w", default=None, type=click.IntRange(1, 1024),
              help="Parallel processes for the causes' replays [default: all cores].")
@allow_long_option
def story(scenario: str, compare: str, out: Path | None, seed: int, weeks: int, sets: tuple[str, ...],
          frames: int, causes: int, contributions: int, workers: int | None, allow_long: bool) -> None:
    """Write a self-contained HTML page telling one run of SCENARIO beside --compare, for a
    training session; or, for a channel scenario (channel-*), the channel's story.

    The page holds a timeline (active members of both scenarios, SCENARIO had its managers
    stayed as a dashed line, its lifecycle phases shaded, its managers' departures and events
    marked), the headline figures side by side, what the "manager stayed" run did, the
    largest causes of SCENARIO's losses in sentences (as 'simcomm explain' finds them, on this
    one seed), what makes the two scenarios differ lever by lever (as 'simcomm explain SCENARIO
    --against B' takes it apart, on this seed), each scenario's phases and events, the seed
    passage the scenario illustrates and an animated GIF of each partner network; it opens from
    disk with no server and no network, and records the parameters, seed and simcomm version.
    The figures are those of 'simcomm run' for the same scenario, seed and --set values.

    A channel's story shows the communities alive, founded and dead by week, each community's
    members on its own lane (born, growing, dying), the sizes at the horizon, one partner's
    memberships (the one who joined the most communities) and, one click away, each community's
    own view (--compare, --frames, --causes, --contributions and --workers do not apply).
    """
    from simcomm.report.story import tell_story
    from simcomm.report.story_page import STORY_FILES, write_story
    from simcomm.report.text import counted
    from simcomm.runs.channel_run import is_channel
    from simcomm.runs.files import OutputError

    if is_channel(scenario):
        _refuse_for_a_channel(("compare", "frames", "causes", "contributions", "workers"))
        channel_story(scenario, out, seed, weeks, sets, allow_long)
        return
    sc = _scenario(scenario, "SCENARIO")
    other = None if compare == NO_COMPARISON else _scenario(compare, "--compare")
    overrides = _overrides(sets)
    for s in (sc, other):
        if s is not None:
            make_params(overrides, base=s.overrides)
    out = out if out is not None else Path("out") / f"story-{sc.name}"
    check_out(out, [n for n in STORY_FILES if other is not None or n != "network-compare.gif"])
    check_story_work(sc, other, overrides, weeks, causes, workers, allow_long, contributions)
    started = time.perf_counter()
    told = tell_story(sc, weeks=weeks, seed=seed, overrides=overrides, frames=frames, compare=other,
                      causes=causes, workers=workers, contributions=contributions)
    try:
        written = write_story(told, out)
    except OutputError as exc:
        raise OutputError(f"--out: {exc}") from None
    for t in [told] + ([told.compare] if told.compare is not None else []):
        died = t.result.summary.get("died_week")
        fate = f"died in week {died}" if died is not None else f"alive after {weeks} weeks"
        echo(f"{t.scenario.name}, seed {seed}: {fate}; peak {t.result.summary.get('peak_active')} "
                   f"active members; {counted(len(t.result.events), 'event')}; "
                   f"{counted(len(t.frames), 'network frame')}")
    if told.ghost is not None:
        echo(f"had the managers stayed: {int(told.ghost.timeseries['active_members'].iloc[-1]):,} "
                   f"active members at week {weeks} instead of "
                   f"{int(told.result.timeseries['active_members'].iloc[-1]):,}")
    echo(f"wrote {', '.join(p.name for p in written)} to {out} "
               f"({time.perf_counter() - started:.1f} s)")
    echo(f"open {out / 'story.html'} in a browser: no server and no network needed")


def _refuse_for_a_channel(options: tuple[str, ...]) -> None:
    """Raise ParameterError (one line) when one of ``options`` (parameter names of ``story``) was
    given on the command line: a channel's story has no use for it."""
    from click.core import ParameterSource

    ctx = click.get_current_context()
    for name in options:
        if ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE:
            flag = "--" + name
            raise ParameterError(f"{flag}: a channel's story tells the one channel (its communities, each "
                                 f"one click away); {flag} is for a single community's story")


def channel_story(name: str, out: Path | None, seed: int, weeks: int, sets: tuple[str, ...],
                  allow_long: bool) -> None:
    """Write the story of the channel scenario ``name`` (:mod:`simcomm.report.channel_story`) into
    ``out`` (default out/story-NAME) and say what it holds; return None. Bad input raises
    ParameterError (one line, exit 2) before anything is simulated."""
    from simcomm.report.channel_story import tell_channel_story
    from simcomm.report.channel_story_page import CHANNEL_STORY_FILES, write_channel_story
    from simcomm.runs.channel_run import load_channel, with_overrides
    from simcomm.runs.files import OutputError
    from simcomm.runs.workload import Workload

    plan = with_overrides(load_channel(name), _overrides(sets))
    out = out if out is not None else Path("out") / f"story-{plan.name}"
    check_out(out, CHANNEL_STORY_FILES)
    partners = int(make_params(plan.shared)["partners"])
    most = max(1, len(plan.communities) + plan.max_founded)
    announce_work(Workload().add(2 * most, weeks, partners), 1, allow_long,
                  "--weeks, partners or communities")  # the run and its replay
    started = time.perf_counter()
    told = tell_channel_story(plan, weeks=weeks, seed=seed, overrides=_overrides(sets))
    try:
        written = write_channel_story(told, out)
    except OutputError as exc:
        raise OutputError(f"--out: {exc}") from None
    last = told.result.channel.iloc[-1]
    echo(f"{plan.name}, seed {seed}: {len(told.result.roster)} communities, {int(last['dead_total'])} died, "
         f"{int(last['communities_alive'])} alive at week {weeks}; following partner {told.trace.partner} "
         f"({told.joined} communities joined)")
    echo(f"wrote {', '.join(p.name for p in written)} to {out} ({time.perf_counter() - started:.1f} s)")
    echo(f"open {out / 'story.html'} in a browser: no server and no network needed")
