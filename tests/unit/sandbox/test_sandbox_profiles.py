"""Behaviour profiles (settings for API behaviour the reference leaves open), the job history search, order faults and the jobs counter."""

import time

import pytest
import requests

from ansible_collections.autodns.ssl.tests.sandbox.control import SandboxControlError
from ansible_collections.autodns.ssl.tests.unit.sandbox.test_sandbox_api import SSL_OWNER, certificate_id, make_csr, message_codes
from ansible_collections.autodns.ssl.tests.unit.sandbox.test_sandbox_subscriptions import certificate, reissue, subscription

PROFILE_SETTINGS = {
    'job_search': ('active', 'all'), 'poll_detail': ('full', 'minimal'), 'ended_job_info': ('not_found', 'refused'),
    'dcv_layout': ('flat', 'nested'), 'poll_object_data': ('summary', 'certificate'),
}
CTID = 'renew-test-1'


def start_renew(api, certificate_number, body=None):
    """A renew whose DCV records the sandbox provisions (all test names lie in example.com); returns the job id."""
    answer = api.call('PUT', f'/certificate/{certificate_number}/_renew?keys[]=dnsProvisioning', json=body or {})
    assert answer.status_code == 200, answer.text
    return answer.json()['data'][0]['id']


def ended_job(api, job_id, wait):
    """The job's ObjectJob from the history, once it has ended."""
    def from_history():
        answer = api.call('GET', f'/job/history/{job_id}')
        return answer.json()['data'][0] if answer.status_code == 200 else None
    return wait(from_history)


def searched(api, path, query=None):
    answer = api.call('POST', path, json=query or {})
    assert answer.status_code == 200, answer.text
    return answer.json()


def job_ids(found):
    return [object_job['job']['id'] for object_job in found['data']]


def equal(key, value):
    return {'filters': [{'key': key, 'operator': 'EQUAL', 'value': value}]}


@pytest.mark.parametrize('name, values', sorted(PROFILE_SETTINGS.items()))
def test_profile_setting_is_validated_and_reset(control, name, values):
    default, other = values
    assert control.settings()[name] == default
    assert control.settings(**{name: other})[name] == other
    for wrong in ('everything', 1, None, [other]):
        with pytest.raises(SandboxControlError) as refused:
            control.settings(**{name: wrong})
        assert refused.value.status == 400
    assert control.settings()[name] == other
    control.reset()
    assert control.settings()[name] == default


def test_job_search_returns_ended_jobs_only_when_set_to_all(control, ssl_api, wait):
    ended = start_renew(ssl_api, certificate_id(ssl_api, 'www.example.com'))
    ended_job(ssl_api, ended, wait)
    control.settings(job_running_seconds=60)
    running = start_renew(ssl_api, certificate_id(ssl_api, 'shop.example.com'))
    active_only = searched(ssl_api, '/job/_search')
    assert job_ids(active_only) == [running] and active_only['object'] == {'type': 'Job', 'summary': 1}
    assert active_only['status']['code'] == 'S300115'
    control.settings(job_search='all')
    every_job = searched(ssl_api, '/job/_search')
    assert job_ids(every_job) == [ended, running] and every_job['object']['summary'] == 2
    assert [object_job['job']['status'] for object_job in every_job['data']] == ['SUCCESS', 'RUNNING']
    history = searched(ssl_api, '/job/history/_search')
    assert job_ids(history) == [ended] and history['status']['code'] == 'S300135'


