# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import datetime

import pytest
import requests

from ansible_collections.autodns.ssl.plugins.module_utils import _client, _local_state, _renewal
from ansible_collections.autodns.ssl.plugins.module_utils._client import AutoDNSClient
from ansible_collections.autodns.ssl.tests.unit.plugins.scripted_http import format_api_datetime
from ansible_collections.autodns.ssl.plugins.module_utils._renewal import (
    RenewalError,
    authentication_body,
    order_body,
    plan_renewal,
    renew_certificate,
)
from ansible_collections.autodns.ssl.tests.unit.plugins.module_utils.test_poll import JOB_ID, OLD_CERTIFICATE_ID, object_job
from ansible_collections.autodns.ssl.tests.unit.plugins.scripted_http import API_URL, Call, envelope, error_envelope

NOW = datetime.datetime(2026, 11, 28, 12, 0, tzinfo=datetime.timezone.utc)
ORDER_CTIDS = [f"autodns-ssl-{number:032x}" for number in range(1, 20)]

IN_FLIGHT_FILTERS = [
    {"key": "action", "operator": "IN", "values": ["renew", "reissue"]},
    {"key": "object", "operator": "EQUAL", "value": "www.example.com"},
    {"key": "status", "operator": "IN", "values": ["RUNNING", "DEFERRED", "WAIT", "SUPPORT", "NOT_SET"]},
]
ANY_STATUS_FILTERS = [{"key": "action", "operator": "IN", "values": ["renew"]}, IN_FLIGHT_FILTERS[1]]
REISSUE_FILTERS = [{"key": "action", "operator": "IN", "values": ["reissue"]}, IN_FLIGHT_FILTERS[1]]

DNS_LINE = '_dnsauth.www.example.com.\t300\tIN\tTXT\t"20261128120000abc"'
APEX_DNS_LINE = '_dnsauth.example.com.\t300\tIN\tTXT\t"20261128120000def"'
PREPARED = [
    {"name": "www.example.com", "method": "DNS", "provisioning": True, "dns": DNS_LINE,
     "dns_record": {"name": "_dnsauth.www.example.com", "ttl": 300, "type": "TXT", "value": "20261128120000abc"}},
    {"name": "www.example.com", "method": "FILE", "provisioning": False, "file_name": "www.example.com/.well-known/pki-validation/fileauth.txt",
     "file_content": "abc"},
    {"name": "example.com", "method": "DNS", "provisioning": True, "dns": APEX_DNS_LINE,
     "dns_record": {"name": "_dnsauth.example.com", "ttl": 300, "type": "TXT", "value": "20261128120000def"}},
]


@pytest.fixture(autouse=True)
def ctids(monkeypatch):
    """The ctids the client puts on its requests, in order."""
    sequence = iter(ORDER_CTIDS)
    monkeypatch.setattr(_client, "new_ctid", lambda: next(sequence))
    return ORDER_CTIDS


def api_certificate(days_remaining=20, payable_days=None, **overrides):
    """A certificate the way GET /certificate/{id} returns it, expiring ``days_remaining`` days (and an hour) after NOW,
    its term paid until ``payable_days`` days after NOW (by default, until it expires)."""
    expire = NOW + datetime.timedelta(days=days_remaining, hours=1)
    payable = expire if payable_days is None else NOW + datetime.timedelta(days=payable_days, hours=1)
    certificate = {
        "id": OLD_CERTIFICATE_ID,
        "name": "www.example.com",
        "product": "QUICKSSLPREMIUM",
        "lifetime": {"unit": "MONTH", "period": 12},
        "serialNumber": "0AB1",
        "expire": format_api_datetime(expire),
        "payable": format_api_datetime(payable),
        "authentication": {"method": "DNS"},
    }
    certificate.update(overrides)
    return certificate


def certificate_call(certificate=None):
    certificate = certificate or api_certificate()
    return Call("GET", f"/certificate/{certificate['id']}", envelope=envelope("S400104", data=[certificate]))


def job_search_call(*object_jobs, filters=None):
    body = {"filters": filters or IN_FLIGHT_FILTERS, "view": {"limit": 50, "offset": 0}}
    return Call("POST", "/job/_search", envelope=envelope("S300115", data=list(object_jobs), summary=len(object_jobs))).expect_body(body)


def job_call(job):
    return Call("GET", f"/job/{job['job']['id']}", envelope=envelope("S300114", data=[job]))


def history_search_call(*object_jobs, filters=None):
    body = {"filters": filters or ANY_STATUS_FILTERS, "view": {"limit": 50, "offset": 0}}
    return Call("POST", "/job/history/_search", envelope=envelope("S300115", data=list(object_jobs), summary=len(object_jobs))).expect_body(body)


