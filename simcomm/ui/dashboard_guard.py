"""What keeps the trainer's dashboard its own page's: no other web page the trainer visits can drive
it, and nothing the page is sent can show a Python traceback.

The dashboard's server listens on 127.0.0.1 only, but a web page open in the same browser can still
reach it: by DNS rebinding (a name of the attacker's that resolves to 127.0.0.1, so requests carry
its name in the ``Host`` header) or by opening a websocket to it from its own origin. So:

- :class:`LocalOnly`, an ASGI middleware put in front of solara's server by :func:`install`, answers
  only requests whose ``Host`` is the address the server was started on (``localhost:PORT`` or
  ``127.0.0.1:PORT``): 400 without a Host, 403 for another; and only websockets (and requests
  carrying an ``Origin``) from the page's own origin (``http://localhost:PORT`` or
  ``http://127.0.0.1:PORT``): a websocket without an Origin or from another is refused with 403.
- :func:`checked_inputs` validates what the page's inputs send before a Reset uses it: a scenario
  must be one the selector offers (a value sent over the websocket that the page never listed, such
  as a file's path, is refused with a one-line message and the previous choice kept), a slider a
  number within its range, and no other name is accepted.
- A failure never reaches the browser as a traceback: the page catches its handlers' errors and
  shows one line (:func:`one_line`); :func:`install` also makes solara send one line instead of
  the traceback of an error it catches itself (the full traceback goes to the server's log).

``simcomm dashboard`` starts the server as ``python -m simcomm.ui.dashboard_guard run
simcomm.ui.app --host localhost --port PORT ...``: :func:`main` installs the guard for PORT, then
runs solara's own command line with those arguments.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import sys
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

LOCAL_NAMES = ("localhost", "127.0.0.1")
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
logger = logging.getLogger("simcomm.dashboard")


def allowed_hosts(port: int) -> frozenset[str]:
    """Return the Host header values the server answers: ``localhost:PORT`` and ``127.0.0.1:PORT``."""
    return frozenset(f"{name}:{port}" for name in LOCAL_NAMES)


def allowed_origins(port: int) -> frozenset[str]:
    """Return the page's own origins: ``http://localhost:PORT`` and ``http://127.0.0.1:PORT``."""
    return frozenset(f"http://{host}" for host in allowed_hosts(port))


def _header(scope: Scope, name: bytes) -> str | None:
    values = [v for k, v in scope.get("headers", ()) if k.lower() == name]
    if len(values) != 1:  # none, or given twice: no single answer
        return None if not values else "\0"
    return values[0].decode("latin-1").strip().lower()


class LocalOnly:
    """ASGI middleware: requests and websockets only for this page, from this page (see the
    module's docstring). ``port`` is the port the server listens on."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], port: int) -> None:
        self.app = app
        self.hosts = allowed_hosts(port)
        self.origins = allowed_origins(port)
        self.port = port

    def refusal(self, scope: Scope) -> tuple[int, str] | None:
        """Return (status, reason) when the request or websocket ``scope`` must be refused, else None."""
        host = _header(scope, b"host")
        if host is None:
            return 400, "no Host header"
        if host not in self.hosts:
            return 403, "this dashboard answers only its own address"
        origin = _header(scope, b"origin")
        if scope["type"] == "websocket" and origin is None:
            return 403, "a websocket must come from the dashboard's own page"
        if origin is not None and origin not in self.origins:
            return 403, "requests from other web pages are refused"
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        refused = self.refusal(scope)
        if refused is None:
            await self.app(scope, receive, send)
            return
        status, reason = refused
        logger.warning("refused %s %s: %s", scope["type"], scope.get("path", ""), reason)
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})  # before accept: HTTP 403
            return
        body = (f"{reason}: open http://localhost:{self.port}/\n").encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def one_line(exc: BaseException) -> str:
    """Return an error as the one line the page shows: its type's plain message, no traceback."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:300] + "..."