def test_history_search_filters_and_pages_ended_jobs(control, ssl_api, zone_api, wait):
    renewed = start_renew(ssl_api, certificate_id(ssl_api, 'www.example.com'))
    failed = start_renew(ssl_api, control.add_certificate('fail.example.com', owner=SSL_OWNER, renewal_outcome='FAILED')['id'])
    reissued = reissue(ssl_api, subscription(control)['id']).json()['data'][0]['id']
    for job_id in (renewed, failed, reissued):
        ended_job(ssl_api, job_id, wait)
    control.settings(job_running_seconds=60, search_max_limit=2)
    start_renew(ssl_api, certificate_id(ssl_api, 'shop.example.com'))
    first = searched(ssl_api, '/job/history/_search', {'view': {'limit': 5}})
    second = searched(ssl_api, '/job/history/_search', {'view': {'offset': 2}})
    assert first['object']['summary'] == second['object']['summary'] == 3
    assert job_ids(first) + job_ids(second) == [renewed, failed, reissued]
    assert job_ids(searched(ssl_api, '/job/history/_search', equal('status', 'FAILED'))) == [failed]
    assert job_ids(searched(ssl_api, '/job/history/_search', equal('action', 'reissue'))) == [reissued]
    assert job_ids(searched(ssl_api, '/job/history/_search', equal('id', str(renewed)))) == [renewed]
    assert job_ids(searched(ssl_api, '/job/history/_search', {'filters': [{'key': 'object', 'operator': 'LIKE', 'value': 'fail%'}]})) == [failed]
    for key in ('subType', 'type'):
        assert searched(ssl_api, '/job/history/_search', equal(key, 'QUICKSSLPREMIUM'))['object']['summary'] == 3
    newest_first = searched(ssl_api, '/job/history/_search', {
        'filters': [{'key': 'created', 'operator': 'GREATER_EQUAL', 'value': '2000-01-01'}], 'orders': [{'key': 'id', 'type': 'DESC'}]})
    assert job_ids(newest_first) == [reissued, failed]
    assert searched(zone_api, '/job/history/_search')['object']['summary'] == 0
    unknown_key = ssl_api.call('POST', '/job/history/_search', json=equal('certificate', 'x'))
    assert unknown_key.status_code == 400 and message_codes(unknown_key) == ['EF00022']


def test_minimal_poll_detail_drops_object_data_and_job_events(control, ssl_api, wait):
    control.settings(poll_detail='minimal', job_search='all')
    ended = start_renew(ssl_api, certificate_id(ssl_api, 'www.example.com'))
    ended_job(ssl_api, ended, wait)
    control.settings(job_running_seconds=60)
    running = start_renew(ssl_api, certificate_id(ssl_api, 'shop.example.com'))
    message = ssl_api.call('GET', '/poll').json()['data'][0]
    assert message['object'] == {'type': 'Certificate', 'value': 'www.example.com'}
    assert message['job']['id'] == ended and message['job']['status'] == 'SUCCESS' and 'events' not in message['job']
    assert message['ctid'] == CTID
    object_jobs = [
        ssl_api.call('GET', f'/job/{running}').json()['data'][0], ssl_api.call('GET', f'/job/history/{ended}').json()['data'][0],
        *searched(ssl_api, '/job/_search')['data'], *searched(ssl_api, '/job/history/_search')['data'],
    ]
    assert len(object_jobs) == 5
    for object_job in object_jobs:
        assert set(object_job['object']) == {'type', 'value'} and 'events' not in object_job['job'] and object_job['dcvAuth']
    control.settings(poll_detail='full')
    full = ssl_api.call('GET', '/poll').json()['data'][0]
    assert full['object']['data']['id'] and full['job']['events'][0]['ctid'] == CTID
    assert ssl_api.call('GET', f'/job/{running}').json()['data'][0]['object']['data']['name'] == 'shop.example.com'


@pytest.mark.parametrize('ended_job_info, http_status, code', [('not_found', 404, 'EF300101'), ('refused', 400, 'EF300102')])
def test_info_of_an_ended_job(control, ssl_api, zone_api, wait, ended_job_info, http_status, code):
    control.settings(ended_job_info=ended_job_info)
    job_id = start_renew(ssl_api, certificate_id(ssl_api, 'www.example.com'))
    ended_job(ssl_api, job_id, wait)
    answer = ssl_api.call('GET', f'/job/{job_id}')
    assert answer.status_code == http_status and answer.json()['status']['code'] == 'E300114' and message_codes(answer) == [code]
    for unknown in (ssl_api.call('GET', f'/job/{job_id + 1}'), zone_api.call('GET', f'/job/{job_id}')):
        assert unknown.status_code == 404 and message_codes(unknown) == ['EF300101']


