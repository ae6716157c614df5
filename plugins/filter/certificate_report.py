# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The filters autodns.ssl.certificate_report_table and autodns.ssl.certificate_report_metrics: the certificates of
autodns.ssl.certificate_info, the most urgent first, as a table for the job log and as Prometheus text exposition."""

from __future__ import annotations

import datetime

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text

TABLE_COLUMNS = ("NAME", "ID", "PRODUCT", "EXPIRES", "DAYS", "PAID UNTIL", "NEXT RUN", "WHY")
NOTHING = "-"

# name, help text, and how to read the value from a certificate (None: no sample for it).
METRICS = (
    ("autodns_certificate_expiry_timestamp_seconds", "When the certificate expires (the API's expire), in seconds since the Unix epoch.",
     lambda certificate: _timestamp(certificate.get("expire"))),
    ("autodns_certificate_days_remaining", "Whole days until the certificate expires; negative once it has expired.",
     lambda certificate: certificate.get("days_remaining")),
    ("autodns_certificate_payable_timestamp_seconds", "When the paid term ends (the API's payable), in seconds since the Unix epoch.",
     lambda certificate: _timestamp(certificate.get("payable"))),
    ("autodns_certificate_renewal_due", "1 where the next renewal run reissues or renews the certificate, 0 where it leaves it alone.",
     lambda certificate: 1 if _renewal(certificate).get("due") else 0),
)


def _renewal(certificate):
    return certificate.get("renewal") or {}


def _timestamp(text):
    """Seconds since the epoch of an ISO 8601 time as certificate_info returns them, or None."""
    if not text:
        return None
    try:
        return int(datetime.datetime.fromisoformat(text).timestamp())
    except (TypeError, ValueError) as exc:
        raise AnsibleFilterError(f"{text!r} is not a time as autodns.ssl.certificate_info returns it.") from exc


def _checked(certificates, filter_name):
    if not isinstance(certificates, list) or not all(isinstance(certificate, dict) and "name" in certificate for certificate in certificates):
        raise AnsibleFilterError(f"{filter_name} expects the certificates autodns.ssl.certificate_info returns (its certificates).")
    return certificates


def by_urgency(certificates):
    """The certificates the next run acts on first, then by fewest days remaining; one without an expiry (not issued) last."""
    def urgency(certificate):
        days = certificate.get("days_remaining")
        return (not _renewal(certificate).get("due"), days is None, days if days is not None else 0, to_text(certificate["name"]))
    return sorted(certificates, key=urgency)


def next_run(certificate):
    """What the next renewal run does with the certificate, and why, as two short texts."""
    renewal = _renewal(certificate)
    if not renewal.get("due"):
        return NOTHING, ""
    job = renewal.get("job")
    if job:
        return f"wait for {job.get('action')} job {job.get('id')}", renewal.get("reason") or ""
    if renewal.get("problem"):
        return f"cannot {renewal.get('order')}", renewal["problem"]
    return to_text(renewal.get("order")), renewal.get("reason") or ""


def _day(text):
    return text[:10] if text else NOTHING


def _cell(value):
    return NOTHING if value is None or value == "" else to_text(value)


def certificate_report_table(certificates):
    """A table, one line per certificate, the most urgent first: a header line, then the certificates."""
    rows = [TABLE_COLUMNS]
    for certificate in by_urgency(_checked(certificates, "certificate_report_table")):
        action, why = next_run(certificate)
        rows.append(tuple(_cell(value) for value in (
            certificate["name"], certificate.get("id"), certificate.get("product"), _day(certificate.get("expire")),
            certificate.get("days_remaining"), _day(certificate.get("payable")), action, why)))
    widths = [max(len(row[column]) for row in rows) for column in range(len(TABLE_COLUMNS))]
    # The last column is left ragged, so that a long reason does not pad every line.
    return ["  ".join(cell.ljust(width) for cell, width in zip(row[:-1], widths)) + "  " + row[-1] for row in rows]


def _label_value(value):
    """A label value escaped as the text exposition format wants it: backslash, double quote and line feed."""
    return to_text(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def certificate_report_metrics(certificates):
    """The figures of each certificate in the Prometheus text exposition format (version 0.0.4), ending with a line feed."""
    ordered = by_urgency(_checked(certificates, "certificate_report_metrics"))
    lines = []
    for name, help_text, value_of in METRICS:
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
        for certificate in ordered:
            value = value_of(certificate)
            if value is not None:
                labels = f'name="{_label_value(certificate["name"])}",id="{_label_value(certificate.get("id"))}"'
                lines.append(f"{name}{{{labels}}} {int(value)}")
    return "\n".join(lines) + "\n"


class FilterModule:
    def filters(self):
        return {"certificate_report_table": certificate_report_table, "certificate_report_metrics": certificate_report_metrics}