def placed_since_call(*ended):
    """The look, under the certificate's lock, for an order another process placed and saw end meanwhile."""
    return history_search_call(*ended, filters=IN_FLIGHT_FILTERS[:2])


def lookup_calls(*active, ended=(), filters=None):
    """The searches after an order with an unknown outcome: running jobs, then ended ones."""
    return [job_search_call(*active, filters=filters or ANY_STATUS_FILTERS), history_search_call(*ended, filters=filters or ANY_STATUS_FILTERS)]


def renew_call(body=None, status=200, path=f"/certificate/{OLD_CERTIFICATE_ID}/_renew", code="N400106", **kwargs):
    call = Call("PUT", path, status=status, **kwargs)
    if status == 200 and "envelope" not in kwargs and "raises" not in kwargs:
        call.envelope = envelope(code, status_type="NOTIFY", data=[{"id": JOB_ID}], object_type="Certificate")
    call.expect_query({"keys[]": ["dnsProvisioning"]})
    return call.expect_body(body) if body is not None else call


def reissue_call(body=None, status=200, **kwargs):
    return renew_call(body, status, path=f"/certificate/{OLD_CERTIFICATE_ID}", code="N400102", **kwargs)


def default_body(**changes):
    body = {"id": OLD_CERTIFICATE_ID, "name": "www.example.com", "product": "QUICKSSLPREMIUM", "lifetime": {"unit": "MONTH", "period": 12},
            "authentication": {"method": "DNS", "provisioning": True}}
    body.update(changes)
    return body


def options(**changes):
    values = {"certificate_id": OLD_CERTIFICATE_ID, "name": None, "term": None, "csr": None, "authentication": None,
              "dns_provisioning": True, "remaining_days": 30, "force": False, "order": "auto"}
    values.update(changes)
    return values


def renew(**changes):
    check_mode = changes.pop("check_mode", False)
    client = AutoDNSClient(API_URL, "ssl-user", "s3cret-Pa55", 9)
    return renew_certificate(client, options(**changes), check_mode=check_mode, now=NOW)


def puts(session):
    return [sent for sent in session.sent if sent["method"] == "PUT"]


# days left on the certificate, days left on the paid term (None: the API reports no payable), reissueRequired,
# the order asked for, force -> due, the order chosen, and whether that order is refused before anything is sent.
DECISIONS = [
    # Not due: expiry beyond remaining_days, nothing required.
    (31, 31, False, "auto", False, False, "renew", False),
    (31, 500, False, "auto", False, False, "reissue", False),
    # Due by expiry; the boundary is inclusive.
    (30, 30, False, "auto", False, True, "renew", False),
    (-3, -3, False, "auto", False, True, "renew", False),
    (20, None, False, "auto", False, True, "renew", False),
    # The term outlives the certificate by more than remaining_days: a free reissue.
    (20, 51, False, "auto", False, True, "reissue", False),
    (20, 50, False, "auto", False, True, "renew", False),
    (20, 520, False, "auto", False, True, "reissue", False),
    # reissueRequired makes it due and a reissue while the term runs; after the term a renewal.
    (150, 520, True, "auto", False, True, "reissue", False),
    (150, 150, True, "auto", False, True, "reissue", False),
    (150, None, True, "auto", False, True, "reissue", False),
    (-5, -1, True, "auto", False, True, "renew", False),
    # A forced kind: renew while the term runs on needs force; reissue after the term cannot be.
    (20, 520, False, "renew", False, True, "renew", True),
    (20, 520, False, "renew", True, True, "renew", False),
    (20, 20, False, "reissue", False, True, "reissue", False),
    (-5, -1, False, "reissue", False, True, "reissue", True),
    (20, None, False, "reissue", False, True, "reissue", False),
    # force makes anything due, and orders by the same rule; a renewal more than 90 days before expiry is refused (EF4001012).
    (200, 200, False, "auto", True, True, "renew", True),
    (80, 80, False, "auto", True, True, "renew", False),
    (200, 600, False, "auto", True, True, "reissue", False),
]


@pytest.mark.parametrize("days_remaining, payable_days, reissue_required, order, force, due, chosen, refused", DECISIONS)
def test_the_renewal_decision(days_remaining, payable_days, reissue_required, order, force, due, chosen, refused):
    certificate = api_certificate(days_remaining=days_remaining, reissueRequired=reissue_required)
    if payable_days is None:
        del certificate["payable"]
    else:
        certificate["payable"] = format_api_datetime(NOW + datetime.timedelta(days=payable_days, hours=1))
    plan = plan_renewal(certificate, 30, force=force, order=order, now=NOW)
    assert plan["due"] is due
    assert (plan["reason"] is not None) is due
    assert plan["order"] == chosen
    assert (plan["problem"] is not None) is refused


