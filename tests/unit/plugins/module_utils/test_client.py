# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import datetime
import json
import os
import re

import pytest
import requests

from ansible_collections.autodns.ssl.plugins.module_utils import _client
from ansible_collections.autodns.ssl.plugins.module_utils._client import (
    AutoDNSClient,
    AutoDNSError,
    parse_api_datetime,
)
from ansible_collections.autodns.ssl.plugins.module_utils._version import COLLECTION_VERSION
from ansible_collections.autodns.ssl.tests.unit.plugins.api_examples import example_envelope
from ansible_collections.autodns.ssl.tests.unit.plugins.scripted_http import API_URL, Call, envelope, error_envelope, format_api_datetime

COLLECTION_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))


def make_client(**kwargs):
    return AutoDNSClient(API_URL, "ssl-user", "s3cret-Pa55", 9, **kwargs)


# --- dates and ids ---------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("2021-05-03T13:39:31.000+0200", datetime.datetime(2021, 5, 3, 11, 39, 31, tzinfo=datetime.timezone.utc)),
    ("2021-05-03T13:39:31+02:00", datetime.datetime(2021, 5, 3, 11, 39, 31, tzinfo=datetime.timezone.utc)),
    ("2022-12-25T00:00:00.000+0100", datetime.datetime(2022, 12, 24, 23, 0, tzinfo=datetime.timezone.utc)),
    ("2026-11-28T10:00:00Z", datetime.datetime(2026, 11, 28, 10, 0, tzinfo=datetime.timezone.utc)),
])
def test_parse_api_datetime_accepts_the_api_format(text, expected):
    assert parse_api_datetime(text) == expected


