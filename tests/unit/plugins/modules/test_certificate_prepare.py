# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import datetime
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ansible_collections.autodns.ssl.plugins.modules import certificate_prepare
from ansible_collections.autodns.ssl.tests.unit.plugins import pki
from ansible_collections.autodns.ssl.tests.unit.plugins.api_examples import example_envelope
from ansible_collections.autodns.ssl.tests.unit.plugins.scripted_http import Call, envelope, error_envelope, format_api_datetime

PATH = "/certificate/_prepareOrder"
WWW_TOKEN = "20261128193102wwwtoken0123456789abcdefghijklmnopqrstuvwxyz0123"
APEX_TOKEN = "20261128193102apextoken0123456789abcdefghijklmnopqrstuvwxyz012"
SECTIGO_OWNER = "_5D41402ABC4B2A76B9719D911017C592.www.example.com."
SECTIGO_TARGET = "2cf24dba5fb0a30e26e83b2ac5b9e29e.1b161e5c1fa7425e73043362938b9824.x1y2z3.sectigo.com"


def csr_and_pem():
    """A CSR with surrounding text, as pasted, and the clean PEM the API must receive."""
    pem = pki.csr_pem(common_name="www.example.com", sans=("www.example.com", "example.com"))
    return "subject=CN = www.example.com\n" + pem.replace("\n", "\r\n"), pem


def prepared(pem, product="QUICKSSLPREMIUM"):
    """The API's CertificateData answer for the CSR ``pem`` with TXT validation for both names."""
    return {
        "plain": pem, "name": "www.example.com", "keySize": 2048, "algorithm": "RSA", "product": product,
        "subjectAlternativeNames": [{"name": "www.example.com"}, {"name": "example.com"}],
        "authentication": [
            {"name": "www.example.com", "method": "DNS", "dns": f'_dnsauth.www.example.com.\t300\tIN\tTXT\t"{WWW_TOKEN}"', "provisioning": True},
            {"name": "www.example.com", "method": "FILE", "fileName": "www.example.com/.well-known/pki-validation/fileauth.txt", "fileContent": "f1"},
            {"name": "example.com", "method": "DNS", "dns": f'_dnsauth.example.com.\t300\tIN\tTXT\t"{APEX_TOKEN}"', "provisioning": False},
            {"name": "example.com", "method": "FILE", "fileName": "example.com/.well-known/pki-validation/fileauth.txt", "fileContent": "f2"},
        ],
    }


def prepare_call(pem, data, product="QUICKSSLPREMIUM", **body):
    return Call("POST", PATH, envelope=envelope("S400110", data=[data])).expect_body(dict(plain=pem, product=product, **body))


def test_prepare(http, run_module):
    pasted, pem = csr_and_pem()
    http(prepare_call(pem, prepared(pem)).expect_query({}))
    result = run_module(certificate_prepare, {"csr": pasted, "product": "QUICKSSLPREMIUM"})
    assert result["changed"] is False
    assert result["product"] == "QUICKSSLPREMIUM"
    assert result["csr_info"] == {"common_name": "www.example.com", "subject_alt_names": ["www.example.com", "example.com"],
                                  "key_type": "RSA", "key_size": 2048}
    assert result["authentication"] == [
        {"name": "www.example.com", "method": "DNS", "provisioning": True, "dns": f'_dnsauth.www.example.com.\t300\tIN\tTXT\t"{WWW_TOKEN}"',
         "dns_record": {"name": "_dnsauth.www.example.com", "ttl": 300, "type": "TXT", "value": WWW_TOKEN}},
        {"name": "www.example.com", "method": "FILE", "provisioning": False,
         "file_name": "www.example.com/.well-known/pki-validation/fileauth.txt", "file_content": "f1"},
        {"name": "example.com", "method": "DNS", "provisioning": False, "dns": f'_dnsauth.example.com.\t300\tIN\tTXT\t"{APEX_TOKEN}"',
         "dns_record": {"name": "_dnsauth.example.com", "ttl": 300, "type": "TXT", "value": APEX_TOKEN}},
        {"name": "example.com", "method": "FILE", "provisioning": False,
         "file_name": "example.com/.well-known/pki-validation/fileauth.txt", "file_content": "f2"},
    ]


def certificate_call(**overrides):
    return Call("GET", "/certificate/1658000", envelope=envelope("S400104", data=[pki.api_certificate(**overrides)]))


def test_prepare_for_a_certificate_id_in_check_mode(http, run_module):
    dummy, pem = csr_and_pem()
    http(certificate_call(), prepare_call(pem, prepared(pem), certificate={"id": 1658000}, businessCase="RENEW"))
    result = run_module(certificate_prepare, {"csr": pem, "product": "QUICKSSLPREMIUM", "certificate_id": 1658000}, check_mode=True)
    assert result["changed"] is False
    assert result["order"] == "renew"
    assert len(result["authentication"]) == 4


def test_prepare_a_reissue_within_the_paid_term(http, run_module):
    dummy, pem = csr_and_pem()
    payable = pki.EXPIRE + datetime.timedelta(days=400)
    http(certificate_call(payable=format_api_datetime(payable)),
         prepare_call(pem, prepared(pem), certificate={"id": 1658000}, businessCase="REISSUE"))
    result = run_module(certificate_prepare, {"csr": pem, "product": "QUICKSSLPREMIUM", "certificate_id": 1658000})
    assert result["order"] == "reissue"


