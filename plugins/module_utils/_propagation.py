# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Whether DNS records are served by the authoritative name servers of their zones, and waiting until they are.

Note that this module util is **PRIVATE** to the collection. It can have breaking changes at any time.
"""

from __future__ import annotations

import collections
import ipaddress
import time
import traceback

from ._dns_names import VALIDATION_RECORD_TYPES, bare_name, record_value
from ._errors import TaskFailure

try:
    import dns.exception
    import dns.flags
    import dns.message
    import dns.name
    import dns.query
    import dns.rcode
    import dns.rdatatype
    import dns.resolver
except ImportError:
    HAS_DNSPYTHON = False
    DNSPYTHON_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_DNSPYTHON = True
    DNSPYTHON_IMPORT_ERROR = None

DNS_PORT = 53
FIRST_INTERVAL = 1.0
# One query waits at most this long, but never less than the minimum, even when the overall time is almost up.
QUERY_TIMEOUT = 5.0
MIN_QUERY_TIMEOUT = 1.0


class PropagationError(TaskFailure):
    """Input or a name server lookup that makes waiting pointless."""


class Nameserver(collections.namedtuple("Nameserver", "address port")):
    __slots__ = ()

    @property
    def label(self):
        """How answers and messages name the server: the address, with the port where it is not 53."""
        if self.port == DNS_PORT:
            return self.address
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"{host}:{self.port}"


class WantedRecord(collections.namedtuple("WantedRecord", "name type value")):
    """A record to look for: name lowercase without trailing dot; CNAME target the same way; TXT text as given."""

    __slots__ = ()

    def as_result(self):
        return {"name": self.name, "type": self.type, "value": self.value}


def parse_nameserver(text):
    """``ip``, ``ip:port``, ``[ipv6]`` or ``[ipv6]:port`` as a Nameserver."""
    entry = (text or "").strip()
    host, port = entry, str(DNS_PORT)
    if entry.startswith("[") and "]" in entry:
        host, rest = entry[1:].split("]", 1)
        if rest:
            port = rest[1:] if rest.startswith(":") else "invalid"
    elif entry.count(":") == 1:
        host, port = entry.split(":")
    try:
        address = ipaddress.ip_address(host)
        number = int(port)
    except ValueError:
        number = 0
    if not 0 < number < 65536:
        raise PropagationError(
            f"nameservers entry {text!r} is not an IP address with an optional port, like 192.0.2.53, 192.0.2.53:5353 or [2001:db8::53]:5353")
    return Nameserver(str(address), number)


def wanted_records(entries):
    """The records of the module option ``records``, validated; duplicates dropped, order kept."""
    if not entries:
        raise PropagationError("records must name at least one record")
    wanted = []
    for entry in entries:
        if entry["type"] not in VALIDATION_RECORD_TYPES:
            raise PropagationError(f"type of {entry['name']} must be one of {', '.join(VALIDATION_RECORD_TYPES)}, not {entry['type']!r}")
        name = bare_name(entry["name"])
        try:
            dns.name.from_text(name)
        except dns.exception.DNSException as error:
            raise PropagationError(f"{entry['name']!r} is not a DNS name: {error}") from error
        if not name or "." not in name:
            raise PropagationError(f"{entry['name']!r} is not an absolute DNS name, like _dnsauth.www.example.com")
        value = record_value(entry["type"], entry["value"])
        if not value:
            raise PropagationError(f"The value of {name} must not be empty")
        record = WantedRecord(name, entry["type"], value)
        if record not in wanted:
            wanted.append(record)
    return wanted


def _rdata_value(rdata):
    """TXT: the strings of one record joined (a long text is split into several strings); CNAME: the target."""
    if rdata.rdtype == dns.rdatatype.TXT:
        return b"".join(rdata.strings).decode("utf-8", "backslashreplace")
    return rdata.target.to_text(omit_final_dot=True).lower()


def query_record(nameserver, record, timeout):
    """(values, problem): what the server holds for the record's name and type, or why it gave no answer."""
    qname = dns.name.from_text(record.name)
    rdtype = dns.rdatatype.from_text(record.type)
    request = dns.message.make_query(qname, rdtype)
    # Authoritative servers answer from their own zones; asking for recursion would only invite cached data.
    request.flags &= ~dns.flags.RD
    try:
        response, dummy = dns.query.udp_with_fallback(request, nameserver.address, timeout=timeout, port=nameserver.port)
    except dns.exception.Timeout:
        return [], f"no answer within {timeout:g} s"
    except (dns.exception.DNSException, OSError) as error:
        return [], f"query failed: {error}"
    if response.rcode() != dns.rcode.NOERROR:
        return [], dns.rcode.to_text(response.rcode())
    values = sorted(_rdata_value(rdata) for rrset in response.answer if rrset.name == qname and rrset.rdtype == rdtype for rdata in rrset)
    if not values and record.type != "CNAME":
        aliases = [rdata.target.to_text(omit_final_dot=True) for rrset in response.answer
                   if rrset.name == qname and rrset.rdtype == dns.rdatatype.CNAME for rdata in rrset]
        if aliases:
            return [], f"the name is a CNAME to {aliases[0]}; the {record.type} record belongs at that target"
    return values, None


