# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import datetime

import pytest
import requests

from ansible_collections.autodns.ssl.plugins.module_utils import _client
from ansible_collections.autodns.ssl.plugins.module_utils._certificate import describe_certificate
from ansible_collections.autodns.ssl.tests.unit.plugins.scripted_http import format_api_datetime
from ansible_collections.autodns.ssl.plugins.module_utils._x509 import check_csr
from ansible_collections.autodns.ssl.plugins.modules import certificate_renew
from ansible_collections.autodns.ssl.tests.unit.plugins import pki
from ansible_collections.autodns.ssl.tests.unit.plugins.module_utils.test_poll import JOB_ID, OLD_CERTIFICATE_ID, object_job
from ansible_collections.autodns.ssl.tests.unit.plugins.module_utils.test_renewal import (
    DNS_LINE,
    PREPARED,
    api_certificate,
    certificate_call,
    default_body,
    job_search_call,
    lookup_calls,
    placed_since_call,
    renew_call,
)
from ansible_collections.autodns.ssl.tests.unit.plugins.scripted_http import Call, envelope, error_envelope

ORDER_CTID = "autodns-ssl-00000000000000000000000000000004"


@pytest.fixture(autouse=True)
def ctids(monkeypatch):
    sequence = iter(f"autodns-ssl-{number:032x}" for number in range(1, 20))
    monkeypatch.setattr(_client, "new_ctid", lambda: next(sequence))


