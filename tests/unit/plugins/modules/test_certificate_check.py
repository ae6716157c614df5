# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import datetime
import functools
import json

import pytest

from ansible_collections.autodns.ssl.plugins.modules import certificate_check
from ansible_collections.autodns.ssl.tests.unit.plugins import pki

NOT_AFTER = pki.NOW + datetime.timedelta(days=60)


@pytest.fixture
def check(run_local_module):
    """Run certificate_check with arguments (no API, so no connection options); returns its result."""
    return functools.partial(run_local_module, certificate_check)


def leaf_and_chain(**kwargs):
    root, dummy_root_key, intermediate, dummy_intermediate_key = pki.ca_pair()
    kwargs.setdefault("not_after", NOT_AFTER)
    leaf = pki.issue_leaf(key=pki.rsa_key(label="leaf"), serial=0x0123ABC, **kwargs)
    return pki.cert_pem(leaf), pki.cert_pem(intermediate) + pki.cert_pem(root)


def test_valid_certificate(check):
    leaf, chain = leaf_and_chain()
    key = pki.private_key_pem(pki.rsa_key(label="leaf"))
    result = check({"certificate": leaf, "chain": chain, "name": "www.example.com", "private_key_content": key})
    result.pop("invocation", None)
    assert result == {"changed": False, "valid": True, "problems": [], "not_after": NOT_AFTER.isoformat(), "serial_number": "123ABC"}
    assert key not in json.dumps(result)


def test_full_chain_in_certificate_and_key_file(check, tmp_path):
    leaf, chain = leaf_and_chain(sans=("*.example.com", "example.com"))
    key_file = tmp_path / "leaf.key"
    key_file.write_text(pki.private_key_pem(pki.rsa_key(label="leaf")))
    result = check({"certificate": leaf + chain, "name": "shop.example.com", "private_key_path": str(key_file)}, check_mode=True)
    assert result["valid"] is True
    assert result["changed"] is False


def test_without_chain_only_the_certificate_is_checked(check):
    leaf, dummy_chain = leaf_and_chain()
    result = check({"certificate": leaf, "name": "example.com"})
    assert result["valid"] is True


def test_every_problem_is_reported(check):
    leaf, dummy_chain = leaf_and_chain(not_before=pki.NOW - datetime.timedelta(days=100), not_after=pki.NOW - datetime.timedelta(days=2))
    root, dummy_root_key, dummy_intermediate, dummy_intermediate_key = pki.ca_pair()
    key = pki.private_key_pem(pki.rsa_key(label="other"))
    result = check({"certificate": leaf, "chain": pki.cert_pem(root), "name": "shop.example.com", "private_key_content": key})
    assert result["failed"] is True
    assert result["valid"] is False
    assert result["problems"] == [
        f"The certificate expired on {(pki.NOW - datetime.timedelta(days=2)).isoformat()}.",
        "The certificate does not cover the name shop.example.com; it covers: www.example.com, example.com.",
        result["problems"][2],
        "The certificate's public key does not belong to the private key.",
    ]
    assert result["problems"][2].startswith("The certificate is not issued by the next certificate in the chain: its issuer")
    assert result["msg"] == "The certificate has problems: " + " ".join(result["problems"])
    assert result["not_after"] == (pki.NOW - datetime.timedelta(days=2)).isoformat()
    assert result["serial_number"] == "123ABC"
    assert key not in json.dumps(result)


def test_problems_without_failing(check):
    leaf, chain = leaf_and_chain()
    result = check({"certificate": leaf, "chain": chain, "name": "www.example.org", "fail_on_problems": False})
    assert "failed" not in result
    assert result["valid"] is False
    assert result["problems"] == ["The certificate does not cover the name www.example.org; it covers: www.example.com, example.com."]


def test_expired_intermediate(check):
    root, root_key, dummy_intermediate, intermediate_key = pki.ca_pair()
    old_intermediate = pki.make_certificate("Test Intermediate CA", issuer_cert=root, issuer_key=root_key, key=intermediate_key, is_ca=True,
                                            not_before=pki.NOW - datetime.timedelta(days=30), not_after=pki.NOW - datetime.timedelta(days=1))
    leaf, dummy_chain = leaf_and_chain()
    result = check({"certificate": leaf, "chain": pki.cert_pem(old_intermediate), "name": "www.example.com", "fail_on_problems": False})
    assert result["problems"] == [f"Chain certificate 1 ('Test Intermediate CA') expired on {(pki.NOW - datetime.timedelta(days=1)).isoformat()}."]


@pytest.mark.parametrize("certificate, message", [
    ("", "holds no PEM certificate"),
    (pki.csr_pem(), "holds no PEM certificate"),
    ("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "Certificate 1 cannot be parsed"),
])
def test_unparsable_certificate(check, certificate, message):
    result = check({"certificate": certificate, "name": "www.example.com", "fail_on_problems": False})
    assert result["valid"] is False
    assert message in result["problems"][0]
    assert result["not_after"] is None
    assert result["serial_number"] is None


def test_unreadable_key_file(check, tmp_path):
    leaf, chain = leaf_and_chain()
    missing = tmp_path / "missing.key"
    result = check({"certificate": leaf, "chain": chain, "name": "www.example.com", "private_key_path": str(missing), "fail_on_problems": False})
    assert len(result["problems"]) == 1
    assert result["problems"][0].startswith(f"The private key file {missing} cannot be read")


def test_encrypted_key(check):
    leaf, chain = leaf_and_chain()
    key = pki.private_key_pem(pki.rsa_key(label="leaf"), passphrase=b"secret")
    result = check({"certificate": leaf, "chain": chain, "name": "www.example.com", "private_key_content": key, "fail_on_problems": False})
    assert result["problems"] == ["The private key is protected by a passphrase; it cannot be compared with the certificate."]


def test_key_options_are_mutually_exclusive(check):
    leaf, dummy_chain = leaf_and_chain()
    result = check({"certificate": leaf, "name": "www.example.com", "private_key_path": "leaf.key", "private_key_content": "inline key"})
    assert result["failed"] is True
    assert "mutually exclusive" in result["msg"]
