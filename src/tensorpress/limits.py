"""A CPU-time limit for work that can run away on hostile text.

Some Pygments lexers backtrack exponentially on a few dozen characters (``maple`` on an
unclosed string of backslashes, ``nit`` on an unclosed triple-quoted one): one fence
would hang the build for days. Python's regex engine checks for signals while it
matches, so a timer signal can stop it; signals reach only the main thread, so
elsewhere (``serve``'s rebuild thread) the work runs without a limit.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class TooSlow(BaseException):
    """The limit ran out. A ``BaseException``, like ``KeyboardInterrupt``, so that no
    ``except Exception`` inside a library swallows it."""


def limited() -> bool:
    """Whether ``cpu_limit`` can stop work here (main thread, a platform with timers)."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def cpu_limit(seconds: float) -> Iterator[None]:
    """Raise ``TooSlow`` in the block once it has used ``seconds`` of CPU time.

    CPU time, not wall time: a loaded machine must not cut short work that is merely
    waiting. The caller catches ``TooSlow`` around the ``with``: a signal that lands
    just as the block ends is then only a late, harmless timeout."""
    if not limited():
        yield
        return
    armed = [True]

    def stop(_signum: int, _frame: Any) -> None:
        if armed[0]:
            raise TooSlow

    previous = signal.signal(signal.SIGVTALRM, stop)
    signal.setitimer(signal.ITIMER_VIRTUAL, seconds)
    try:
        yield
    finally:
        armed[0] = False
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)
