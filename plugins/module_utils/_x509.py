# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Reading and checking CSRs, certificates and keys (everything that needs ``cryptography``).

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import re
import traceback

from ansible.module_utils.basic import missing_required_lib

from ._errors import TaskFailure

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
    from cryptography.x509.oid import NameOID
except ImportError:
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = None

# What the API (and the CA/Browser Forum) accept as the smallest keys.
MIN_RSA_KEY_SIZE = 2048
MIN_EC_KEY_SIZE = 256

CSR_LABELS = ("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST")
CERTIFICATE_LABEL = "CERTIFICATE"

_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)
# Any private key block (PKCS#8, RSA, EC, encrypted, OpenSSH), found by its header alone, so that even a key whose body is damaged counts.
_PRIVATE_KEY_HEADER = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----")


class X509Error(TaskFailure):
    """A CSR, certificate or key that cannot be used; the message says why."""


def require_cryptography(module):
    """Fail the module the standard way when ``cryptography`` is not installed where it runs."""
    if not HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib("cryptography"), exception=CRYPTOGRAPHY_IMPORT_ERROR)


def pem_blocks(text):
    """Every PEM block in ``text`` as (label, DER bytes).

    Decoding the base64 ourselves accepts what people paste: CRLF line ends, the whole body on one
    line, and text around the blocks (like the output of ``openssl req -text``).
    """
    blocks = []
    for match in _PEM_BLOCK.finditer(text or ""):
        body = "".join(match.group(2).split())
        try:
            blocks.append((match.group(1), base64.b64decode(body, validate=True)))
        except (binascii.Error, ValueError) as exc:
            raise X509Error(f"The PEM block {match.group(1)} is not valid base64: {exc}") from exc
    return blocks


def _pem_labels(blocks):
    return ", ".join(label for label, dummy in blocks) or "no PEM block at all"


def key_description(public_key):
    """(key_type, key_size) of a public key, e.g. ("RSA", 2048) or ("EC", 256)."""
    if isinstance(public_key, rsa.RSAPublicKey):
        return "RSA", public_key.key_size
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        return "EC", public_key.curve.key_size
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        return "ED25519", 256
    if isinstance(public_key, ed448.Ed448PublicKey):
        return "ED448", 456
    return type(public_key).__name__.replace("PublicKey", "").upper(), getattr(public_key, "key_size", None)


def _common_name(name):
    attributes = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return attributes[0].value if attributes else None


def _dns_names(extensions):
    try:
        extension = extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return []
    return extension.value.get_values_for_type(x509.DNSName)


def holds_private_key(text):
    """Whether ``text`` holds a private key (a PEM private key header), for example one pasted where a CSR belongs."""
    return isinstance(text, str) and _PRIVATE_KEY_HEADER.search(text) is not None


def load_csr(text):
    """The first certificate signing request in ``text``; X509Error when there is none or it is broken.

    Text that holds a private key is refused even when a CSR is with it: the key must not travel with the CSR.
    """
    if holds_private_key(text):
        raise X509Error(
            "The csr holds a private key (it is not shown here). Pass the certificate signing request made from the key"
            " (BEGIN CERTIFICATE REQUEST) and keep the key itself secret.")
    blocks = pem_blocks(text)
    ders = [der for label, der in blocks if label in CSR_LABELS]
    if not ders:
        raise X509Error(f"The csr is not a PEM certificate signing request (BEGIN CERTIFICATE REQUEST); found: {_pem_labels(blocks)}.")
    try:
        return x509.load_der_x509_csr(ders[0])
    except ValueError as exc:
        raise X509Error(f"The certificate signing request cannot be parsed: {exc}") from exc


def checked_csr_option(module, option="csr", unset_hint=None):
    """(pem, csr_info) of the CSR in the module option ``option`` (see check_csr), (None, None) where it is not set; fails the module
    for a CSR that cannot be used.

    An empty string is refused, not taken for "not set": ``unset_hint`` says what leaving the option out does. A private key
    pasted into the option is made a no_log value first, so that neither the failure nor its invocation shows it.
    """
    return checked_csr_value(module, module.params[option], option, unset_hint)