def _prepared_authentication(control, api, csr, layout):
    control.settings(dcv_layout=layout)
    answer = api.call('POST', '/certificate/_prepareOrder', json={'plain': csr, 'product': 'QUICKSSLPREMIUM'})
    return answer.json()['data'][0]['authentication']


def _names_and_methods(entries):
    return [(entry['name'], entry['method']) for entry in entries]


def test_nested_dcv_layout_for_two_names(control, ssl_api):
    csr = make_csr('www.example.com', alternative_names=('www.example.com', 'shop.example.com'))
    flat = _prepared_authentication(control, ssl_api, csr, 'flat')
    assert _names_and_methods(flat) == [
        ('www.example.com', 'DNS'), ('www.example.com', 'FILE'), ('shop.example.com', 'DNS'), ('shop.example.com', 'FILE')]
    assert not any('domains' in entry for entry in flat)
    nested = _prepared_authentication(control, ssl_api, csr, 'nested')
    assert _names_and_methods(nested) == [('www.example.com', 'DNS'), ('www.example.com', 'FILE')]
    assert _names_and_methods(nested[0]['domains']) == [('shop.example.com', 'DNS')]
    assert _names_and_methods(nested[1]['domains']) == [('shop.example.com', 'FILE')]
    assert nested[0]['dns'].startswith('_dnsauth.www.example.com.\t') and nested[0]['domains'][0]['dns'].startswith('_dnsauth.shop.example.com.\t')
    assert nested[0]['domains'][0]['provisioning'] is True and 'domains' not in nested[0]['domains'][0]
    old_id = certificate_id(ssl_api, 'www.example.com')
    start_renew(ssl_api, old_id, {'csr': csr, 'authentication': {
        'method': 'DNS', 'provisioning': True, 'dns': nested[0]['dns'], 'domains': [{'name': 'shop.example.com', 'dns': nested[0]['domains'][0]['dns']}]}})
    shown_nested = certificate(ssl_api, old_id)['authentication']
    assert shown_nested['dns'] == nested[0]['dns']
    assert [(domain['name'], domain['dns']) for domain in shown_nested['domains']] == [('shop.example.com', nested[0]['domains'][0]['dns'])]
    control.settings(dcv_layout='flat')
    shown_flat = certificate(ssl_api, old_id)['authentication']
    assert [(domain['name'], domain['dns']) for domain in shown_flat['domains']] == [
        ('www.example.com', nested[0]['dns']), ('shop.example.com', nested[0]['domains'][0]['dns'])]


def test_nested_dcv_layout_for_one_name_has_no_domains(control, ssl_api):
    nested = _prepared_authentication(control, ssl_api, make_csr('www.example.com'), 'nested')
    assert _names_and_methods(nested) == [('www.example.com', 'DNS'), ('www.example.com', 'FILE')]
    assert not any('domains' in entry for entry in nested)


@pytest.mark.parametrize('id_policy', ['new', 'same'])
def test_authentication_of_the_last_order_stays_after_the_job(control, ssl_api, wait, id_policy):
    control.settings(id_policy=id_policy)
    old_id = certificate_id(ssl_api, 'www.example.com')
    job_id = start_renew(ssl_api, old_id)
    during = certificate(ssl_api, old_id)['authentication']
    assert during == {'method': 'DNS', 'provisioning': True, 'dns': during['dns'],
                      'domains': [{'name': 'www.example.com', 'method': 'DNS', 'dns': during['dns'], 'provisioning': True}]}
    issued_id = ended_job(ssl_api, job_id, wait)['object']['data']['id']
    assert (issued_id == old_id) == (id_policy == 'same')
    assert certificate(ssl_api, old_id)['authentication'] == certificate(ssl_api, issued_id)['authentication'] == during


