# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Finding certificates at AutoDNS and describing them for module results.

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import datetime

from ._client import parse_api_datetime
from ._dcv import validation_records
from ._errors import TaskFailure
from ._x509 import X509Error, load_certificate, load_csr, not_after, public_key_sha256

# The API's placeholder for a serial number that does not exist yet.
SERIAL_NOT_SET = "NOT_SET"
# The API sets ``expire`` to the end of the day in its own time zone, so it may differ from the exact
# notAfter of the certificate by up to a day.
EXPIRE_TOLERANCE = datetime.timedelta(days=1)
# A full chain leaves the root out; clients have it already.
ROOT_CA_TYPE = "ROOT"


class CertificateNotFound(TaskFailure):
    """The certificate a task names does not exist for this user."""


class CertificateDescriptionError(TaskFailure):
    """A certificate passed as certificate_info described it lacks what is needed."""


class IssuedCertificateNotFound(CertificateNotFound):
    """No certificate at AutoDNS is proven to be the one an order issued."""


def days_until(moment, now=None):
    """Whole days left until ``moment`` (negative once it has passed)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return int((moment - now).total_seconds() // 86400)


def certificate_by_id(client, certificate_id):
    """The full certificate object; CertificateNotFound where the API does not know the id."""
    certificate = client.get_certificate(certificate_id)
    if certificate is None:
        raise CertificateNotFound(
            f"Certificate {certificate_id} does not exist for this user (check certificate_id, and that the user and context own it).")
    return certificate


def certificates_by_name(client, name):
    """Every certificate whose name is exactly ``name``, full objects, newest expiry first."""
    hits = client.search_certificates([{"key": "name", "operator": "EQUAL", "value": name}], keys=["expire"])
    certificates = [client.get_certificate(hit["id"]) for hit in hits if hit.get("name") == name]
    certificates = [certificate for certificate in certificates if certificate is not None]
    return sorted(certificates, key=expire_of, reverse=True)


def _hits_by_name(client, names):
    """Search hits (id, name, expire, product) of all ``names`` in one search, grouped by lower-case name."""
    grouped = {}
    if names:
        hits = client.search_certificates([{"key": "name", "operator": "IN", "values": sorted(set(names))}], keys=["expire", "product"])
        for hit in hits:
            grouped.setdefault(str(hit.get("name") or "").lower(), []).append(hit)
    return grouped


def _newest(hits):
    return max(hits, key=expire_of) if hits else None


def current_hit(configured, hits):
    """The hit of the certificate that is current for a configured one: itself, or the newest certificate of the same name
    and product that expires later. AutoDNS may issue a renewed or reissued certificate under a new id; the old one stays."""
    successors = [hit for hit in hits if hit.get("id") != configured["id"] and hit.get("product") in (None, configured.get("product"))
                  and expire_of(hit) > expire_of(configured)]
    return _newest(successors)


def current_certificates(client, names=(), certificate_ids=()):
    """The current certificate of each requested name, then of each requested id, as (requested, certificate, problem).

    A name means its certificate that expires last; an id means that certificate, or the one that succeeded it (see
    current_hit). One search answers for all names; each current certificate is then read once.
    """
    answers = []
    by_name = _hits_by_name(client, names)
    for name in names:
        newest = _newest(by_name.get(name.lower(), []))
        certificate = client.get_certificate(newest["id"]) if newest else None
        problem = None if certificate else f"No certificate named {name!r} exists for this user (check name, user and context)."
        answers.append((name, certificate, problem))
    configured = {certificate_id: client.get_certificate(certificate_id) for certificate_id in certificate_ids}
    by_configured_name = _hits_by_name(client, [certificate["name"] for certificate in configured.values() if certificate])
    for certificate_id, certificate in configured.items():
        if certificate is None:
            answers.append((certificate_id, None,
                            f"Certificate {certificate_id} does not exist for this user (check the id, and that the user and context own it)."))
            continue
        successor = current_hit(certificate, by_configured_name.get(certificate["name"].lower(), []))
        current = client.get_certificate(successor["id"]) if successor else None
        answers.append((certificate_id, current or certificate, None))
    return answers


def account_certificates(client):
    """The current certificate of every name and product of the account, full objects, by name.

    The certificates a later one of the same name and product replaced are left out: AutoDNS keeps them after a
    reissue or renewal under a new id, but no renewal run acts on them (see current_hit).
    """
    groups = {}
    for hit in client.list_certificates(keys=["expire", "product"]):
        groups.setdefault((str(hit.get("name") or "").lower(), str(hit.get("product"))), []).append(hit)
    certificates = [client.get_certificate(_newest(hits)["id"]) for dummy_group, hits in sorted(groups.items())]
    return [certificate for certificate in certificates if certificate is not None]


def expire_of(certificate):
    """The certificate's expiry as an aware datetime (the epoch start where the API has none)."""
    return parse_api_datetime(certificate.get("expire")) or datetime.datetime.fromtimestamp(0, datetime.timezone.utc)


