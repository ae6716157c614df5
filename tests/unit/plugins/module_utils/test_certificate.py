# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import datetime

import pytest

from ansible_collections.autodns.ssl.plugins.module_utils._certificate import (
    CertificateDescriptionError,
    IssuedCertificateNotFound,
    certificate_from_description,
    chain_pem_of,
    csr_public_key_sha256,
    describe_certificate,
    issued_certificate,
)
from ansible_collections.autodns.ssl.plugins.module_utils._client import AutoDNSClient
from ansible_collections.autodns.ssl.plugins.module_utils._renewal import order_body, plan_renewal, previous_of
from ansible_collections.autodns.ssl.tests.unit.plugins import pki
from ansible_collections.autodns.ssl.tests.unit.plugins.pki import EXPIRE, api_certificate
from ansible_collections.autodns.ssl.tests.unit.plugins.api_examples import example_envelope
from ansible_collections.autodns.ssl.tests.unit.plugins.scripted_http import API_URL, Call, envelope, error_envelope, format_api_datetime


def test_describe_certificate():
    dummy_root, dummy_root_key, intermediate, dummy_intermediate_key = pki.ca_pair()
    certificate = api_certificate()
    read_at = EXPIRE - datetime.timedelta(days=20, hours=2)
    description, warnings = describe_certificate(certificate, now=EXPIRE - datetime.timedelta(days=20, hours=1), read_at=read_at)
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
        "payable": None,
        "subscription_days_remaining": None,
        "multiyear": False,
        "reissue_required": False,
        "validation_records": [],
        "software": None,
        "admin_contact_id": None,
        "technical_contact_id": None,
        "read_at": read_at.isoformat(),
    }


def test_describe_a_subscription_that_outlives_the_certificate():
    payable = EXPIRE + datetime.timedelta(days=500)
    certificate = api_certificate(payable=format_api_datetime(payable), multiyear=True, reissueRequired=True)
    description, dummy = describe_certificate(certificate, now=EXPIRE - datetime.timedelta(days=20, hours=1))
    assert description["payable"] == payable.isoformat()
    assert description["subscription_days_remaining"] == 520
    assert description["multiyear"] is True
    assert description["reissue_required"] is True


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


# The certificate as it was before an order (certificate_renew's ``previous``), and what the order may have issued.
ORDERED_KEY = pki.rsa_key(label="ordered")
PREVIOUS = {"id": 1658000, "name": "www.example.com", "serial_number": "1F2E3D", "expire": EXPIRE.isoformat(),
            "public_key_sha256": csr_public_key_sha256(pki.csr_pem(key=ORDERED_KEY))}
LATER = EXPIRE + datetime.timedelta(days=180)


def issued(certificate_id=1658001, serial=0xABCDEF, key=ORDERED_KEY, not_after=LATER):
    leaf = pki.issue_leaf(key=key, serial=serial, not_after=not_after)
    return api_certificate(leaf=leaf, id=certificate_id, serialNumber=format(serial, "X"), expire=format_api_datetime(not_after))


def get_call(certificate):
    return Call("GET", f"/certificate/{certificate['id']}", envelope=envelope("S400104", data=[certificate]))


def search_call(*certificates):
    hits = [{"id": certificate["id"], "name": certificate["name"]} for certificate in certificates]
    return Call("POST", "/certificate/_search", envelope=envelope("S400105", data=hits, summary=len(hits)))


def find(certificate_id=None):
    return issued_certificate(AutoDNSClient(API_URL, "ssl-user", "s3cret-Pa55", 9), PREVIOUS, certificate_id)


def test_the_issued_certificate_under_a_new_id_named_by_the_job(http):
    new = issued()
    http(get_call(new))
    assert find(1658001)["id"] == 1658001


def test_the_issued_certificate_under_the_kept_id(http):
    kept = issued(certificate_id=1658000)
    http(get_call(kept))
    assert find(1658000)["serialNumber"] == "ABCDEF"


def test_a_job_naming_the_unchanged_old_certificate_leads_to_the_certificate_that_proves_to_be_new(http):
    old = api_certificate()
    new = issued()
    http(get_call(old), search_call(old, new), get_call(old), get_call(new))
    assert find(1658000)["id"] == 1658001