def test_a_renewal_while_the_term_runs_says_what_it_costs():
    plan = plan_renewal(api_certificate(payable_days=520), 30, order="renew", now=NOW)
    assert "buys and bills a new term" in plan["problem"]
    assert "500 days after the certificate expires" in plan["problem"]


def test_authentication_body_without_prepared_data():
    assert authentication_body(None, "www.example.com", False) == {"method": "DNS", "provisioning": False}


def test_authentication_body_from_prepared_entries():
    assert authentication_body(PREPARED, "WWW.example.com", True) == {
        "method": "DNS",
        "provisioning": True,
        "dns": DNS_LINE,
        "domains": [
            {"name": "www.example.com", "method": "DNS", "dns": DNS_LINE},
            {"name": "example.com", "method": "DNS", "dns": APEX_DNS_LINE},
        ],
    }


def test_authentication_body_needs_the_common_name_entry():
    with pytest.raises(RenewalError, match="no DNS entry for the common name shop.example.com .it has: www.example.com, example.com."):
        authentication_body(PREPARED, "shop.example.com", True)


@pytest.mark.parametrize("entries", [[PREPARED[1]], [{"name": "www.example.com", "method": "DNS"}], ["DNS"]])
def test_authentication_body_refuses_what_prepare_did_not_return(entries):
    with pytest.raises(RenewalError, match="authentication must be the list certificate_prepare returned"):
        authentication_body(entries, "www.example.com", True)


def test_order_body_with_csr_term_and_contacts():
    certificate = api_certificate(adminContact={"id": 100, "fname": "Ada"}, technicalContact={"id": 101}, software="APACHE2")
    body = order_body(certificate, 24, "CSR", {"method": "DNS", "provisioning": False})
    assert body == {"id": OLD_CERTIFICATE_ID, "name": "www.example.com", "product": "QUICKSSLPREMIUM", "software": "APACHE2",
                    "adminContact": {"id": 100}, "technicalContact": {"id": 101}, "lifetime": {"unit": "MONTH", "period": 24}, "csr": "CSR",
                    "authentication": {"method": "DNS", "provisioning": False}}


def test_not_due_makes_no_write_and_no_job_lookup(http):
    http(certificate_call(api_certificate(days_remaining=45)))
    result = renew()
    expire = (NOW + datetime.timedelta(days=45, hours=1)).isoformat()
    assert result == {
        "changed": False, "job_id": None, "job_status": None, "certificate_id": OLD_CERTIFICATE_ID, "name": "www.example.com",
        "days_remaining": 45, "expire": expire, "payable": expire, "due": False, "due_reason": None, "order": None, "ctid": None,
        "in_flight": False, "previous": None,
    }


def test_due_orders_once_with_the_request_body(http):
    session = http(certificate_call(), job_search_call(), placed_since_call(), renew_call(default_body()))
    result = renew()
    assert result["changed"] is True
    assert result["job_id"] == JOB_ID
    assert result["ctid"] == session.sent[-1]["headers"]["X-Domainrobot-Ctid"]
    assert result["in_flight"] is False
    assert len(puts(session)) == 1


def test_order_by_name_with_prepared_authentication_and_term(http):
    search = Call("POST", "/certificate/_search", envelope=envelope("S400105", data=[{"id": OLD_CERTIFICATE_ID, "name": "www.example.com"}], summary=1))
    body = default_body(lifetime={"unit": "MONTH", "period": 24}, authentication=authentication_body(PREPARED, "www.example.com", False))
    renew_without_provisioning = renew_call(body)
    renew_without_provisioning.expected_query = {}
    http(search, certificate_call(), job_search_call(), placed_since_call(), renew_without_provisioning)
    result = renew(certificate_id=None, name="www.example.com", term=24, authentication=PREPARED, dns_provisioning=False)
    assert result["job_id"] == JOB_ID


def test_a_renewal_in_flight_is_returned_instead_of_ordering(http):
    running = object_job(status="DEFERRED", ctid="autodns-ssl-earlier")
    session = http(certificate_call(), job_search_call(running))
    result = renew()
    assert not puts(session)
    assert result["changed"] is False
    assert result["in_flight"] is True
    assert result["job_id"] == JOB_ID
    assert result["job_status"] == "DEFERRED"
    assert result["ctid"] == "autodns-ssl-earlier"


def test_a_job_of_the_name_counts_as_in_flight_whatever_certificate_id_it_names(http):
    other = object_job(certificate_id=OLD_CERTIFICATE_ID + 1)
    session = http(certificate_call(), job_search_call(other))
    assert renew()["in_flight"] is True
    assert not puts(session)