def resolve_certificate(client, certificate_id=None, name=None):
    """The certificate a task means: by id, or the newest-expiring one of that name."""
    if certificate_id is not None:
        return certificate_by_id(client, certificate_id)
    matches = certificates_by_name(client, name)
    if not matches:
        raise CertificateNotFound(f"No certificate named {name!r} exists for this user (check name, user and context).")
    return matches[0]


def payable_of(certificate):
    """The end of the paid term (the API's ``payable``) as an aware datetime, or None where the API has none."""
    return parse_api_datetime(certificate.get("payable"))


def serial_number_of(certificate):
    serial = certificate.get("serialNumber")
    return None if serial in (None, "", SERIAL_NOT_SET) else serial


def term_of(certificate):
    """The certificate's term in months (the API's ``lifetime``)."""
    lifetime = certificate.get("lifetime") or {}
    period = lifetime.get("period")
    if period is None:
        return None
    unit = lifetime.get("unit", "MONTH")
    return int(period) * 12 if unit == "YEAR" else int(period)


def _iso(value):
    moment = parse_api_datetime(value)
    return moment.isoformat() if moment else None


def _pem_text(value):
    """A PEM string with LF line ends and exactly one final newline, or None for an empty value."""
    value = (value or "").replace("\r\n", "\n").strip()
    return value + "\n" if value else None


def chain_pem_of(certificate):
    """The intermediate certificates the API returns, concatenated in its order (issuer of the leaf first)."""
    blocks = [
        _pem_text(authority.get("caCertificate"))
        for authority in certificate.get("certificationAuthority") or []
        if str(authority.get("caType") or "").upper() != ROOT_CA_TYPE
    ]
    blocks = [block for block in blocks if block]
    return "".join(blocks) or None


def _leaf_not_after(certificate, pem, warnings):
    if pem is None:
        return None
    try:
        return not_after(load_certificate(pem))
    except X509Error as exc:
        warnings.append(f"The certificate PEM of certificate {certificate.get('id')} cannot be read: {exc}")
        return None


def describe_certificate(certificate, now=None, read_at=None):
    """The certificate in the shape of certificate_info's result, and warnings for the person running it.

    ``read_at`` is when the read of the certificate began (``now`` where not given). ``not_after_matches_expire`` cross-checks the leaf's notAfter
    with the API's ``expire`` (None where either is missing).
    """
    warnings = []
    expire = parse_api_datetime(certificate.get("expire"))
    pem = _pem_text(certificate.get("server"))
    chain_pem = chain_pem_of(certificate)
    leaf_not_after = _leaf_not_after(certificate, pem, warnings)
    payable = payable_of(certificate)
    matches = None
    if leaf_not_after is not None and expire is not None:
        matches = abs(leaf_not_after - expire) <= EXPIRE_TOLERANCE
        if not matches:
            warnings.append(
                f"The notAfter of the PEM of certificate {certificate.get('id')} ({leaf_not_after.isoformat()}) "
                f"does not match the API's expire ({expire.isoformat()}).")
    description = {
        "id": certificate.get("id"),
        "name": certificate.get("name"),
        "product": certificate.get("product"),
        "term": term_of(certificate),
        "expire": expire.isoformat() if expire else None,
        "days_remaining": days_until(expire, now) if expire else None,
        "serial_number": serial_number_of(certificate),
        "pem": pem,
        "chain_pem": chain_pem,
        "fullchain_pem": pem + (chain_pem or "") if pem else None,
        "csr": _pem_text(certificate.get("csr")),
        "subject_alt_names": [san["name"] for san in certificate.get("subjectAlternativeNames") or [] if san.get("name")],
        "created": _iso(certificate.get("created")),
        "updated": _iso(certificate.get("updated")),
        "not_after_matches_expire": matches,
        "authentication_method": (certificate.get("authentication") or {}).get("method"),
        "payable": payable.isoformat() if payable else None,
        "subscription_days_remaining": days_until(payable, now) if payable else None,
        "multiyear": certificate.get("multiyear") is True,
        "reissue_required": certificate.get("reissueRequired") is True,
        "validation_records": validation_records(certificate.get("authentication")),
        "software": certificate.get("software"),
        "admin_contact_id": (certificate.get("adminContact") or {}).get("id"),
        "technical_contact_id": (certificate.get("technicalContact") or {}).get("id"),
        "read_at": (read_at or now or datetime.datetime.now(datetime.timezone.utc)).isoformat(),
    }
    return description, warnings