def test_without_an_id_from_the_job_the_name_leads_to_the_issued_certificate(http):
    old = api_certificate()
    new = issued()
    http(search_call(old, new), get_call(old), get_call(new))
    assert find()["id"] == 1658001


@pytest.mark.parametrize("candidate, why", [
    (issued(serial=0x1F2E3D), "the old serial number"),
    (issued(not_after=EXPIRE), "no later expiry"),
    (issued(key=pki.rsa_key(label="other")), "the key of another CSR"),
    (api_certificate(id=1658001, serialNumber="NOT_SET", server=None, expire=format_api_datetime(LATER)), "not issued yet"),
])
def test_a_certificate_without_the_evidence_is_never_taken_for_the_issued_one(http, candidate, why):
    http(get_call(candidate), search_call(candidate), get_call(candidate))
    with pytest.raises(IssuedCertificateNotFound, match="is newer than certificate 1658000 with serial 1F2E3D") as caught:
        find(1658001)
    assert "(the job names certificate 1658001)" in str(caught.value), why


def test_a_job_naming_a_certificate_that_is_gone_falls_back_to_the_name(http):
    new = issued(certificate_id=1658002)
    http(Call("GET", "/certificate/1658001", status=404, envelope=error_envelope("E400104", "EF400104")), search_call(new), get_call(new))
    assert find(1658001)["id"] == 1658002


def test_a_description_gives_back_what_an_order_needs():
    payable = EXPIRE + datetime.timedelta(days=300)
    raw = api_certificate(payable=format_api_datetime(payable), software="APACHE2", adminContact={"id": 11, "fname": "Ada"},
                          technicalContact={"id": 12}, reissueRequired=True)
    read_at = EXPIRE - datetime.timedelta(days=21)
    certificate, described_read_at = certificate_from_description(describe_certificate(raw, now=read_at, read_at=read_at)[0])
    assert described_read_at == read_at
    authentication = {"method": "DNS", "provisioning": True}
    assert order_body(certificate, 12, None, authentication) == order_body(raw, 12, None, authentication)
    now = EXPIRE - datetime.timedelta(days=20)
    assert plan_renewal(certificate, 30, now=now) == plan_renewal(raw, 30, now=now)
    assert previous_of(certificate, None) == previous_of(raw, None)
    assert certificate["subjectAlternativeNames"] == [{"name": "www.example.com"}, {"name": "example.com"}]


@pytest.mark.parametrize("change, message", [
    ({"read_at": None}, "has no readable read_at"),
    ({"read_at": "yesterday"}, "has no readable read_at"),
    ({"id": None}, "id and name missing"),
])
def test_a_description_without_what_an_order_needs_is_refused(change, message):
    description = dict(describe_certificate(api_certificate())[0], **change)
    with pytest.raises(CertificateDescriptionError, match=message):
        certificate_from_description(description)


def test_a_description_missing_keys_names_them():
    description = describe_certificate(api_certificate())[0]
    del description["payable"], description["software"]
    with pytest.raises(CertificateDescriptionError, match="payable, software missing"):
        certificate_from_description(description)


def test_a_certificate_the_jobs_message_carried_is_taken_without_a_read_where_it_proves_to_be_issued(http):
    new = issued()
    session = http()
    client = AutoDNSClient(API_URL, "ssl-user", "s3cret-Pa55", 9)
    assert issued_certificate(client, PREVIOUS, 1658001, announced=new) is new
    assert not session.sent


@pytest.mark.parametrize("announced", [
    api_certificate(),  # the old certificate: same serial, same expiry
    issued(key=pki.rsa_key(label="another")),  # another key than the ordered CSR's
    dict(issued(), certificationAuthority=[]),  # nothing to install a chain from
    dict(issued(), server=None),
    {"id": 1658001},
])
def test_a_carried_certificate_that_does_not_prove_itself_is_read_instead(http, announced):
    new = issued()
    http(get_call(new))
    assert issued_certificate(AutoDNSClient(API_URL, "ssl-user", "s3cret-Pa55", 9), PREVIOUS, 1658001, announced=announced) == new
