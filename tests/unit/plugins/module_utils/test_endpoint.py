# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.autodns.ssl.plugins.module_utils._endpoint import (
    EndpointError,
    endpoint_label,
    mismatch_message,
    parse_serial_number,
)


@pytest.mark.parametrize("text, number", [
    ("4BC2678CF44E71B5", 0x4BC2678CF44E71B5),
    ("4bc2678cf44e71b5", 0x4BC2678CF44E71B5),
    ("4b:c2:67:8c:f4:4e:71:b5", 0x4BC2678CF44E71B5),
    ("00A1", 0xA1),
    (" A1 B2\n", 0xA1B2),
])
def test_serial_numbers_as_people_paste_them(text, number):
    assert parse_serial_number(text) == number


@pytest.mark.parametrize("text", ["", "0x1F", "-1F", "1_F", "serial=1F", "G1"])
def test_what_is_not_a_serial_number(text):
    with pytest.raises(EndpointError, match="is not a hexadecimal serial number"):
        parse_serial_number(text)


def test_endpoint_labels():
    assert endpoint_label("www.example.com", 443) == "www.example.com:443"
    assert endpoint_label("192.0.2.1", 8443) == "192.0.2.1:8443"
    assert endpoint_label("2001:db8::1", 443) == "[2001:db8::1]:443"


def served(**overrides):
    facts = {"serial_number": "A1", "is_expected": True, "chain_verified": True, "verify_error": None}
    facts.update(overrides)
    return facts


def test_message_for_both_problems():
    message = mismatch_message("2001:db8::1", 443, "www.example.com", None,
                               served(is_expected=False, chain_verified=False, verify_error="certificate has expired"), 0xB2)
    assert message == (
        "[2001:db8::1]:443 (SNI www.example.com) serves the certificate with serial A1, not the expected serial B2; it does not verify "
        "for www.example.com against the system trust store: certificate has expired. "
        "Check that the new certificate was deployed, that the web server was reloaded since, and that it uses those files for www.example.com. "
        "Check that the server sends the full chain (its certificate, then the intermediate certificates) and that the certificate "
        "covers www.example.com."
    )


def test_message_for_a_chain_that_does_not_verify_ends_with_one_full_stop():
    message = mismatch_message("web1", 443, "www.example.com", "/etc/ssl/ca.pem",
                               served(chain_verified=False, verify_error="Hostname mismatch, certificate is not valid for 'www.example.com'."),
                               None)
    assert message.startswith("web1:443 (SNI www.example.com) serves the certificate with serial A1; it does not verify for www.example.com "
                              "against the CA bundle /etc/ssl/ca.pem: Hostname mismatch, certificate is not valid for 'www.example.com'. Check")
    assert ".." not in message
