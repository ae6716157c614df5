# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import multiprocessing
import os

from ansible_collections.autodns.ssl.plugins.module_utils._rate_limit import RateLimiter

WINDOW = 0.4
PER_WINDOW = 3


def acquire_and_record(path, count, queue):
    limiter = RateLimiter(path, requests_per_window=PER_WINDOW, window=WINDOW)
    queue.put([limiter.acquire() for _request in range(count)])


def test_processes_share_one_window(tmp_path):
    path = str(tmp_path / "rate.json")
    queue = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=acquire_and_record, args=(path, 4, queue)) for _worker in range(3)]
    for worker in workers:
        worker.start()
    stamps = sorted(stamp for _worker in workers for stamp in queue.get(timeout=30))
    for worker in workers:
        worker.join(timeout=30)
    assert len(stamps) == 12
    for index in range(len(stamps) - PER_WINDOW):
        assert stamps[index + PER_WINDOW] - stamps[index] >= WINDOW * 0.99, "more than 3 requests within one window"


def test_waits_only_when_the_window_is_full(tmp_path):
    now = [100.0]
    waits = []

    def sleep(seconds):
        waits.append(round(seconds, 3))
        now[0] += seconds

    limiter = RateLimiter(str(tmp_path / "rate.json"), requests_per_window=3, window=1.1, sleep=sleep, clock=lambda: now[0])
    for _request in range(3):
        limiter.acquire()
    assert not waits
    now[0] += 0.5
    limiter.acquire()
    assert waits == [0.6]


def test_a_corrupt_state_file_is_reset(tmp_path):
    path = tmp_path / "rate.json"
    path.write_text("not json")
    limiter = RateLimiter(str(path), sleep=lambda seconds: None)
    limiter.acquire()
    assert len(path.read_text()) > 2


def test_one_file_per_api_host():
    live = RateLimiter.for_url("https://api.autodns.com/v1").path
    demo = RateLimiter.for_url("https://api.demo.autodns.com/v1").path
    assert live != demo
    assert live == RateLimiter.for_url("https://API.autodns.com/v1/").path
    assert os.path.basename(live).startswith("autodns-ssl-rate-")
