# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

from ansible_collections.autodns.ssl.plugins.modules import zone_record
from ansible_collections.autodns.ssl.tests.unit.plugins.scripted_http import Call, envelope, error_envelope

ZONE_USER = {"username": "zone-user", "password": "zone-password", "context": 4}
TOKEN = "2026112812345678abcdefghijklmnopqrstuv"
DCV = {"name": "_dnsauth.www.example.com", "type": "TXT", "value": TOKEN}


def search(origin, *hits):
    return Call("POST", "/zone/_search", envelope=envelope(code="S0205", data=list(hits), summary=len(hits))).expect_body(
        {"filters": [{"key": "name", "operator": "EQUAL", "value": origin}], "view": {"limit": 50, "offset": 0}})


def zone_hit(origin):
    return {"origin": origin, "virtualNameServer": "a.ns14.net", "nameServerGroup": "ns14.net"}


def walk_to_example_com():
    """The searches that find example.com as the zone of _dnsauth.www.example.com."""
    return [search("_dnsauth.www.example.com"), search("www.example.com"), search("example.com", zone_hit("example.com"))]


def get_zone(origin, *records):
    zone = dict(zone_hit(origin), resourceRecords=list(records))
    return Call("GET", f"/zone/{origin}/a.ns14.net", envelope=envelope(code="S0205", data=[zone])).expect_header("X-Domainrobot-Context", "4")


def stream(origin, adds=(), rems=(), status=200, answer=None):
    return Call("POST", f"/zone/{origin}/_stream", status=status, envelope=answer or envelope(code="S0202002", data=[zone_hit(origin)])).expect_body(
        {"adds": list(adds), "rems": list(rems)})


def run(run_module, check_mode=False, **args):
    return run_module(zone_record, dict(ZONE_USER, **args), check_mode=check_mode)


def test_present_adds_a_new_record_through_the_stream(http, run_module):
    http(*walk_to_example_com(),
         get_zone("example.com", {"name": "www", "type": "A", "value": "192.0.2.1", "ttl": 600}),
         stream("example.com", adds=[{"name": "_dnsauth.www", "type": "TXT", "value": TOKEN, "ttl": 300}]))
    result = run(run_module, **DCV)
    assert result["changed"] is True
    assert result["records"] == [dict(DCV, ttl=300, zone="example.com", changed=True)]
    assert result["diff"] == {"before": "", "after": f'_dnsauth.www.example.com. 300 IN TXT "{TOKEN}"\n'}


def test_present_with_the_identical_record_writes_nothing(http, run_module):
    http(*walk_to_example_com(), get_zone("example.com", {"name": "_dnsauth.www", "type": "TXT", "value": TOKEN, "ttl": 3600}))
    result = run(run_module, name="_DNSAUTH.www.example.com.", type="TXT", value=TOKEN)
    assert result["changed"] is False
    assert result["records"][0]["changed"] is False
    assert result["diff"]["before"] == result["diff"]["after"]


def test_an_add_the_api_calls_a_duplicate_counts_as_present(http, run_module):
    http(*walk_to_example_com(), get_zone("example.com"),
         stream("example.com", adds=[{"name": "_dnsauth.www", "type": "TXT", "value": TOKEN, "ttl": 300}],
                status=400, answer=error_envelope("E0202002", "EF02022")))
    result = run(run_module, **DCV)
    assert "failed" not in result
    assert result["changed"] is False


def test_a_duplicate_among_several_adds_is_sorted_out_one_by_one(http, run_module):
    first = {"name": "_dnsauth.www", "type": "TXT", "value": "one", "ttl": 300}
    second = {"name": "_dnsauth.www", "type": "TXT", "value": "two", "ttl": 300}
    http(search("example.com", zone_hit("example.com")), get_zone("example.com"),
         stream("example.com", adds=[first, second], status=400, answer=error_envelope("E0202002", "EF02022")),
         stream("example.com", adds=[first], status=400, answer=error_envelope("E0202002", "EF02022")),
         stream("example.com", adds=[second]))
    result = run(run_module, zone="example.com", records=[
        {"name": "_dnsauth.www.example.com", "type": "TXT", "value": "one"},
        {"name": "_dnsauth.www.example.com", "type": "TXT", "value": "two"}])
    assert result["changed"] is True
    assert [record["changed"] for record in result["records"]] == [False, True]