def test_late_answer_is_lost_by_an_impatient_client_but_the_job_exists(control, ssl_api):
    control.settings(job_running_seconds=60)
    control.add_fault(method='PUT', path='/certificate/*/_renew', kind='late_answer', delay=1.5, times=2)
    old_id = certificate_id(ssl_api, 'www.example.com')
    with pytest.raises(requests.Timeout):
        ssl_api.call('PUT', f'/certificate/{old_id}/_renew?keys[]=dnsProvisioning', json={}, timeout=0.5)
    jobs = control.counters()['jobs']
    assert [(job['action'], job['certificate_id'], job['status'], job['ctid']) for job in jobs] == [('renew', old_id, 'RUNNING', CTID)]
    assert job_ids(searched(ssl_api, '/job/_search', equal('object', 'www.example.com'))) == [jobs[0]['id']]
    started = time.monotonic()
    second = ssl_api.call('PUT', f'/certificate/{old_id}/_renew', json={})
    assert time.monotonic() - started >= 1.5 and message_codes(second) == ['EF4001013']
    assert control.counters()['orders'] == {str(old_id): 1}
    assert [(entry['fault'], entry['status']) for entry in control.log() if entry['path'].endswith('/_renew')] == [
        ('late_answer', 200), ('late_answer', 400)]


@pytest.mark.parametrize('outcome', ['SUCCESS', 'FAILED'])
def test_drop_after_job_ends_leaves_the_ended_job_and_its_poll_message(control, ssl_api, zone_api, outcome):
    control.settings(job_running_seconds=60)
    control.add_fault(method='PUT', path='/certificate/*/_renew', kind='drop_after_job_ends')
    seeded = control.add_certificate('drop.example.com', owner=SSL_OWNER, renewal_outcome=outcome)
    with pytest.raises(requests.ConnectionError):
        ssl_api.call('PUT', f"/certificate/{seeded['id']}/_renew?keys[]=dnsProvisioning", json={})
    jobs = control.counters()['jobs']
    assert jobs == [{'id': jobs[0]['id'], 'action': 'renew', 'certificate_id': seeded['id'], 'status': outcome, 'ctid': CTID}]
    job_id = jobs[0]['id']
    assert ssl_api.call('GET', f'/job/{job_id}').status_code == 404
    history = searched(ssl_api, '/job/history/_search', equal('object', 'drop.example.com'))
    assert job_ids(history) == [job_id] and history['data'][0]['job']['status'] == outcome
    assert history['data'][0]['dcvAuth'] == [{'domain': 'drop.example.com', 'status': 'COMPLETED'}]
    message = ssl_api.call('GET', '/poll').json()['data'][0]
    assert message['job']['id'] == job_id and message['job']['status'] == outcome and message['ctid'] == CTID
    assert [entry['code'] for entry in message['messages']] == ([] if outcome == 'SUCCESS' else ['EF400139'])
    issued_id = history['data'][0]['object']['data']['id']
    assert message['object']['data']['id'] == issued_id and (issued_id != seeded['id']) == (outcome == 'SUCCESS')
    assert control.certificate(seeded['id'])['successor_id'] == (issued_id if outcome == 'SUCCESS' else None)
    assert control.counters()['orders'] == {str(seeded['id']): 1}
    assert certificate(ssl_api, seeded['id'])['authentication']['provisioning'] is True
    records = zone_api.call('GET', '/zone/example.com/a.ns14.net').json()['data'][0]['resourceRecords']
    assert not [record for record in records if record['name'].startswith('_dnsauth')]


def test_poll_object_data_certificate_carries_the_issued_certificate_whole(control, ssl_api, wait):
    control.settings(poll_object_data='certificate')
    job_id = start_renew(ssl_api, certificate_id(ssl_api, 'www.example.com'))
    ended_job(ssl_api, job_id, wait)
    message = ssl_api.call('GET', '/poll').json()['data'][0]
    data = message['object']['data']
    read = ssl_api.call('GET', f"/certificate/{data['id']}").json()['data'][0]
    assert data == read and data['server'].startswith('-----BEGIN CERTIFICATE-----') and data['certificationAuthority']
    control.settings(poll_detail='minimal')
    assert set(ssl_api.call('GET', '/poll').json()['data'][0]['object']) == {'type', 'value'}


def test_poll_object_data_summary_names_the_certificate_only(control, ssl_api, wait):
    job_id = start_renew(ssl_api, certificate_id(ssl_api, 'www.example.com'))
    ended_job(ssl_api, job_id, wait)
    data = ssl_api.call('GET', '/poll').json()['data'][0]['object']['data']
    assert set(data) == {'id', 'name', 'product', 'expire', 'serialNumber'}
