# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import datetime

from ansible_collections.autodns.ssl.plugins.module_utils._certificate import chain_pem_of, describe_certificate
from ansible_collections.autodns.ssl.tests.unit.plugins import pki
from ansible_collections.autodns.ssl.tests.unit.plugins.pki import EXPIRE, api_certificate
from ansible_collections.autodns.ssl.tests.unit.plugins.api_examples import example_envelope


def test_describe_certificate():
    dummy_root, dummy_root_key, intermediate, dummy_intermediate_key = pki.ca_pair()
    certificate = api_certificate()
    description, warnings = describe_certificate(certificate, now=EXPIRE - datetime.timedelta(days=20, hours=1))
    assert not warnings
    assert description == {
        "id": 1658000,
        "name": "www.example.com",
        "product": "QUICKSSLPREMIUM",
        "term": 12,
        "expire": EXPIRE.isoformat(),
        "days_remaining": 20,
        "serial_number": "1F2E3D",
        "pem": certificate["server"],
        "chain_pem": pki.cert_pem(intermediate),
        "fullchain_pem": certificate["server"] + pki.cert_pem(intermediate),
        "csr": certificate["csr"],
        "subject_alt_names": ["www.example.com", "example.com"],
        "created": "2025-12-18T00:00:00+01:00",
        "updated": "2025-12-18T10:15:02+01:00",
        "not_after_matches_expire": True,
        "authentication_method": "DNS",
    }


def test_describe_certificate_normalizes_pem_text():
    certificate = api_certificate()
    pem = certificate["server"]
    certificate["server"] = "\r\n" + pem.replace("\n", "\r\n")
    description, dummy = describe_certificate(certificate)
    assert description["pem"] == pem
    assert description["fullchain_pem"].startswith(pem)


def test_describe_certificate_tolerates_expire_rounded_to_end_of_day():
    leaf = pki.issue_leaf(not_after=datetime.datetime(2026, 12, 18, 10, 0, tzinfo=datetime.timezone.utc))
    description, warnings = describe_certificate(api_certificate(leaf=leaf, expire="2026-12-18T23:59:59.000+0100"))
    assert description["not_after_matches_expire"] is True
    assert not warnings


def test_describe_certificate_warns_when_not_after_differs():
    leaf = pki.issue_leaf(not_after=EXPIRE + datetime.timedelta(days=200))
    description, warnings = describe_certificate(api_certificate(leaf=leaf))
    assert description["not_after_matches_expire"] is False
    assert len(warnings) == 1
    assert "does not match the API's expire" in warnings[0]
    assert "1658000" in warnings[0]


def test_describe_certificate_warns_on_unreadable_pem():
    description, warnings = describe_certificate(api_certificate(server="-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"))
    assert description["not_after_matches_expire"] is None
    assert "cannot be read" in warnings[0]


def test_describe_certificate_before_issuance():
    certificate = api_certificate(serialNumber="NOT_SET", certificationAuthority=[], subjectAlternativeNames=None, created=None)
    del certificate["server"], certificate["updated"], certificate["csr"], certificate["authentication"]
    description, warnings = describe_certificate(certificate)
    assert not warnings
    assert description["serial_number"] is None
    assert description["pem"] is None
    assert description["chain_pem"] is None
    assert description["fullchain_pem"] is None
    assert description["csr"] is None
    assert description["subject_alt_names"] == []
    assert description["created"] is None
    assert description["updated"] is None
    assert description["not_after_matches_expire"] is None
    assert description["authentication_method"] is None


def test_describe_certificate_without_expire():
    description, dummy = describe_certificate(api_certificate(expire=None))
    assert description["expire"] is None
    assert description["days_remaining"] is None
    assert description["not_after_matches_expire"] is None


def test_chain_pem_keeps_the_api_order():
    root, dummy_root_key, intermediate, dummy_intermediate_key = pki.ca_pair()
    certificate = {"certificationAuthority": [
        {"caType": "INTERMEDIATE", "caCertificate": pki.cert_pem(intermediate).strip()},
        {"caType": "INTERMEDIATE", "caCertificate": pki.cert_pem(root)},
        {"caType": "INTERMEDIATE", "caCertificate": ""},
    ]}
    assert chain_pem_of(certificate) == pki.cert_pem(intermediate) + pki.cert_pem(root)


def test_describe_the_captured_certificate_info_example():
    certificate = example_envelope("certificate-info-response.json")["data"][0]
    description, warnings = describe_certificate(certificate, now=datetime.datetime(2022, 12, 1, tzinfo=datetime.timezone.utc))
    assert not warnings
    assert description["id"] == 1658471
    assert description["serial_number"] is None
    assert description["term"] == 12
    assert description["expire"] == "2022-12-25T00:00:00+01:00"
    assert description["days_remaining"] == 23
    assert description["authentication_method"] == "ORG"
    assert description["pem"] is None