def test_a_job_that_names_no_certificate_id_counts_as_in_flight(http):
    running = object_job(status="deferred")
    del running["object"]["data"]
    del running["job"]["events"]
    session = http(certificate_call(), job_search_call(running))
    result = renew()
    assert not puts(session)
    assert result["in_flight"] is True
    assert result["job_status"] == "DEFERRED"


def test_a_reduced_search_hit_is_completed_from_the_job(http):
    running = object_job(status="DEFERRED")
    http(certificate_call(), job_search_call({"id": JOB_ID}), job_call(running))
    assert renew()["in_flight"] is True


def test_check_mode_predicts_the_order_without_writing(http):
    session = http(certificate_call(), job_search_call())
    result = renew(check_mode=True)
    assert not puts(session)
    assert result["changed"] is True
    assert result["job_id"] is None


def test_check_mode_with_a_renewal_in_flight_predicts_no_change(http):
    running = object_job()
    http(certificate_call(), job_search_call(running))
    result = renew(check_mode=True)
    assert result["changed"] is False
    assert result["in_flight"] is True


@pytest.mark.parametrize("check_mode", [False, True])
def test_a_forced_renewal_too_early_is_refused_before_any_request_but_the_read(http, check_mode):
    session = http(certificate_call(api_certificate(days_remaining=200)))
    with pytest.raises(RenewalError) as caught:
        renew(force=True, check_mode=check_mode)
    expire = NOW + datetime.timedelta(days=200, hours=1)
    possible_from = (expire - datetime.timedelta(days=90)).isoformat()
    assert "EF4001012" in str(caught.value)
    assert f"renewal is possible from {possible_from}" in str(caught.value)
    assert caught.value.result["renewal_possible_from"] == possible_from
    assert caught.value.result["changed"] is False
    assert not puts(session)


def test_too_early_by_the_api_clock_names_the_code_and_the_date_renewal_becomes_possible(http):
    # Our clock says the window is open; the API's says not yet.
    refused = error_envelope("E400106", "EF4001012", text="Das Zertifikat kann noch nicht verlaengert werden.")
    http(certificate_call(api_certificate(days_remaining=89)), job_search_call(), placed_since_call(), renew_call(status=400, envelope=refused))
    with pytest.raises(RenewalError) as caught:
        renew(force=True)
    expire = NOW + datetime.timedelta(days=89, hours=1)
    possible_from = (expire - datetime.timedelta(days=90)).isoformat()
    assert "EF4001012" in str(caught.value)
    assert f"renewal is possible from {possible_from}" in str(caught.value)
    assert "[stid 20261128-app2-1234]" in str(caught.value)
    assert caught.value.result["renewal_possible_from"] == possible_from
    assert caught.value.result["api_error"]["codes"] == ["EF4001012"]
    assert caught.value.result["changed"] is False


def test_other_refusals_fail_with_the_api_error(http):
    refused = error_envelope("E400106", "EF4001016")
    session = http(certificate_call(), job_search_call(), placed_since_call(), renew_call(status=400, envelope=refused), job_search_call())
    with pytest.raises(RenewalError, match="CertificateRenew refused .E400106 / EF4001016.") as caught:
        renew()
    assert caught.value.result["certificate_id"] == OLD_CERTIFICATE_ID
    assert len(puts(session)) == 1


def test_dropped_connection_after_the_order_took_effect_is_reconciled_by_ctid(http, ctids):
    # Requests: certificate, in-flight search, search of orders ended meanwhile, the order (ctids[3]), then the lookup.
    ordered = object_job(status="RUNNING", ctid=ctids[3])
    session = http(
        certificate_call(),
        job_search_call(),
        placed_since_call(),
        renew_call(default_body(), raises=requests.ConnectionError("Connection aborted: RemoteDisconnected")),
        *lookup_calls(ordered),
    )
    result = renew()
    assert len(puts(session)) == 1
    assert result["changed"] is True
    assert result["job_id"] == JOB_ID
    assert result["ctid"] == ctids[3]
    assert result["in_flight"] is False


def test_an_order_that_ended_already_is_found_in_the_job_history(http, ctids):
    ended = object_job(status="SUCCESS", certificate_id=None, ctid=ctids[3])
    session = http(
        certificate_call(),
        job_search_call(),
        placed_since_call(),
        renew_call(default_body(), raises=requests.Timeout("read timed out")),
        *lookup_calls(ended=[ended]),
    )
    result = renew()
    assert len(puts(session)) == 1
    assert result["job_id"] == JOB_ID
    assert result["job_status"] == "SUCCESS"