def checked_csr_value(module, text, option, unset_hint=None):
    """checked_csr_option for the value ``text`` of the option (or suboption) named ``option``."""
    if text is None:
        return None, None
    if holds_private_key(text):
        module.no_log_values.add(text)
    if not text.strip():
        what_to_do = f"Set a PEM certificate signing request (BEGIN CERTIFICATE REQUEST){', or ' + unset_hint if unset_hint else ''}."
        problem = f"{option} is an empty string. {what_to_do}"
    else:
        try:
            return check_csr(text)
        except X509Error as exc:
            # A suboption is named, so that the entry can be found.
            problem = str(exc) if option == "csr" else f"{option}: {exc}"
    module.fail_json(msg=problem)
    return None, None


def check_csr(text):
    """Parse a CSR and refuse what the API would refuse; returns (pem, csr_info).

    ``pem`` is the CSR re-encoded as one clean PEM block, the form sent to the API.
    """
    csr = load_csr(text)
    try:
        signature_valid = csr.is_signature_valid
    except UnsupportedAlgorithm as exc:
        raise X509Error(f"The certificate signing request uses a signature algorithm that cannot be checked: {exc}") from exc
    if not signature_valid:
        raise X509Error("The signature of the certificate signing request does not verify: it was changed after signing or is corrupt.")
    info = csr_info(csr)
    key_type, key_size = info["key_type"], info["key_size"]
    if key_type == "RSA" and key_size < MIN_RSA_KEY_SIZE:
        raise X509Error(f"The csr's RSA key has {key_size} bits; at least {MIN_RSA_KEY_SIZE} bits are required: make the CSR from a stronger key.")
    if key_type == "EC" and key_size < MIN_EC_KEY_SIZE:
        raise X509Error(f"The csr's EC key has {key_size} bits; at least {MIN_EC_KEY_SIZE} bits (for example the curve P-256) are required:"
                        " make the CSR from a stronger key.")
    if key_type not in ("RSA", "EC"):
        raise X509Error(f"The csr's key type {key_type} is not accepted for SSL certificates; use RSA (at least {MIN_RSA_KEY_SIZE} bits) or EC "
                        f"(at least {MIN_EC_KEY_SIZE} bits).")
    if not info["common_name"]:
        raise X509Error("The certificate signing request has no common name (CN) in its subject; the certificate's name is taken from it.")
    return csr.public_bytes(serialization.Encoding.PEM).decode("ascii"), info


def csr_info(csr):
    """``common_name``, ``subject_alt_names`` (the DNS names of the SAN extension), ``key_type`` and ``key_size``."""
    key_type, key_size = key_description(csr.public_key())
    return {
        "common_name": _common_name(csr.subject),
        "subject_alt_names": _dns_names(csr.extensions),
        "key_type": key_type,
        "key_size": key_size,
    }


def load_certificates(text):
    """Every certificate in ``text``, in order; X509Error for a block that cannot be parsed."""
    certificates = []
    for label, der in pem_blocks(text):
        if label != CERTIFICATE_LABEL:
            continue
        try:
            certificates.append(x509.load_der_x509_certificate(der))
        except ValueError as exc:
            raise X509Error(f"Certificate {len(certificates) + 1} cannot be parsed: {exc}") from exc
    return certificates


def load_certificate(text):
    """The first certificate in ``text``."""
    certificates = load_certificates(text)
    if not certificates:
        raise X509Error(f"No PEM certificate (BEGIN CERTIFICATE) found; found: {_pem_labels(pem_blocks(text))}.")
    return certificates[0]


def _as_utc(moment):
    return moment.replace(tzinfo=datetime.timezone.utc)


# cryptography 42 added the aware properties; older versions (still shipped by distributions that run
# certificate_check on their hosts) only have the naive ones, which are UTC.
def not_after(certificate):
    """The certificate's notAfter as an aware UTC datetime."""
    aware = getattr(certificate, "not_valid_after_utc", None)
    return aware if aware is not None else _as_utc(certificate.not_valid_after)


def not_before(certificate):
    """The certificate's notBefore as an aware UTC datetime."""
    aware = getattr(certificate, "not_valid_before_utc", None)
    return aware if aware is not None else _as_utc(certificate.not_valid_before)


def serial_number_hex(certificate):
    """The serial number the way the API writes it: hexadecimal, upper case."""
    return format(certificate.serial_number, "X")


def subject_label(certificate):
    """A short name of a certificate for messages: its CN, else its whole subject."""
    return _common_name(certificate.subject) or certificate.subject.rfc4514_string() or "(empty subject)"