def send_one_line_instead_of_traceback() -> None:
    """Make solara send the browser one line for an error raised by a widget's callback, instead
    of the formatted traceback it sends by default (the traceback is logged on the server);
    return None. Does nothing when this solara has no such hook."""
    try:
        import solara.server.app  # noqa: F401 - imports solara.server.patch in the order it expects
        from solara.server import patch
    except ImportError:  # pragma: no cover - solara not installed
        return
    shell = getattr(patch, "FakeIPython", None)
    if shell is None or not hasattr(shell, "showtraceback"):  # pragma: no cover - another solara
        return

    def showtraceback(self: Any) -> None:
        value = sys.exc_info()[1]
        logger.error("error in the dashboard's page", exc_info=value)
        message = {"type": "exception", "traceback": f"Error: {one_line(value) if value else 'unknown'}"}
        for socket in getattr(self.context, "control_sockets", ()):
            with contextlib.suppress(Exception):  # a closed socket: nothing to tell
                socket.send_json(message)

    shell.showtraceback = showtraceback


def install(port: int) -> None:
    """Put :class:`LocalOnly` for ``port`` in front of solara's server and make solara send one
    line instead of a traceback; return None. Call it before the server starts."""
    import solara.server.starlette as server

    server.app.add_middleware(LocalOnly, port=port)
    send_one_line_instead_of_traceback()


def checked_inputs(inputs: Mapping[str, Any], model_params: Mapping[str, Any]
                   ) -> tuple[dict[str, Any], list[str]]:
    """Return (the inputs a Reset may use, one-line problems) from what the page's inputs sent.

    Only the names of ``model_params``' inputs are kept; a select's value must be one of its
    offered ``values`` (else the problem says so and the value is dropped: the page's starting
    value is used, and nothing is loaded from what was sent); a slider's must be a number within
    its range (an integer for an integer slider); a
    text input's is text."""
    from mesa.visualization import Slider

    kept: dict[str, Any] = {}
    problems: list[str] = []
    for name, value in inputs.items():
        spec = model_params.get(name)
        if isinstance(spec, Slider):
            number = _slider_value(value, spec)
            if number is None:
                problems.append(f"{spec.label}: {_shown(value)} is not allowed: expected a number from "
                                f"{spec.min} to {spec.max}; ignored")
            else:
                kept[name] = number
        elif isinstance(spec, dict) and spec.get("type") == "Select":
            offered = list(spec.get("values", ()))
            if isinstance(value, str) and value in offered:
                kept[name] = value
            else:
                problems.append(f"{spec.get('label', name)}: {_shown(value)} is not one of the scenarios "
                                "this page offers; ignored")
        elif isinstance(spec, dict) and spec.get("type") == "InputText":
            kept[name] = str(value)[:100]
        else:
            problems.append(f"'{_shown(name)}' is not an input of this page; ignored")
    return kept, problems


def _slider_value(value: Any, slider: Any) -> float | int | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    if not slider.min <= value <= slider.max:
        return None
    integer = getattr(slider, "dtype", None) is int or getattr(slider, "is_float_slider", None) is False
    if integer:
        return int(value) if float(value).is_integer() else None
    return float(value)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def main(argv: list[str] | None = None) -> None:
    """``python -m simcomm.ui.dashboard_guard run APP --port PORT ...``: install the guard for
    PORT, then run solara's command line with the same arguments."""
    args = list(sys.argv[1:] if argv is None else argv)
    port = int(args[args.index("--port") + 1])
    # solara's server registers its app when it is imported, from what `solara run` puts in the
    # environment; it is imported here first, so put the app there before.
    os.environ["SOLARA_APP"] = args[args.index("run") + 1]
    install(port)
    from solara.__main__ import main as solara_main

    sys.argv = ["solara", *args]  # as `python -m solara ARGS` would have them
    solara_main()


if __name__ == "__main__":  # pragma: no cover
    main()
