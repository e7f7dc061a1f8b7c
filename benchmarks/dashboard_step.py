"""How long a trainer waits for one Step of the dashboard, in the browser (issue 15's bound):
``python benchmarks/dashboard_step.py``; exit status 1 when the median is over 0.2 s.

Two communities of 2,000 partners (staff-churn beside organic) with the "manager stayed" ghost
on; twelve Steps clicked in the page itself, each timed from the click until the status line and
all four charts show the next week and the browser has painted it (tests/test_dashboard.py's
TIME_STEPS). Speed is measured here, not in the test suite, where a loaded machine would turn a
timed assertion red by chance (issue 27). Measured 0.04-0.07 s on the 2-core development machine
under load; the old matplotlib page took 1.3 s (mesa 3.3) and 2.4 s (mesa 3.5).
"""

from __future__ import annotations

import signal
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from screenshots import FLAGS, chromium, start_dashboard, wait_for_week  # noqa: E402
from test_dashboard import TIME_STEPS  # noqa: E402

BOUND = 0.2  # seconds: one week of the two communities, drawn (issue 15)
ARGS = ("staff-churn", "--compare", "organic", "--set", "partners=2000", "--weeks", "60")


def main() -> None:
    """Measure twelve Steps; print the times and exit 1 above the bound."""
    from playwright.sync_api import sync_playwright

    proc, url = start_dashboard(*ARGS)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium(), args=FLAGS)
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.goto(url)
            page.locator(".simcomm-active-chart").wait_for(timeout=120_000)
            page.get_by_text("What if the manager had stayed?").click()
            page.get_by_role("button", name="Step", exact=True).click()
            wait_for_week(page, 1)
            times = page.evaluate(TIME_STEPS, 12)
            browser.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    median = statistics.median(times)
    print(f"dashboard Step, drawn: median {median * 1000:.0f} ms over {len(times)} steps "
          f"({', '.join(f'{t * 1000:.0f}' for t in times)} ms); bound {BOUND * 1000:.0f} ms")
    sys.exit(0 if median < BOUND else 1)


if __name__ == "__main__":
    main()
