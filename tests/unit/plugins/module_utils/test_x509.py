# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import datetime

import pytest

from ansible_collections.autodns.ssl.plugins.module_utils import _x509
from ansible_collections.autodns.ssl.tests.unit.plugins import pki
from ansible_collections.autodns.ssl.tests.unit.plugins.api_examples import example_envelope


def test_check_csr_rsa():
    pem, info = _x509.check_csr(pki.csr_pem(common_name="www.example.com", sans=("www.example.com", "example.com")))
    assert info == {"common_name": "www.example.com", "subject_alt_names": ["www.example.com", "example.com"], "key_type": "RSA", "key_size": 2048}
    assert pem.startswith("-----BEGIN CERTIFICATE REQUEST-----\n")
    assert pem.endswith("-----END CERTIFICATE REQUEST-----\n")


def test_check_csr_ec_without_sans():
    dummy, info = _x509.check_csr(pki.csr_pem(common_name="shop.example.com", sans=(), key=pki.ec_key()))
    assert info == {"common_name": "shop.example.com", "subject_alt_names": [], "key_type": "EC", "key_size": 256}


def test_check_csr_tolerates_crlf_one_line_and_surrounding_text():
    original = pki.csr_pem()
    body = "".join(original.splitlines()[1:-1])
    pasted = "Certificate Request:\n  some openssl text\r\n-----BEGIN CERTIFICATE REQUEST-----\r\n" + body + "\r\n-----END CERTIFICATE REQUEST-----\r\n"
    pem, dummy = _x509.check_csr(pasted)
    assert pem == original


@pytest.mark.parametrize("text, message", [
    ("", "not a PEM certificate signing request"),
    ("hello", "found: no PEM block at all"),
    ("-----BEGIN CERTIFICATE REQUEST-----\nnot base64!\n-----END CERTIFICATE REQUEST-----\n", "not valid base64"),
    ("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n", "cannot be parsed"),
])
def test_check_csr_refuses_garbage(text, message):
    with pytest.raises(_x509.X509Error, match=message):
        _x509.check_csr(text)


def test_check_csr_refuses_a_certificate():
    with pytest.raises(_x509.X509Error, match="not a PEM certificate signing request.*found: CERTIFICATE"):
        _x509.check_csr(pki.cert_pem(pki.issue_leaf()))


def test_check_csr_refuses_small_rsa():
    with pytest.raises(_x509.X509Error, match="RSA key has 1024 bits; at least 2048"):
        _x509.check_csr(pki.csr_pem(key=pki.rsa_key(1024)))


def test_check_csr_refuses_small_ec():
    with pytest.raises(_x509.X509Error, match="EC key has 224 bits; at least 256"):
        _x509.check_csr(pki.csr_pem(key=pki.ec_key("secp224r1")))


def test_check_csr_refuses_other_key_types():
    with pytest.raises(_x509.X509Error, match="key type ED25519 is not accepted"):
        _x509.check_csr(pki.csr_pem(key=pki.ed25519_key()))


def test_check_csr_refuses_missing_common_name():
    with pytest.raises(_x509.X509Error, match=r"no common name \(CN\)"):
        _x509.check_csr(pki.csr_pem(common_name=None, organization="Example Org", sans=("www.example.com",)))


def test_check_csr_refuses_bad_signature():
    with pytest.raises(_x509.X509Error, match="signature of the certificate signing request does not verify"):
        _x509.check_csr(pki.tampered_csr_pem())


def test_check_csr_of_the_captured_prepare_order_example():
    example = example_envelope("prepare-order-response.json")
    dummy, info = _x509.check_csr(example["data"][0]["plain"])
    assert info["common_name"] == example["data"][0]["name"]
    assert info["key_size"] == example["data"][0]["keySize"]
    assert info["key_type"] == example["data"][0]["algorithm"]


def test_load_certificates_in_order_and_skips_other_blocks():
    dummy, dummy_key, intermediate, dummy_intermediate_key = pki.ca_pair()
    leaf = pki.issue_leaf()
    text = pki.cert_pem(leaf) + pki.private_key_pem(pki.rsa_key(label="leaf")) + pki.cert_pem(intermediate)
    assert _x509.load_certificates(text) == [leaf, intermediate]
    assert _x509.load_certificate(text) == leaf
    assert not _x509.load_certificates("")


def test_load_certificate_without_one():
    with pytest.raises(_x509.X509Error, match="No PEM certificate .* found; found: CERTIFICATE REQUEST"):
        _x509.load_certificate(pki.csr_pem())


def test_load_certificate_broken():
    with pytest.raises(_x509.X509Error, match="Certificate 1 cannot be parsed"):
        _x509.load_certificates("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")


def test_dates_and_serial():
    not_after = pki.NOW + datetime.timedelta(days=10)
    leaf = pki.issue_leaf(not_after=not_after, serial=0x0ABCDEF)
    assert _x509.not_after(leaf) == not_after
    assert _x509.not_after(leaf).tzinfo is not None
    assert _x509.not_before(leaf) == pki.NOW - datetime.timedelta(days=1)
    assert _x509.serial_number_hex(leaf) == "ABCDEF"


