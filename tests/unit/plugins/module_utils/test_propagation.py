# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

import socket

import dns.resolver
import pytest

from ansible_collections.autodns.ssl.plugins.module_utils._propagation import (
    AuthoritativeServers,
    Nameserver,
    PropagationError,
    WantedRecord,
    parse_nameserver,
    query_record,
    timeout_message,
    wait_for_records,
    wanted_records,
)
from ansible_collections.autodns.ssl.tests.unit.plugins.tiny_dns import TinyDNS

TOKEN = "2026112812345678abcdefghijklmnopqrstuv"


class FakeTime:
    """A clock that moves only when slept; ``then`` runs actions at given sleeps (1 = the first)."""

    def __init__(self, then=None):
        self.now = 100.0
        self.sleeps = []
        self.then = then or {}

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds
        action = self.then.get(len(self.sleeps))
        if action:
            action()


@pytest.fixture
def server():
    with TinyDNS("example.test") as tiny:
        yield tiny


def nameserver(tiny):
    return Nameserver("127.0.0.1", tiny.port)


def closed_port():
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def wait(records, servers, timeout=30, max_interval=10, fake=None):
    fake = fake or FakeTime()
    return wait_for_records(records, servers, timeout=timeout, max_interval=max_interval, clock=fake.clock, sleep=fake.sleep)


@pytest.mark.parametrize("text, expected", [
    ("192.0.2.53", Nameserver("192.0.2.53", 53)),
    ("127.0.0.1:5353", Nameserver("127.0.0.1", 5353)),
    ("2001:db8::53", Nameserver("2001:db8::53", 53)),
    ("[2001:db8::53]:5353", Nameserver("2001:db8::53", 5353)),
])
def test_nameserver_entries(text, expected):
    assert parse_nameserver(text) == expected


@pytest.mark.parametrize("text", ["ns1.example.test", "127.0.0.1:0", "127.0.0.1:x", "[2001:db8::53]5353", ""])
def test_bad_nameserver_entries(text):
    with pytest.raises(PropagationError, match="not an IP address"):
        parse_nameserver(text)


def test_labels_name_the_port_only_where_it_is_not_53():
    assert Nameserver("192.0.2.53", 53).label == "192.0.2.53"
    assert Nameserver("2001:db8::53", 5353).label == "[2001:db8::53]:5353"


def test_wanted_records_are_normalized_and_deduplicated():
    entries = [
        {"name": "_dnsauth.WWW.example.test.", "type": "TXT", "value": TOKEN, "ttl": 300},
        {"name": "_dnsauth.www.example.test", "type": "TXT", "value": TOKEN, "ttl": None},
        {"name": "_x.example.test", "type": "CNAME", "value": "Target.Sectigo.COM.", "ttl": None},
    ]
    assert wanted_records(entries) == [
        WantedRecord("_dnsauth.www.example.test", "TXT", TOKEN),
        WantedRecord("_x.example.test", "CNAME", "target.sectigo.com"),
    ]
    with pytest.raises(PropagationError, match="not an absolute DNS name"):
        wanted_records([{"name": "localhost", "type": "TXT", "value": TOKEN}])


def test_txt_strings_are_joined_and_unquoted(server):
    server.add("_dnsauth.www.example.test", "TXT", '"2026" "1128" "tail"', '"say \\"hi\\" now"')
    record = WantedRecord("_dnsauth.www.example.test", "TXT", "20261128tail")
    values, problem = query_record(nameserver(server), record, 2)
    assert problem is None
    assert values == ["20261128tail", 'say "hi" now']
    outcome = wait([record, WantedRecord("_dnsauth.www.example.test", "TXT", 'say "hi" now')], [nameserver(server)])
    assert outcome.completed is True
    assert outcome.records[0] == {
        "name": "_dnsauth.www.example.test", "type": "TXT", "value": "20261128tail", "visible": True,
        "answers": {server.label: values}, "problems": {},
    }


def test_txt_is_compared_exactly(server):
    server.add("_dnsauth.www.example.test", "TXT", f'"{TOKEN.upper()}"', f'" {TOKEN}"')
    outcome = wait([WantedRecord("_dnsauth.www.example.test", "TXT", TOKEN)], [nameserver(server)], timeout=0)
    assert outcome.completed is False


def test_cname_targets_are_compared_without_case_or_trailing_dot(server):
    server.add("_abc.www.example.test", "CNAME", "Target.Sectigo.COM.")
    outcome = wait([WantedRecord("_abc.www.example.test", "CNAME", "target.sectigo.com")], [nameserver(server)])
    assert outcome.completed is True
    assert outcome.records[0]["answers"] == {server.label: ["target.sectigo.com"]}