def test_prepare_a_forced_kind_without_reading_the_certificate(http, run_module):
    dummy, pem = csr_and_pem()
    http(prepare_call(pem, prepared(pem), certificate={"id": 1658000}, businessCase="REISSUE"))
    result = run_module(certificate_prepare, {"csr": pem, "product": "QUICKSSLPREMIUM", "certificate_id": 1658000, "order": "reissue"})
    assert result["order"] == "reissue"


def test_a_reissue_that_would_change_the_validation_method_is_refused_before_the_api_is_asked(http, run_module):
    dummy, pem = csr_and_pem()
    payable = pki.EXPIRE + datetime.timedelta(days=400)
    session = http(certificate_call(authentication={"method": "EMAIL"}, payable=format_api_datetime(payable)))
    result = run_module(certificate_prepare, {"csr": pem, "product": "QUICKSSLPREMIUM", "certificate_id": 1658000})
    assert result["failed"] is True
    assert "validates by EMAIL; a reissue keeps the validation method" in result["msg"]
    assert [sent["method"] for sent in session.sent] == ["GET"]


def test_prepare_sectigo_cname(http, run_module):
    dummy, pem = csr_and_pem()
    data = prepared(pem, product="COMODO_SSL")
    data["authentication"] = [{"name": "www.example.com", "method": "DNS", "dns": f"{SECTIGO_OWNER} 300 IN CNAME {SECTIGO_TARGET}.", "provisioning": True}]
    http(prepare_call(pem, data, product="COMODO_SSL"))
    result = run_module(certificate_prepare, {"csr": pem, "product": "COMODO_SSL"})
    assert result["product"] == "COMODO_SSL"
    assert result["authentication"][0]["dns_record"] == {
        "name": "_5d41402abc4b2a76b9719d911017c592.www.example.com", "ttl": 300, "type": "CNAME", "value": SECTIGO_TARGET}


@pytest.mark.parametrize("make_csr, message", [
    (lambda: "not a csr", "not a PEM certificate signing request"),
    (lambda: pki.cert_pem(pki.issue_leaf()), "found: CERTIFICATE"),
    (lambda: pki.csr_pem(key=pki.rsa_key(1024)), "RSA key has 1024 bits"),
    (lambda: pki.csr_pem(key=pki.ec_key("secp224r1")), "EC key has 224 bits"),
    (lambda: pki.csr_pem(common_name=None, organization="Example Org"), "no common name"),
    (pki.tampered_csr_pem, "signature of the certificate signing request does not verify"),
])
def test_bad_csr_is_refused_without_any_api_call(http, run_module, make_csr, message):
    session = http()
    result = run_module(certificate_prepare, {"csr": make_csr(), "product": "QUICKSSLPREMIUM"})
    assert result["failed"] is True
    assert message in result["msg"]
    assert not session.sent


def test_api_error_names_codes_and_stid(http, run_module):
    dummy, pem = csr_and_pem()
    http(certificate_call(), Call("POST", PATH, status=400, envelope=error_envelope("E400110", "EF400110", stid="20261128-app2-42")))
    result = run_module(certificate_prepare, {"csr": pem, "product": "QUICKSSLPREMIUM", "certificate_id": 1658000})
    assert result["failed"] is True
    assert "CertificatePrepareOrder refused (E400110 / EF400110)" in result["msg"]
    assert "[stid 20261128-app2-42]" in result["msg"]
    assert result["api_error"]["codes"] == ["EF400110"]


def test_wrong_credentials(http, run_module):
    dummy, pem = csr_and_pem()
    http(Call("POST", PATH, status=401, envelope=error_envelope("E0001", "EF01000")))
    result = run_module(certificate_prepare, {"csr": pem, "product": "QUICKSSLPREMIUM", "password": "wrong-Pa55word"})
    assert result["failed"] is True
    assert "Authentication failed" in result["msg"]
    assert "wrong-Pa55word" not in json.dumps(result)


def test_unreadable_dns_line_fails_clearly(http, run_module):
    dummy, pem = csr_and_pem()
    data = prepared(pem)
    data["authentication"][0]["dns"] = "_dnsauth.www.example.com. 300 IN MX 10 mail.example.com."
    http(prepare_call(pem, data))
    result = run_module(certificate_prepare, {"csr": pem, "product": "QUICKSSLPREMIUM"})
    assert result["failed"] is True
    assert "Cannot read the DNS validation record" in result["msg"]


def test_answer_without_data_fails(http, run_module):
    dummy, pem = csr_and_pem()
    http(Call("POST", PATH, envelope=envelope("S400110", data=[])))
    result = run_module(certificate_prepare, {"csr": pem, "product": "QUICKSSLPREMIUM"})
    assert result["failed"] is True
    assert "returned no validation data" in result["msg"]


def test_the_captured_prepare_order_example(http, run_module):
    example = example_envelope("prepare-order-response.json")
    csr = example["data"][0]["plain"]
    clean_pem = x509.load_pem_x509_csr(csr.encode("ascii")).public_bytes(serialization.Encoding.PEM).decode("ascii")
    http(Call("POST", PATH, envelope=example).expect_body({"plain": clean_pem, "product": "BASIC_SSL"}))
    result = run_module(certificate_prepare, {"csr": csr, "product": "BASIC_SSL"})
    assert result["csr_info"]["common_name"] == "junkdragons.de"
    assert result["authentication"][0]["dns_record"]["name"] == "_dnsauth.junkdragons.de"
    assert result["authentication"][0]["dns_record"]["type"] == "TXT"
    assert result["authentication"][1]["method"] == "FILE"
