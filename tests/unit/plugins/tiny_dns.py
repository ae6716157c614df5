# Copyright (c) 2026, autodns.ssl contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""A tiny authoritative DNS server on 127.0.0.1 (UDP and TCP on one free port) for unit tests.

It serves the records it is given, answers NXDOMAIN or NODATA with the zone's SOA, REFUSED outside its zones,
and truncates UDP answers larger than 512 bytes so that clients must retry over TCP.
"""

from __future__ import annotations

import socket
import struct
import threading

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset

UDP_LIMIT = 512


class TinyDNS:
    def __init__(self, *origins):
        self.origins = [dns.name.from_text(origin) for origin in origins]
        self.records = {}
        self.transports = []
        self._lock = threading.Lock()
        self._closed = False
        for origin in origins:
            self.add(origin, "SOA", f"ns1.{origin}. hostmaster.{origin}. 1 3600 600 86400 60")
        self._udp, self._tcp = self._bind()
        self.port = self._udp.getsockname()[1]
        self.label = f"127.0.0.1:{self.port}"
        self._threads = [threading.Thread(target=target, daemon=True) for target in (self._serve_udp, self._serve_tcp)]
        for thread in self._threads:
            thread.start()

    @staticmethod
    def _bind():
        for dummy in range(20):
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            udp.bind(("127.0.0.1", 0))
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                tcp.bind(("127.0.0.1", udp.getsockname()[1]))
            except OSError:
                udp.close()
                tcp.close()
                continue
            tcp.listen(8)
            return udp, tcp
        raise RuntimeError("no free port for UDP and TCP")

    def add(self, name, rdtype, *rdatas, ttl=300):
        rrset = dns.rrset.from_text(name if name.endswith(".") else name + ".", ttl, "IN", rdtype, *rdatas)
        with self._lock:
            key = (rrset.name, rrset.rdtype)
            if key in self.records:
                self.records[key].union_update(rrset)
            else:
                self.records[key] = rrset

    def remove(self, name, rdtype):
        with self._lock:
            self.records.pop((dns.name.from_text(name), dns.rdatatype.from_text(rdtype)), None)

    def close(self):
        self._closed = True
        self._udp.close()
        self._tcp.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def answer(self, wire, transport):
        query = dns.message.from_wire(wire)
        response = dns.message.make_response(query)
        qname = query.question[0].name
        qtype = query.question[0].rdtype
        self.transports.append((transport, qname.to_text(), dns.rdatatype.to_text(qtype)))
        zones = [origin for origin in self.origins if qname.is_subdomain(origin)]
        if not zones:
            response.set_rcode(dns.rcode.REFUSED)
            return response
        origin = max(zones, key=len)
        response.flags |= dns.flags.AA
        with self._lock:
            exact = self.records.get((qname, qtype))
            alias = self.records.get((qname, dns.rdatatype.CNAME))
            exists = any(name == qname for name, dummy in self.records)
            soa = self.records[(origin, dns.rdatatype.SOA)]
        if exact is not None:
            response.answer.append(exact)
        elif alias is not None:
            response.answer.append(alias)
        else:
            response.authority.append(soa)
            if not exists:
                response.set_rcode(dns.rcode.NXDOMAIN)
        return response

    def _serve_udp(self):
        while not self._closed:
            try:
                wire, peer = self._udp.recvfrom(4096)
            except OSError:
                return
            response = self.answer(wire, "udp")
            data = response.to_wire()
            if len(data) > UDP_LIMIT:
                truncated = dns.message.make_response(dns.message.from_wire(wire))
                truncated.flags |= dns.flags.TC
                data = truncated.to_wire()
            self._udp.sendto(data, peer)

    def _serve_tcp(self):
        while not self._closed:
            try:
                connection, dummy = self._tcp.accept()
            except OSError:
                return
            with connection:
                length = struct.unpack("!H", _read(connection, 2))[0]
                data = self.answer(_read(connection, length), "tcp").to_wire()
                connection.sendall(struct.pack("!H", len(data)) + data)


def _read(connection, size):
    data = b""
    while len(data) < size:
        chunk = connection.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return data
