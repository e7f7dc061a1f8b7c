"""Make the README's screenshots from the real pages, in headless Chromium, and record each page's
structure beside them: ``python benchmarks/screenshots.py`` (about a minute).

- ``docs/img/dashboard.png``: ``simcomm dashboard staff-churn --compare organic`` at 1280x720,
  the ghost line ("what if the manager had stayed?") on, after 100 weeks;
- ``docs/img/story.png``: the top of ``simcomm story staff-churn`` (beside organic, seed 0).

``docs/img/screenshots.json`` records, for each, a hash of the page's structure: the tree of its
elements (tag, the page's own classes, roles and accessible names of controls) with every text
and every chart's inside left out, repeated siblings counted once, taken at a fixed moment (the
dashboard after one Step; the story as written). ``tests/test_dashboard.py`` and
``tests/test_story.py`` compute the same hash from the live pages and fail when it differs: the
page changed and its picture did not. Run this script again then, and commit the new images and
hashes together.

Needs Debian's chromium (``apt-get install chromium``) and the test extra's playwright; the
dashboard's browser assets come from ``simcomm dashboard --prepare-offline``.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "docs" / "img"
RECORD = IMAGES / "screenshots.json"
FLAGS = ["--headless", "--no-sandbox", "--disable-background-networking"]
DASHBOARD = ("staff-churn", "--compare", "organic")
DASHBOARD_WEEKS = 100

# The page's structure, without text: each element that carries one of the page's own classes
# (simcomm-*, or any class on the story page, which has no framework), a heading, a table, a
# list, an image or a control, as (depth, tag, own classes, role, accessible name of a control).
# An <svg> is a leaf (its lines move every week); consecutive siblings with the same signature
# count once (event log lines, table rows).
STRUCTURE_JS = r"""(own) => {
  const keep = (el) => {
    const cls = [...el.classList].filter(c => own === 'all' ? !c.startsWith('v-') : c.startsWith('simcomm-'));
    const tag = el.tagName.toLowerCase();
    const role = el.getAttribute('role') || '';
    const control = tag === 'button' || role === 'slider' || role === 'switch';
    if (!cls.length && !control && !['h1','h2','h3','table','ol','ul','img','svg','details',
        'blockquote','section'].includes(tag)) return null;
    const name = control ? (el.getAttribute('aria-label') || '') : '';
    return [tag, cls.sort().join('.'), role, name].join('|');
  };
  const out = [];
  const walk = (el, depth) => {
    let last = null;
    for (const child of el.children) {
      const tag = child.tagName.toLowerCase();
      if (['script','style','noscript','link','meta','template'].includes(tag)) continue;
      const sig = keep(child);
      if (sig !== null) {
        if (sig !== last) out.push(depth + ':' + sig);
        last = sig;
        if (tag !== 'svg') walk(child, depth + 1);
      } else {
        walk(child, depth);
      }
    }
  };
  walk(document.body, 0);
  return out;
}"""


def structure(page: Any, own: str) -> list[str]:
    """Return the page's structure (:data:`STRUCTURE_JS`); ``own``: "simcomm" (the dashboard:
    only the page's simcomm-* classes, not the framework's) or "all" (the story page)."""
    return list(page.evaluate(STRUCTURE_JS, own))


def structure_hash(page: Any, own: str) -> str:
    """Return the SHA-256 of the page's structure, one line per element."""
    return hashlib.sha256("\n".join(structure(page, own)).encode("utf-8")).hexdigest()


def chromium() -> str:
    """Return Debian's chromium, or exit with a one-line message."""
    path = shutil.which("chromium")
    if path is None:
        sys.exit("chromium is not installed: apt-get install -y chromium")
    return path