@pytest.mark.parametrize("name, pattern, covered", [
    ("www.example.com", "www.example.com", True),
    ("WWW.Example.COM.", "www.example.com", True),
    ("www.example.com", "*.example.com", True),
    ("example.com", "*.example.com", False),
    ("a.www.example.com", "*.example.com", False),
    ("*.example.com", "*.example.com", True),
    ("*.example.com", "www.example.com", False),
    ("www.example.com", "w*.example.com", False),
    ("www.example.com", "*.*.com", False),
    ("www.example.org", "*.example.com", False),
    (".example.com", "*.example.com", False),
])
def test_name_matches(name, pattern, covered):
    assert _x509.name_matches(name, pattern) is covered


def test_certificate_names_prefer_sans_over_cn():
    leaf = pki.make_certificate("cn.example.com", sans=["www.example.com"])
    assert _x509.certificate_names(leaf) == ["www.example.com"]
    assert not _x509.covers_name(leaf, "cn.example.com")


def test_certificate_names_fall_back_to_cn():
    leaf = pki.make_certificate("cn.example.com")
    assert _x509.certificate_names(leaf) == ["cn.example.com"]
    assert _x509.covers_name(leaf, "cn.example.com")


def test_chain_links():
    root, dummy_root_key, intermediate, dummy_intermediate_key = pki.ca_pair()
    leaf = pki.issue_leaf()
    assert _x509.chain_problems(leaf, [intermediate, root]) == []
    assert _x509.chain_problems(leaf, []) == []
    assert _x509.issued_by(root, root) is None


def test_chain_wrong_order():
    root, dummy_root_key, intermediate, dummy_intermediate_key = pki.ca_pair()
    problems = _x509.chain_problems(pki.issue_leaf(), [root, intermediate])
    assert len(problems) == 2
    assert problems[0].startswith("The certificate is not issued by the next certificate in the chain: its issuer")
    assert problems[1].startswith("Chain certificate 1 ('Test Root CA') is not issued by the next certificate")


def test_chain_same_issuer_name_but_other_key():
    dummy_root, dummy_root_key, intermediate, dummy_intermediate_key = pki.ca_pair()
    impostor = pki.make_certificate("Test Intermediate CA", key=pki.ec_key(label="impostor"), is_ca=True)
    assert impostor.subject == intermediate.subject
    problems = _x509.chain_problems(pki.issue_leaf(), [impostor])
    assert problems == ["The certificate is not issued by the next certificate in the chain: "
                        "its signature was not made by the key of 'Test Intermediate CA'."]


def test_chain_rsa_issuer_signature_checked():
    root, root_key, dummy_intermediate, dummy_intermediate_key = pki.ca_pair()
    leaf = pki.make_certificate("www.example.com", issuer_cert=root, issuer_key=pki.rsa_key(label="other"), sans=["www.example.com"])
    assert "signature was not made by the key of 'Test Root CA'" in _x509.issued_by(leaf, root)
    good = pki.make_certificate("www.example.com", issuer_cert=root, issuer_key=root_key, sans=["www.example.com"])
    assert _x509.issued_by(good, root) is None


def test_validity_problems():
    expired = pki.issue_leaf(not_before=pki.NOW - datetime.timedelta(days=100), not_after=pki.NOW - datetime.timedelta(days=1))
    future = pki.issue_leaf(not_before=pki.NOW + datetime.timedelta(days=1))
    assert _x509.validity_problems(pki.issue_leaf(), pki.NOW, "The certificate") == []
    assert _x509.validity_problems(expired, pki.NOW, "The certificate") == [
        f"The certificate expired on {(pki.NOW - datetime.timedelta(days=1)).isoformat()}."]
    assert _x509.validity_problems(future, pki.NOW, "X") == [f"X is not valid before {(pki.NOW + datetime.timedelta(days=1)).isoformat()}."]


def test_key_matches():
    leaf = pki.issue_leaf(key=pki.rsa_key(label="leaf"))
    assert _x509.key_matches(leaf, _x509.load_private_key(pki.private_key_pem(pki.rsa_key(label="leaf"))))
    assert not _x509.key_matches(leaf, _x509.load_private_key(pki.private_key_pem(pki.rsa_key(label="other")).encode("ascii")))
    assert not _x509.key_matches(leaf, pki.ec_key())


def test_load_private_key_errors():
    with pytest.raises(_x509.X509Error, match="protected by a passphrase"):
        _x509.load_private_key(pki.private_key_pem(pki.ec_key(), passphrase=b"secret"))
    with pytest.raises(_x509.X509Error, match="private key cannot be parsed"):
        _x509.load_private_key("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")


def test_key_description():
    assert _x509.key_description(pki.rsa_key().public_key()) == ("RSA", 2048)
    assert _x509.key_description(pki.ec_key("secp384r1").public_key()) == ("EC", 384)
    assert _x509.key_description(pki.ed25519_key().public_key()) == ("ED25519", 256)


def test_require_cryptography_fails_with_missing_required_lib(monkeypatch):
    class Module:
        def fail_json(self, **kwargs):
            raise SystemExit(kwargs)

    monkeypatch.setattr(_x509, "HAS_CRYPTOGRAPHY", False)
    with pytest.raises(SystemExit) as exited:
        _x509.require_cryptography(Module())
    assert "cryptography" in exited.value.args[0]["msg"]
    assert "Failed to import the required Python library" in exited.value.args[0]["msg"]
