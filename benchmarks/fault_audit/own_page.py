"""Category dashboard (OWN PAGE ONLY): the dashboard's server answers only its own page (issue 26).

One dashboard is started; raw HTTP requests and raw websocket handshakes (sockets, no browser)
with other Host and Origin headers must be refused, its own accepted."""


import base64
import contextlib
import os
import re
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

from fault_audit.checks import Check, Verdict
from fault_audit.state import Audit


def _status(port: int, request: str) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(request.encode("latin-1"))
        data = b""
        while b"\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    parts = data.split(b"\r\n", 1)[0].split()
    return parts[1].decode() if len(parts) > 1 else "no answer"


def _http(port: int, host: str | None, origin: str | None) -> str:
    headers = (f"Host: {host}\r\n" if host else "") + (f"Origin: {origin}\r\n" if origin else "")
    return _status(port, f"GET / HTTP/1.1\r\n{headers}Connection: close\r\n\r\n")


def _websocket(port: int, host: str, origin: str | None) -> str:
    key = base64.b64encode(os.urandom(16)).decode()
    path = f"/jupyter/api/kernels/{uuid.uuid4()}/channels?session_id={uuid.uuid4()}"
    headers = (f"Host: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
               "Sec-WebSocket-Version: 13\r\n" + (f"Origin: {origin}\r\n" if origin else ""))
    return _status(port, f"GET {path} HTTP/1.1\r\n{headers}\r\n")


def own_page_only(audit: Audit, where: Path) -> Verdict:
    """Every Host and Origin case against one dashboard."""
    verdict = Verdict(args=["dashboard", "organic", "--compare", "none", "--port", "0"])
    proc, mark = audit.runner.start(verdict.args, where)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        found = re.search(r"http://localhost:(\d+)/", first)
        if not found:
            verdict.problems.append(f"no address printed: {first!r}")
            return verdict
        port = int(found.group(1))
        for _ in range(900):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        own, local = f"localhost:{port}", f"127.0.0.1:{port}"
        expected = [
            ("HTTP", own, None, "200"), ("HTTP", local, None, "200"),
            ("HTTP", "attacker.example", None, "403"), ("HTTP", f"attacker.example:{port}", None, "403"),
            ("HTTP", f"localhost:{port + 1}", None, "403"), ("HTTP", None, None, "400"),
            ("HTTP", own, "http://attacker.example", "403"),
            ("websocket", own, f"http://{own}", "101"), ("websocket", local, f"http://{local}", "101"),
            ("websocket", own, "http://attacker.example", "403"), ("websocket", own, None, "403"),
            ("websocket", own, "null", "403"),
            ("websocket", f"attacker.example:{port}", f"http://{own}", "403"),
        ]
        for kind, host, origin, want in expected:
            got = _http(port, host, origin) if kind == "HTTP" else _websocket(port, str(host), origin)
            if got != want:
                verdict.problems.append(f"{kind} Host {host} Origin {origin}: {got}, expected {want}")
        verdict.notes.append(f"{len(expected)} requests")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        from fault_audit.common import end_marked

        end_marked(mark)
    return verdict


def dashboard_cases(quick: bool) -> list[Check]:
    """The dashboard's Host and Origin check (its page's own checks are in tests/test_dashboard_guard.py)."""
    return [Check("dashboard", "Host and Origin of requests and websockets", own_page_only, quick=True)]