# What certificate_from_description needs of a description.
ORDER_DESCRIPTION_KEYS = ("id", "name", "product", "term", "expire", "payable", "reissue_required", "serial_number", "pem", "csr",
                          "subject_alt_names", "authentication_method", "software", "admin_contact_id", "technical_contact_id", "read_at")


def certificate_from_description(description):
    """The certificate object (the API's keys) a description of describe_certificate was made of, as far as an order needs it,
    and when it was read; CertificateDescriptionError where the description lacks what an order needs."""
    missing = [key for key in ORDER_DESCRIPTION_KEYS if key not in description]
    if missing or description["id"] is None or not description["name"]:
        raise CertificateDescriptionError(
            f"certificate must be a certificate as autodns.ssl.certificate_info returns it; {', '.join(missing) or 'id and name'}"
            " missing. Pass the certificate of a certificate_info result of this collection's version.")
    try:
        read_at = parse_api_datetime(description["read_at"])
    except ValueError:
        read_at = None
    if read_at is None:
        raise CertificateDescriptionError(f"certificate {description['id']} has no readable read_at; pass it as certificate_info returned it.")
    certificate = {
        "id": description["id"], "name": description["name"], "product": description["product"], "expire": description["expire"],
        "payable": description["payable"], "reissueRequired": description["reissue_required"] is True,
        "serialNumber": description["serial_number"], "server": description["pem"], "csr": description["csr"],
        "subjectAlternativeNames": [{"name": name} for name in description["subject_alt_names"] or []],
        "software": description["software"], "authentication": {"method": description["authentication_method"]},
    }
    if description["term"] is not None:
        certificate["lifetime"] = {"unit": "MONTH", "period": description["term"]}
    for contact, key in (("adminContact", "admin_contact_id"), ("technicalContact", "technical_contact_id")):
        if description[key] is not None:
            certificate[contact] = {"id": description[key]}
    return certificate, read_at


def csr_public_key_sha256(csr_pem):
    """The public key fingerprint of a CSR, the key the certificate issued for it must carry."""
    return public_key_sha256(load_csr(csr_pem))


def _leaf_public_key_sha256(certificate):
    pem = _pem_text(certificate.get("server"))
    if pem is None:
        return None
    try:
        return public_key_sha256(load_certificate(pem))
    except X509Error:
        return None


def is_whole_certificate(data):
    """Whether ``data`` is a certificate object with what installing it needs: its id, PEM and chain."""
    return (isinstance(data, dict) and data.get("id") is not None and isinstance(data.get("server"), str) and bool(data["server"].strip())
            and isinstance(data.get("expire"), str) and bool(data.get("certificationAuthority")))


def is_issued_by_order(certificate, previous):
    """Whether ``certificate`` is proven to be what an order issued for ``previous`` (certificate_renew's ``previous``).

    Proof: it carries a serial number other than the previous one, expires later, and holds the public key of
    the CSR that was ordered. An id alone proves nothing: the API may keep the id across renewals.
    """
    serial = serial_number_of(certificate)
    if serial is None or serial == previous.get("serial_number"):
        return False
    previous_expire = parse_api_datetime(previous.get("expire"))
    if previous_expire is not None and expire_of(certificate) <= previous_expire:
        return False
    wanted_key = previous.get("public_key_sha256")
    return wanted_key is None or _leaf_public_key_sha256(certificate) == wanted_key


def issued_certificate(client, previous, certificate_id=None, announced=None):
    """The certificate an order issued: ``announced`` (the whole certificate the job's message carried) where it proves to be,
    without a read; else the one of ``certificate_id`` (the job's) where it does, else the certificate of the previous name
    that does; the latest expiry wins. IssuedCertificateNotFound otherwise."""
    if is_whole_certificate(announced) and is_issued_by_order(announced, previous):
        return announced
    candidates = []
    if certificate_id is not None:
        candidates = [certificate for certificate in [client.get_certificate(certificate_id)] if certificate is not None]
    issued = [certificate for certificate in candidates if is_issued_by_order(certificate, previous)]
    if not issued:
        issued = [certificate for certificate in certificates_by_name(client, previous["name"]) if is_issued_by_order(certificate, previous)]
    if not issued:
        named = f" (the job names certificate {certificate_id})" if certificate_id is not None else ""
        raise IssuedCertificateNotFound(
            f"No certificate named {previous['name']}{named} is newer than certificate {previous.get('id')} with serial"
            f" {previous.get('serial_number')}: none has another serial number, a later expiry and the key of the ordered CSR."
            " AutoDNS may not show the issued certificate yet; a later run finds and installs it. The old certificate was not installed as new.")
    return max(issued, key=expire_of)
