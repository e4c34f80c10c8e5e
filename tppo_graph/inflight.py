"""Requests sent one at a time, so that an interrupt never leaves one in flight unnoticed (used by loads).

A clean-up sent while a request is still in flight can overtake it on another connection; :class:`Requests` runs
each request in a worker thread and, on Ctrl-C or SIGTERM, waits for its answer before it lets the caller go on.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from .errors import Interrupted

__all__ = ["Abandoned", "Requests"]


def _signum(exc: BaseException) -> int:
    return exc.signum if isinstance(exc, Interrupted) else signal.SIGINT


class Abandoned(Exception):
    """A second interrupt arrived while a request was still in flight: the caller gives up waiting for it."""

    def __init__(self, signum: int) -> None:
        self.signum = signum


class Requests:
    """Sends a load's requests one at a time and never leaves one in flight unnoticed.

    Each request runs in a worker thread while this (the main) thread waits, so that an interrupt (Ctrl-C, or
    SIGTERM turned into :class:`Interrupted` by the CLI) does not abandon a request the store is still working
    on: the first interrupt is remembered and the answer of the request in flight is awaited (each request has its
    own timeout); only then does :meth:`run` raise, and only then may the caller clean up. A clean-up sent while a
    request is in flight can overtake it on another connection (a ``DROP`` of the staging graph reaching the store
    before the ``MOVE`` that needs it), so it is never sent before. A second interrupt abandons the wait
    (:class:`Abandoned`).
    """

    def __init__(self, notice: Callable[[str], None] | None) -> None:
        self.notice = notice
        self.interrupted: int | None = None  # the signal that arrived while a request was in flight
        self.answer: dict[str, Any] = {}  # what that request gave ("value" or "error"), once it came

    def run(self, call: Callable[[], Any], what: str) -> Any:
        box: dict[str, Any] = {}
        # An Event, not Thread.join: a KeyboardInterrupt inside join() can leave the thread marked as ended
        # while it still runs (CPython before 3.13).
        done = threading.Event()

        def work() -> None:
            try:
                box["value"] = call()
            except Exception as exc:  # noqa: BLE001 - re-raised in the main thread by run()
                box["error"] = exc
            finally:
                done.set()

        threading.Thread(target=work, name=f"tppo-graph {what}", daemon=True).start()
        while not done.is_set():
            try:
                # sleep-polling, not done.wait(): an interrupt raised inside Condition.wait can leave its lock
                # released twice ("release unlocked lock") when the next interrupt arrives
                time.sleep(0.05)
            except (KeyboardInterrupt, Interrupted) as exc:
                if self.interrupted is not None:
                    raise Abandoned(self.interrupted) from None
                self.interrupted = _signum(exc)
                if self.notice is not None:
                    self.notice(f"interrupted: waiting for the answer to {what} (interrupt again to abandon it)")
        if self.interrupted is not None:
            self.answer = box
            raise Interrupted(self.interrupted)
        if "error" in box:
            raise box["error"]
        return box.get("value")


class Overdue(Exception):
    """A call that did not finish within its time limit (it goes on in its daemon thread until it ends)."""


def bounded(call: Callable[[], Any], timeout: float, what: str) -> Any:
    """``call()`` in a worker thread, waited for at most ``timeout`` seconds (:class:`Overdue` after).

    For work that cannot be cancelled once started and need not be awaited (a local query: pyoxigraph evaluates
    it in Rust without the GIL): Ctrl-C or SIGTERM interrupts the wait at once, and a query past its time is left
    to end in its daemon thread, which does not keep the process alive.
    """
    box: dict[str, Any] = {}
    done = threading.Event()

    def work() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
            # without its traceback: the frames hold objects (pyoxigraph's result iterators) that must be
            # dropped in the thread that made them
            error: BaseException | None = exc
            while error is not None:
                error.__traceback__ = None
                error = error.__context__
            box["error"] = exc
        finally:
            done.set()

    deadline = time.monotonic() + timeout
    threading.Thread(target=work, name=f"tppo-graph {what}", daemon=True).start()
    # short waits, not one long one: a signal handler runs (and raises) only between them
    while not done.wait(min(0.05, max(deadline - time.monotonic(), 0.0))):
        if time.monotonic() >= deadline:
            raise Overdue(what)
    if "error" in box:
        raise box["error"]
    return box.get("value")
