# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import datetime
import json

import pytest


from ansible_collections.autodns.ssl.tests.unit.plugins.scripted_http import format_api_datetime
from ansible_collections.autodns.ssl.plugins.modules import certificate_info
from ansible_collections.autodns.ssl.tests.unit.plugins import pki
from ansible_collections.autodns.ssl.tests.unit.plugins.api_examples import example_envelope
from ansible_collections.autodns.ssl.tests.unit.plugins.scripted_http import Call, envelope, error_envelope
from ansible_collections.autodns.ssl.tests.unit.plugins.module_utils.test_certificate import PREVIOUS, get_call, issued

SEARCH_BY_NAME = {"filters": [{"key": "name", "operator": "EQUAL", "value": "www.example.com"}], "view": {"limit": 50, "offset": 0}}


def info_call(certificate):
    return Call("GET", f"/certificate/{certificate['id']}", envelope=envelope("S400104", data=[certificate], object_type="Certificate"))


def jobs_call(*jobs):
    """The look for a job in flight that a due certificate gets."""
    return Call("POST", "/job/_search", envelope=envelope("S300115", data=list(jobs), summary=len(jobs)))


def test_by_id(http, run_module):
    root, dummy_root_key, intermediate, dummy_intermediate_key = pki.ca_pair()
    certificate = pki.api_certificate()
    session = http(info_call(certificate).expect_header("X-Domainrobot-Context", "9"), jobs_call())
    result = run_module(certificate_info, {"certificate_id": 1658000})
    assert result["changed"] is False
    assert "warnings" not in result
    described = result["certificate"]
    assert result["certificates"] == [described]
    assert described["id"] == 1658000
    assert described["name"] == "www.example.com"
    assert described["product"] == "QUICKSSLPREMIUM"
    assert described["term"] == 12
    assert described["expire"] == pki.EXPIRE.isoformat()
    assert described["days_remaining"] in (19, 20)
    assert described["serial_number"] == "1F2E3D"
    assert described["pem"] == certificate["server"]
    assert described["chain_pem"] == pki.cert_pem(intermediate)
    assert pki.cert_pem(root) not in described["fullchain_pem"]
    assert described["fullchain_pem"] == certificate["server"] + pki.cert_pem(intermediate)
    assert described["subject_alt_names"] == ["www.example.com", "example.com"]
    assert described["not_after_matches_expire"] is True
    assert described["authentication_method"] == "DNS"
    assert session.sent[0]["auth"] == ("ssl-user", "s3cret-Pa55")


def test_unknown_id_fails_clearly(http, run_module):
    http(Call("GET", "/certificate/123", status=404, envelope=error_envelope("E400104", "EF400104")))
    result = run_module(certificate_info, {"certificate_id": 123})
    assert result["failed"] is True
    assert result["msg"].startswith("Certificate 123 does not exist for this user")


def test_by_name_newest_expiry_first(http, run_module):
    older = pki.api_certificate(id=1658001, expire=format_api_datetime(pki.EXPIRE - datetime.timedelta(days=365)),
                                server=None, certificationAuthority=[])
    newer = pki.api_certificate(id=1658002)
    hits = [{"id": 1658001, "name": "www.example.com", "expire": older["expire"]}, {"id": 1658002, "name": "www.example.com", "expire": newer["expire"]}]
    http(
        Call("POST", "/certificate/_search", envelope=envelope("S400105", data=hits, summary=2, object_type="Certificate"))
        .expect_body(SEARCH_BY_NAME).expect_query({"keys[]": ["expire"]}),
        info_call(older),
        info_call(newer),
        jobs_call(),
    )
    result = run_module(certificate_info, {"name": "www.example.com"})
    assert [described["id"] for described in result["certificates"]] == [1658002, 1658001]
    assert result["certificate"] == result["certificates"][0]
    assert result["certificates"][1]["days_remaining"] < 0
    assert result["certificates"][1]["pem"] is None
    assert result["certificates"][1]["fullchain_pem"] is None


