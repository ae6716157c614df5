# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What a TLS server serves for a name: its certificate, and whether that certificate verifies.

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import re
import socket
import ssl

from ansible_collections.autodns.ssl.plugins.module_utils._errors import TaskFailure
from ansible_collections.autodns.ssl.plugins.module_utils._x509 import (
    X509Error,
    certificate_names,
    load_certificate,
    not_after,
    serial_number_hex,
)

_HEX_SERIAL = re.compile(r"[0-9A-Fa-f]+")


class EndpointError(TaskFailure):
    """The server could not be asked, or an option cannot be used; the message says what happened and what to do."""


def endpoint_label(host, port):
    """``host:port`` as people write it, with brackets around an IPv6 address."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def parse_serial_number(text):
    """The serial number ``text`` (hexadecimal as the API writes it; case, colons and spaces do not matter) as an int."""
    digits = re.sub(r"[\s:]", "", text)
    if not _HEX_SERIAL.fullmatch(digits):
        raise EndpointError(f"expected_serial_number {text!r} is not a hexadecimal serial number like the API's serialNumber, "
                            "for example 4BC2678CF44E71B517F81E60F7EC09995BD0098B.")
    return int(digits, 16)


def verifying_context(ca_path):
    """A client context that verifies the chain against the PEM bundle ``ca_path`` (the system trust store without one) and the name."""
    try:
        context = ssl.create_default_context(cafile=ca_path)
    except OSError as exc:
        raise EndpointError(f"The CA bundle {ca_path} cannot be used ({exc}); it must be a readable file of PEM certificates "
                            "(BEGIN CERTIFICATE).") from exc
    # Python 3.13 added these two to its default context; without them the answer is the same on every Python version.
    context.verify_flags &= ~(ssl.VERIFY_X509_STRICT | getattr(ssl, "VERIFY_X509_PARTIAL_CHAIN", 0))
    return context


def _reading_context():
    """A client context that accepts any certificate: the served certificate is read even where it does not verify."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def served_certificate_der(context, host, port, server_name, timeout):
    """The leaf certificate (DER) that ``host:port`` sends for the SNI name ``server_name``.

    ssl.SSLCertVerificationError passes through: it is the answer to whether the certificate verifies.
    Every other failure becomes an EndpointError that says what to check.
    """
    label = endpoint_label(host, port)
    try:
        with socket.create_connection((host, port), timeout=timeout) as connection:
            with context.wrap_socket(connection, server_hostname=server_name) as tls:
                der = tls.getpeercert(binary_form=True)
    except ssl.SSLCertVerificationError:
        raise
    except ssl.SSLError as exc:
        raise EndpointError(f"The TLS handshake with {label} (SNI {server_name}) failed: {exc.reason or exc}. Check that the port "
                            "serves TLS (not plain HTTP) with TLS 1.2 or later, and that the server has a certificate for that name.") from exc
    except ConnectionRefusedError as exc:
        raise EndpointError(f"Nothing accepts connections on {label} (connection refused). Check that the web server runs, "
                            "that it listens on that address and port, and that port is the one it serves TLS on.") from exc
    except socket.timeout as exc:
        raise EndpointError(f"No answer from {label} within the timeout of {timeout} s. Check that the host is reachable from where the task runs "
                            "(firewalls, the address), or raise timeout.") from exc
    except socket.gaierror as exc:
        raise EndpointError(f"The host name {host} cannot be resolved where the task runs: {exc.strerror or exc}. "
                            "Check the name, or give its address as host and the name as server_name.") from exc
    except OSError as exc:
        raise EndpointError(f"Cannot connect to {label}: {exc.strerror or exc}.") from exc
    if not der:
        raise EndpointError(f"{label} (SNI {server_name}) completed the TLS handshake without sending a certificate.")
    return der


def inspect_endpoint(host, port, server_name, ca_path, timeout):
    """What ``host:port`` serves for ``server_name``: the certificate's facts, ``chain_verified`` and ``verify_error``.

    The verifying handshake comes first, so that where it succeeds the facts come from the very certificate that
    verified. Only where it fails does a second handshake, that accepts any certificate, read what is served.
    """
    context = verifying_context(ca_path)
    try:
        der = served_certificate_der(context, host, port, server_name, timeout)
        verify_error = None
    except ssl.SSLCertVerificationError as exc:
        verify_error = exc.verify_message or str(exc)
        der = served_certificate_der(_reading_context(), host, port, server_name, timeout)
    try:
        leaf = load_certificate(ssl.DER_cert_to_PEM_cert(der))
    except X509Error as exc:
        raise EndpointError(f"{endpoint_label(host, port)} (SNI {server_name}) sends a certificate that cannot be parsed: {exc}") from exc
    return {
        "serial_number": serial_number_hex(leaf),
        "not_after": not_after(leaf).isoformat(),
        "subject_alt_names": certificate_names(leaf),
        "chain_verified": verify_error is None,
        "verify_error": verify_error,
    }


def mismatch_message(host, port, server_name, ca_path, served, expected_serial_number):
    """Why the served certificate is not the one wanted.

    ``served`` is the result of inspect_endpoint plus ``is_expected``; ``expected_serial_number`` is an int.
    """
    sentences = [f"{endpoint_label(host, port)} (SNI {server_name}) serves the certificate with serial {served['serial_number']}"]
    if served["is_expected"] is False:
        sentences[0] += f", not the expected serial {expected_serial_number:X}"
        sentences.append("Check that the new certificate was deployed, that the web server was reloaded since, and that it uses "
                         f"those files for {server_name}.")
    if not served["chain_verified"]:
        anchors = f"the CA bundle {ca_path}" if ca_path else "the system trust store"
        sentences[0] += f"; it does not verify for {server_name} against {anchors}: {served['verify_error']}"
        sentences.append("Check that the server sends the full chain (its certificate, then the intermediate certificates) and that "
                         f"the certificate covers {server_name}.")
    return ". ".join(sentence.rstrip(".") for sentence in sentences) + "."
