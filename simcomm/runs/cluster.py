"""Runs on a Dask distributed cluster: where :func:`simcomm.runs.batch.run_many` sends its runs
while a command's ``--scheduler ADDRESS`` is in force.

A command (or a script) opens :func:`on_cluster` around its work; every :func:`run_many` inside
it, however deep, submits its runs to the scheduler instead of local processes, and gets the
results back in the order of its specs, as it would locally: each run depends only on its spec,
so the tables are identical whatever the executor. The connection is made when the first runs
are submitted (bad input is reported first, without waiting for a scheduler) or at once with
:meth:`Cluster.connect`, and it is kept for every batch of the command.

Every run is wrapped in :class:`VersionChecked`, which carries the client's simcomm version: a
worker with another version refuses the run with :class:`VersionMismatchError`, one line naming both
(a ParameterError, so a command prints it and exits with status 2). An address that cannot be
reached, or that is not a scheduler's, is one line too (:func:`connect`).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from simcomm.core.params import ParameterError

#: How long a client waits for a scheduler to answer before giving up (a Dask duration).
CONNECT_TIMEOUT = "10s"


class VersionMismatchError(ParameterError):
    """A worker runs another simcomm version than the client that sent it runs."""


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def connect(address: str) -> Any:
    """Return a ``distributed.Client`` connected to the scheduler at ``address``
    (``tcp://HOST:PORT``); ParameterError (one line naming --scheduler and the address) when it
    cannot be reached within :data:`CONNECT_TIMEOUT` or is not a scheduler's address."""
    from distributed import Client

    try:
        return Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise ParameterError(f"--scheduler {address}: cannot connect ({_one_line(exc)})") from None


@dataclass(frozen=True)
class VersionChecked:
    """A run function as sent to a worker: calling it on a spec first checks that the worker's
    simcomm version is the client's ``version`` (:class:`VersionMismatchError` if not), then returns
    ``function(spec)``."""

    function: Callable[[Any], Any]
    version: str
    address: str

    def __call__(self, spec: Any) -> Any:
        """Return ``function(spec)`` run on this worker; raise VersionMismatchError (one line naming
        both versions) when this worker's simcomm is not the client's."""
        from simcomm.core import version

        if version.__version__ != self.version:
            raise VersionMismatchError(
                f"--scheduler {self.address}: worker {_worker_address()} runs simcomm "
                f"{version.__version__}, this client simcomm {self.version}; install the same simcomm "
                "version on the client and every worker")
        return self.function(spec)


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):  # pragma: no cover - called outside a Dask worker
        return "(unknown)"


@dataclass
class Cluster:
    """A Dask scheduler's address and, once connected, the client talking to it."""

    address: str
    _client: Any = field(default=None, repr=False)

    def connect(self) -> Any:
        """Return the connected ``distributed.Client``, connecting on the first call
        (ParameterError, one line, when the scheduler cannot be reached)."""
        if self._client is None:
            self._client = connect(self.address)
        return self._client

    def workers(self) -> int:
        """Return the number of workers the scheduler has now (at least 1)."""
        return max(1, len(self.connect().scheduler_info().get("workers", {})))

    def close(self) -> None:
        """Close the connection, if any; return None."""
        if self._client is not None:
            with contextlib.suppress(Exception):  # a scheduler gone meanwhile: nothing to close
                self._client.close()
            self._client = None

    def results(self, function: Callable[[Any], Any], items: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        """Run ``function`` on each of ``items`` on the cluster's workers (each checking its simcomm
        version first, :class:`VersionChecked`); yield (index in ``items``, result) as each run
        finishes, in completion order. Runs still queued are cancelled when the caller stops
        early or a run fails (its exception is raised here: a worker that cannot import simcomm's
        code is one line, as a ParameterError)."""
        from distributed import as_completed

        from simcomm.core.version import __version__

        client = self.connect()
        checked = VersionChecked(function, __version__, self.address)
        batch = f"{getattr(function, '__name__', 'run')}-{uuid.uuid4().hex}"  # the tasks' names
        keys = [f"{batch}-{i}" for i in range(len(items))]
        futures = client.map(checked, list(items), key=keys)
        index = {key: i for i, key in enumerate(keys)}
        try:
            for fut in as_completed(futures, loop=client.loop):
                try:
                    result = fut.result()
                except ImportError as exc:  # unpickling the run on a worker without this simcomm
                    raise ParameterError(
                        f"--scheduler {self.address}: a worker cannot import simcomm's code "
                        f"({_one_line(exc)}); install simcomm {__version__} on every worker") from None
                yield index[fut.key], result
                fut.release()
        finally:
            client.cancel([f for f in futures if not f.done()])


_ACTIVE: ContextVar[Cluster | None] = ContextVar("simcomm_cluster", default=None)


def active_cluster() -> Cluster | None:
    """Return the cluster :func:`run_many` sends runs to now (inside :func:`on_cluster`), or None
    (runs go to local processes)."""
    return _ACTIVE.get()


@contextlib.contextmanager
def on_cluster(address: str | None) -> Iterator[Cluster | None]:
    """Within the block, send every :func:`simcomm.runs.batch.run_many` to the Dask scheduler at
    ``address`` (``tcp://HOST:PORT``), connecting when the first runs are sent; yield the Cluster
    (the connection is closed on leaving). With ``address`` None nothing changes: yield the
    cluster already in force, or None."""
    if address is None:
        yield active_cluster()
        return
    cluster = Cluster(address)
    token = _ACTIVE.set(cluster)
    try:
        yield cluster
    finally:
        _ACTIVE.reset(token)
        cluster.close()