def start_dashboard(*args: str) -> tuple[subprocess.Popen[str], str]:
    """Start ``simcomm dashboard ARGS --port 0``; return the process and its address, once it listens."""
    cmd = [sys.executable, "-m", "simcomm.ui.cli", "dashboard", *args, "--port", "0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    assert proc.stdout is not None
    match = re.search(r"http://localhost:(\d+)/", proc.stdout.readline())
    if not match:
        sys.exit("the dashboard did not say its address")
    port = int(match.group(1))
    deadline = time.monotonic() + 120  # a hang guard only
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return proc, match.group(0)
        time.sleep(0.2)
    sys.exit("the dashboard did not listen within 120 s")


def wait_for_week(page: Any, week: int) -> None:
    """Wait until the status line and every chart show ``week`` (a hang guard of 120 s)."""
    page.wait_for_function(
        f"() => document.querySelector('.simcomm-status').innerText.startsWith('Week {week} of') && "
        f"[...document.querySelectorAll('.simcomm-chart')].every(c => c.dataset.week === '{week}')",
        timeout=120_000)


def open_dashboard(browser: Any, url: str) -> Any:
    """Open the dashboard at 1280x720 and press Step once: the moment its structure is taken."""
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(url)
    page.locator(".simcomm-active-chart").wait_for(timeout=120_000)
    page.get_by_role("button", name="Step", exact=True).click()
    wait_for_week(page, 1)
    return page


def dashboard_shot(browser: Any) -> str:
    """Write docs/img/dashboard.png; return the page's structure hash (after one Step)."""
    proc, url = start_dashboard(*DASHBOARD)
    try:
        page = open_dashboard(browser, url)
        digest = structure_hash(page, "simcomm")
        page.get_by_text("What if the manager had stayed?").click()
        page.locator(".simcomm-active-chart polyline.ghost").wait_for(state="attached", timeout=120_000)
        step = page.get_by_role("button", name="Step", exact=True)
        for week in range(2, DASHBOARD_WEEKS + 1):
            step.click()
            wait_for_week(page, week)
        page.screenshot(path=str(IMAGES / "dashboard.png"))
        page.close()
        return digest
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def story_page(browser: Any, html: Path) -> Any:
    """Open a written story page at 1200 px wide."""
    page = browser.new_page(viewport={"width": 1200, "height": 1900})
    page.goto(html.resolve().as_uri())
    page.wait_for_load_state("load")
    return page


#: The story whose structure is recorded: the one tests/test_story.py writes (small and quick; the
#: structure is the page's, whatever the run).
STORY_STRUCTURE = ("staff-churn", "--weeks", "80", "--seed", "4", "--set", "partners=300", "--frames", "8")


def write_story(out: Path, *args: str) -> Path:
    """Write ``simcomm story ARGS --out OUT``; return the page's path."""
    subprocess.run([sys.executable, "-m", "simcomm.ui.cli", "story", *args, "--out", str(out)],
                   check=True, stdout=subprocess.DEVNULL)
    return out / "story.html"


def story_shot(browser: Any) -> str:
    """Write docs/img/story.png (the top of the default story); return the structure hash of
    the story page (taken on :data:`STORY_STRUCTURE`'s page)."""
    with tempfile.TemporaryDirectory() as tmp:
        page = story_page(browser, write_story(Path(tmp) / "story", "staff-churn"))
        page.screenshot(path=str(IMAGES / "story.png"))
        page.close()
        page = story_page(browser, write_story(Path(tmp) / "small", *STORY_STRUCTURE))
        digest = structure_hash(page, "all")
        page.close()
    return digest


def main() -> None:
    """Make both screenshots and write their record."""
    from playwright.sync_api import sync_playwright

    import simcomm

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium(), args=FLAGS)
        record = {
            "command": "python benchmarks/screenshots.py",
            "simcomm_version": simcomm.__version__,
            "dashboard": {"image": "dashboard.png", "page": "simcomm dashboard " + " ".join(DASHBOARD),
                          "shown": f"1280x720, ghost on, week {DASHBOARD_WEEKS}",
                          "structure_sha256": dashboard_shot(browser), "structure_taken": "after one Step"},
            "story": {"image": "story.png", "page": "simcomm story staff-churn",
                      "shown": "the top 1200x1900 px", "structure_sha256": story_shot(browser),
                      "structure_taken": "simcomm story " + " ".join(STORY_STRUCTURE)},
        }
        browser.close()
    RECORD.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {IMAGES / 'dashboard.png'}, {IMAGES / 'story.png'} and {RECORD}")


if __name__ == "__main__":
    main()