def test_a_large_answer_is_fetched_over_tcp(server):
    long_text = "x" * 700
    server.add("_dnsauth.big.example.test", "TXT", " ".join(f'"{long_text[start:start + 200]}"' for start in range(0, 700, 200)))
    outcome = wait([WantedRecord("_dnsauth.big.example.test", "TXT", long_text)], [nameserver(server)])
    assert outcome.completed is True
    assert [transport for transport, dummy, dummy2 in server.transports] == ["udp", "tcp"]


def test_waits_until_the_record_appears(server):
    fake = FakeTime(then={2: lambda: server.add("_dnsauth.www.example.test", "TXT", f'"{TOKEN}"')})
    outcome = wait([WantedRecord("_dnsauth.www.example.test", "TXT", TOKEN)], [nameserver(server)], fake=fake)
    assert outcome.completed is True
    assert fake.sleeps == [1.0, 2.0]
    assert outcome.elapsed == 3.0


def test_every_server_must_serve_the_record(server):
    with TinyDNS("example.test") as lagging:
        server.add("_dnsauth.www.example.test", "TXT", f'"{TOKEN}"')
        lagging.add("_dnsauth.www.example.test", "TXT", '"old-token"')
        fake = FakeTime(then={3: lambda: lagging.add("_dnsauth.www.example.test", "TXT", f'"{TOKEN}"')})
        outcome = wait([WantedRecord("_dnsauth.www.example.test", "TXT", TOKEN)], [nameserver(server), nameserver(lagging)], fake=fake)
        assert outcome.completed is True
        assert fake.sleeps == [1.0, 2.0, 4.0]
        assert set(outcome.records[0]["answers"][lagging.label]) == {"old-token", TOKEN}


def test_the_interval_grows_to_the_maximum_and_stops_at_the_timeout(server):
    server.add("_dnsauth.www.example.test", "TXT", '"old-token"')
    fake = FakeTime()
    outcome = wait([WantedRecord("_dnsauth.www.example.test", "TXT", TOKEN)], [nameserver(server)], timeout=20, max_interval=5, fake=fake)
    assert outcome.completed is False
    assert fake.sleeps == [1.0, 2.0, 4.0, 5.0, 5.0, 3.0]


def test_the_timeout_message_says_what_each_server_answered(server):
    with TinyDNS("other.test") as refusing:
        server.add("_dnsauth.www.example.test", "TXT", '"old-token"')
        server.add("_abc.example.test", "CNAME", "target.example.net.")
        silent = Nameserver("127.0.0.1", closed_port())
        records = [
            WantedRecord("_dnsauth.www.example.test", "TXT", TOKEN),
            WantedRecord("_dnsauth.shop.example.test", "TXT", TOKEN),
            WantedRecord("_abc.example.test", "TXT", TOKEN),
        ]
        outcome = wait(records, [nameserver(server), nameserver(refusing), silent], timeout=0)
    assert outcome.completed is False
    message = timeout_message(outcome, 0)
    assert message.startswith("Timed out after 0 s: 3 of 3 records not served by every name server yet")
    assert f"{server.label} answered 'old-token'" in message
    assert f"{refusing.label}: REFUSED" in message
    assert f"{silent.label}: no answer within 1 s" in message
    assert f"{server.label}: NXDOMAIN" in message
    assert "CNAME to target.example.net" in message
    assert outcome.records[0]["answers"][server.label] == ["old-token"]
    assert outcome.records[0]["problems"][refusing.label] == "REFUSED"


def test_the_authoritative_servers_are_found_through_the_resolver(server):
    server.add("example.test", "NS", "ns1.example.test.", "ns2.example.test.", "ns3.example.test.")
    server.add("ns1.example.test", "A", "127.0.0.1")
    server.add("ns2.example.test", "AAAA", "::1")
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = ["127.0.0.1"]
    resolver.port = server.port
    finder = AuthoritativeServers(resolver)
    assert finder.of("_dnsauth.www.example.test") == [Nameserver("127.0.0.1", 53), Nameserver("::1", 53)]
    assert finder.warnings == ["The name server ns3.example.test of example.test has no address; it is not asked"]
    asked = len(server.transports)
    # Another name in the same zone only needs the zone lookup.
    finder.of("www.example.test")
    assert [question for dummy, question, rdtype in server.transports[asked:] if rdtype == "NS"] == []


def test_a_name_without_a_zone_fails_the_lookup_clearly(server):
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = ["127.0.0.1"]
    resolver.port = server.port
    resolver.lifetime = 2
    with pytest.raises(PropagationError, match="Could not find the zone of _dnsauth.elsewhere.test"):
        AuthoritativeServers(resolver).of("_dnsauth.elsewhere.test")
