# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A request rate limit shared by every process on the controller.

The API allows 3 requests per second per IP. Forks, loops and async tasks run separate module
processes, so the recent request times live in a small file guarded by an exclusive lock.

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import fcntl
import json
import threading
import time

from ._local_state import LocalStateError, api_host, open_private_file, state_file_name

REQUESTS_PER_WINDOW = 3
# A little over one second: the API counts arrivals, and arrival lags the moment we take here.
WINDOW_SECONDS = 1.1


class RateLimiter:
    def __init__(self, path, requests_per_window=REQUESTS_PER_WINDOW, window=WINDOW_SECONDS, sleep=time.sleep, clock=time.time):
        self.path = path
        self.requests_per_window = requests_per_window
        self.window = window
        self.sleep = sleep
        self.clock = clock
        self.warning = None

    @classmethod
    def for_url(cls, api_url, **kwargs):
        """One limiter per API host, kept in this user's state directory so that all module processes share it.

        Where that directory cannot be used, the limit holds within this process only, and ``warning`` says why.
        """
        try:
            path = state_file_name("rate", api_host(api_url))
            # Open it once here, so that a file that cannot be used safely shows now and not in the middle of a request.
            open_private_file(path).close()
            return cls(path, **kwargs)
        except LocalStateError as exc:
            limiter = ProcessRateLimiter(**kwargs)
            limiter.warning = f"{exc} The API's rate limit is kept within this module run only."
            return limiter

    def acquire(self):
        """Block until one more request fits into the window, then record it and return its time."""
        with open_private_file(self.path) as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                recent = self._recent(handle)
                if len(recent) >= self.requests_per_window:
                    wait = recent[-self.requests_per_window] + self.window - self.clock()
                    if wait > 0:
                        self.sleep(wait)
                granted = self.clock()
                recent.append(granted)
                handle.seek(0)
                handle.truncate()
                json.dump(recent[-self.requests_per_window:], handle)
                handle.flush()
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return granted

    def _recent(self, handle):
        handle.seek(0)
        try:
            stamps = json.loads(handle.read() or "[]")
        except ValueError:
            stamps = []
        now = self.clock()
        return sorted(stamp for stamp in stamps if isinstance(stamp, (int, float)) and now - self.window < stamp <= now)


class ProcessRateLimiter(RateLimiter):
    """The same limit, kept in memory: for when no file can be shared safely."""

    def __init__(self, **kwargs):
        super().__init__(None, **kwargs)
        self._lock = threading.Lock()
        self._stamps = []

    def acquire(self):
        with self._lock:
            now = self.clock()
            recent = [stamp for stamp in self._stamps if now - self.window < stamp <= now]
            if len(recent) >= self.requests_per_window:
                wait = recent[-self.requests_per_window] + self.window - now
                if wait > 0:
                    self.sleep(wait)
            granted = self.clock()
            self._stamps = (recent + [granted])[-self.requests_per_window:]
            return granted