def test_other_refusals_fail_with_the_codes(http, run_module):
    http(*walk_to_example_com(), get_zone("example.com"),
         stream("example.com", adds=[{"name": "_dnsauth.www", "type": "TXT", "value": TOKEN, "ttl": 300}],
                status=400, answer=error_envelope("E0202002", "EF02025")))
    result = run(run_module, **DCV)
    assert result["failed"] is True
    assert "EF02025" in result["msg"]
    assert result["api_error"]["codes"] == ["EF02025"]
    assert result["changed"] is False


def test_a_stream_without_answer_is_checked_by_reading_the_zone_again(http, run_module):
    mine = {"name": "_dnsauth.www", "type": "TXT", "value": TOKEN, "ttl": 300}
    http(*walk_to_example_com(), get_zone("example.com"),
         stream("example.com", adds=[mine], status=502, answer=error_envelope("E0202002")),
         get_zone("example.com", mine))
    result = run(run_module, **DCV)
    assert "failed" not in result
    assert result["changed"] is True


def test_a_stream_without_answer_that_took_no_effect_is_sent_once_more(http, run_module):
    mine = {"name": "_dnsauth.www", "type": "TXT", "value": TOKEN, "ttl": 300}
    http(*walk_to_example_com(), get_zone("example.com", mine),
         stream("example.com", rems=[mine], status=503, answer=error_envelope("E0202002")),
         get_zone("example.com", mine),
         stream("example.com", rems=[mine]))
    result = run(run_module, state="absent", **DCV)
    assert result["changed"] is True


def test_absent_removes_exactly_the_named_value(http, run_module):
    old = {"name": "_dnsauth.www", "type": "TXT", "value": "old-token", "ttl": 300}
    mine = {"name": "_dnsauth.www", "type": "TXT", "value": TOKEN, "ttl": 600}
    http(*walk_to_example_com(), get_zone("example.com", old, mine), stream("example.com", rems=[mine]))
    result = run(run_module, state="absent", **DCV)
    assert result["changed"] is True
    assert result["diff"] == {
        "before": f'_dnsauth.www.example.com. 300 IN TXT "old-token"\n_dnsauth.www.example.com. 600 IN TXT "{TOKEN}"\n',
        "after": '_dnsauth.www.example.com. 300 IN TXT "old-token"\n',
    }


def test_absent_without_the_record_writes_nothing(http, run_module):
    http(*walk_to_example_com(), get_zone("example.com", {"name": "_dnsauth.www", "type": "TXT", "value": "old-token", "ttl": 300}))
    result = run(run_module, state="absent", **DCV)
    assert result["changed"] is False


def test_absent_finds_a_cname_whatever_its_case(http, run_module):
    cname = {"name": "_abc.shop", "type": "CNAME", "value": "X.Sectigo.COM.", "ttl": 300}
    http(search("example.org", zone_hit("example.org")), get_zone("example.org", cname), stream("example.org", rems=[cname]))
    result = run(run_module, state="absent", zone="example.org", name="_abc.shop.example.org", type="CNAME", value="x.sectigo.com")
    assert result["changed"] is True
    assert result["records"][0]["value"] == "x.sectigo.com"


