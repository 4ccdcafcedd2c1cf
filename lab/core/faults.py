"""Warnings about a service that is down, logged without flooding the log.

A dead database or Redis fails every request until it is back: one warning per request would
bury everything else in the log. ``ThrottledWarning`` logs the first at once, then at most one
per interval, each saying how many it held back since the one before.
"""

import logging
import threading
import time


class ThrottledWarning:
    """A warning logged at most once every ``interval`` seconds by this process."""

    def __init__(self, logger: logging.Logger, interval: float = 60.0):
        self.logger = logger
        self.interval = interval
        self._lock = threading.Lock()
        self._last: float | None = None
        self._held = 0

    def warning(self, message: str, *args) -> bool:
        """Log ``message % args`` unless a warning was logged less than ``interval`` seconds
        ago (then count it for the next one). Returns whether it was logged."""
        now = time.monotonic()
        with self._lock:
            if self._last is not None and now - self._last < self.interval:
                self._held += 1
                return False
            held, self._held, self._last = self._held, 0, now
        if held:
            message += " (and %d more since the last warning)"
            args = (*args, held)
        self.logger.warning(message, *args)
        return True
