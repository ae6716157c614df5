# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Keys, CSRs and certificates made on the fly for unit tests.

Keys are cached per test session: generating RSA keys is slow.
"""

from __future__ import annotations

import base64
import datetime
import functools
import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

from ansible_collections.autodns.ssl.tests.unit.plugins.scripted_http import format_api_datetime

NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
# The expiry of the certificate api_certificate describes.
EXPIRE = NOW + datetime.timedelta(days=20)


@functools.lru_cache(maxsize=None)
def rsa_key(bits=2048, label="default"):
    """An RSA key; a different ``label`` gives a different key of the same size."""
    del label
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


@functools.lru_cache(maxsize=None)
def ec_key(curve_name="secp256r1", label="default"):
    del label
    return ec.generate_private_key({"secp256r1": ec.SECP256R1(), "secp384r1": ec.SECP384R1(), "secp224r1": ec.SECP224R1()}[curve_name])


@functools.lru_cache(maxsize=None)
def ed25519_key():
    return ed25519.Ed25519PrivateKey.generate()


def _name(common_name=None, organization=None):
    attributes = []
    if organization:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    if common_name:
        attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def _hash_for(key):
    return None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()


def make_csr(common_name="www.example.com", sans=("www.example.com",), key=None, organization=None):
    """A CSR object; ``common_name=None`` leaves the CN out."""
    key = key or rsa_key()
    builder = x509.CertificateSigningRequestBuilder().subject_name(_name(common_name, organization))
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(name) for name in sans]), critical=False)
    return builder.sign(key, _hash_for(key))


def csr_pem(**kwargs):
    return make_csr(**kwargs).public_bytes(serialization.Encoding.PEM).decode("ascii")


def to_pem(der, label):
    body = base64.b64encode(der).decode("ascii")
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


def tampered_csr_pem():
    """A CSR that parses but whose signature does not verify (last byte of the signature flipped)."""
    der = bytearray(make_csr().public_bytes(serialization.Encoding.DER))
    der[-1] ^= 0x01
    return to_pem(bytes(der), "CERTIFICATE REQUEST")


def private_key_pem(key, passphrase=None):
    encryption = serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption).decode("ascii")


def cert_pem(certificate):
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def make_certificate(subject_cn, issuer_cert=None, issuer_key=None, key=None, sans=None, is_ca=False,
                     not_before=None, not_after=None, serial=None):
    """A certificate signed by ``issuer_key`` (self-signed without one); ``sans=None`` adds no SAN extension."""
    key = key or rsa_key()
    signing_key = issuer_key or key
    issuer_name = issuer_cert.subject if issuer_cert is not None else _name(subject_cn, "Test CA" if is_ca else None)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject_cn, "Test CA" if is_ca else None))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(serial or x509.random_serial_number())
        .not_valid_before(not_before or NOW - datetime.timedelta(days=1))
        .not_valid_after(not_after or NOW + datetime.timedelta(days=90))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
    )
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(name) for name in sans]), critical=False)
    return builder.sign(signing_key, _hash_for(signing_key))


@functools.lru_cache(maxsize=None)
def ca_pair():
    """(root certificate, root key, intermediate certificate, intermediate key); the root RSA, the intermediate EC."""
    root_key = rsa_key(label="root")
    root = make_certificate("Test Root CA", key=root_key, is_ca=True, not_after=NOW + datetime.timedelta(days=3650))
    intermediate_key = ec_key(label="intermediate")
    intermediate = make_certificate("Test Intermediate CA", issuer_cert=root, issuer_key=root_key, key=intermediate_key, is_ca=True,
                                    not_after=NOW + datetime.timedelta(days=1825))
    return root, root_key, intermediate, intermediate_key


def issue_leaf(sans=("www.example.com", "example.com"), key=None, **kwargs):
    """A leaf certificate issued by the test intermediate."""
    dummy_root, dummy_root_key, intermediate, intermediate_key = ca_pair()
    return make_certificate(sans[0] if sans else "www.example.com", issuer_cert=intermediate, issuer_key=intermediate_key,
                            key=key or rsa_key(label="leaf"), sans=sans, **kwargs)


def public_key_sha256_of(key):
    """The fingerprint the collection compares keys by, computed here independently of it."""
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def api_certificate(leaf=None, **overrides):
    """A certificate the way GET /certificate/{id} returns it, its PEM issued by the test CA; ``overrides`` replace fields."""
    root, dummy_root_key, intermediate, dummy_intermediate_key = ca_pair()
    leaf = leaf or issue_leaf(not_after=EXPIRE, serial=0x1F2E3D)
    certificate = {
        "id": 1658000,
        "name": "www.example.com",
        "product": "QUICKSSLPREMIUM",
        "lifetime": {"unit": "MONTH", "period": 12},
        "csr": csr_pem(),
        "server": cert_pem(leaf),
        "serialNumber": "1F2E3D",
        "expire": format_api_datetime(EXPIRE),
        "created": "2025-12-18T00:00:00.000+0100",
        "updated": "2025-12-18T10:15:02.000+0100",
        "subjectAlternativeNames": [{"name": "www.example.com", "type": "FQDN"}, {"name": "example.com", "type": "FQDN"}],
        "certificationAuthority": [
            {"caType": "INTERMEDIATE", "caCertificate": cert_pem(intermediate)},
            {"caType": "ROOT", "caCertificate": cert_pem(root)},
        ],
        "authentication": {"method": "DNS"},
    }
    certificate.update(overrides)
    return certificate