class AuthoritativeServers:
    """The authoritative name servers of the zone of a name, found through a resolver (the system's by default)."""

    def __init__(self, resolver=None):
        self.resolver = resolver
        self.warnings = []
        self._by_zone = {}

    def of(self, name):
        try:
            self.resolver = self.resolver or dns.resolver.Resolver()
            zone = dns.resolver.zone_for_name(name, resolver=self.resolver)
        except dns.exception.DNSException as error:
            raise PropagationError(
                f"Could not find the zone of {name} through the resolver: {error}. Set nameservers to ask known servers directly") from error
        if zone not in self._by_zone:
            self._by_zone[zone] = self._servers(zone)
        return self._by_zone[zone]

    def _servers(self, zone):
        zone_text = zone.to_text(omit_final_dot=True)
        try:
            answer = self.resolver.resolve(zone, "NS")
        except dns.exception.DNSException as error:
            raise PropagationError(f"Could not find the name servers of the zone {zone_text}: {error}. Set nameservers") from error
        hosts = sorted({rdata.target for rdata in answer})
        servers = []
        for host in hosts:
            addresses = self._addresses(host)
            if not addresses:
                self.warnings.append(f"The name server {host.to_text(omit_final_dot=True)} of {zone_text} has no address; it is not asked")
            servers.extend(Nameserver(address, DNS_PORT) for address in addresses if Nameserver(address, DNS_PORT) not in servers)
        if not servers:
            raise PropagationError(f"No name server of the zone {zone_text} has an address. Set nameservers")
        return servers

    def _addresses(self, host):
        """IPv4 addresses, or IPv6 ones for a server without any: one address family per server is enough to ask."""
        for rdtype in ("A", "AAAA"):
            try:
                answer = self.resolver.resolve(host, rdtype)
            except dns.exception.DNSException:
                continue
            return sorted(rdata.address for rdata in answer)
        return []


def check_record(record, servers, timeout):
    """The record's state on every server: visible only where each server holds the exact value."""
    answers = {}
    problems = {}
    for server in servers:
        values, problem = query_record(server, record, timeout)
        answers[server.label] = values
        if problem:
            problems[server.label] = problem
    visible = all(record.value in values for values in answers.values())
    return dict(record.as_result(), visible=visible, answers=answers, problems=problems)


WaitOutcome = collections.namedtuple("WaitOutcome", "completed records elapsed")


def wait_for_records(records, nameservers=None, timeout=300, max_interval=10, finder=None, clock=time.monotonic, sleep=time.sleep):
    """Ask every server about every record until all serve them or ``timeout`` seconds have passed.

    The pause between rounds starts at one second and doubles up to ``max_interval``, clamped to the time left.
    """
    started = clock()
    deadline = started + timeout
    if nameservers:
        servers_of = {record: nameservers for record in records}
    else:
        finder = finder or AuthoritativeServers()
        servers_of = {record: finder.of(record.name) for record in records}
    interval = FIRST_INTERVAL
    while True:
        query_timeout = max(MIN_QUERY_TIMEOUT, min(QUERY_TIMEOUT, deadline - clock()))
        results = [check_record(record, servers_of[record], query_timeout) for record in records]
        remaining = deadline - clock()
        if all(result["visible"] for result in results) or remaining <= 0:
            return WaitOutcome(all(result["visible"] for result in results), results, clock() - started)
        sleep(min(interval, remaining))
        interval = min(interval * 2, max_interval)


def _server_state(result, server, values):
    if result["value"] in values:
        return f"{server} has it"
    if server in result["problems"]:
        return f"{server}: {result['problems'][server]}"
    if values:
        return f"{server} answered " + ", ".join(repr(value) for value in values)
    return f"{server} has no {result['type']} record there"


def timeout_message(outcome, timeout):
    """Which records are missing where, and what each server answered instead."""
    pending = [result for result in outcome.records if not result["visible"]]
    details = []
    for result in pending:
        states = "; ".join(_server_state(result, server, values) for server, values in result["answers"].items())
        details.append(f"{result['name']} {result['type']} {result['value']!r} ({states})")
    return (f"Timed out after {timeout} s: {len(pending)} of {len(outcome.records)} records not served by every name server yet: "
            + " | ".join(details))
