# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest

from ansible.module_utils.common import warnings
from ansible_collections.autodns.ssl.tests.unit.plugins.module_args import fresh_warnings, patch_module_args

from ansible_collections.autodns.ssl.plugins.module_utils import _client, _poll
from ansible_collections.autodns.ssl.tests.unit.plugins.scripted_http import API_URL, NoRateLimit, ScriptedSession


@pytest.fixture(autouse=True)
def state_directory(tmp_path, monkeypatch):
    """The modules' shared files (rate limit, order locks) of each test in a directory of its own."""
    base = tmp_path / "runtime"
    base.mkdir()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(base))
    return base / "autodns-ssl"


@pytest.fixture
def sleeps(monkeypatch):
    """Every sleep the client asks for, recorded instead of slept."""
    recorded = []
    monkeypatch.setattr(_client.time, "sleep", recorded.append)
    return recorded


@pytest.fixture
def jobs_asked_every_look(monkeypatch):
    """Waits that ask their jobs on every look, as once the queue has said nothing for a minute, for tests of what the jobs answer."""
    monkeypatch.setattr(_poll, "JOB_ASK_SECONDS", 0)


@pytest.fixture
def http(monkeypatch, sleeps):
    """Install a script of expected HTTP calls: ``session = http(Call(...), Call(...))``."""
    sessions = []

    def install(*calls):
        session = ScriptedSession(calls)
        sessions.append(session)
        monkeypatch.setattr(_client.requests, "Session", lambda: session)
        monkeypatch.setattr(_client.RateLimiter, "for_url", classmethod(lambda cls, url, **kwargs: NoRateLimit()))
        return session

    yield install
    for session in sessions:
        session.assert_done()


@pytest.fixture
def run_local_module(monkeypatch, capsys):
    """Run a module's main() with exactly these arguments (no API options); returns its result dict (``failed`` set on failure)."""

    def run(module, args, check_mode=False, diff=False):
        # ansible-core keeps warnings in a process-wide store; each module run starts without earlier ones.
        monkeypatch.setattr(warnings, "_global_warnings", fresh_warnings())
        # None stands for an option the task does not set, so that fallbacks such as env_fallback apply.
        args = {name: value for name, value in args.items() if value is not None}
        if check_mode:
            args["_ansible_check_mode"] = True
        if diff:
            args["_ansible_diff"] = True
        with patch_module_args(args):
            with pytest.raises(SystemExit):
                module.main()
        return json.loads(capsys.readouterr().out)

    return run


@pytest.fixture
def run_module(run_local_module):
    """Run an API module's main() with arguments and the sandbox user's connection options as defaults."""

    def run(module, args, check_mode=False):
        args = {"api_url": API_URL, "username": "ssl-user", "password": "s3cret-Pa55", "context": 9, **args}
        return run_local_module(module, args, check_mode=check_mode)

    return run
