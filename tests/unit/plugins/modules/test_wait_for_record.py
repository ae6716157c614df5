# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import json

import pytest

from ansible_collections.autodns.ssl.tests.unit.plugins.module_args import patch_module_args

from ansible_collections.autodns.ssl.plugins.modules import wait_for_record
from ansible_collections.autodns.ssl.tests.unit.plugins.tiny_dns import TinyDNS

TOKEN = "2026112812345678abcdefghijklmnopqrstuv"
RECORD = {"name": "_dnsauth.www.example.test", "type": "TXT", "value": TOKEN, "ttl": 300}


@pytest.fixture
def server():
    with TinyDNS("example.test") as tiny:
        yield tiny


def run(capsys, check_mode=False, **args):
    if check_mode:
        args["_ansible_check_mode"] = True
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            wait_for_record.main()
    return json.loads(capsys.readouterr().out)


def test_a_served_record_completes_at_once(server, capsys):
    server.add(RECORD["name"], "TXT", f'"{TOKEN}"')
    result = run(capsys, check_mode=True, records=[RECORD], nameservers=[server.label])
    assert result["changed"] is False
    assert result["completed"] is True
    assert result["records"] == [{
        "name": RECORD["name"], "type": "TXT", "value": TOKEN, "visible": True, "answers": {server.label: [TOKEN]}, "problems": {},
    }]


def test_a_timeout_fails_with_the_answers(server, capsys):
    server.add(RECORD["name"], "TXT", '"old-token"')
    result = run(capsys, records=[RECORD], nameservers=[server.label], timeout=1)
    assert result["failed"] is True
    assert result["completed"] is False
    assert f"{server.label} answered 'old-token'" in result["msg"]
    assert result["records"][0]["answers"] == {server.label: ["old-token"]}


def test_bad_options_fail_before_any_query(capsys):
    result = run(capsys, records=[RECORD], nameservers=["ns1.example.test"])
    assert result["failed"] is True
    assert "not an IP address" in result["msg"]
    result = run(capsys, records=[RECORD], max_interval=0)
    assert "max_interval" in result["msg"]