def test_name_without_certificate_is_no_failure(http, run_module):
    http(Call("POST", "/certificate/_search", envelope=envelope("S400105", data=[], summary=0)).expect_body(SEARCH_BY_NAME))
    result = run_module(certificate_info, {"name": "www.example.com"})
    assert result.get("failed") is not True
    assert result["certificate"] is None
    assert result["certificates"] == []


def test_warns_when_pem_and_expire_disagree(http, run_module):
    leaf = pki.issue_leaf(not_after=pki.EXPIRE + datetime.timedelta(days=90))
    http(info_call(pki.api_certificate(leaf=leaf)), jobs_call())
    result = run_module(certificate_info, {"certificate_id": 1658000})
    assert result["certificate"]["not_after_matches_expire"] is False
    assert len(result["warnings"]) == 1
    assert "does not match the API's expire" in json.dumps(result["warnings"][0])


def test_api_error_names_codes_and_stid(http, run_module):
    http(Call("POST", "/certificate/_search", status=400, envelope=error_envelope("E400105", "EF00022", stid="20261128-app2-77")))
    result = run_module(certificate_info, {"name": "www.example.com"})
    assert result["failed"] is True
    assert "CertificateList refused (E400105 / EF00022)" in result["msg"]
    assert "[stid 20261128-app2-77]" in result["msg"]
    assert result["api_error"]["codes"] == ["EF00022"]
    assert result["api_error"]["stid"] == "20261128-app2-77"


def test_wrong_credentials(http, run_module):
    http(Call("GET", "/certificate/1658000", status=401, envelope=error_envelope("E0001", "EF01000")))
    result = run_module(certificate_info, {"certificate_id": 1658000, "password": "wrong-Pa55word"})
    assert result["failed"] is True
    assert "Authentication failed" in result["msg"]
    assert "wrong-Pa55word" not in json.dumps(result)


@pytest.mark.parametrize("args, message", [
    ({}, "one of the following is required: certificate_id, name, previous"),
    ({"certificate_id": 1, "name": "www.example.com"}, "parameters are mutually exclusive: certificate_id|name"),
    ({"name": "www.example.com", "previous": {"id": 1}}, "parameters are mutually exclusive: name|previous"),
    ({"previous": {"id": 1658000, "serial_number": "1F2E3D"}}, "previous must be the previous value certificate_renew returned"),
    ({"certificate_id": 1, "remaining_days": -2}, "remaining_days must be 0 or more, not -2."),
    ({"certificate_id": 1, "order": "buy"}, "value of order must be one of: auto, renew, reissue"),
])
def test_needs_exactly_one_of_id_and_name(http, run_module, args, message):
    session = http()
    result = run_module(certificate_info, args)
    assert result["failed"] is True
    assert message in result["msg"]
    assert not session.sent


def test_check_mode_reads_the_same(http, run_module):
    http(info_call(pki.api_certificate()), jobs_call())
    result = run_module(certificate_info, {"certificate_id": 1658000}, check_mode=True)
    assert result["changed"] is False
    assert result["certificate"]["id"] == 1658000


def test_the_captured_certificate_info_example(http, run_module):
    example = example_envelope("certificate-info-response.json")
    # Expired since 2022, so due: the module also looks for a job in flight.
    http(Call("GET", "/certificate/1658471", envelope=example), jobs_call())
    result = run_module(certificate_info, {"certificate_id": 1658471})
    assert result["certificate"]["name"] == "InterNetX Gmbh"
    assert result["certificate"]["serial_number"] is None
    assert result["certificate"]["expire"] == "2022-12-25T00:00:00+01:00"
    assert result["certificate"]["authentication_method"] == "ORG"