def test_server_error_on_the_order_is_not_sent_blindly_again(http):
    ordered = object_job(status="RUNNING", ctid=None)
    session = http(
        certificate_call(),
        job_search_call(),
        placed_since_call(),
        renew_call(default_body(), status=500, envelope=error_envelope("E0001", "EF00500")),
        *lookup_calls(ordered),
    )
    result = renew()
    assert len(puts(session)) == 1
    assert result["job_id"] == JOB_ID
    assert result["changed"] is True


def test_lookup_proving_no_order_allows_exactly_one_resend(http, ctids):
    session = http(
        certificate_call(),
        job_search_call(),
        placed_since_call(),
        renew_call(default_body(), status=502, raw_body="<html>Bad Gateway</html>"),
        *lookup_calls(),
        renew_call(default_body()),
    )
    result = renew()
    assert len(puts(session)) == 2
    assert result["job_id"] == JOB_ID
    assert result["ctid"] == ctids[6]


def test_a_resend_with_unknown_outcome_is_not_sent_a_third_time(http):
    session = http(
        certificate_call(),
        job_search_call(),
        placed_since_call(),
        renew_call(default_body(), raises=requests.ConnectionError("reset")),
        *lookup_calls(),
        renew_call(default_body(), raises=requests.ConnectionError("reset again")),
    )
    with pytest.raises(RenewalError, match="it is not sent again") as caught:
        renew()
    assert len(puts(session)) == 2
    assert caught.value.result["api_error"]["operation"] == "CertificateRenew"


def test_a_failed_lookup_after_an_unknown_outcome_sends_nothing_again(http, sleeps):
    session = http(
        certificate_call(),
        job_search_call(),
        placed_since_call(),
        renew_call(default_body(), raises=requests.ConnectionError("reset")),
        Call("POST", "/job/_search", status=401, envelope=error_envelope("E0001", "EF01000")),
    )
    with pytest.raises(RenewalError, match="Looking for the job of that order failed too, so whether it was placed is unknown") as caught:
        renew()
    assert len(puts(session)) == 1
    assert f"Nothing was sent again (order request ctid {ORDER_CTIDS[3]})" in str(caught.value)
    assert sleeps == [5.0]


def test_unknown_certificate_id_fails_before_any_write(http):
    http(Call("GET", f"/certificate/{OLD_CERTIFICATE_ID}", status=404, envelope=error_envelope("E400104", "EF400104")))
    with pytest.raises(Exception, match=f"Certificate {OLD_CERTIFICATE_ID} does not exist for this user"):
        renew()


def test_an_earlier_failed_renewal_does_not_count_as_the_lost_order(http):
    earlier = object_job(job_id=JOB_ID - 7, status="FAILED", ctid="autodns-ssl-earlier")
    earlier["job"]["created"] = format_api_datetime(datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=3))
    session = http(
        certificate_call(),
        job_search_call(),
        placed_since_call(),
        renew_call(default_body(), raises=requests.ConnectionError("reset")),
        *lookup_calls(earlier, ended=[earlier]),
        renew_call(default_body()),
    )
    result = renew()
    assert len(puts(session)) == 2
    assert result["job_id"] == JOB_ID


def test_a_renewal_in_flight_without_the_ctid_counts_as_the_lost_order(http):
    running = object_job(status="DEFERRED", ctid="autodns-ssl-other")
    session = http(
        certificate_call(),
        job_search_call(),
        placed_since_call(),
        renew_call(default_body(), raises=requests.ConnectionError("reset")),
        *lookup_calls(running),
    )
    result = renew()
    assert len(puts(session)) == 1
    assert result["ctid"] == "autodns-ssl-other"


def test_a_due_certificate_in_a_paid_term_is_reissued_not_renewed(http):
    certificate = api_certificate(payable_days=520, adminContact={"id": 100}, technicalContact={"id": 100})
    body = default_body(adminContact={"id": 100}, technicalContact={"id": 100})
    session = http(certificate_call(certificate), job_search_call(), placed_since_call(), reissue_call(body))
    result = renew()
    assert [sent["url"] for sent in puts(session)] == [f"{API_URL}/certificate/{OLD_CERTIFICATE_ID}"]
    assert result["order"] == "reissue"
    assert result["job_id"] == JOB_ID
    assert result["payable"] == (NOW + datetime.timedelta(days=520, hours=1)).isoformat()
    assert result["previous"] == {"id": OLD_CERTIFICATE_ID, "name": "www.example.com", "serial_number": "0AB1",
                                  "expire": (NOW + datetime.timedelta(days=20, hours=1)).isoformat(), "public_key_sha256": None}