def test_parse_api_datetime_reads_what_the_api_writes():
    moment = datetime.datetime(2026, 11, 28, 19, 31, 2, 123000, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
    assert format_api_datetime(moment) == "2026-11-28T19:31:02.123+0100"
    assert parse_api_datetime(format_api_datetime(moment)) == moment


def test_parse_api_datetime_keeps_none_and_rejects_garbage():
    assert parse_api_datetime(None) is None
    with pytest.raises(ValueError, match="Cannot parse API date"):
        parse_api_datetime("28.11.2026")


def test_job_ids_above_int32_survive(http):
    http(Call("GET", "/job/4297539521", envelope=envelope("S300114", data=[{"job": {"id": 4297539521, "status": "RUNNING"}}])))
    job = make_client().get_job(4297539521)
    assert job["job"]["id"] == 4297539521 > 2 ** 31


# --- headers, auth, ctid ---------------------------------------------------------------------


def test_every_request_carries_auth_context_user_agent_and_a_fresh_ctid(http):
    session = http(Call("GET", "/hello"), Call("GET", "/hello"))
    client = make_client()
    first = client.hello()
    second = client.hello()
    sent = session.sent
    assert sent[0]["auth"] == ("ssl-user", "s3cret-Pa55")
    headers = sent[0]["headers"]
    assert headers["X-Domainrobot-Context"] == "9"
    assert headers["User-Agent"].startswith(f"autodns.ssl/{COLLECTION_VERSION} ")
    assert headers["Accept"] == "application/json"
    assert headers["Content-Type"] == "application/json"
    assert re.match(r"^autodns-ssl-[0-9a-f]{32}$", headers["X-Domainrobot-Ctid"])
    assert sent[0]["headers"]["X-Domainrobot-Ctid"] != sent[1]["headers"]["X-Domainrobot-Ctid"]
    assert first.ctid == sent[0]["headers"]["X-Domainrobot-Ctid"]
    assert second.ctid == sent[1]["headers"]["X-Domainrobot-Ctid"]
    assert sent[0]["kwargs"]["verify"] is True
    assert sent[0]["kwargs"]["timeout"] == 30


def test_collection_version_matches_galaxy_yml():
    with open(os.path.join(COLLECTION_ROOT, "galaxy.yml"), encoding="utf-8") as handle:
        version = re.search(r"^version:\s*(\S+)", handle.read(), re.MULTILINE).group(1)
    assert version == COLLECTION_VERSION


# --- envelope -------------------------------------------------------------------------------


def test_success_envelope_is_parsed(http):
    http(Call("POST", "/certificate/_search", envelope=envelope(
        "S400105", data=[{"id": 1, "name": "a.example.com"}], summary=1, object_type="Certificate")))
    assert make_client().search_certificates([{"key": "name", "operator": "EQUAL", "value": "a.example.com"}]) == [
        {"id": 1, "name": "a.example.com"}]


def test_notify_envelope_is_a_success(http):
    http(Call("PUT", "/certificate/1658471/_renew", envelope={
        "stid": "20190627-app2-dev-23276",
        "status": {"code": "N400106", "text": "Certificate renew was started successfully.", "type": "NOTIFY"},
        "object": {"type": "Certificate", "value": "example.com"},
        "data": [{"id": 4297539521}],
    }))
    response = make_client().renew_certificate(1658471, {})
    assert response.status_type == "NOTIFY"
    assert response.status_code == "N400106"
    assert response.first == {"id": 4297539521}


def test_error_envelope_names_operation_codes_texts_and_stid(http):
    http(Call("PUT", "/certificate/1658471/_renew", status=400, envelope=error_envelope(
        "E400106", "EF4001012", text="The certificate cannot yet be renewed.", stid="20261128-app2-1234")))
    with pytest.raises(AutoDNSError) as caught:
        make_client().renew_certificate(1658471, {})
    error = caught.value
    assert error.http_status == 400
    assert error.status_code == "E400106"
    assert error.codes == ["EF4001012"]
    assert error.stid == "20261128-app2-1234"
    assert error.has_code("EF4001012")
    assert not error.outcome_unknown
    assert str(error).startswith("CertificateRenew refused (E400106 / EF4001012): The certificate cannot yet be renewed.")
    assert str(error).endswith("[stid 20261128-app2-1234]")


def test_error_status_with_only_a_type_and_german_text(http):
    http(Call("POST", "/certificate/_search", status=400, envelope={
        "stid": "20200807-app2-dev-16317",
        "messages": [{"text": "Schluessel nicht erlaubt.", "objects": [{"type": "conditions[0]/key", "value": "sld2"}],
                      "code": "EF00022", "status": "ERROR"}],
        "status": {"type": "ERROR"},
    }))
    with pytest.raises(AutoDNSError) as caught:
        make_client().search_certificates([{"key": "sld2", "operator": "EQUAL", "value": "x"}])
    error = caught.value
    assert error.status_code is None
    assert error.codes == ["EF00022"]
    assert str(error) == "CertificateList refused (EF00022): Schluessel nicht erlaubt. [stid 20200807-app2-dev-16317]"


def test_error_without_code_or_text_still_says_what_failed(http):
    http(Call("GET", "/hello", status=400, envelope={"status": {"type": "ERROR"}}))
    with pytest.raises(AutoDNSError, match=r"^Hello refused \(HTTP 400\)"):
        make_client().hello()


def test_error_type_in_a_200_answer_is_an_error(http):
    http(Call("GET", "/hello", status=200, envelope=error_envelope("E0001", "EF01000")))
    with pytest.raises(AutoDNSError) as caught:
        make_client().hello()
    assert caught.value.codes == ["EF01000"]


def test_legacy_result_code_is_tolerated(http):
    http(Call("GET", "/hello", status=400, envelope={"status": {"resultCode": "E0001", "type": "ERROR"}}))
    with pytest.raises(AutoDNSError) as caught:
        make_client().hello()
    assert caught.value.status_code == "E0001"


def test_wrong_credentials_say_authentication_failed_without_the_password(http):
    http(Call("GET", "/hello", status=401, envelope=error_envelope("E0001", "EF01000", text="Benutzer nicht gefunden.")))
    with pytest.raises(AutoDNSError) as caught:
        make_client().hello()
    message = str(caught.value)
    assert "Authentication failed" in message
    assert "s3cret-Pa55" not in message
    assert "s3cret-Pa55" not in json.dumps(caught.value.as_result())


def test_not_found_job_is_none(http):
    http(Call("GET", "/job/4297539521", status=404, envelope=error_envelope("E300114", "EF300101")),
         Call("GET", "/job/history/4297539521", envelope=envelope("S300114", data=[{"job": {"id": 4297539521, "status": "SUCCESS"}}])))
    client = make_client()
    assert client.get_job(4297539521) is None
    assert client.get_job_history(4297539521)["job"]["status"] == "SUCCESS"


# --- retries --------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_repeatable_calls_retry_on_transient_statuses(http, sleeps, status):
    http(Call("GET", "/hello", status=status, envelope=error_envelope("E0001")), Call("GET", "/hello"))
    assert make_client().hello().status_code == "S0000"
    assert len(sleeps) == 1
    assert 0.5 <= sleeps[0] <= 1.0


def test_repeatable_calls_retry_on_connection_errors_and_timeouts(http, sleeps):
    http(Call("GET", "/poll", raises=requests.ConnectionError("reset by peer")),
         Call("GET", "/poll", raises=requests.Timeout("read timed out")),
         Call("GET", "/poll", envelope=envelope("S0905", summary=0, object_type="Message")))
    assert make_client().poll_info() == (None, 0)
    assert len(sleeps) == 2
    assert 1.0 <= sleeps[1] <= 2.0


def test_malformed_json_is_retried_for_reads(http, sleeps):
    http(Call("GET", "/hello", raw_body="<html>Bad gateway</html>"), Call("GET", "/hello"))
    assert make_client().hello().status_code == "S0000"
    assert len(sleeps) == 1


def test_a_non_json_refusal_is_a_refusal_not_retried(http, sleeps):
    http(Call("GET", "/hello", status=403, raw_body="<html>Forbidden</html>"))
    with pytest.raises(AutoDNSError) as caught:
        make_client().hello()
    assert caught.value.refused
    assert not caught.value.outcome_unknown
    assert not sleeps


def test_codes_nested_in_messages_count(http):
    nested = {"stid": "s1", "status": {"code": "E400106", "type": "ERROR"},
              "messages": [{"code": "EF4001000", "text": "outer", "messages": [{"code": "EF4001012", "text": "inner"}]}]}
    http(Call("GET", "/hello", status=400, envelope=nested))
    with pytest.raises(AutoDNSError) as caught:
        make_client().hello()
    assert caught.value.has_code("EF4001012")
    assert caught.value.codes == ["EF4001000", "EF4001012"]


def test_retry_after_is_honoured(http, sleeps):
    http(Call("GET", "/hello", status=429, envelope=error_envelope("E0001"), headers={"Retry-After": "7"}), Call("GET", "/hello"))
    make_client().hello()
    assert sleeps == [7.0]


def test_retry_after_as_http_date(http, sleeps):
    later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=30)
    http(Call("GET", "/hello", status=503, envelope=error_envelope("E0001"), headers={"Retry-After": later.strftime("%a, %d %b %Y %H:%M:%S GMT")}),
         Call("GET", "/hello"))
    make_client().hello()
    assert 25 <= sleeps[0] <= 31


