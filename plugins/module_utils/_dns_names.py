# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""DNS names and the record types of domain validation, the one place that says how they are written and compared.

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

# DigiCert products validate with a TXT record, Sectigo products with a CNAME record.
VALIDATION_RECORD_TYPES = ("TXT", "CNAME")


def bare_name(name):
    """A DNS name as the collection compares and returns it: lower case, without surrounding space and trailing dot."""
    text = (name or "").strip().lower()
    return text[:-1] if text.endswith(".") else text


def record_value(record_type, value):
    """A record's value as compared: CNAME targets are names; TXT values are exact."""
    return bare_name(value) if record_type == "CNAME" else value
