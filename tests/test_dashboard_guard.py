"""Issue 26: a dashboard only its own page can drive (simcomm.ui.dashboard_guard).

The Host and Origin checks are tested on the real server through raw HTTP requests and raw
websocket handshakes (sockets, no browser); the page's own checks (only offered scenarios, one
line instead of a traceback) by rendering the page in-process and acting on its widgets as the
messages of a websocket would."""

from __future__ import annotations

import base64
import os
import socket
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from test_dashboard import start_dashboard, stop

from simcomm.ui import dashboard_guard
from simcomm.ui.dashboard_guard import checked_inputs

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the dashboard's server")


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    proc, url = start_dashboard("organic", "--compare", "none", "--set", "partners=200")
    try:
        yield int(url.rsplit(":", 1)[1].strip("/"))
    finally:
        stop(proc)


def status_line(port: int, request: str) -> str:
    """Send a raw HTTP request to the dashboard; return the status line of its answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(request.encode("latin-1"))
        data = b""
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    return data.split(b"\r\n", 1)[0].decode("latin-1")


def get(port: int, host: str | None, origin: str | None = None, path: str = "/") -> str:
    headers = (f"Host: {host}\r\n" if host is not None else "") + (f"Origin: {origin}\r\n" if origin else "")
    return status_line(port, f"GET {path} HTTP/1.1\r\n{headers}Connection: close\r\n\r\n")


def websocket(port: int, host: str, origin: str | None) -> str:
    """Open a raw websocket to the page's kernel channel; return the handshake's status line."""
    key = base64.b64encode(os.urandom(16)).decode()
    path = f"/jupyter/api/kernels/{uuid.uuid4()}/channels?session_id={uuid.uuid4()}"
    headers = (f"Host: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
               "Sec-WebSocket-Version: 13\r\n" + (f"Origin: {origin}\r\n" if origin else ""))
    return status_line(port, f"GET {path} HTTP/1.1\r\n{headers}\r\n")


@linux_only
def test_only_the_dashboards_own_host_is_answered(port: int) -> None:
    """`Host: attacker.example` was answered 200, so DNS rebinding worked."""
    assert get(port, f"localhost:{port}").endswith("200 OK")
    assert get(port, f"127.0.0.1:{port}").endswith("200 OK")
    for host in ("attacker.example", f"attacker.example:{port}", f"localhost:{port + 1}", "localhost",
                 f"127.0.0.2:{port}"):
        assert get(port, host).split()[1] == "403", host
    assert get(port, None).split()[1] == "400"
    assert get(port, f"localhost:{port}", "http://attacker.example").split()[1] == "403"


@linux_only
def test_a_websocket_only_from_the_dashboards_own_page(port: int) -> None:
    """A foreign-origin websocket could drive the page."""
    own = f"http://localhost:{port}"
    assert websocket(port, f"localhost:{port}", own).split()[1] == "101"
    assert websocket(port, f"127.0.0.1:{port}", f"http://127.0.0.1:{port}").split()[1] == "101"
    for host, origin in ((f"localhost:{port}", "http://attacker.example"), (f"localhost:{port}", None),
                         (f"localhost:{port}", "null"), (f"localhost:{port}", f"https://localhost:{port}"),
                         (f"attacker.example:{port}", own)):
        assert websocket(port, host, origin).split()[1] == "403", (host, origin)


# ---- the page's own checks -------------------------------------------------------------------
def test_checked_inputs_keep_only_what_the_page_offers() -> None:
    from simcomm.ui.dashboard_model import dashboard_model_params

    params = dashboard_model_params({"scenario": "organic", "compare": "none", "seed": 0, "overrides": {}})
    sent = {"scenario_name": "/etc/passwd", "compare_with": "vendor-imposed", "partners": {"a": 1},
            "moderation": 0.5, "weeks": 10**9, "seed": "12", "__class__": "x"}
    kept, problems = checked_inputs(sent, params)
    assert kept == {"compare_with": "vendor-imposed", "moderation": 0.5, "seed": "12"}
    assert len(problems) == 4 and all("\n" not in p for p in problems)
    assert any("'/etc/passwd' is not one of the scenarios this page offers" in p for p in problems)


def page() -> tuple[Any, Any]:
    import solara

    from simcomm.ui import app

    @solara.component
    def Shown() -> Any:  # noqa: N802 (a Solara component)
        return app.Page()

    return solara.render(Shown(), handle_error=False)


def alerts(rc: Any) -> list[str]:
    """Return the text of every alert (solara.Error) on the page."""
    import ipyvuetify as v

    return [" ".join(c for c in found.children if isinstance(c, str)) for found in rc.find(v.Alert).widgets]


def click(rc: Any, label: str) -> None:
    import ipyvuetify as v

    [button] = [b for b in rc.find(v.Btn).widgets if label in b.children]
    button.click()


def test_a_scenario_the_page_never_offered_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """A websocket set the selector to /etc/passwd and the server tried to load it, sending a
    Python traceback to the browser."""
    import ipyvuetify as v

    from simcomm.ui import dashboard_model

    loaded: list[str] = []
    real = dashboard_model.load_scenario
    monkeypatch.setattr(dashboard_model, "load_scenario", lambda n: loaded.append(str(n)) or real(n))
    _, rc = page()
    try:
        select = rc.find(v.Select, label="Scenario (left, blue)").widget
        select.v_model = "/etc/passwd"  # what a message over the websocket sets
        click(rc, "Reset")  # raised before the fix: load_scenario('/etc/passwd') -> traceback
        assert "/etc/passwd" not in loaded
        shown = alerts(rc)
        assert any("'/etc/passwd' is not one of the scenarios this page offers" in t for t in shown), shown
        assert not any("Traceback" in t for t in shown)
    finally:
        rc.close()


def test_an_error_in_a_handler_is_one_line_in_the_page(monkeypatch: pytest.MonkeyPatch) -> None:
    from simcomm.ui import app

    def broken(self: object) -> None:
        raise RuntimeError("the week failed\n  with a second line")

    monkeypatch.setattr(app.CommunityPair, "step", broken)  # before the page: Mesa wraps step
    _, rc = page()
    try:
        click(rc, "Step")  # raised into solara before the fix (a traceback in the browser)
        assert "the week failed with a second line" in alerts(rc)
    finally:
        rc.close()


def test_an_error_while_drawing_is_one_line_in_the_page(monkeypatch: pytest.MonkeyPatch) -> None:
    from simcomm.ui import app

    def broken(pair: object) -> dict[str, str]:
        raise ValueError("cannot draw")

    monkeypatch.setattr(app, "views", broken)
    _, rc = page()
    try:
        assert alerts(rc) == ["The dashboard stopped: cannot draw"]
    finally:
        rc.close()


def test_solara_sends_one_line_instead_of_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fallback for an error solara catches itself (a widget's callback): solara sent the
    formatted traceback to the browser."""
    import solara.server.app  # noqa: F401 - imports solara.server.patch in the order it expects
    from solara.server import patch

    monkeypatch.setattr(patch.FakeIPython, "showtraceback", patch.FakeIPython.showtraceback)
    dashboard_guard.send_one_line_instead_of_traceback()
    sent: list[dict[str, Any]] = []

    class Socket:
        def send_json(self, message: dict[str, Any]) -> None:
            sent.append(message)

    shell = patch.FakeIPython.__new__(patch.FakeIPython)
    shell.context = type("Context", (), {"control_sockets": [Socket()]})()
    try:
        raise KeyError("/etc/passwd")
    except KeyError:
        shell.showtraceback()
    assert sent == [{"type": "exception", "traceback": "Error: '/etc/passwd'"}]