def test_check_mode_predicts_a_reissue_without_writing(http):
    session = http(certificate_call(api_certificate(payable_days=520)), job_search_call())
    result = renew(check_mode=True)
    assert not puts(session)
    assert result["changed"] is True
    assert result["order"] == "reissue"


def test_reissue_required_makes_a_certificate_due_long_before_expiry(http):
    http(certificate_call(api_certificate(days_remaining=150, payable_days=520, reissueRequired=True)), job_search_call(),
         placed_since_call(),
         reissue_call(default_body()))
    result = renew()
    assert result["due_reason"] == "AutoDNS reports that the certificate must be reissued"
    assert result["order"] == "reissue"


def test_a_forced_renewal_while_the_term_runs_is_refused_before_any_request_but_the_read(http):
    session = http(certificate_call(api_certificate(payable_days=520)))
    with pytest.raises(RenewalError, match="buys and bills a new term") as caught:
        renew(order="renew")
    assert not puts(session)
    assert caught.value.result["order"] is None


def test_a_reissue_keeps_the_term(http):
    http(certificate_call(api_certificate(payable_days=520)))
    with pytest.raises(RenewalError, match="A reissue keeps the term of 12 months; term 24 applies to a renewal"):
        renew(term=24)


def test_a_reissue_keeps_the_validation_method(http):
    http(certificate_call(api_certificate(payable_days=520, authentication={"method": "EMAIL"})))
    with pytest.raises(RenewalError, match="validates by EMAIL; a reissue keeps the validation method"):
        renew()


def test_a_reissue_in_flight_is_returned_as_the_order(http):
    running = object_job(status="DEFERRED", action="reissue", ctid="autodns-ssl-earlier")
    session = http(certificate_call(), job_search_call(running))
    result = renew()
    assert not puts(session)
    assert result["in_flight"] is True
    assert result["order"] == "reissue"


def test_a_lost_reissue_answer_is_reconciled_among_reissue_jobs(http, ctids):
    ordered = object_job(status="RUNNING", action="reissue", ctid=ctids[3])
    session = http(
        certificate_call(api_certificate(payable_days=520)),
        job_search_call(),
        placed_since_call(),
        reissue_call(default_body(), raises=requests.ConnectionError("reset")),
        *lookup_calls(ordered, filters=REISSUE_FILTERS),
    )
    result = renew()
    assert len(puts(session)) == 1
    assert result["order"] == "reissue"
    assert result["job_id"] == JOB_ID


def test_without_ctid_a_job_created_after_the_order_was_sent_is_the_order(http):
    ended = object_job(status="SUCCESS", certificate_id=None)
    del ended["job"]["events"]
    ended["job"]["created"] = format_api_datetime(datetime.datetime.now(datetime.timezone.utc))
    session = http(
        certificate_call(),
        job_search_call(),
        placed_since_call(),
        renew_call(default_body(), raises=requests.Timeout("read timed out")),
        *lookup_calls(ended=[ended]),
    )
    result = renew()
    assert len(puts(session)) == 1
    assert result["job_id"] == JOB_ID
    assert result["job_status"] == "SUCCESS"


def test_a_refused_order_leads_to_the_order_already_running(http):
    running = object_job(status="RUNNING", ctid="autodns-ssl-other-process")
    refused = error_envelope("E400106", "EF4001013")
    session = http(certificate_call(), job_search_call(), placed_since_call(),
                   renew_call(default_body(), status=400, envelope=refused), job_search_call(running))
    result = renew()
    assert len(puts(session)) == 1
    assert result["in_flight"] is True
    assert result["changed"] is False
    assert result["ctid"] == "autodns-ssl-other-process"


def test_no_order_without_the_certificate_lock(http, state_directory):
    state_directory.parent.chmod(0o700)
    state_directory.mkdir(mode=0o777)
    state_directory.chmod(0o777)
    session = http(certificate_call())
    with pytest.raises(RenewalError, match="only this user can enter.*placed only under these locks"):
        renew()
    assert not puts(session)


def test_while_another_process_holds_the_lock_nothing_is_ordered(http, monkeypatch):
    monkeypatch.setattr(_local_state, "LOCK_POLL_SECONDS", 0.01)
    monkeypatch.setattr(_renewal, "ORDER_LOCK_SECONDS", 0.05)
    with _local_state.exclusive_lock(_local_state.state_file_name("order", "api.autodns.test", "www.example.com"), 1, "another process"):
        session = http(certificate_call())
        with pytest.raises(RenewalError, match="Another process has held the lock of the orders of www.example.com for more than 0.05 seconds"):
            renew()
    assert not puts(session)