def expiring_in(days):
    """The certificate, expiring ``days`` days (and an hour) from now."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return api_certificate(expire=format_api_datetime(now + datetime.timedelta(days=days, hours=1)))


def puts(session):
    return [sent for sent in session.sent if sent["method"] == "PUT"]


@pytest.mark.parametrize("args, message", [
    ({}, "one of the following is required: certificate_id, name"),
    ({"certificate_id": OLD_CERTIFICATE_ID, "name": "www.example.com"}, "parameters are mutually exclusive: certificate_id|name"),
    ({"certificate_id": OLD_CERTIFICATE_ID, "term": -12}, "term must be a positive number of months, not -12."),
    ({"certificate_id": OLD_CERTIFICATE_ID, "term": 0}, "term must be a positive number of months, not 0."),
    ({"certificate_id": OLD_CERTIFICATE_ID, "remaining_days": -1}, "remaining_days must be 0 or more, not -1."),
    ({"certificate_id": OLD_CERTIFICATE_ID, "csr": "not a csr"}, "The csr is not a PEM certificate signing request"),
    ({"certificate_id": OLD_CERTIFICATE_ID, "order": "upgrade"}, "value of order must be one of: auto, renew, reissue"),
])
def test_bad_input_fails_before_any_api_call(http, run_module, args, message):
    session = http()
    result = run_module(certificate_renew, args)
    assert result["failed"] is True
    assert message in result["msg"]
    assert not session.sent


def test_a_csr_whose_signature_does_not_verify_fails_before_any_api_call(http, run_module):
    session = http()
    result = run_module(certificate_renew, {"certificate_id": OLD_CERTIFICATE_ID, "csr": pki.tampered_csr_pem()})
    assert result["failed"] is True
    assert "signature" in result["msg"]
    assert not session.sent


def test_not_due_writes_nothing(http, run_module):
    session = http(certificate_call(expiring_in(45)))
    result = run_module(certificate_renew, {"certificate_id": OLD_CERTIFICATE_ID})
    assert result["changed"] is False
    assert result["job_id"] is None
    assert result["days_remaining"] == 45
    assert result["in_flight"] is False
    assert len(session.sent) == 1


def test_due_orders_and_returns_the_job(http, run_module):
    session = http(certificate_call(expiring_in(20)), job_search_call(), placed_since_call(), renew_call(default_body()))
    result = run_module(certificate_renew, {"certificate_id": OLD_CERTIFICATE_ID})
    assert result["changed"] is True
    assert result["job_id"] == JOB_ID
    assert result["job_id"] > 2 ** 31
    assert result["certificate_id"] == OLD_CERTIFICATE_ID
    assert result["name"] == "www.example.com"
    assert result["days_remaining"] == 20
    assert result["ctid"] == ORDER_CTID
    assert result["in_flight"] is False
    assert len(puts(session)) == 1


def test_new_csr_and_prepared_authentication_are_sent(http, run_module):
    csr = pki.csr_pem(common_name="www.example.com", sans=("www.example.com", "example.com"))
    authentication = {"method": "DNS", "provisioning": True, "dns": DNS_LINE,
                      "domains": [{"name": entry["name"], "method": "DNS", "dns": entry["dns"]} for entry in PREPARED if entry["method"] == "DNS"]}
    body = default_body(lifetime={"unit": "MONTH", "period": 24}, csr=check_csr(csr)[0], authentication=authentication)
    certificate = dict(expiring_in(20), subjectAlternativeNames=[{"name": "example.com", "type": "FQDN"}])
    http(certificate_call(certificate), job_search_call(), placed_since_call(), renew_call(body))
    result = run_module(certificate_renew, {"certificate_id": OLD_CERTIFICATE_ID, "csr": csr, "term": 24, "authentication": PREPARED})
    assert result["changed"] is True


def test_prepared_authentication_of_another_csr_fails_before_any_write(http, run_module):
    csr = pki.csr_pem(common_name="www.example.com", sans=("www.example.com",))
    prepared_for_shop = [dict(entry, name=entry["name"].replace("www.", "shop.")) for entry in PREPARED]
    session = http(certificate_call(expiring_in(20)))
    result = run_module(certificate_renew, {"certificate_id": OLD_CERTIFICATE_ID, "csr": csr, "authentication": prepared_for_shop})
    assert result["failed"] is True
    assert "no DNS entry for the common name www.example.com" in result["msg"]
    assert not puts(session)


def test_too_early_with_force_names_the_code_and_the_date_without_ordering(http, run_module):
    certificate = expiring_in(200)
    session = http(certificate_call(certificate))
    result = run_module(certificate_renew, {"certificate_id": OLD_CERTIFICATE_ID, "force": True})
    possible_from = (_client.parse_api_datetime(certificate["expire"]) - datetime.timedelta(days=90)).isoformat()
    assert result["failed"] is True
    assert "EF4001012" in result["msg"]
    assert f"renewal is possible from {possible_from}" in result["msg"]
    assert result["renewal_possible_from"] == possible_from
    assert result["days_remaining"] == 200
    assert not puts(session)


def test_too_early_by_the_api_clock_names_the_code_and_the_date(http, run_module):
    certificate = expiring_in(89)
    refused = error_envelope("E400106", "EF4001012", text="Das Zertifikat kann noch nicht verlaengert werden.")
    http(certificate_call(certificate), job_search_call(), placed_since_call(), renew_call(status=400, envelope=refused))
    result = run_module(certificate_renew, {"certificate_id": OLD_CERTIFICATE_ID, "force": True})
    possible_from = (_client.parse_api_datetime(certificate["expire"]) - datetime.timedelta(days=90)).isoformat()
    assert result["failed"] is True
    assert f"renewal is possible from {possible_from}" in result["msg"]
    assert result["renewal_possible_from"] == possible_from
    assert result["api_error"]["codes"] == ["EF4001012"]


def test_renewal_in_flight_is_returned_without_ordering(http, run_module):
    running = object_job(status="RUNNING", ctid="autodns-ssl-earlier")
    session = http(certificate_call(expiring_in(20)), job_search_call(running))
    result = run_module(certificate_renew, {"certificate_id": OLD_CERTIFICATE_ID})
    assert result["changed"] is False
    assert result["in_flight"] is True
    assert result["job_id"] == JOB_ID
    assert result["ctid"] == "autodns-ssl-earlier"
    assert not puts(session)


def test_dropped_connection_after_the_order_took_effect_orders_exactly_once(http, run_module):
    ordered = object_job(status="RUNNING", ctid=ORDER_CTID)
    session = http(
        certificate_call(expiring_in(20)),
        job_search_call(),
        placed_since_call(),
        renew_call(default_body(), raises=requests.ConnectionError("Remote end closed connection without response")),
        *lookup_calls(ordered),
    )
    result = run_module(certificate_renew, {"certificate_id": OLD_CERTIFICATE_ID})
    assert len(puts(session)) == 1
    assert result["changed"] is True
    assert result["job_id"] == JOB_ID
    assert result["ctid"] == ORDER_CTID


def test_server_error_on_the_order_is_reconciled_not_resent(http, run_module):
    ordered = object_job(status="RUNNING", ctid=ORDER_CTID)
    session = http(
        certificate_call(expiring_in(20)),
        job_search_call(),
        placed_since_call(),
        renew_call(default_body(), status=503, envelope=error_envelope("E0001", "EF00500")),
        *lookup_calls(ordered),
    )
    result = run_module(certificate_renew, {"certificate_id": OLD_CERTIFICATE_ID})
    assert len(puts(session)) == 1
    assert result["job_id"] == JOB_ID


def test_lookup_proving_no_order_resends_exactly_once(http, run_module):
    session = http(
        certificate_call(expiring_in(20)),
        job_search_call(),
        placed_since_call(),
        renew_call(default_body(), raises=requests.Timeout("read timed out")),
        *lookup_calls(),
        renew_call(default_body()),
    )
    result = run_module(certificate_renew, {"certificate_id": OLD_CERTIFICATE_ID})
    assert len(puts(session)) == 2
    assert result["changed"] is True
    assert result["job_id"] == JOB_ID
    assert result["ctid"] == "autodns-ssl-00000000000000000000000000000007"


def test_unknown_outcome_twice_fails_without_a_third_order(http, run_module):
    session = http(
        certificate_call(expiring_in(20)),
        job_search_call(),
        placed_since_call(),
        renew_call(default_body(), status=500, envelope=error_envelope("E0001", "EF00500")),
        *lookup_calls(),
        renew_call(default_body(), status=500, envelope=error_envelope("E0001", "EF00500")),
    )
    result = run_module(certificate_renew, {"certificate_id": OLD_CERTIFICATE_ID})
    assert result["failed"] is True
    assert "It is unknown whether the request took effect" in result["msg"]
    assert "it is not sent again" in result["msg"]
    assert result["api_error"]["codes"] == ["EF00500"]
    assert len(puts(session)) == 2


def test_check_mode_predicts_the_order_without_writing(http, run_module):
    session = http(certificate_call(expiring_in(20)), job_search_call())
    result = run_module(certificate_renew, {"certificate_id": OLD_CERTIFICATE_ID}, check_mode=True)
    assert result["changed"] is True
    assert result["job_id"] is None
    assert not puts(session)


def test_check_mode_not_due_predicts_no_change(http, run_module):
    http(certificate_call(expiring_in(60)))
    result = run_module(certificate_renew, {"certificate_id": OLD_CERTIFICATE_ID}, check_mode=True)
    assert result["changed"] is False


def test_by_name_renews_the_certificate_that_expires_last(http, run_module):
    older = dict(expiring_in(5), id=OLD_CERTIFICATE_ID - 1)
    newer = expiring_in(20)
    search = Call("POST", "/certificate/_search", envelope=envelope("S400105", data=[
        {"id": older["id"], "name": "www.example.com"}, {"id": newer["id"], "name": "www.example.com"}], summary=2))
    http(search, certificate_call(older), certificate_call(newer), job_search_call(), placed_since_call(), renew_call(default_body()))
    result = run_module(certificate_renew, {"name": "www.example.com"})
    assert result["certificate_id"] == OLD_CERTIFICATE_ID


def test_unknown_name_fails_clearly(http, run_module):
    http(Call("POST", "/certificate/_search", envelope=envelope("S400105", data=[], summary=0)))
    result = run_module(certificate_renew, {"name": "nothing.example.com"})
    assert result["failed"] is True
    assert "No certificate named 'nothing.example.com' exists for this user" in result["msg"]


def test_a_due_certificate_in_a_paid_term_is_reissued_through_the_module(http, run_module):
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = expiring_in(20)
    certificate["payable"] = format_api_datetime(now + datetime.timedelta(days=520))
    reissue = renew_call(default_body(), path=f"/certificate/{OLD_CERTIFICATE_ID}", code="N400102")
    session = http(certificate_call(certificate), job_search_call(), placed_since_call(), reissue)
    result = run_module(certificate_renew, {"certificate_id": OLD_CERTIFICATE_ID})
    assert result["changed"] is True
    assert result["order"] == "reissue"
    assert result["job_id"] == JOB_ID
    assert result["previous"]["serial_number"] == "0AB1"
    assert [sent["url"].rsplit("/v1", 1)[1] for sent in puts(session)] == [f"/certificate/{OLD_CERTIFICATE_ID}"]


def test_order_renew_while_the_term_runs_fails_in_check_mode_too(http, run_module):
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = expiring_in(20)
    certificate["payable"] = format_api_datetime(now + datetime.timedelta(days=520))
    session = http(certificate_call(certificate))
    result = run_module(certificate_renew, {"certificate_id": OLD_CERTIFICATE_ID, "order": "renew"}, check_mode=True)
    assert result["failed"] is True
    assert "buys and bills a new term" in result["msg"]
    assert not puts(session)


def described(certificate):
    """The certificate as certificate_info returns it, read a minute ago."""
    description, dummy = describe_certificate(certificate, read_at=datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1))
    return description


@pytest.mark.parametrize("entry, message", [
    ({"certificate": {"id": OLD_CERTIFICATE_ID, "name": "www.example.com"}},
     "certificates[0]: certificate must be a certificate as autodns.ssl.certificate_info returns it; product, term"),
    ({"certificate": "described", "csr": "not a csr"}, "certificates[0].csr: The csr is not a PEM certificate signing request"),
    ({"certificate": "described", "csr": ""}, "certificates[0].csr is an empty string"),
    ({"certificate": "described", "remaining_days": -3}, "certificates[0]: remaining_days must be 0 or more, not -3."),
    ({"certificate": "described", "term": 0}, "certificates[0]: term must be a positive number of months, not 0."),
    ({"certificate": "described", "order": "upgrade"}, "value of order must be one of: auto, renew, reissue"),
    ({"certificate": dict(pki.api_certificate(), read_at=None)}, "certificates[0]: certificate must be a certificate"),
])
def test_bad_entries_fail_before_any_api_call(http, run_module, entry, message):
    session = http()
    if entry["certificate"] == "described":
        entry = dict(entry, certificate=described(expiring_in(20)))
    result = run_module(certificate_renew, {"certificates": [entry]})
    assert result["failed"] is True
    assert message in result["msg"]
    assert not session.sent


def test_entries_are_ordered_without_reading_the_certificates_again(http, run_module):
    session = http(job_search_call(), placed_since_call(), renew_call(default_body()))
    result = run_module(certificate_renew, {"certificates": [{"certificate": described(expiring_in(20))},
                                                             {"certificate": described(expiring_in(20)), "force": True}]})
    assert result["changed"] is True
    first, second = result["renewals"]
    assert first["job_id"] == JOB_ID and first["problem"] is None and first["in_flight"] is False
    assert second["job_id"] == JOB_ID and second["in_flight"] is True and second["changed"] is False
    assert [sent["method"] for sent in session.sent] == ["POST", "POST", "PUT"]


def test_an_entrys_problem_is_reported_in_its_entry(http, run_module):
    session = http()
    term_ended = dict(expiring_in(20), payable=format_api_datetime(datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=5)))
    result = run_module(certificate_renew, {"certificates": [{"certificate": described(term_ended), "order": "reissue"}]})
    assert result.get("failed") is not True
    assert result["changed"] is False
    assert "a reissue cannot extend it" in result["renewals"][0]["problem"]
    assert result["renewals"][0]["due"] is True
    assert not session.sent


def test_check_mode_predicts_the_entries_with_one_search(http, run_module):
    session = http(job_search_call())
    result = run_module(certificate_renew, {"certificates": [{"certificate": described(expiring_in(20))}]}, check_mode=True)
    assert result["changed"] is True
    assert result["renewals"][0]["order"] == "renew" and result["renewals"][0]["job_id"] is None
    assert len(session.sent) == 1
