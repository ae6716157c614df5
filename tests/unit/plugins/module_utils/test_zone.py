# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import pytest

from ansible_collections.autodns.ssl.plugins.module_utils._client import AutoDNSClient
from ansible_collections.autodns.ssl.plugins.module_utils._zone import (
    Record,
    ZoneFinder,
    ZonePlan,
    ZoneRecordError,
    ZoneRecords,
    desired_record,
    desired_records,
    normalize_name,
    relative_name,
    zone_candidates,
)
from ansible_collections.autodns.ssl.tests.unit.plugins.scripted_http import API_URL, Call, envelope


def search(origin, *hits):
    return Call("POST", "/zone/_search", envelope=envelope(code="S0205", data=list(hits), summary=len(hits))).expect_body(
        {"filters": [{"key": "name", "operator": "EQUAL", "value": origin}], "view": {"limit": 50, "offset": 0}})


def zone_hit(origin, virtual_name_server="a.ns14.net"):
    return {"origin": origin, "virtualNameServer": virtual_name_server, "nameServerGroup": "ns14.net"}


def make_client():
    return AutoDNSClient(API_URL, "zone-user", "zone-password", 4)


def test_names_are_absolute_lowercase_without_trailing_dot():
    assert normalize_name("_DNSAuth.WWW.Example.COM.") == "_dnsauth.www.example.com"
    assert normalize_name("*.example.com") == "*.example.com"


@pytest.mark.parametrize("name", ["", "www", "www..example.com", "a.*.example.com", "bücher.example.com", "-x.example.com", "x" * 64 + ".com"])
def test_bad_names_are_refused(name):
    with pytest.raises(ZoneRecordError, match="not an absolute DNS name"):
        normalize_name(name)


def test_relative_names():
    assert relative_name("_dnsauth.www.example.com", "example.com") == "_dnsauth.www"
    assert relative_name("example.com", "example.com") == ""
    assert relative_name("badexample.com", "example.com") is None


def test_candidates_walk_the_labels_longest_first_down_to_two():
    assert zone_candidates("_dnsauth.www.shop.example.com") == [
        "_dnsauth.www.shop.example.com", "www.shop.example.com", "shop.example.com", "example.com"]


def test_a_subdomain_without_a_zone_of_its_own_lands_in_the_parent_zone(http):
    http(search("_dnsauth.www.example.com"), search("www.example.com"), search("example.com", zone_hit("example.com")))
    finder = ZoneFinder(make_client())
    assert finder.zone_of("_dnsauth.www.example.com") == "example.com"
    # Every origin is asked once: the next name of that zone needs no further search.
    assert finder.zone_of("www.example.com") == "example.com"


def test_the_longest_zone_wins(http):
    http(search("_dnsauth.shop.example.com"), search("shop.example.com", zone_hit("shop.example.com")))
    assert ZoneFinder(make_client()).zone_of("_dnsauth.shop.example.com") == "shop.example.com"


def test_a_search_hit_with_another_origin_does_not_count(http):
    http(search("www.example.com", zone_hit("example.com")), search("example.com", zone_hit("Example.COM.")))
    assert ZoneFinder(make_client()).zone_of("www.example.com") == "example.com"


def test_no_zone_names_the_owner_rule(http):
    http(search("_dnsauth.example.net"), search("example.net"))
    with pytest.raises(ZoneRecordError) as failure:
        ZoneFinder(make_client()).zone_of("_dnsauth.example.net")
    assert "_dnsauth.example.net, example.net" in str(failure.value)
    assert "context 4" in str(failure.value) and "context 9" in str(failure.value)


def test_desired_records_take_the_default_ttl_and_drop_duplicates():
    params = {"ttl": 600, "records": [
        {"name": "_dnsauth.www.example.com.", "type": "TXT", "value": "abc", "ttl": None},
        {"name": "_DNSAUTH.www.example.com", "type": "TXT", "value": "abc", "ttl": 60},
        {"name": "_x.shop.example.org", "type": "CNAME", "value": "Target.Sectigo.COM.", "ttl": 120},
    ]}
    assert desired_records(params) == [
        Record("_dnsauth.www.example.com", "TXT", "abc", 600),
        Record("_x.shop.example.org", "CNAME", "target.sectigo.com", 120),
    ]


@pytest.mark.parametrize("record_type, value, ttl, message", [
    ("TXT", "", 300, "must not be empty"),
    ("CNAME", "not a name", 300, "CNAME target"),
    ("TXT", "abc", 0, "positive"),
])
def test_bad_records_are_refused(record_type, value, ttl, message):
    with pytest.raises(ZoneRecordError, match=message):
        desired_record("_dnsauth.example.com", record_type, value, ttl)


ZONE = ZoneRecords("example.com", "a.ns14.net", [
    {"name": "", "type": "A", "value": "192.0.2.1", "ttl": 3600},
    {"name": "_dnsauth.www", "type": "TXT", "value": "old-token", "ttl": 300},
    {"name": "_dnsauth.shop.example.com.", "type": "TXT", "value": "shop-token", "ttl": 300},
    {"name": "_abc.www", "type": "CNAME", "value": "X.Sectigo.com.", "ttl": 300},
    {"name": "_rel.www", "type": "CNAME", "value": "target", "ttl": 300},
    {"name": "@", "type": "TXT", "value": "v=spf1 -all", "ttl": 300},
])