def test_an_order_another_process_placed_and_saw_end_while_this_one_waited_is_not_placed_again(http):
    ended = object_job(status="SUCCESS", ctid="autodns-ssl-other-process")
    ended["job"]["created"] = format_api_datetime(datetime.datetime.now(datetime.timezone.utc))
    session = http(certificate_call(), job_search_call(), placed_since_call(ended))
    result = renew()
    assert not puts(session)
    assert result["in_flight"] is True
    assert result["job_status"] == "SUCCESS"
    assert result["ctid"] == "autodns-ssl-other-process"


def test_an_older_ended_order_does_not_stop_a_new_one(http):
    earlier = object_job(status="SUCCESS", ctid="autodns-ssl-last-year")
    earlier["job"]["created"] = format_api_datetime(datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=180))
    session = http(certificate_call(), job_search_call(), placed_since_call(earlier), renew_call(default_body()))
    assert renew()["in_flight"] is False
    assert len(puts(session)) == 1


# Many certificates in one task: certificate_renew with certificates.
SHOP_ID = OLD_CERTIFICATE_ID + 7
MAIL_ID = OLD_CERTIFICATE_ID + 8
BOTH_NAMES = {"key": "object", "operator": "IN", "values": ["shop.example.com", "www.example.com"]}
BATCH_IN_FLIGHT_FILTERS = [IN_FLIGHT_FILTERS[0], BOTH_NAMES, IN_FLIGHT_FILTERS[2]]


def batch_request(certificate, **changes):
    """A RenewalRequest for a certificate certificate_info read an hour before NOW."""
    request_options = options(certificate_id=None, **changes)
    return _renewal.RenewalRequest(certificate, NOW - datetime.timedelta(hours=1), request_options)


def shop_reissue_call(job_id=JOB_ID):
    call = renew_call(default_body(id=SHOP_ID, name="shop.example.com"), path=f"/certificate/{SHOP_ID}", code="N400102")
    call.envelope = envelope("N400102", status_type="NOTIFY", data=[{"id": job_id}], object_type="Certificate")
    return call


def renew_many(*requests, check_mode=False):
    client = AutoDNSClient(API_URL, "ssl-user", "s3cret-Pa55", 9)
    return _renewal.renew_certificates(client, list(requests), check_mode=check_mode, now=NOW)


def shop_certificate(**changes):
    """shop.example.com, due, its term paid for a year beyond its expiry: a reissue."""
    return api_certificate(payable_days=380, id=SHOP_ID, name="shop.example.com", **changes)


def test_many_due_certificates_are_ordered_after_one_search_of_each_kind_and_no_read(http, ctids):
    shop_reissue = shop_reissue_call(JOB_ID + 1)
    session = http(job_search_call(filters=BATCH_IN_FLIGHT_FILTERS), history_search_call(filters=BATCH_IN_FLIGHT_FILTERS[:2]),
                   renew_call(default_body()), shop_reissue)
    not_due = api_certificate(days_remaining=45, id=MAIL_ID, name="mail.example.com")
    outcomes = renew_many(batch_request(api_certificate()), batch_request(not_due), batch_request(shop_certificate()))
    assert [outcome["order"] for outcome in outcomes] == ["renew", None, "reissue"]
    assert [outcome["job_id"] for outcome in outcomes] == [JOB_ID, None, JOB_ID + 1]
    assert [outcome["changed"] for outcome in outcomes] == [True, False, True]
    assert outcomes[1]["due"] is False
    assert not [sent for sent in session.sent if sent["method"] == "GET"]
    assert outcomes[2]["previous"] == {"id": SHOP_ID, "name": "shop.example.com", "serial_number": "0AB1",
                                       "expire": (NOW + datetime.timedelta(days=20, hours=1)).isoformat(), "public_key_sha256": None}


def test_a_job_in_flight_of_one_name_leaves_the_ended_jobs_search_to_the_others(http):
    running = object_job(status="DEFERRED", ctid="autodns-ssl-earlier")
    shop_reissue = shop_reissue_call()
    session = http(job_search_call(running, filters=BATCH_IN_FLIGHT_FILTERS),
                   history_search_call(filters=[IN_FLIGHT_FILTERS[0], {"key": "object", "operator": "EQUAL", "value": "shop.example.com"}]),
                   shop_reissue)
    outcomes = renew_many(batch_request(api_certificate()), batch_request(shop_certificate()))
    assert outcomes[0]["in_flight"] is True and outcomes[0]["job_id"] == JOB_ID and outcomes[0]["changed"] is False
    assert outcomes[1]["in_flight"] is False and outcomes[1]["changed"] is True
    assert [sent["url"].rsplit("/", 1)[-1] for sent in puts(session)] == [str(SHOP_ID)]


