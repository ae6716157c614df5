"""The sandbox DNS server: answers authoritatively from the zone store over UDP and TCP."""

import socketserver
import threading

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.TXT
import dns.rrset

from .formats import utc_now
from .views import SOA

TXT_CHUNK = 255
TCP_IDLE_SECONDS = 10
BIND_ATTEMPTS = 20


def rdata_for(zone, record_type, value):
    """The rdata of a stored record; raises ValueError when the value is not valid for the type."""
    try:
        rdatatype = dns.rdatatype.from_text(record_type)
        if rdatatype == dns.rdatatype.TXT:
            data = value.encode('utf-8')
            chunks = [data[start:start + TXT_CHUNK] for start in range(0, len(data), TXT_CHUNK)] or [b'']
            return dns.rdtypes.ANY.TXT.TXT(dns.rdataclass.IN, rdatatype, chunks)
        return dns.rdata.from_text(dns.rdataclass.IN, rdatatype, value, origin=dns.name.from_text(zone.origin))
    except (dns.exception.DNSException, ValueError, UnicodeError) as error:
        raise ValueError(value) from error


def _apex_rdatas(zone):
    serial = int(zone.updated.timestamp())
    soa_text = (f"{zone.virtual_name_server}. {SOA['email']}. {serial} "
                f"{SOA['refresh']} {SOA['retry']} {SOA['expire']} {SOA['ttl']}")
    return {
        'SOA': (SOA['ttl'], [dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.SOA, soa_text)]),
        'NS': (SOA['ttl'], [dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.NS, f'{zone.virtual_name_server}.')]),
    }


def _rdatas_at(zone, relative_name, moment):
    """Visible record data at one name: type -> (ttl of its first record, rdatas)."""
    by_type = _apex_rdatas(zone) if relative_name == '' else {}
    for record in zone.records:
        if record.name == relative_name and record.visible_from <= moment:
            by_type.setdefault(record.record_type, (record.ttl, []))[1].append(rdata_for(zone, record.record_type, record.value))
    return by_type


def _name_exists(zone, relative_name, moment):
    suffix = '.' + relative_name
    return relative_name == '' or any(
        record.visible_from <= moment and (record.name == relative_name or record.name.endswith(suffix)) for record in zone.records
    )


def _add_soa_authority(response, zone):
    origin = dns.name.from_text(zone.origin)
    response.authority.append(dns.rrset.from_rdata_list(origin, *_apex_rdatas(zone)['SOA']))


def build_response(sandbox, query, moment):
    """Answer one query: records, NODATA or NXDOMAIN (with SOA) inside a zone; REFUSED outside every zone."""
    response = dns.message.make_response(query)
    question = query.question[0]
    zone = sandbox.find_zone(question.name.to_text())
    if zone is None:
        response.set_rcode(dns.rcode.REFUSED)
        return response
    response.flags |= dns.flags.AA
    relative_name = zone.relative_name(question.name.to_text())
    by_type = _rdatas_at(zone, relative_name, moment)
    wanted = dns.rdatatype.to_text(question.rdtype)
    answer_type = wanted if wanted in by_type else 'CNAME' if 'CNAME' in by_type else None
    if answer_type:
        response.answer.append(dns.rrset.from_rdata_list(question.name, *by_type[answer_type]))
        return response
    if not _name_exists(zone, relative_name, moment):
        response.set_rcode(dns.rcode.NXDOMAIN)
    _add_soa_authority(response, zone)
    return response


def _answer(sandbox, query):
    with sandbox.lock:
        moment = utc_now()
        sandbox.advance(moment)
        return build_response(sandbox, query, moment)


class _UdpHandler(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        try:
            query = dns.message.from_wire(data)
        except dns.exception.DNSException:
            return
        sock.sendto(_answer(self.server.sandbox, query).to_wire(), self.client_address)


class _TcpHandler(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.settimeout(TCP_IDLE_SECONDS)
        while True:
            try:
                query, _received = dns.query.receive_tcp(self.request)
            except (EOFError, OSError, dns.exception.DNSException):
                return
            dns.query.send_tcp(self.request, _answer(self.server.sandbox, query))


class _UdpServer(socketserver.ThreadingUDPServer):
    daemon_threads = True


class _TcpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SandboxDNS:
    """UDP and TCP listeners on the same loopback port."""

    def __init__(self, sandbox, host, port):
        self._servers = self._bind(host, port)
        for server in self._servers:
            server.sandbox = sandbox
        self.host, self.port = self._servers[0].server_address[:2]
        self._threads = []

    @staticmethod
    def _bind(host, port):
        """Port 0 picks a free UDP port; retry when its TCP twin is taken."""
        for _attempt in range(BIND_ATTEMPTS):
            udp = _UdpServer((host, port), _UdpHandler)
            try:
                return [udp, _TcpServer((host, udp.server_address[1]), _TcpHandler)]
            except OSError:
                udp.server_close()
                if port:
                    raise
        raise OSError(f'no free DNS port on {host}')

    def start(self):
        for server in self._servers:
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self):
        for server in self._servers:
            server.shutdown()
            server.server_close()
