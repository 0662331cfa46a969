"""Pausing Python's cyclic garbage collector while tapes are recorded.

>>> from optad.gcpause import pause_gc
>>> with pause_gc():
...     pass
"""

import gc
import threading

__all__ = ["pause_gc", "gc_pause"]


class _GCPause:
    """Pause Python's cyclic garbage collector while any trace is open.

    A tape is many small objects created in a burst; the collector would rescan them on
    every generation-0 threshold and make long recordings quadratic. Counted, so nested
    and concurrent transforms re-enable it only when the last one ends.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._depth = 0
        self._was_enabled = False

    def enter(self):
        with self._lock:
            if self._depth == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._depth += 1

    def exit(self):
        with self._lock:
            self._depth -= 1
            if self._depth == 0 and self._was_enabled:
                gc.enable()


gc_pause = _GCPause()


def pause_gc():
    """Context manager pausing the cyclic collector (what every transform does while tracing).

    >>> with pause_gc():
    ...     pass
    """
    class _Ctx:
        def __enter__(self):
            gc_pause.enter()

        def __exit__(self, *exc):
            gc_pause.exit()
            return False

    return _Ctx()
