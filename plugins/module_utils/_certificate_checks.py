# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The checks a certificate passes on the host that will use it, before anything is replaced there.

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

from ._x509 import (
    X509Error,
    certificate_names,
    chain_problems,
    covers_name,
    key_matches,
    load_certificates,
    load_private_key,
    not_after,
    serial_number_hex,
    subject_label,
    validity_problems,
)


def read_private_key_file(path):
    """The private key in the file at ``path``; X509Error where it cannot be read or parsed."""
    try:
        with open(path, "rb") as key_file:
            data = key_file.read()
    except OSError as exc:
        raise X509Error(f"The private key file {path} cannot be read: {exc.strerror}.") from exc
    return load_private_key(data)


def check_certificate(certificate_pem, chain_pem, name, private_key, now):
    """(facts, leaf, problems): notAfter and serial of the leaf, the parsed leaf (or None), and every problem found.

    ``private_key`` is a key object the leaf must belong to, or None to leave the key unchecked.
    """
    facts = {"not_after": None, "serial_number": None}
    try:
        certificates = load_certificates(certificate_pem)
        if not certificates:
            raise X509Error("The certificate holds no PEM certificate (BEGIN CERTIFICATE).")
        chain = certificates[1:] + load_certificates(chain_pem or "")
    except X509Error as exc:
        return facts, None, [str(exc)]
    leaf = certificates[0]
    facts.update(not_after=not_after(leaf).isoformat(), serial_number=serial_number_hex(leaf))
    problems = validity_problems(leaf, now, "The certificate")
    for position, certificate in enumerate(chain, start=1):
        problems.extend(validity_problems(certificate, now, f"Chain certificate {position} ({subject_label(certificate)!r})"))
    if not covers_name(leaf, name):
        names = ", ".join(certificate_names(leaf)) or "no name at all"
        problems.append(f"The certificate does not cover the name {name}; it covers: {names}.")
    problems.extend(chain_problems(leaf, chain))
    if private_key is not None and not key_matches(leaf, private_key):
        problems.append("The certificate's public key does not belong to the private key.")
    return facts, leaf, problems
