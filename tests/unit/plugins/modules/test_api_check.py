# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

from ansible_collections.autodns.ssl.plugins.modules import api_check
from ansible_collections.autodns.ssl.tests.unit.plugins.scripted_http import Call, envelope, error_envelope

PASSWORD = "s3cret-Pa55"


def test_hello_with_options_and_headers(http, run_module):
    session = http(Call("GET", "/hello", envelope=envelope("S0000")).expect_header("X-Domainrobot-Context", "9"))
    result = run_module(api_check, {})
    assert result["changed"] is False
    assert result["status_code"] == "S0000"
    assert result["ctid"] == session.sent[0]["headers"]["X-Domainrobot-Ctid"]
    assert session.sent[0]["auth"] == ("ssl-user", PASSWORD)


def test_options_fall_back_to_the_environment(http, run_module, monkeypatch):
    session = http(Call("GET", "/hello"))
    monkeypatch.setenv("AUTODNS_USERNAME", "zone-user")
    monkeypatch.setenv("AUTODNS_PASSWORD", "zone-Pa55")
    monkeypatch.setenv("AUTODNS_CONTEXT", "4")
    result = run_module(api_check, {"username": None, "password": None, "context": None})
    assert result["status_code"] == "S0000"
    assert session.sent[0]["auth"] == ("zone-user", "zone-Pa55")
    assert session.sent[0]["headers"]["X-Domainrobot-Context"] == "4"


def test_wrong_credentials_fail_clearly_and_the_password_never_appears(http, run_module):
    http(Call("GET", "/hello", status=401, envelope=error_envelope("E0001", "EF01000", text="Login fehlgeschlagen.")))
    result = run_module(api_check, {})
    assert result["failed"] is True
    assert result["msg"].startswith("Hello refused (E0001 / EF01000)")
    assert "Authentication failed" in result["msg"]
    assert result["api_error"]["http_status"] == 401
    assert PASSWORD not in json.dumps(result)
    # Newer ansible-core versions leave the invocation out of results; where it is there, the password is masked.
    assert result.get("invocation", {}).get("module_args", {}).get("password", "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER") == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
