# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.autodns.ssl.plugins.module_utils._dcv import DcvError, normalize_authentication, parse_dns_line, validation_records
from ansible_collections.autodns.ssl.tests.unit.plugins.api_examples import example_envelope

TOKEN = "202003111007103gz85txmpl9x77x0ndm055v1w8lcmretx8wgshot6369xxu3lg"
SECTIGO_TARGET = "0123456789abcdef0123456789abcdef.fedcba9876543210fedcba9876543210.k8s7d6.sectigo.com"


@pytest.mark.parametrize("line, expected", [
    (f'_dnsauth.junkdragons.de.\t300\tIN\tTXT\t"{TOKEN}"', ("_dnsauth.junkdragons.de", 300, "TXT", TOKEN)),
    (f"_dnsauth.junkdragons.de.\t300\tIN\tTXT\t{TOKEN}", ("_dnsauth.junkdragons.de", 300, "TXT", TOKEN)),
    (f'domain.com. 300 IN TXT "{TOKEN}"', ("domain.com", 300, "TXT", TOKEN)),
    (f'_dnsauth.WWW.Example.COM.  600  TXT  "{TOKEN}"', ("_dnsauth.www.example.com", 600, "TXT", TOKEN)),
    (f'_dnsauth.example.com. IN 300 TXT "{TOKEN}"', ("_dnsauth.example.com", 300, "TXT", TOKEN)),
    (f'_dnsauth.example.com. TXT "{TOKEN}"', ("_dnsauth.example.com", 300, "TXT", TOKEN)),
    ('_dnsauth.example.com. 300 in txt "part one" "part\\"two"', ("_dnsauth.example.com", 300, "TXT", 'part onepart"two')),
    (f"_0A1B2C3D.www.example.com.\t300\tIN\tCNAME\t{SECTIGO_TARGET}.", ("_0a1b2c3d.www.example.com", 300, "CNAME", SECTIGO_TARGET)),
    (f"_0A1B2C3D.www.example.com. 3600 CNAME {SECTIGO_TARGET.upper()}", ("_0a1b2c3d.www.example.com", 3600, "CNAME", SECTIGO_TARGET)),
])
def test_parse_dns_line(line, expected):
    name, ttl, record_type, value = expected
    assert parse_dns_line(line) == {"name": name, "ttl": ttl, "type": record_type, "value": value}


@pytest.mark.parametrize("line, message", [
    ("", "expected 'owner ttl IN type value'"),
    (None, "expected 'owner ttl IN type value'"),
    ("example.com. 300 IN", "no record type and value"),
    ("example.com. 300 IN A 192.0.2.1", "'A' is not a TTL, class or record type"),
    ("example.com. 300 300 TXT x", "'300' is not a TTL"),
    ("example.com. 300 IN TXT", "the TXT record has no value"),
    ('example.com. 300 IN TXT "unclosed', "a quoted string is not closed"),
    ('example.com. 300 IN TXT "a" b', "unexpected text after a quoted string"),
])
def test_parse_dns_line_errors(line, message):
    with pytest.raises(DcvError, match=message):
        parse_dns_line(line)


def test_normalize_authentication_every_method():
    entries = [
        {"name": "www.example.com", "method": "DNS", "dns": f'_dnsauth.www.example.com.\t300\tIN\tTXT\t"{TOKEN}"', "provisioning": True},
        {"name": "www.example.com", "method": "FILE", "fileName": "www.example.com/.well-known/pki-validation/fileauth.txt", "fileContent": "abc"},
        {"name": "www.example.com", "method": "EMAIL", "approverEmails": ["admin@example.com"]},
        {"name": "www.example.com", "method": "ORG"},
    ]
    assert normalize_authentication(entries) == [
        {"name": "www.example.com", "method": "DNS", "provisioning": True, "dns": entries[0]["dns"],
         "dns_record": {"name": "_dnsauth.www.example.com", "ttl": 300, "type": "TXT", "value": TOKEN}},
        {"name": "www.example.com", "method": "FILE", "provisioning": False,
         "file_name": "www.example.com/.well-known/pki-validation/fileauth.txt", "file_content": "abc"},
        {"name": "www.example.com", "method": "EMAIL", "provisioning": False, "approver_emails": ["admin@example.com"]},
        {"name": "www.example.com", "method": "ORG", "provisioning": False},
    ]
    assert normalize_authentication(None) == []


def test_normalize_authentication_refuses_unreadable_dns():
    with pytest.raises(DcvError, match="Cannot read the DNS validation record"):
        normalize_authentication([{"name": "x.example.com", "method": "DNS", "dns": "x.example.com. 300 IN MX 10 mail"}])


def test_normalize_authentication_of_the_captured_example():
    authentication = normalize_authentication(example_envelope("prepare-order-response.json")["data"][0]["authentication"])
    assert [entry["method"] for entry in authentication] == ["DNS", "FILE"]
    assert authentication[0]["dns_record"] == {"name": "_dnsauth.junkdragons.de", "ttl": 300, "type": "TXT", "value": TOKEN}
    assert authentication[0]["provisioning"] is True
    assert authentication[1]["file_name"] == "junkdragons.de/.well-known/pki-validation/fileauth.txt"


def test_names_nested_under_domains_are_flattened():
    nested = [{
        "name": "www.example.com", "method": "DNS", "provisioning": False,
        "dns": '_dnsauth.www.example.com. 300 IN TXT "www-token"',
        "domains": [{"name": "example.com", "dns": '_dnsauth.example.com. 300 IN TXT "apex-token"'},
                    {"name": "www.example.com", "method": "DNS", "dns": '_dnsauth.www.example.com. 300 IN TXT "www-token"'}],
    }]
    entries = normalize_authentication(nested)
    assert [(entry["name"], entry["method"], entry["dns_record"]["value"]) for entry in entries] == [
        ("www.example.com", "DNS", "www-token"), ("example.com", "DNS", "apex-token")]


def test_a_provisioned_dns_entry_needs_no_record():
    [entry] = normalize_authentication([{"name": "www.example.com", "method": "DNS", "provisioning": True}])
    assert entry["dns"] is None and entry["dns_record"] is None


def test_an_unprovisioned_dns_entry_without_a_record_is_refused():
    with pytest.raises(DcvError, match="no DNS validation record for www.example.com"):
        normalize_authentication([{"name": "www.example.com", "method": "DNS"}])


def test_validation_records_of_a_certificate():
    authentication = {"method": "DNS", "provisioning": False, "dns": '_dnsauth.www.example.com. 300 IN TXT "www-token"',
                      "domains": [{"name": "example.com", "method": "DNS", "dns": '_dnsauth.example.com. 300 IN TXT "apex-token"'}]}
    assert validation_records(authentication) == [
        {"name": "_dnsauth.www.example.com", "ttl": 300, "type": "TXT", "value": "www-token"},
        {"name": "_dnsauth.example.com", "ttl": 300, "type": "TXT", "value": "apex-token"}]
    assert validation_records({"method": "DNS"}) == []
    assert validation_records(None) == []
