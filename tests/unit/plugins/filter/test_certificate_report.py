# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import re

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.autodns.ssl.plugins.filter.certificate_report import certificate_report_metrics, certificate_report_table


def certificate(name, certificate_id, days, due=False, order="renew", reason=None, problem=None, job=None,
                expire="2026-12-18T23:59:59+00:00", payable="2027-06-30T23:59:59+00:00"):
    """A certificate in the shape autodns.ssl.certificate_info returns, with the keys the report reads."""
    return {
        "id": certificate_id, "name": name, "product": "QUICKSSLPREMIUM", "expire": expire, "days_remaining": days, "payable": payable,
        "renewal": {"due": due, "reason": reason, "order": order, "problem": problem, "job": job},
    }


ACCOUNT = [
    certificate("calm.example.com", 3, 150),
    certificate("renew.example.com", 1, 25, due=True, reason="expires in 25 days, within remaining_days (30)"),
    certificate("expired.example.com", 5, -3, due=True, reason="expires in -3 days, within remaining_days (30)", payable=None),
    certificate("reissue.example.com", 2, 60, due=True, order="reissue", reason="AutoDNS reports that the certificate must be reissued"),
    certificate("soon.example.com", 4, 40),
    certificate("waiting.example.com", 6, 10, due=True, reason="expires in 10 days, within remaining_days (30)",
                job={"id": 4297539521, "action": "reissue", "status": "DEFERRED"}),
    certificate("refused.example.com", 7, 12, due=True, order="renew", reason="expires in 12 days, within remaining_days (30)",
                problem="A renewal buys and bills a new term"),
    certificate("pending.example.com", 8, None, expire=None, payable=None),
]


def test_the_table_lists_the_due_certificates_first_then_by_days_remaining():
    lines = certificate_report_table(ACCOUNT)
    assert lines[0].split() == ["NAME", "ID", "PRODUCT", "EXPIRES", "DAYS", "PAID", "UNTIL", "NEXT", "RUN", "WHY"]
    assert [line.split()[0] for line in lines[1:]] == [
        "expired.example.com", "waiting.example.com", "refused.example.com", "renew.example.com", "reissue.example.com",
        "soon.example.com", "calm.example.com", "pending.example.com"]


def test_the_table_says_what_the_next_run_does_and_why():
    rows = {line.split()[0]: line for line in certificate_report_table(ACCOUNT)[1:]}
    assert re.fullmatch(r"renew\.example\.com +1 +QUICKSSLPREMIUM +2026-12-18 +25 +2027-06-30 +renew +expires in 25 days, within remaining_days \(30\)",
                        rows["renew.example.com"])
    assert re.search(r"  reissue +AutoDNS reports that the certificate must be reissued$", rows["reissue.example.com"])
    assert re.search(r"  wait for reissue job 4297539521 +expires in 10 days", rows["waiting.example.com"])
    assert re.search(r"  cannot renew +A renewal buys and bills a new term$", rows["refused.example.com"])
    assert re.search(r"-3 +- +renew ", rows["expired.example.com"]), "no paid term: a dash"
    assert re.search(r"  2027-06-30  - +-$", rows["calm.example.com"]), "not due: nothing to do, no reason"
    assert re.search(r"pending\.example\.com +8 +QUICKSSLPREMIUM +- +- +- +-", rows["pending.example.com"])


def test_the_columns_line_up():
    lines = certificate_report_table(ACCOUNT)
    start = lines[0].index("EXPIRES")
    assert all(line[start:start + 10] in ("EXPIRES   ", "2026-12-18", "-         ") for line in lines)


def test_an_empty_account_is_the_header_alone():
    assert len(certificate_report_table([])) == 1


METRIC_LINE = re.compile(r'(?P<name>[a-z_]+)\{name="(?P<label>(?:[^"\\]|\\.)*)",id="(?P<id>[^"]*)"\} (?P<value>-?\d+)')


def parse(text):
    """Samples by (metric, name) and the HELP/TYPE lines, checking the layout the exposition format wants."""
    assert text.endswith("\n") and not text.endswith("\n\n")
    samples, described = {}, []
    for line in text.splitlines():
        if line.startswith("# "):
            kind, name = line.split(" ", 3)[1:3]
            described.append((kind, name))
            continue
        match = METRIC_LINE.fullmatch(line)
        assert match, line
        assert ("TYPE", match["name"]) in described, "a family's HELP and TYPE come before its samples"
        samples[match["name"], match["label"]] = (match["id"], int(match["value"]))
    return samples, described


def test_the_metrics_carry_expiry_days_payable_and_due_with_help_and_type():
    samples, described = parse(certificate_report_metrics(ACCOUNT))
    names = ["autodns_certificate_expiry_timestamp_seconds", "autodns_certificate_days_remaining",
             "autodns_certificate_payable_timestamp_seconds", "autodns_certificate_renewal_due"]
    assert described == [(kind, name) for name in names for kind in ("HELP", "TYPE")]
    assert samples["autodns_certificate_expiry_timestamp_seconds", "renew.example.com"] == ("1", 1797638399)
    assert samples["autodns_certificate_days_remaining", "expired.example.com"] == ("5", -3)
    assert samples["autodns_certificate_payable_timestamp_seconds", "calm.example.com"] == ("3", 1814399999)
    assert ("autodns_certificate_payable_timestamp_seconds", "expired.example.com") not in samples, "no paid term, no sample"
    assert ("autodns_certificate_expiry_timestamp_seconds", "pending.example.com") not in samples
    assert samples["autodns_certificate_renewal_due", "reissue.example.com"] == ("2", 1)
    assert samples["autodns_certificate_renewal_due", "calm.example.com"] == ("3", 0)
    assert samples["autodns_certificate_renewal_due", "pending.example.com"] == ("8", 0)
    assert "# TYPE autodns_certificate_renewal_due gauge" in certificate_report_metrics(ACCOUNT).splitlines()


def test_label_values_are_escaped():
    text = certificate_report_metrics([certificate('odd"name\\with\nbreak', 9, 3)])
    assert 'name="odd\\"name\\\\with\\nbreak",id="9"' in text


@pytest.mark.parametrize("report", [certificate_report_table, certificate_report_metrics])
def test_other_input_is_refused(report):
    with pytest.raises(AnsibleFilterError, match="expects the certificates autodns.ssl.certificate_info returns"):
        report({"certificates": []})