def test_the_renewal_decision_of_a_certificate_in_a_paid_term(http, run_module):
    payable = pki.EXPIRE + datetime.timedelta(days=500)
    running = {"job": {"id": 4297539521, "status": "DEFERRED", "subStatus": "WF_DNS_AUTH", "action": "reissue",
                       "created": "2026-11-28T19:30:58.000+0000"}, "object": {"type": "Certificate", "value": "www.example.com"}}
    http(info_call(pki.api_certificate(payable=format_api_datetime(payable), multiyear=True)), jobs_call(running))
    described = run_module(certificate_info, {"certificate_id": 1658000})["certificate"]
    assert described["payable"] == payable.isoformat()
    assert described["subscription_days_remaining"] in (519, 520)
    assert described["multiyear"] is True
    assert described["renewal"]["due"] is True
    assert described["renewal"]["order"] == "reissue"
    assert described["renewal"]["problem"] is None
    assert described["renewal"]["job"] == {"id": 4297539521, "status": "DEFERRED", "sub_status": "WF_DNS_AUTH", "action": "reissue",
                                           "created": "2026-11-28T19:30:58+00:00"}


def test_the_renewal_decision_follows_the_options(http, run_module):
    http(info_call(pki.api_certificate()))
    described = run_module(certificate_info, {"certificate_id": 1658000, "remaining_days": 10})["certificate"]
    assert described["renewal"] == {"due": False, "reason": None, "order": "renew", "problem": None, "job": None}


def test_previous_leads_to_the_certificate_the_order_issued(http, run_module):
    key = pki.rsa_key(label="ordered")
    later = pki.EXPIRE + datetime.timedelta(days=180)
    leaf = pki.issue_leaf(key=key, serial=0xC0FFEE, not_after=later)
    renewed = pki.api_certificate(leaf=leaf, id=1658000, serialNumber="C0FFEE", expire=format_api_datetime(later))
    previous = {"id": 1658000, "name": "www.example.com", "serial_number": "1F2E3D", "expire": pki.EXPIRE.isoformat(),
                "public_key_sha256": pki.public_key_sha256_of(key)}
    http(info_call(renewed))
    result = run_module(certificate_info, {"certificate_id": 1658000, "previous": previous})
    assert result["certificate"]["serial_number"] == "C0FFEE"
    assert result["certificates"] == [result["certificate"]]


def test_previous_never_returns_the_old_certificate_as_the_issued_one(http, run_module):
    old = pki.api_certificate()
    previous = {"id": 1658000, "name": "www.example.com", "serial_number": "1F2E3D", "expire": pki.EXPIRE.isoformat(),
                "public_key_sha256": None}
    hits = Call("POST", "/certificate/_search", envelope=envelope("S400105", data=[{"id": 1658000, "name": "www.example.com"}], summary=1))
    http(hits, info_call(old))
    result = run_module(certificate_info, {"previous": previous})
    assert result["failed"] is True
    assert "No certificate named www.example.com is newer than certificate 1658000" in result["msg"]


def test_several_names_and_ids_in_one_search(http, run_module):
    www = pki.api_certificate(id=1658000, name="www.example.com", expire=format_api_datetime(pki.EXPIRE + datetime.timedelta(days=100)))
    renewed_shop = pki.api_certificate(id=1658010, name="shop.example.com", expire=format_api_datetime(pki.EXPIRE + datetime.timedelta(days=180)))
    old_shop = pki.api_certificate(id=1658001, name="shop.example.com")
    hits = [{"id": 1658000, "name": "www.example.com", "expire": www["expire"], "product": "QUICKSSLPREMIUM"}]
    shop_hits = [{"id": 1658001, "name": "shop.example.com", "expire": old_shop["expire"], "product": "QUICKSSLPREMIUM"},
                 {"id": 1658010, "name": "shop.example.com", "expire": renewed_shop["expire"], "product": "QUICKSSLPREMIUM"}]
    http(
        Call("POST", "/certificate/_search", envelope=envelope("S400105", data=hits, summary=1)).expect_body(
            {"filters": [{"key": "name", "operator": "IN", "values": ["mail.example.com", "www.example.com"]}], "view": {"limit": 50, "offset": 0}})
        .expect_query({"keys[]": ["expire", "product"]}),
        info_call(www),
        Call("GET", "/certificate/1658001", envelope=envelope("S400104", data=[old_shop])),
        Call("GET", "/certificate/999", status=404, envelope=error_envelope("E400104", "EF400104")),
        Call("POST", "/certificate/_search", envelope=envelope("S400105", data=shop_hits, summary=2)),
        info_call(renewed_shop),
    )
    result = run_module(certificate_info, {"names": ["www.example.com", "mail.example.com"], "certificate_ids": [1658001, 999], "remaining_days": 5})
    answers = result["requested"]
    assert [answer["requested"] for answer in answers] == ["www.example.com", "mail.example.com", 1658001, 999]
    assert answers[0]["certificate"]["id"] == 1658000 and answers[0]["problem"] is None
    assert answers[1]["certificate"] is None and "No certificate named 'mail.example.com'" in answers[1]["problem"]
    assert answers[2]["certificate"]["id"] == 1658010, "a configured id leads to the certificate that succeeded it"
    assert answers[3]["certificate"] is None and "Certificate 999 does not exist" in answers[3]["problem"]
    assert "certificate" not in result


