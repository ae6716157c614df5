# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Domain control validation (DCV) data of the API, in the shape the modules return.

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

from ._dns_names import VALIDATION_RECORD_TYPES, bare_name
from ._errors import TaskFailure

DNS_CLASSES = ("IN", "CH", "HS")
# The API always writes a TTL; a line without one gets the TTL the API uses.
DEFAULT_DCV_TTL = 300


class DcvError(TaskFailure):
    """DCV data of the API that cannot be read."""


def _txt_value(rdata):
    """The text of TXT rdata: quoted character strings are unescaped and joined, unquoted rdata is taken as it is."""
    if not rdata.startswith('"'):
        return rdata
    parts = []
    position = 0
    while position < len(rdata):
        if rdata[position].isspace():
            position += 1
            continue
        if rdata[position] != '"':
            raise DcvError(f"unexpected text after a quoted string: {rdata[position:]!r}")
        position += 1
        part = []
        while position < len(rdata) and rdata[position] != '"':
            if rdata[position] == "\\" and position + 1 < len(rdata):
                position += 1
            part.append(rdata[position])
            position += 1
        if position >= len(rdata):
            raise DcvError("a quoted string is not closed")
        parts.append("".join(part))
        position += 1
    return "".join(parts)


def parse_dns_line(line):
    """Read the API's DCV zone line (``owner. 300 IN TXT "token"``) into {name, ttl, type, value}.

    ``name`` is absolute, lower case and has no trailing dot; ``value`` is the TXT text without quotes or the
    CNAME target without trailing dot. Tabs or spaces separate the fields; TTL and class are optional, in either order.
    """
    fields = (line or "").split(None, 1)
    if len(fields) < 2:
        raise DcvError(f"Cannot read the DNS validation record {line!r}: expected 'owner ttl IN type value'.")
    owner, rest = fields
    ttl = None
    record_type = None
    while record_type is None:
        parts = rest.split(None, 1)
        if not parts:
            raise DcvError(f"Cannot read the DNS validation record {line!r}: it has no record type and value.")
        token = parts[0]
        rest = parts[1] if len(parts) > 1 else ""
        if token.isdigit() and ttl is None:
            ttl = int(token)
        elif token.upper() in DNS_CLASSES:
            continue
        elif token.upper() in VALIDATION_RECORD_TYPES:
            record_type = token.upper()
        else:
            raise DcvError(f"Cannot read the DNS validation record {line!r}: {token!r} is not a TTL, class or record type "
                           f"({', '.join(VALIDATION_RECORD_TYPES)}).")
    rdata = rest.strip()
    if not rdata:
        raise DcvError(f"Cannot read the DNS validation record {line!r}: the {record_type} record has no value.")
    if record_type == "TXT":
        try:
            value = _txt_value(rdata)
        except DcvError as exc:
            # The sentence carries the detail; the inner error adds nothing to the task's failure.
            raise DcvError(f"Cannot read the DNS validation record {line!r}: {exc}.") from None
    else:
        value = bare_name(rdata)
    return {"name": bare_name(owner), "ttl": DEFAULT_DCV_TTL if ttl is None else ttl, "type": record_type, "value": value}


def _flat_entries(entries, inherited=None):
    """Entries with the ones nested under ``domains[]`` after them; a nested entry takes method and provisioning from its parent."""
    for entry in entries or []:
        if not isinstance(entry, dict):
            continue
        merged = dict(inherited or {}, **{key: value for key, value in entry.items() if value is not None})
        yield merged
        yield from _flat_entries(entry.get("domains"), {"method": merged.get("method"), "provisioning": merged.get("provisioning")})


def normalize_authentication(entries):
    """The API's CertAuthentication list in the shape certificate_prepare returns: one entry per name and method.

    Whether the API lists additional names side by side or nested under ``domains[]`` is not documented; both are read.
    A DNS entry without a record is fine where AutoDNS provisions it itself.
    """
    normalized = []
    for entry in _flat_entries(entries):
        method = entry.get("method")
        item = {"name": entry.get("name"), "method": method, "provisioning": bool(entry.get("provisioning"))}
        if method == "DNS":
            if not entry.get("dns") and not item["provisioning"]:
                raise DcvError(f"The API returned no DNS validation record for {item['name']}, and does not provision it itself.")
            item["dns"] = entry.get("dns")
            item["dns_record"] = parse_dns_line(entry["dns"]) if entry.get("dns") else None
        elif method == "FILE":
            item["file_name"] = entry.get("fileName")
            item["file_content"] = entry.get("fileContent")
        elif method == "EMAIL":
            item["approver_emails"] = list(entry.get("approverEmails") or [])
        if item not in normalized:
            normalized.append(item)
    return normalized


def validation_records(authentication):
    """The DNS records of a Certificate's ``authentication`` object: the values its last order validates (or validated) with."""
    if not isinstance(authentication, dict):
        return []
    try:
        entries = normalize_authentication([authentication])
    except DcvError:
        return []
    records = []
    for entry in entries:
        if entry["method"] == "DNS" and entry["dns_record"] and entry["dns_record"] not in records:
            records.append(entry["dns_record"])
    return records