def test_records_read_with_relative_apex_and_absolute_names_are_found():
    assert ZONE.find(Record("_dnsauth.www.example.com", "TXT", "old-token", 300))["name"] == "_dnsauth.www"
    assert ZONE.find(Record("_dnsauth.shop.example.com", "TXT", "shop-token", 300))["name"] == "_dnsauth.shop.example.com."
    assert ZONE.find(Record("example.com", "TXT", "v=spf1 -all", 300))["name"] == "@"


def test_txt_is_compared_exactly_and_cname_without_case_or_trailing_dot():
    assert ZONE.find(Record("_dnsauth.www.example.com", "TXT", "Old-token", 300)) is None
    assert ZONE.find(Record("_dnsauth.www.example.com", "TXT", '"old-token"', 300)) is None
    assert ZONE.find(Record("_abc.www.example.com", "CNAME", "x.sectigo.com", 300)) is not None
    # A target without trailing dot may be meant relative to the origin or absolute.
    assert ZONE.find(Record("_rel.www.example.com", "CNAME", "target.example.com", 300)) is not None


def test_present_adds_only_what_is_missing_with_relative_names_and_absolute_targets():
    plan = ZonePlan(ZONE, [
        Record("_dnsauth.www.example.com", "TXT", "old-token", 300),
        Record("_dnsauth.www.example.com", "TXT", "new-token", 300),
        Record("_c.example.com", "CNAME", "y.sectigo.com", 60),
    ], "present")
    assert [stream for dummy, stream in plan.pending] == [
        {"name": "_dnsauth.www", "type": "TXT", "value": "new-token", "ttl": 300},
        {"name": "_c", "type": "CNAME", "value": "y.sectigo.com.", "ttl": 60},
    ]
    assert plan.lines_before() == ['_dnsauth.www.example.com. 300 IN TXT "old-token"']
    assert plan.lines_after() == [
        '_dnsauth.www.example.com. 300 IN TXT "old-token"',
        '_dnsauth.www.example.com. 300 IN TXT "new-token"',
        "_c.example.com. 60 IN CNAME y.sectigo.com.",
    ]


def test_absent_removes_the_record_exactly_as_read_and_keeps_other_values():
    plan = ZonePlan(ZONE, [Record("_dnsauth.shop.example.com", "TXT", "shop-token", 300),
                           Record("_dnsauth.shop.example.com", "TXT", "never-there", 300)], "absent")
    assert [stream for dummy, stream in plan.pending] == [
        {"name": "_dnsauth.shop.example.com.", "type": "TXT", "value": "shop-token", "ttl": 300}]
    assert plan.lines_after() == []
    plan = ZonePlan(ZONE, [Record("_dnsauth.www.example.com", "TXT", "other", 300)], "absent")
    assert not plan.pending
    assert plan.lines_after() == plan.lines_before() == ['_dnsauth.www.example.com. 300 IN TXT "old-token"']


def test_a_cname_allows_no_other_record_at_its_name():
    with pytest.raises(ZoneRecordError, match="already holds TXT records"):
        ZonePlan(ZONE, [Record("_dnsauth.www.example.com", "CNAME", "z.sectigo.com", 300)], "present")
    with pytest.raises(ZoneRecordError, match="is a CNAME to X.Sectigo.com."):
        ZonePlan(ZONE, [Record("_abc.www.example.com", "TXT", "token", 300)], "present")
    with pytest.raises(ZoneRecordError, match="already holds CNAME"):
        ZonePlan(ZONE, [Record("_abc.www.example.com", "CNAME", "other.sectigo.com", 300)], "present")


def test_replace_cname_swaps_a_stale_cname_and_still_refuses_other_records():
    plan = ZonePlan(ZONE, [Record("_abc.www.example.com", "CNAME", "other.sectigo.com", 300)], "present", replace_cname=True)
    assert [stream for dummy, stream in plan.pending] == [{"name": "_abc.www", "type": "CNAME", "value": "other.sectigo.com.", "ttl": 300}]
    assert [stream for removals in plan.replaced.values() for dummy, stream in removals] == [
        {"name": "_abc.www", "type": "CNAME", "value": "X.Sectigo.com.", "ttl": 300}]
    assert plan.lines_before() == ["_abc.www.example.com. 300 IN CNAME x.sectigo.com."]
    assert plan.lines_after() == ["_abc.www.example.com. 300 IN CNAME other.sectigo.com."]
    with pytest.raises(ZoneRecordError, match="already holds TXT records"):
        ZonePlan(ZONE, [Record("_dnsauth.www.example.com", "CNAME", "z.sectigo.com", 300)], "present", replace_cname=True)
    identical = ZonePlan(ZONE, [Record("_abc.www.example.com", "CNAME", "x.sectigo.com", 300)], "present", replace_cname=True)
    assert not identical.pending and not identical.replaced


def test_zone_lines_quote_txt():
    assert Record("a.example.com", "TXT", 'say "hi" \\o/', 300).zone_line() == 'a.example.com. 300 IN TXT "say \\"hi\\" \\\\o/"'
