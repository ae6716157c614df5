# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.autodns.ssl.plugins.filter.renewal_requests import renewal_issued_reads, renewal_orders, renewal_requests

DEFAULTS = {
    "name": None, "id": None, "term": "", "remaining_days": "30", "force": "False", "order": "auto", "dns_method": "provisioning",
    "dns_tasks": "", "csr": None, "cert_path": None, "chain_path": None, "fullchain_path": None, "owner": "", "group": "",
    "mode": "0644", "backup": True, "key_path": None, "key_src": None,
}


def test_an_entry_is_completed_and_typed_and_empty_strings_are_unset():
    [request] = renewal_requests([{"name": "www.example.com", "fullchain_path": "/etc/ssl/www.pem", "term": "24", "owner": ""}], DEFAULTS)
    assert request["term"] == 24
    assert request["remaining_days"] == 30
    assert request["force"] is False
    assert request["owner"] is None and request["dns_tasks"] is None
    assert request["key"] == "www.example.com" and request["index"] == 0
    assert request["decision"] == [30, False, "auto"]
    assert request["problems"] == []


def test_an_id_is_the_key_of_its_entry():
    [request] = renewal_requests([{"id": "1658000", "cert_path": "/c.pem"}], DEFAULTS)
    assert request["id"] == 1658000 and request["key"] == "1658000"


@pytest.mark.parametrize("entry, problem", [
    ({"cert_path": "/c.pem"}, "set exactly one of name and id"),
    ({"name": "a", "id": 1, "cert_path": "/c.pem"}, "set exactly one of name and id"),
    ({"name": "a"}, "set at least one of cert_path, chain_path and fullchain_path"),
    ({"name": "a", "cert_path": "/c", "dns_method": "route53"}, "dns_method must be one of provisioning, zone_api, custom, not 'route53'"),
    ({"name": "a", "cert_path": "/c", "order": "buy"}, "order must be one of auto, renew, reissue, not 'buy'"),
    ({"name": "a", "cert_path": "/c", "dns_method": "custom"}, "dns_method custom needs dns_tasks"),
    ({"name": "a", "cert_path": "/c", "key_src": "k.pem"}, "key_src needs key_path"),
    ({"name": "a", "cert_path": "/c", "term": 0}, "term must be a positive number of months"),
    ({"name": "a", "cert_path": "/c", "term": "twelve"}, "term must be a whole number, not 'twelve'"),
    ({"name": "a", "cert_path": "/c", "remaining_days": -1}, "remaining_days must be 0 or more"),
    ({"name": "a", "cert_path": "/c", "force": "maybe"}, "force must be true or false, not 'maybe'"),
    ({"name": "a", "cert_path": "/c", "fullchain": "/f"}, "unknown settings: fullchain"),
])
def test_problems_are_named(entry, problem):
    [request] = renewal_requests([entry], DEFAULTS)
    assert problem in request["problems"]


def test_not_a_list_of_dictionaries():
    with pytest.raises(AnsibleFilterError, match="expects a list of dictionaries"):
        renewal_requests({"name": "a"}, DEFAULTS)


def test_orders_carry_the_current_certificate_the_prepared_validation_and_the_settings():
    requests = renewal_requests([{"name": "www.example.com", "cert_path": "/w.pem", "term": "24"},
                                 {"id": "1658001", "cert_path": "/s.pem", "dns_method": "zone_api", "force": "true", "order": "reissue"}],
                                DEFAULTS)
    current = {"www.example.com": {"id": 1658000}, "1658001": {"id": 1658001}}
    authentication = {"1658001": [{"name": "shop.example.com", "method": "DNS", "dns": "..."}]}
    www, shop = renewal_orders(requests, current, authentication)
    assert www == {"certificate": {"id": 1658000}, "dns_provisioning": True, "force": False, "remaining_days": 30, "order": "auto", "term": 24}
    assert shop == {"certificate": {"id": 1658001}, "dns_provisioning": False, "force": True, "remaining_days": 30, "order": "reissue",
                    "authentication": authentication["1658001"]}


def test_an_order_without_a_current_certificate_is_refused():
    requests = renewal_requests([{"name": "www.example.com", "cert_path": "/w.pem"}], DEFAULTS)
    with pytest.raises(AnsibleFilterError, match="no current certificate for www.example.com"):
        renewal_orders(requests, {}, {})


def test_issued_reads_carry_the_previous_certificate_of_each_jobs_order():
    orders = {"www.example.com": {"job_id": 7, "previous": {"id": 1658000}}, "1658001": {"job_id": 8, "previous": {"id": 1658001}}}
    jobs = [{"job_id": 8, "certificate_id": 1658003, "certificate": None}, {"job_id": 7, "certificate_id": None, "certificate": {"id": 1658002}}]
    assert renewal_issued_reads(jobs, orders, {7: "www.example.com", 8: "1658001"}) == [
        {"previous": {"id": 1658001}, "certificate_id": 1658003, "announced": None},
        {"previous": {"id": 1658000}, "certificate_id": None, "announced": {"id": 1658002}},
    ]