def test_due_certificates_share_one_search_for_jobs_in_flight(http, run_module):
    www = pki.api_certificate(id=1658000, name="www.example.com")
    shop = pki.api_certificate(id=1658001, name="shop.example.com")
    hits = [{"id": 1658000, "name": "www.example.com", "expire": www["expire"]}, {"id": 1658001, "name": "shop.example.com", "expire": shop["expire"]}]
    running = {"job": {"id": 4297539521, "status": "DEFERRED", "action": "renew", "created": "2026-11-28T19:30:58.000+0000"},
               "object": {"type": "Certificate", "value": "shop.example.com"}}
    session = http(
        Call("POST", "/certificate/_search", envelope=envelope("S400105", data=hits, summary=2)),
        info_call(www),
        info_call(shop),
        jobs_call(running),
    )
    answers = run_module(certificate_info, {"names": ["www.example.com", "shop.example.com"]})["requested"]
    assert answers[0]["certificate"]["renewal"]["job"] is None
    assert answers[1]["certificate"]["renewal"]["job"]["id"] == 4297539521
    assert session.sent[-1]["body"]["filters"][1] == {"key": "object", "operator": "IN", "values": ["shop.example.com", "www.example.com"]}


def test_all_pages_through_the_search_without_filters_and_keeps_the_current_certificate_of_each_name(http, run_module):
    later = format_api_datetime(pki.EXPIRE + datetime.timedelta(days=180))
    www = pki.api_certificate(id=1658000, name="www.example.com")
    shop = pki.api_certificate(id=1658010, name="shop.example.com", expire=later)
    first_page = [{"id": 1658000, "name": "www.example.com", "expire": www["expire"], "product": "QUICKSSLPREMIUM"},
                  {"id": 1658001, "name": "shop.example.com", "expire": www["expire"], "product": "QUICKSSLPREMIUM"}]
    second_page = [{"id": 1658010, "name": "shop.example.com", "expire": later, "product": "QUICKSSLPREMIUM"}]
    session = http(
        Call("POST", "/certificate/_search", envelope=envelope("S400105", data=first_page, summary=3, object_type="Certificate"))
        .expect_body({"view": {"limit": 50, "offset": 0}}).expect_query({"keys[]": ["expire", "product"]}),
        Call("POST", "/certificate/_search", envelope=envelope("S400105", data=second_page, summary=3, object_type="Certificate"))
        .expect_body({"view": {"limit": 50, "offset": 2}}),
        info_call(shop),
        info_call(www),
        jobs_call(),
    )
    result = run_module(certificate_info, {"all": True})
    assert [described["id"] for described in result["certificates"]] == [1658010, 1658000], "by name; the replaced shop certificate is left out"
    assert "certificate" not in result and "requested" not in result
    assert result["certificates"][1]["renewal"]["due"] is True
    assert result["certificates"][0]["renewal"]["due"] is False
    assert "filters" not in session.sent[0]["body"]