def test_replace_cname_removes_the_stale_cname_in_the_same_stream(http, run_module):
    stale = {"name": "_abc.shop", "type": "CNAME", "value": "old.sectigo.com.", "ttl": 300}
    fresh = {"name": "_abc.shop", "type": "CNAME", "value": "new.sectigo.com.", "ttl": 300}
    http(search("example.org", zone_hit("example.org")), get_zone("example.org", stale), stream("example.org", adds=[fresh], rems=[stale]))
    result = run(run_module, zone="example.org", name="_abc.shop.example.org", type="CNAME", value="new.sectigo.com", replace_cname=True)
    assert result["changed"] is True
    assert result["diff"] == {"before": "_abc.shop.example.org. 300 IN CNAME old.sectigo.com.\n",
                              "after": "_abc.shop.example.org. 300 IN CNAME new.sectigo.com.\n"}


def test_check_mode_predicts_without_writing(http, run_module):
    http(*walk_to_example_com(), get_zone("example.com"))
    result = run(run_module, check_mode=True, **DCV)
    assert result["changed"] is True
    assert result["diff"]["after"] == f'_dnsauth.www.example.com. 300 IN TXT "{TOKEN}"\n'


def test_records_in_two_zones_are_all_read_before_the_first_write(http, run_module):
    sectigo = {"name": "_abc.shop.example.org", "type": "CNAME", "value": "X.sectigo.com", "ttl": 60}
    http(*walk_to_example_com(),
         search("_abc.shop.example.org"), search("shop.example.org"), search("example.org", zone_hit("example.org")),
         get_zone("example.com"), get_zone("example.org"),
         stream("example.com", adds=[{"name": "_dnsauth.www", "type": "TXT", "value": TOKEN, "ttl": 300}]),
         stream("example.org", adds=[{"name": "_abc.shop", "type": "CNAME", "value": "x.sectigo.com.", "ttl": 60}],
                status=400, answer=error_envelope("E0202002", "EF02025")))
    result = run(run_module, records=[DCV, sectigo])
    assert result["failed"] is True
    assert result["changed"] is True
    assert [(record["zone"], record["changed"]) for record in result["records"]] == [("example.com", True), ("example.org", False)]


def test_several_zones_of_one_origin_are_named_in_a_warning(http, run_module):
    http(search("example.com", zone_hit("example.com"), dict(zone_hit("example.com"), virtualNameServer="b.ns14.net")),
         get_zone("example.com", {"name": "_dnsauth.www", "type": "TXT", "value": TOKEN, "ttl": 300}))
    result = run(run_module, zone="example.com", **DCV)
    assert result["changed"] is False
    assert "on a.ns14.net, b.ns14.net" in str(result["warnings"])


def test_a_conflict_fails_before_any_write(http, run_module):
    http(*walk_to_example_com(), get_zone("example.com", {"name": "_dnsauth.www", "type": "CNAME", "value": "elsewhere.example.net.", "ttl": 300}))
    result = run(run_module, **DCV)
    assert result["failed"] is True
    assert "is a CNAME to elsewhere.example.net." in result["msg"]


def test_a_name_outside_the_given_zone_fails_before_any_write(http, run_module):
    http(search("example.org", zone_hit("example.org")))
    result = run(run_module, zone="example.org", **DCV)
    assert result["failed"] is True
    assert result["msg"] == "Not inside the zone example.org: _dnsauth.www.example.com"


def test_no_zone_for_the_name_explains_which_user_owns_zones(http, run_module):
    http(search("_dnsauth.www.example.com"), search("www.example.com"), search("example.com"))
    result = run(run_module, **DCV)
    assert result["failed"] is True
    assert "AutoDNS user" in result["msg"] and "SSL Manager user" in result["msg"]


def test_bad_input_fails_before_any_request(http, run_module):
    http()
    result = run(run_module, name="www", type="TXT", value=TOKEN)
    assert result["failed"] is True
    assert "not an absolute DNS name" in result["msg"]
    result = run(run_module, records=[DCV], **DCV)
    assert result["failed"] is True
    assert "mutually exclusive" in result["msg"]
