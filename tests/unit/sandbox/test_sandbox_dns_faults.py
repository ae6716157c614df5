"""The sandbox DNS server, injected faults, the request log and the counters."""

import time

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest
import requests


def ask(sandbox, name, record_type='TXT', transport=dns.query.udp):
    query = dns.message.make_query(name, record_type)
    return transport(query, sandbox.dns_host, port=sandbox.dns_port, timeout=5)


def txt_values(response):
    return [b''.join(rdata.strings).decode() for rrset in response.answer for rdata in rrset]


@pytest.mark.parametrize('transport', [dns.query.udp, dns.query.tcp])
def test_dns_answers_records_streamed_by_zone_user(sandbox, zone_api, transport):
    zone_api.call('POST', '/zone/example.com/_stream', json={'adds': [{'name': '_dnsauth.www', 'type': 'TXT', 'value': 'abc 1', 'ttl': 300}]})
    response = ask(sandbox, '_dnsauth.www.example.com.', transport=transport)
    assert response.rcode() == dns.rcode.NOERROR and txt_values(response) == ['abc 1']
    assert response.answer[0].ttl == 300


def test_dns_nxdomain_nodata_and_refused(sandbox, control):  # pylint: disable=unused-argument
    missing = ask(sandbox, 'nothing.example.com.')
    assert missing.rcode() == dns.rcode.NXDOMAIN and missing.authority[0].rdtype == dns.rdatatype.SOA
    no_data = ask(sandbox, 'www.example.com.', 'TXT')
    assert no_data.rcode() == dns.rcode.NOERROR and not no_data.answer
    assert ask(sandbox, 'www.example.com.', 'A').answer[0][0].address == '192.0.2.10'
    assert ask(sandbox, 'example.com.', 'SOA').answer[0].rdtype == dns.rdatatype.SOA
    assert ask(sandbox, 'www.example.net.').rcode() == dns.rcode.REFUSED


def test_dns_visibility_delay_and_immediate_removal(sandbox, control, wait):
    control.settings(dns_visibility_delay=0.5)
    control.add_zone('external.test', owner=None)
    control.add_zone_record('external.test', '_dnsauth', 'TXT', 'late-token')
    assert ask(sandbox, '_dnsauth.external.test.').rcode() == dns.rcode.NXDOMAIN
    wait(lambda: txt_values(ask(sandbox, '_dnsauth.external.test.')) == ['late-token'])
    control.remove_zone_record('external.test', '_dnsauth', 'TXT', 'late-token')
    assert ask(sandbox, '_dnsauth.external.test.').rcode() == dns.rcode.NXDOMAIN


def test_zone_outside_autodns_is_invisible_to_the_api(control, zone_api):
    control.add_zone('external.test', owner=None)
    assert zone_api.call('GET', '/zone/external.test/a.ns14.net').status_code == 404


@pytest.mark.parametrize('kind, status', [('http_500', 500), ('http_502', 502), ('http_503', 503), ('http_429', 429)])
def test_http_faults_answer_their_status_once(control, ssl_api, kind, status):
    control.add_fault(method='GET', path='/hello', kind=kind, retry_after=7)
    faulted = ssl_api.call('GET', '/hello')
    assert faulted.status_code == status
    if status == 429:
        assert faulted.headers['Retry-After'] == '7'
    assert ssl_api.call('GET', '/hello').status_code == 200
    assert control.counters()['faults_fired'] == 1


def _stream_add(zone_api, name):
    return zone_api.call('POST', '/zone/example.org/_stream', json={'adds': [{'name': name, 'type': 'TXT', 'value': 'v'}]})


def _record_names(zone_api):
    return {record['name'] for record in zone_api.call('GET', '/zone/example.org/a.ns14.net').json()['data'][0]['resourceRecords']}


def test_drop_before_closes_without_effect(control, zone_api):
    control.add_fault(method='POST', path='/zone/*/_stream', kind='drop_before')
    with pytest.raises(requests.ConnectionError):
        _stream_add(zone_api, 'dropped-before')
    assert 'dropped-before' not in _record_names(zone_api)


def test_drop_after_closes_after_the_effect(control, zone_api):
    control.add_fault(method='POST', path='/zone/*/_stream', kind='drop_after')
    with pytest.raises(requests.ConnectionError):
        _stream_add(zone_api, 'dropped-after')
    assert 'dropped-after' in _record_names(zone_api)
    assert _stream_add(zone_api, 'dropped-after').json()['messages'][0]['code'] == 'EF02022'


def test_slow_fault_delays_the_answer(control, ssl_api):
    control.add_fault(method='GET', path='/hello', kind='slow', delay=0.5)
    started = time.monotonic()
    assert ssl_api.call('GET', '/hello').status_code == 200
    assert time.monotonic() - started >= 0.5


def test_malformed_json_fault(control, ssl_api):
    control.add_fault(method='GET', path='/poll', kind='malformed_json')
    answer = ssl_api.call('GET', '/poll')
    with pytest.raises(ValueError):
        answer.json()


def test_log_records_requests_with_authorization_redacted(control, ssl_api):
    control.add_fault(method='GET', path='/hello', kind='http_503')
    ssl_api.call('GET', '/hello')
    ssl_api.call('POST', '/certificate/_search?keys[]=expire', json={'view': {'limit': 1}})
    log = control.log()
    assert [(entry['method'], entry['path'], entry['status'], entry['fault']) for entry in log] == [
        ('GET', '/hello', 503, 'http_503'), ('POST', '/certificate/_search', 200, None)]
    assert log[1]['query'] == {'keys[]': ['expire']} and log[1]['body'] == {'view': {'limit': 1}}
    assert log[1]['ctid'] == 'renew-test-1'
    assert log[1]['headers']['Authorization'] == '<redacted>' and 'ssl-password' not in str(log)
    assert control.counters()['requests'] == 2