def test_all_keeps_a_name_once_per_product(http, run_module):
    rapid = pki.api_certificate(id=1658020, product="RAPID_SSL")
    www = pki.api_certificate(id=1658000)
    hits = [{"id": 1658000, "name": "www.example.com", "expire": www["expire"], "product": "QUICKSSLPREMIUM"},
            {"id": 1658020, "name": "www.example.com", "expire": rapid["expire"], "product": "RAPID_SSL"}]
    http(
        Call("POST", "/certificate/_search", envelope=envelope("S400105", data=hits, summary=2)),
        info_call(www),
        info_call(rapid),
    )
    result = run_module(certificate_info, {"all": True, "remaining_days": 5})
    assert [(described["id"], described["product"]) for described in result["certificates"]] == [(1658000, "QUICKSSLPREMIUM"), (1658020, "RAPID_SSL")]


def test_all_of_an_empty_account(http, run_module):
    http(Call("POST", "/certificate/_search", envelope=envelope("S400105", data=[], summary=0)))
    result = run_module(certificate_info, {"all": True})
    assert result.get("failed") is not True
    assert result["certificates"] == []


@pytest.mark.parametrize("args, message", [
    ({"all": True, "name": "www.example.com"}, "all reads every certificate of the account and cannot be combined with name."),
    ({"all": True, "names": ["a.example.com"], "certificate_ids": [1]}, "cannot be combined with names, certificate_ids."),
    ({"all": False}, "all is false, so one of certificate_id, name, names, certificate_ids, previous, issued_by is needed"),
])
def test_all_is_refused_with_other_selections(http, run_module, args, message):
    session = http()
    result = run_module(certificate_info, args)
    assert result["failed"] is True
    assert message in result["msg"]
    assert not session.sent


def test_announced_without_previous_fails_before_any_api_call(http, run_module):
    session = http()
    result = run_module(certificate_info, {"certificate_id": 1658000, "announced": {"id": 1658001}})
    assert result["failed"] is True
    assert "announced is the certificate a job's message carried and needs previous" in result["msg"]
    assert not session.sent


def test_issued_by_answers_each_order_and_reads_only_what_its_message_did_not_carry(http, run_module):
    carried, read = issued(certificate_id=1658001), issued(certificate_id=1658002, serial=0xABCDF0)
    session = http(get_call(read), Call("GET", "/certificate/1658003", status=400, envelope=error_envelope("E400104", "EF400100")))
    other_previous = dict(PREVIOUS, id=1658010)
    failing_previous = dict(PREVIOUS, id=1658011)
    result = run_module(certificate_info, {"issued_by": [
        {"previous": PREVIOUS, "certificate_id": 1658001, "announced": carried},
        {"previous": other_previous, "certificate_id": 1658002},
        {"previous": failing_previous, "certificate_id": 1658003, "announced": {"id": 1658003}},
    ]})
    assert result.get("failed") is not True
    first, second, third = result["requested"]
    assert (first["requested"], first["certificate"]["id"], first["problem"]) == (PREVIOUS, 1658001, None)
    assert (second["requested"]["id"], second["certificate"]["serial_number"]) == (1658010, "ABCDF0")
    assert third["certificate"] is None and "EF400100" in third["problem"]
    assert [sent["url"].rsplit("/", 1)[-1] for sent in session.sent] == ["1658002", "1658003"]


@pytest.mark.parametrize("args, message", [
    ({"issued_by": [{"previous": {"id": 1}}]}, "issued_by[0].previous must be the previous value certificate_renew returned"),
    ({"issued_by": [{"previous": PREVIOUS}], "name": "www.example.com"}, "parameters are mutually exclusive"),
])
def test_bad_issued_by_fails_before_any_api_call(http, run_module, args, message):
    session = http()
    result = run_module(certificate_info, args)
    assert result["failed"] is True and message in result["msg"]
    assert not session.sent