def test_backoff_grows_and_gives_up_within_the_budget(http, sleeps, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(_client.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(_client.random, "uniform", lambda low, high: high)
    monkeypatch.setattr(_client.time, "sleep", lambda seconds: (sleeps.append(seconds), clock.__setitem__(0, clock[0] + seconds)))
    http(*[Call("GET", "/hello", status=502, envelope=error_envelope("E0001")) for _attempt in range(6)])
    with pytest.raises(AutoDNSError) as caught:
        make_client(retry_budget=40).hello()
    assert sleeps == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert caught.value.http_status == 502


def test_client_errors_are_not_retried(http, sleeps):
    http(Call("GET", "/hello", status=400, envelope=error_envelope("E0001", "EF00022")))
    with pytest.raises(AutoDNSError):
        make_client().hello()
    assert not sleeps


@pytest.mark.parametrize("failure", [
    Call("PUT", "/certificate/5/_renew", raises=requests.ConnectionError("connection dropped")),
    Call("PUT", "/certificate/5/_renew", raises=requests.Timeout("read timed out")),
    Call("PUT", "/certificate/5/_renew", status=502, envelope=error_envelope("E0001")),
    Call("PUT", "/certificate/5/_renew", raw_body="garbage"),
])
def test_an_order_is_never_repeated_and_its_outcome_is_marked_unknown(http, sleeps, failure):
    session = http(failure)
    with pytest.raises(AutoDNSError) as caught:
        make_client().renew_certificate(5, {})
    assert not sleeps
    assert caught.value.outcome_unknown
    assert caught.value.ctid == session.sent[0]["headers"]["X-Domainrobot-Ctid"]
    assert "unknown whether the request took effect" in str(caught.value)


def test_an_order_refused_by_the_api_is_known_not_placed(http):
    http(Call("PUT", "/certificate/5/_renew", status=400, envelope=error_envelope("E400106", "EF4001012")))
    with pytest.raises(AutoDNSError) as caught:
        make_client().renew_certificate(5, {})
    assert not caught.value.outcome_unknown


# --- endpoints ------------------------------------------------------------------------------


def test_search_pages_through_all_hits(http):
    page = [{"id": number, "name": "www.example.com"} for number in range(2)]
    http(Call("POST", "/certificate/_search", envelope=envelope("S400105", data=page, summary=3))
         .expect_body({"filters": [{"key": "name", "operator": "EQUAL", "value": "www.example.com"}], "view": {"limit": 2, "offset": 0}})
         .expect_query({"keys[]": ["expire"]}),
         Call("POST", "/certificate/_search", envelope=envelope("S400105", data=[{"id": 2, "name": "www.example.com"}], summary=3))
         .expect_body({"filters": [{"key": "name", "operator": "EQUAL", "value": "www.example.com"}], "view": {"limit": 2, "offset": 2}}))
    hits = make_client().search_certificates([{"key": "name", "operator": "EQUAL", "value": "www.example.com"}], keys=["expire"], page_size=2)
    assert [hit["id"] for hit in hits] == [0, 1, 2]


def test_prepare_order_sends_plain_product_and_certificate_id(http):
    http(Call("POST", "/certificate/_prepareOrder", envelope=envelope("S400110", data=[{"name": "a.example.com"}]))
         .expect_body({"plain": "CSR", "product": "QUICKSSLPREMIUM", "certificate": {"id": 7}}))
    assert make_client().prepare_order("CSR", "QUICKSSLPREMIUM", certificate_id=7) == {"name": "a.example.com"}


def test_renew_with_dns_provisioning_key(http):
    http(Call("PUT", "/certificate/7/_renew", envelope=envelope("N400106", status_type="NOTIFY", data=[{"id": 4297539521}]))
         .expect_query({"keys[]": ["dnsProvisioning"]}).expect_body({"id": 7}))
    assert make_client().renew_certificate(7, {"id": 7}, dns_provisioning=True).first["id"] == 4297539521


def test_poll_info_and_confirm(http):
    message = {"id": 1005360985, "job": {"id": 4309872209, "status": "SUCCESS"}}
    http(Call("GET", "/poll", envelope=envelope("S0905", data=[message], summary=2, object_type="Message")),
         Call("PUT", "/poll/1005360985", envelope=envelope("S0906", summary=1, object_type="Message")))
    client = make_client()
    assert client.poll_info() == (message, 2)
    assert client.poll_confirm(1005360985) == 1


def test_zone_stream_sends_adds_and_rems(http):
    record = {"name": "_dnsauth.www", "ttl": 300, "type": "TXT", "value": "token"}
    http(Call("POST", "/zone/example.com/_stream", envelope=envelope("S0202002", data=[{"origin": "example.com"}]))
         .expect_body({"adds": [record], "rems": []}))
    assert make_client().stream_zone("example.com", adds=[record]) == {"origin": "example.com"}


# --- captured real responses ----------------------------------------------------------------


@pytest.mark.parametrize("name, status_code, status_type", [
    ("prepare-order-response.json", "S400110", "SUCCESS"),
    ("certificate-create-response.json", "N400101", "NOTIFY"),
    ("certificate-info-response.json", "S400104", "SUCCESS"),
])
def test_captured_responses_parse(http, name, status_code, status_type):
    http(Call("GET", "/hello", envelope=example_envelope(name)))
    response = make_client().hello()
    assert response.status_code == status_code
    assert response.status_type == status_type
    assert response.first is not None
    for value in ("created", "updated", "expire"):
        if value in response.first:
            assert parse_api_datetime(response.first[value]).tzinfo is not None
