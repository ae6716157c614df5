# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.autodns.ssl.plugins.filter.endpoint_checks import endpoint_checks, endpoint_requests, endpoint_results

WWW = {"index": 0, "key": "www.example.com", "problems": []}
BY_ID = {"index": 1, "key": "1658000", "problems": []}


def test_an_endpoint_is_completed_with_this_host_port_443_and_the_only_certificate():
    [endpoint] = endpoint_requests([{"server_name": "", "ca_path": None}], [WWW], "192.0.2.10")
    assert endpoint == {"label": "certificate_renewal_verify_endpoints[0]", "index": 0, "host": "192.0.2.10", "port": 443,
                        "server_name": None, "ca_path": None, "problems": []}


def test_an_endpoint_names_its_certificate_by_name_or_id_and_types_its_port():
    endpoints = endpoint_requests([{"certificate": "WWW.example.com", "host": "web1", "port": "8443", "server_name": "www.example.com"},
                                   {"certificate": 1658000, "ca_path": "/etc/ssl/root.pem"}], [WWW, BY_ID], "web2")
    assert [(endpoint["index"], endpoint["host"], endpoint["port"]) for endpoint in endpoints] == [(0, "web1", 8443), (1, "web2", 443)]
    assert endpoints[0]["server_name"] == "www.example.com" and endpoints[1]["ca_path"] == "/etc/ssl/root.pem"
    assert all(endpoint["problems"] == [] for endpoint in endpoints)


def test_unset_endpoints_are_none():
    assert endpoint_requests("", [WWW], "web1") == []
    assert endpoint_requests(None, [WWW], "web1") == []


@pytest.mark.parametrize("endpoint, problem", [
    ({"port": 0}, "port must be between 1 and 65535, not 0"),
    ({"port": "https"}, "port must be a TCP port number, not 'https'"),
    ({"port": True}, "port must be a TCP port number, not True"),
    ({"hostname": "web1"}, "unknown settings: hostname"),
    ({"certificate": "mail.example.com"}, "certificate 'mail.example.com' is none of the certificates of this run (www.example.com, 1658000)"),
    ({}, "set certificate, the name or id of the certificate it serves (one of www.example.com, 1658000)"),
])
def test_problems_are_named(endpoint, problem):
    [checked] = endpoint_requests([endpoint], [WWW, BY_ID], "web1")
    assert problem in checked["problems"]


def test_an_endpoint_that_is_no_dictionary():
    [checked] = endpoint_requests(["web1:443"], [WWW], "web1")
    assert checked["problems"] == ["must be a dictionary with certificate, host, port, server_name, ca_path, not 'web1:443'"]


def test_no_list():
    with pytest.raises(AnsibleFilterError, match="must be a list of dictionaries"):
        endpoint_requests({"port": 443}, [WWW], "web1")


ENDPOINTS = [
    {"index": 0, "host": "web1", "port": 443, "server_name": None, "ca_path": None},
    {"index": 0, "host": "web1", "port": 8443, "server_name": "example.com", "ca_path": "/root.pem"},
    {"index": 1, "host": "web1", "port": 443, "server_name": None, "ca_path": None},
]


def test_the_checks_expect_the_certificate_that_was_installed():
    outcomes = [{"index": 0, "name": "www.example.com", "serial_number": "C0FFEE", "deploy": True},
                {"index": 1, "name": "shop.example.com", "serial_number": "1F2E3D", "deploy": False}]
    assert endpoint_checks(ENDPOINTS, outcomes) == [
        {"name": "www.example.com", "host": "web1", "port": 443, "server_name": "www.example.com", "ca_path": None,
         "expected_serial_number": "C0FFEE"},
        {"name": "www.example.com", "host": "web1", "port": 8443, "server_name": "example.com", "ca_path": "/root.pem",
         "expected_serial_number": "C0FFEE"},
    ], "shop.example.com was not installed (failed or pending): its endpoint is not checked"


CHECK = {"name": "www.example.com", "host": "127.0.0.1", "port": 8443, "server_name": "www.example.com", "ca_path": None,
         "expected_serial_number": "C0FFEE"}


def test_the_results_say_what_each_endpoint_serves():
    served = {"item": CHECK, "changed": False, "serial_number": "C0FFEE", "is_expected": True, "chain_verified": True, "verify_error": None,
              "not_after": "2027-06-18T01:26:48+00:00", "attempts": 1}
    other = {"item": dict(CHECK, port=9443), "failed": True, "serial_number": "1F2E3D", "is_expected": False, "chain_verified": True,
             "verify_error": None, "not_after": "2026-12-18T23:59:59+00:00",
             "msg": "127.0.0.1:9443 (SNI www.example.com) serves the certificate with serial 1F2E3D, not the expected serial C0FFEE."}
    unreachable = {"item": dict(CHECK, host="::1"), "failed": True, "msg": "Nothing accepts connections on [::1]:8443 (connection refused)."}
    results = endpoint_results([served, other, unreachable, {"item": CHECK, "skipped": True}], "web1")
    assert results[0] == {
        "inventory_host": "web1", "name": "www.example.com", "host": "127.0.0.1", "port": 8443, "server_name": "www.example.com",
        "expected_serial_number": "C0FFEE", "serial_number": "C0FFEE", "is_current": True, "chain_verified": True, "verify_error": None,
        "not_after": "2027-06-18T01:26:48+00:00", "failed": False,
        "msg": "127.0.0.1:8443 (SNI www.example.com) serves the current certificate of www.example.com, serial C0FFEE; its chain verifies.",
    }
    assert results[1]["failed"] and results[1]["is_current"] is False and results[1]["msg"] == "For www.example.com: " + other["msg"]
    assert results[2]["failed"] and results[2]["serial_number"] is None and results[2]["is_current"] is None
    assert len(results) == 3


def test_results_that_are_no_list():
    with pytest.raises(AnsibleFilterError, match="expects the results of a loop"):
        endpoint_results({"results": []}, "web1")
