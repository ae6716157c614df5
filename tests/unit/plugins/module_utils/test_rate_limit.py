# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import multiprocessing
import os
import stat

import pytest

from ansible_collections.autodns.ssl.plugins.module_utils._rate_limit import ProcessRateLimiter, RateLimiter

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


@pytest.fixture
def runtime_dir(tmp_path, monkeypatch):
    """A fresh base directory for this user's state directory."""
    base = tmp_path / "run"
    base.mkdir()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(base))
    return base


def test_one_file_per_api_host_in_a_private_directory(runtime_dir):
    live = RateLimiter.for_url("https://api.autodns.com/v1").path
    demo = RateLimiter.for_url("https://api.demo.autodns.com/v1").path
    assert live != demo
    assert live == RateLimiter.for_url("https://API.autodns.com/v1/").path
    assert os.path.dirname(live) == str(runtime_dir / "autodns-ssl")
    assert stat.S_IMODE(os.stat(os.path.dirname(live)).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(live).st_mode) == 0o600


def test_a_symlink_planted_at_the_file_is_never_followed(runtime_dir, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    path = RateLimiter.for_url("https://api.autodns.com/v1").path
    os.remove(path)
    os.symlink(victim, path)
    limiter = RateLimiter.for_url("https://api.autodns.com/v1")
    assert isinstance(limiter, ProcessRateLimiter)
    assert "cannot be opened safely" in limiter.warning
    assert "within this module run only" in limiter.warning
    limiter.acquire()
    assert victim.read_text() == "precious"


def test_a_directory_others_can_enter_is_not_used(runtime_dir):
    (runtime_dir / "autodns-ssl").mkdir(mode=0o777)
    os.chmod(runtime_dir / "autodns-ssl", 0o777)
    limiter = RateLimiter.for_url("https://api.autodns.com/v1")
    assert isinstance(limiter, ProcessRateLimiter)
    assert "only this user can enter" in limiter.warning


def test_an_unwritable_base_directory_falls_back_with_a_warning_not_a_traceback(runtime_dir):
    os.chmod(runtime_dir, 0o500)
    try:
        limiter = RateLimiter.for_url("https://api.autodns.com/v1")
    finally:
        os.chmod(runtime_dir, 0o700)
    if os.getuid() == 0:
        # root writes anywhere; the fallback is shown by the other tests.
        assert limiter.warning is None
    else:
        assert "cannot be created" in limiter.warning


def test_the_in_process_limiter_keeps_the_same_window():
    now = [100.0]
    waits = []

    def sleep(seconds):
        waits.append(round(seconds, 3))
        now[0] += seconds

    limiter = ProcessRateLimiter(requests_per_window=3, window=1.1, sleep=sleep, clock=lambda: now[0])
    for _request in range(4):
        limiter.acquire()
    assert waits == [1.1]