def test_an_order_placed_since_the_read_counts_for_its_name_only(http):
    ended_since = object_job(status="SUCCESS", ctid="autodns-ssl-other-process", name="shop.example.com", action="reissue")
    ended_since["job"]["created"] = format_api_datetime(NOW - datetime.timedelta(minutes=30))
    ended_before = object_job(status="SUCCESS", ctid="autodns-ssl-long-ago")
    ended_before["job"]["created"] = format_api_datetime(NOW - datetime.timedelta(days=300))
    session = http(job_search_call(filters=BATCH_IN_FLIGHT_FILTERS),
                   history_search_call(ended_before, ended_since, filters=BATCH_IN_FLIGHT_FILTERS[:2]), renew_call(default_body()))
    outcomes = renew_many(batch_request(api_certificate()), batch_request(shop_certificate()))
    assert outcomes[0]["changed"] is True and outcomes[0]["in_flight"] is False
    assert outcomes[1]["in_flight"] is True and outcomes[1]["ctid"] == "autodns-ssl-other-process" and outcomes[1]["order"] == "reissue"
    assert len(puts(session)) == 1


def test_hits_that_do_not_name_their_object_are_looked_up_per_certificate(http):
    anonymous = object_job(status="DEFERRED")
    del anonymous["object"]
    session = http(job_search_call(anonymous, filters=BATCH_IN_FLIGHT_FILTERS),
                   job_search_call(anonymous),
                   job_search_call(filters=[IN_FLIGHT_FILTERS[0], {"key": "object", "operator": "EQUAL", "value": "shop.example.com"},
                                            IN_FLIGHT_FILTERS[2]]))
    outcomes = renew_many(batch_request(api_certificate()), batch_request(shop_certificate()), check_mode=True)
    assert outcomes[0]["in_flight"] is True
    assert outcomes[1]["in_flight"] is False and outcomes[1]["changed"] is True and outcomes[1]["job_id"] is None
    assert not puts(session)


def test_one_certificates_problem_does_not_stop_the_others(http):
    session = http(job_search_call(filters=[IN_FLIGHT_FILTERS[0], {"key": "object", "operator": "EQUAL", "value": "shop.example.com"},
                                            IN_FLIGHT_FILTERS[2]]),
                   history_search_call(filters=[IN_FLIGHT_FILTERS[0], {"key": "object", "operator": "EQUAL", "value": "shop.example.com"}]),
                   shop_reissue_call())
    too_early = api_certificate(days_remaining=120)
    outcomes = renew_many(batch_request(too_early, force=True, order="renew"), batch_request(shop_certificate()))
    assert isinstance(outcomes[0], RenewalError)
    assert "cannot be renewed yet" in str(outcomes[0]) and outcomes[0].result["renewal_possible_from"]
    assert outcomes[1]["changed"] is True
    assert len(puts(session)) == 1


def test_two_requests_of_one_name_order_once(http):
    session = http(job_search_call(), history_search_call(filters=IN_FLIGHT_FILTERS[:2]), renew_call(default_body()))
    outcomes = renew_many(batch_request(api_certificate()), batch_request(api_certificate()))
    assert outcomes[0]["changed"] is True and outcomes[0]["in_flight"] is False
    assert outcomes[1]["changed"] is False and outcomes[1]["in_flight"] is True and outcomes[1]["job_id"] == outcomes[0]["job_id"]
    assert len(puts(session)) == 1


def test_a_failed_search_fails_every_due_certificate_and_orders_nothing(http):
    session = http(Call("POST", "/job/_search", status=400, envelope=error_envelope("E300115", "EF300115")))
    not_due = api_certificate(days_remaining=45, id=MAIL_ID, name="mail.example.com")
    outcomes = renew_many(batch_request(api_certificate()), batch_request(not_due), batch_request(shop_certificate()))
    assert isinstance(outcomes[0], RenewalError) and isinstance(outcomes[2], RenewalError)
    assert outcomes[0].result["api_error"]["codes"] == ["EF300115"]
    assert outcomes[1]["due"] is False
    assert not puts(session)


def test_many_certificates_are_ordered_under_the_locks_of_all_their_names(http, monkeypatch):
    taken = []
    real_lock = _renewal.exclusive_lock

    def recording_lock(path, timeout, what, **kwargs):
        taken.append(what)
        return real_lock(path, timeout, what, **kwargs)

    monkeypatch.setattr(_renewal, "exclusive_lock", recording_lock)
    http(job_search_call(filters=BATCH_IN_FLIGHT_FILTERS), history_search_call(filters=BATCH_IN_FLIGHT_FILTERS[:2]),
         renew_call(default_body()), shop_reissue_call())
    renew_many(batch_request(api_certificate()), batch_request(shop_certificate()))
    assert taken == ["the orders of shop.example.com", "the orders of www.example.com"]