def certificate_names(certificate):
    """The DNS names a certificate is valid for: its SANs, or its CN where it has no SAN extension (RFC 6125)."""
    names = _dns_names(certificate.extensions)
    if names:
        return names
    common_name = _common_name(certificate.subject)
    return [common_name] if common_name else []


def _normalize_name(name):
    return name.strip().rstrip(".").lower()


def name_matches(name, pattern):
    """Whether the certificate name ``pattern`` covers the host name ``name``.

    A wildcard is only allowed as the whole leftmost label and stands for exactly one label:
    ``*.example.com`` covers ``www.example.com`` but neither ``example.com`` nor ``a.www.example.com``.
    A wildcard ``name`` is covered only by the same wildcard.
    """
    name = _normalize_name(name)
    pattern = _normalize_name(pattern)
    if name == pattern:
        return True
    if not pattern.startswith("*.") or "*" in pattern[2:]:
        return False
    host_label, dot, rest = name.partition(".")
    return bool(dot) and host_label not in ("", "*") and rest == pattern[2:]


def covers_name(certificate, name):
    return any(name_matches(name, pattern) for pattern in certificate_names(certificate))


def _verify_signature(certificate, issuer_public_key):
    """Raise InvalidSignature unless ``issuer_public_key`` signed ``certificate``.

    Public CAs sign with RSA PKCS#1 v1.5, ECDSA or EdDSA; an RSA-PSS signature does not verify here.
    """
    signature, data, hash_algorithm = certificate.signature, certificate.tbs_certificate_bytes, certificate.signature_hash_algorithm
    if isinstance(issuer_public_key, rsa.RSAPublicKey):
        issuer_public_key.verify(signature, data, padding.PKCS1v15(), hash_algorithm)
    elif isinstance(issuer_public_key, ec.EllipticCurvePublicKey):
        issuer_public_key.verify(signature, data, ec.ECDSA(hash_algorithm))
    elif isinstance(issuer_public_key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
        issuer_public_key.verify(signature, data)
    else:
        raise InvalidSignature(f"unsupported issuer key type {key_description(issuer_public_key)[0]}")


def issued_by(certificate, issuer):
    """None when ``issuer`` issued ``certificate`` (names and signature), else why not."""
    if certificate.issuer != issuer.subject:
        return (f"its issuer {certificate.issuer.rfc4514_string()!r} is not the subject of the next certificate "
                f"{issuer.subject.rfc4514_string()!r}")
    try:
        _verify_signature(certificate, issuer.public_key())
    except (InvalidSignature, UnsupportedAlgorithm, TypeError, ValueError) as exc:
        detail = f" ({exc})" if str(exc) else ""
        return f"its signature was not made by the key of {subject_label(issuer)!r}{detail}"
    return None


def chain_problems(leaf, chain):
    """Problems of the chain ``leaf, chain[0], chain[1], ...``: each certificate must be issued by the next."""
    problems = []
    path = [leaf] + list(chain)
    for position, (certificate, issuer) in enumerate(zip(path, path[1:])):
        reason = issued_by(certificate, issuer)
        if reason:
            which = "The certificate" if position == 0 else f"Chain certificate {position} ({subject_label(certificate)!r})"
            problems.append(f"{which} is not issued by the next certificate in the chain: {reason}.")
    return problems


def validity_problems(certificate, now, which):
    """Problems with the validity period of ``certificate`` at ``now``; ``which`` names it in the messages."""
    if now < not_before(certificate):
        return [f"{which} is not valid before {not_before(certificate).isoformat()}."]
    if now > not_after(certificate):
        return [f"{which} expired on {not_after(certificate).isoformat()}."]
    return []


def load_private_key(data):
    """The private key in PEM ``data`` (bytes or str); X509Error where it cannot be read."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    try:
        return serialization.load_pem_private_key(data, password=None)
    except TypeError as exc:
        raise X509Error("The private key is protected by a passphrase; it cannot be compared with the certificate.") from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise X509Error(f"The private key cannot be parsed: {exc}") from exc


def _public_key_der(public_key):
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def public_key_sha256(item):
    """The SHA-256 (lower-case hex) of the SubjectPublicKeyInfo of a CSR or certificate: the same for both when they share a key."""
    return hashlib.sha256(_public_key_der(item.public_key())).hexdigest()


def key_matches(certificate, private_key):
    """Whether the public key of the certificate (or CSR) belongs to ``private_key``; the keys are compared, never the PEM texts."""
    return _public_key_der(certificate.public_key()) == _public_key_der(private_key.public_key())
